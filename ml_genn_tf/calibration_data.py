"""Calibration data in any accepted format, as checked batches of one array per input.

Accepted, for a model with inputs ``a`` (and ``b``):

- one NumPy array (one input), split into batches;
- a dict of arrays by input name: ``{"a": xa, "b": xb}``;
- a list or tuple of one array per input, in the model's input order: ``[xa, xb]`` (the
  Keras convention). It is read so when its length equals the number of inputs and the
  arrays share their first dimension; otherwise a list is a list of batches (below);
- an ``(x, y)`` or ``(x, y, sample_weight)`` tuple whose ``x`` is any of the above;
- mlGeNN's ``[iterable of batches]``, a ``tf.data.Dataset`` or any iterable of batches,
  each batch ``x`` or ``(x, y)`` with ``x`` an array, a dict by input name or a
  list/tuple of one array per input (so datasets yielding tuples work the same way);
- any of these inside a one-element list.
"""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np

#: Batch size used to split calibration data given as whole arrays.
CALIBRATION_BATCH = 256
#: Hint for batches that are single examples.
_UNBATCHED = (" It looks like one example without a batch dimension: batch a tf.data "
              "dataset first (dataset.batch(256)), or pass whole arrays.")


def _is_array(value: Any) -> bool:
    return hasattr(value, "shape") and hasattr(value, "dtype") and \
        not hasattr(value, "element_spec")


def _per_input(value: Any, num_inputs: int) -> bool:
    """A list/tuple of one array per input, sharing their first dimension."""
    return isinstance(value, (list, tuple)) and len(value) == num_inputs and \
        all(_is_array(v) and len(v.shape) > 0 for v in value) and \
        len({v.shape[0] for v in value}) == 1


def _whole(value: Any, num_inputs: int) -> bool:
    """All the data at once: an array, a dict by input name or one array per input."""
    if isinstance(value, dict):
        return True
    return _is_array(value) or _per_input(value, num_inputs)


def _first_dim(value: Any) -> int | None:
    arrays = list(value.values()) if isinstance(value, dict) else \
        value if isinstance(value, (list, tuple)) else [value]
    sizes = {a.shape[0] for a in arrays if _is_array(a) and len(a.shape) > 0}
    return sizes.pop() if len(sizes) == 1 else None


def _is_labelled(value: Any, num_inputs: int) -> bool:
    """An ``(x, y)``/``(x, y, w)`` tuple of whole data with one label per example."""
    if not (isinstance(value, tuple) and len(value) in (2, 3)):
        return False
    x, y = value[0], value[1]
    return _whole(x, num_inputs) and _is_array(y) and len(y.shape) > 0 and \
        _first_dim(x) == y.shape[0]


class CalibrationData:
    """Calibration data as batches of one array per model input, in input order.

    Iterating yields lists of arrays ``[x_a, x_b, ...]`` (the inputs' order); every batch
    is checked: one array per input, each with the input's values per example, and
    finite values only.

    Args:
        data: calibration data in any accepted format (see the module docstring).
        inputs: the model's input names and per-example shapes, in order.
        batch_size: batch size used to split whole arrays.

    Attributes:
        num_batches: number of batches, or None if unknown (a generator).

    Raises:
        TypeError: an unsupported type.
        ValueError: arrays that do not fit the inputs, or a NaN or inf (naming the input
            and the index of the first bad value), raised while iterating.

    Example:
        >>> import numpy as np
        >>> data = CalibrationData([np.ones((5, 2)), np.zeros((5, 3))],
        ...                        {"a": (2,), "b": (3,)}, batch_size=4)
        >>> data.num_batches, [[x.shape for x in batch] for batch in data]
        (2, [[(4, 2), (4, 3)], [(1, 2), (1, 3)]])
    """

    def __init__(self, data: Any, inputs: dict[str, tuple], batch_size: int = CALIBRATION_BATCH):
        if data is None:
            raise TypeError("Calibration data is None; pass data= (convert_model) or "
                            "norm_data= (converters).")
        self.inputs = dict(inputs)
        self.batch_size = int(batch_size)
        self._source, self.num_batches = self._batches(data)

    # --- formats ---------------------------------------------------------------------
    def _batches(self, data: Any) -> tuple[Any, int | None]:
        n = len(self.inputs)
        if isinstance(data, list) and len(data) == 1 and not _per_input(data, n):
            data = data[0]
        if not (n > 1 and _per_input(data, n)) and _is_labelled(data, n):
            data = data[0]
        if _whole(data, n):
            arrays = self._arrays(data)
            size = len(arrays[0])
            starts = range(0, size, self.batch_size)
            return ([a[s:s + self.batch_size] for a in arrays] for s in starts), len(starts)
        if hasattr(data, "as_numpy_iterator"):
            try:
                num_batches = len(data)
            except TypeError:
                num_batches = None
            return (self._arrays(self._x(item)) for item in data.as_numpy_iterator()), \
                num_batches
        if isinstance(data, (str, bytes)) or not hasattr(data, "__iter__"):
            raise TypeError(f"Calibration data must be a NumPy array, a dict of arrays by "
                            f"input name, a list of one array per input, an (x, y) tuple, a "
                            f"tf.data.Dataset or an iterable of batches, received "
                            f"{type(data).__name__}.")
        num_batches = len(data) if hasattr(data, "__len__") else None
        return (self._arrays(self._x(item)) for item in data), num_batches

    def _x(self, item: Any) -> Any:
        """The inputs of one batch: ``item`` or the ``x`` of an ``(x, y)`` pair."""
        n = len(self.inputs)
        if _per_input(item, n) and n > 1:
            return item
        if isinstance(item, tuple) and len(item) in (2, 3):
            return item[0]
        return item

    def _arrays(self, x: Any) -> list[np.ndarray]:
        """``x`` as one array per input, in input order."""
        names = list(self.inputs)
        if isinstance(x, dict):
            missing = [name for name in names if name not in x]
            if missing:
                raise ValueError(f"Calibration data given as a dict lacks the input(s) "
                                 f"{missing}; the model's inputs are {names}, the dict's "
                                 f"keys {sorted(map(str, x))}.")
            arrays = [x[name] for name in names]
        elif isinstance(x, (list, tuple)):
            arrays = list(x)
        else:
            arrays = [x]
        if len(arrays) != len(names):
            raise ValueError(self._count_message(x, arrays))
        arrays = [np.asarray(a) for a in arrays]
        for name, array in zip(names, arrays, strict=True):
            size = int(np.prod(self.inputs[name]))
            if array.ndim == 0 or int(np.prod(array.shape[1:])) != size:
                unbatched = tuple(array.shape) == tuple(self.inputs[name])
                raise ValueError(f"Calibration data for input '{name}' has shape "
                                 f"{array.shape}; expected (num_examples, "
                                 f"{', '.join(map(str, self.inputs[name]))})." +
                                 (_UNBATCHED if unbatched else ""))
        if len({len(a) for a in arrays}) > 1:
            raise ValueError(f"Calibration arrays for the inputs {names} have different "
                             f"numbers of examples: {[len(a) for a in arrays]}.")
        return arrays

    def _count_message(self, x: Any, arrays: list) -> str:
        names = list(self.inputs)
        sizes = [np.shape(a)[0] if np.ndim(a) else None for a in arrays]
        received = (f"a {type(x).__name__} of {len(arrays)} arrays with first dimensions "
                    f"{sizes}" if isinstance(x, (list, tuple)) else
                    f"one array of shape {np.shape(x)}")
        return (f"The model has {len(names)} input(s) {names} but a calibration batch is "
                f"{received}. Pass a dict by input name, or a list/tuple of one array per "
                f"input (in that order, all with the same number of examples).")

    # --- iteration ------------------------------------------------------------------------
    def __iter__(self) -> Iterator[list[np.ndarray]]:
        offset = 0
        for arrays in self._source:
            for name, array in zip(self.inputs, arrays, strict=True):
                check_finite(array, name, offset)
            offset += len(arrays[0])
            yield arrays


def check_finite(array: np.ndarray, name: str, offset: int = 0) -> None:
    """Raise a ValueError naming input ``name`` and the first NaN/inf of ``array``
    (its example index shifted by ``offset``).

    Example:
        >>> check_finite(np.array([[0.0, np.inf]]), "image", offset=7)  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        ValueError: Calibration data for input 'image' contains inf at index (7, 1) (the ...
    """
    if not np.issubdtype(array.dtype, np.inexact):
        return
    finite = np.isfinite(array)
    if finite.all():
        return
    index = np.unravel_index(int(np.argmin(finite)), array.shape)
    value = array[index]
    where = (offset + int(index[0]),) + tuple(int(i) for i in index[1:])
    raise ValueError(f"Calibration data for input '{name}' contains {value} at index "
                     f"{where} (the first non-finite value). Replace or drop non-finite "
                     f"values (e.g. with np.nan_to_num) before converting.")

"""What :class:`SpikeRecorder` and :class:`VarRecorder` share: the population they
watch, their key, and the example and neuron filters.

Example filters select examples by their global index (0 for the first example given to
``evaluate``/``predict``, across batches); neuron filters select neurons by their flat,
row-major (HWC) index. Selected neurons always come in increasing flat index.
"""
from __future__ import annotations

import numbers
from typing import Any

import numpy as np

from ..connection import as_population
from .callback import Callback

#: Shown when a multi-dimensional integer array is given as a neuron filter.
MSG_FLAT_NEURON_FILTER = (
    "Neuron filters take flat (row-major) indices. To select neurons of a "
    "multi-dimensional population by position, convert first:\n"
    "    wrong: neuron_filter=np.array([[0, 1], [2, 3]])       # (rows, cols) pairs\n"
    "    right: neuron_filter=np.ravel_multi_index(([0, 2], [1, 3]), pop.shape)")


def _is_int(value: Any) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, (bool, np.bool_))


class ExampleFilter:
    """Which examples to record, by global example index.

    Args:
        example_filter: ``None`` (all), an int, a sequence/array of ints, a boolean mask
            (examples past its end are not recorded) or a slice with non-negative bounds
            and a positive step.
        owner: name used in error messages.

    Example:
        >>> ExampleFilter(slice(1, None, 2), "rec").select(np.arange(6)).tolist()
        [False, True, False, True, False, True]
    """

    def __init__(self, example_filter: Any, owner: str):
        self._all = example_filter is None
        self._slice = None
        self._mask = None
        self._indices = None
        f = example_filter
        if f is None:
            return
        if isinstance(f, slice):
            start, stop, step = f.start or 0, f.stop, 1 if f.step is None else f.step
            if not all(v is None or _is_int(v) for v in (f.start, f.stop, f.step)):
                raise TypeError(f"{owner}: example_filter slice bounds must be ints, "
                                f"received {f!r}.")
            if start < 0 or (stop is not None and stop < 0) or step <= 0:
                raise ValueError(f"{owner}: example_filter slices need non-negative bounds "
                                 f"and a positive step (the number of examples is unknown "
                                 f"while recording), received {f!r}.")
            self._slice = (start, stop, step)
            return
        if _is_int(f):
            f = [f]
        elif isinstance(f, (bool, np.bool_)) or not isinstance(f, (list, tuple, range,
                                                                    np.ndarray)):
            raise TypeError(f"{owner}: example_filter must be None, an int, a sequence of "
                            f"ints, a boolean mask or a slice, received "
                            f"{type(f).__name__}: {f!r}.")
        array = np.asarray(f)
        if array.ndim != 1:
            raise ValueError(f"{owner}: example_filter must be one-dimensional, received "
                             f"shape {array.shape}.")
        if array.dtype == bool:
            self._mask = array
        elif array.size == 0 or np.issubdtype(array.dtype, np.integer):
            array = array.astype(np.int64)
            if np.any(array < 0):
                raise ValueError(f"{owner}: example_filter indices must be >= 0 (global "
                                 f"example indices), received {array[array < 0].tolist()}.")
            self._indices = np.unique(array)
        else:
            raise TypeError(f"{owner}: example_filter arrays must hold ints or bools, "
                            f"received dtype {array.dtype}.")

    def select(self, examples: np.ndarray) -> np.ndarray:
        """Boolean mask over ``examples`` (global indices) of those to record."""
        examples = np.asarray(examples, dtype=np.int64)
        if self._all:
            return np.ones(examples.shape, bool)
        if self._slice is not None:
            start, stop, step = self._slice
            keep = (examples >= start) & ((examples - start) % step == 0)
            return keep if stop is None else keep & (examples < stop)
        if self._mask is not None:
            inside = examples < len(self._mask)
            keep = np.zeros(examples.shape, bool)
            keep[inside] = self._mask[examples[inside]]
            return keep
        assert self._indices is not None, "one of slice, mask or indices is set"
        return np.isin(examples, self._indices)


def neuron_indices(neuron_filter: Any, shape: tuple[int, ...], owner: str) -> np.ndarray | None:
    """Sorted flat indices selected by ``neuron_filter`` in a population of ``shape``
    (``None``: every neuron).

    Args:
        neuron_filter: ``None``, an int, a sequence/1-D array of flat indices (negative
            ones count from the end), a boolean mask of the population's shape (or flat),
            or a slice over flat indices.
        shape: the population's shape.
        owner: name used in error messages.

    Example:
        >>> neuron_indices(np.array([[True, False], [False, True]]), (2, 2), "rec").tolist()
        [0, 3]
    """
    if neuron_filter is None:
        return None
    n = int(np.prod(shape))
    f = neuron_filter
    if isinstance(f, slice):
        return np.arange(n)[f]
    if _is_int(f):
        f = [f]
    elif isinstance(f, (bool, np.bool_)) or not isinstance(f, (list, tuple, range, np.ndarray)):
        raise TypeError(f"{owner}: neuron_filter must be None, an int, a sequence of flat "
                        f"indices, a boolean mask or a slice, received "
                        f"{type(f).__name__}: {f!r}.")
    array = np.asarray(f)
    if array.dtype == bool:
        if array.shape not in (tuple(shape), (n,)):
            raise ValueError(f"{owner}: a boolean neuron_filter must have the population's "
                             f"shape {tuple(shape)} (or ({n},)), received {array.shape}.")
        return np.flatnonzero(array)
    if array.size and not np.issubdtype(array.dtype, np.integer):
        raise TypeError(f"{owner}: neuron_filter arrays must hold ints or bools, received "
                        f"dtype {array.dtype}.")
    if array.ndim != 1:
        raise ValueError(f"{owner}: neuron_filter of shape {array.shape}. "
                         f"{MSG_FLAT_NEURON_FILTER}")
    array = array.astype(np.int64)
    bad = array[(array < -n) | (array >= n)]
    if bad.size:
        raise ValueError(f"{owner}: neuron_filter indices {bad.tolist()} are out of range for "
                         f"a population of {n} neurons (shape {tuple(shape)}).")
    return np.unique(np.where(array < 0, array + n, array))


class BaseRecorder(Callback):
    """Records from one population: resolves ``pop``, holds the key and the filters.

    Subclasses set ``self._var`` (what to request) and implement :meth:`_record`, which
    receives the kept examples' recordings, neurons flattened and filtered.

    Example:
        >>> from ml_genn import Network, Population
        >>> class PeakRecorder(BaseRecorder):
        ...     def __init__(self, pop):
        ...         super().__init__(pop, key="peak", neuron_filter=[0, 2])
        ...         self._var = "v"
        ...     def _record(self, data, first_step):
        ...         self.peak = data.max(axis=1)  # (examples, selected neurons)
        >>> with Network():
        ...     pop = Population("integrate_fire", 3)
        >>> PeakRecorder(pop).num_selected
        2
    """

    def __init__(self, pop: Any, key: Any = None, example_filter: Any = None,
                 neuron_filter: Any = None):
        self._pop = as_population(pop)
        self.key = pop if key is None else key
        owner = f"{type(self).__name__} of population '{self._pop.name}'"
        self._owner = owner
        self._example_filter = ExampleFilter(example_filter, owner)
        self._neuron_filter = neuron_filter
        self._neurons = None
        if self._pop.shape is not None:  # validate early when the shape is known
            self._neurons = neuron_indices(neuron_filter, self._pop.shape, owner)
        self._var: str | None = None
        self._num_timesteps = 0
        self._time_offset_steps = False

    def _pop_shape(self) -> tuple[int, ...]:
        if self._pop.shape is None:
            raise ValueError(f"{self._owner}: the population has no shape; give it one "
                             f"before recording it.")
        return self._pop.shape

    def set_params(self, compiled_network: Any = None, *, num_timesteps: int | None = None,
                   **params: Any) -> None:
        if compiled_network is not None:
            try:
                compiled_network.plan.index(self._pop)
            except KeyError:
                raise ValueError(f"{self._owner}: the population is not part of the compiled "
                                 f"network.") from None
            self._time_offset_steps = not getattr(compiled_network,
                                                  "reset_time_between_batches", True)
        self._neurons = neuron_indices(self._neuron_filter, self._pop_shape(), self._owner)
        self._num_timesteps = int(num_timesteps or 0)

    @property
    def num_selected(self) -> int:
        """Number of neurons recorded."""
        return self._pop.num_neurons if self._neurons is None else len(self._neurons)

    def recording_requests(self) -> list:
        return [(self._pop, self._var)]

    def on_batch_recorded(self, batch: int, examples: np.ndarray, recordings: dict) -> None:
        keep = self._example_filter.select(examples)
        if not np.any(keep):
            return
        data = np.asarray(recordings[(self._pop, self._var)])[keep]
        data = data.reshape(data.shape[:2] + (-1,))
        if self._neurons is not None:
            data = data[..., self._neurons]
        first_step = batch * self._num_timesteps if self._time_offset_steps else 0
        self._record(data, first_step)

    def _record(self, data: np.ndarray, first_step: int) -> None:
        """``data``: ``(examples kept, timesteps, selected neurons)``; ``first_step``: model
        step of the batch's first timestep."""
        raise NotImplementedError

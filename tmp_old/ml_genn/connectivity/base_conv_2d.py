"""Shared code of the 2-D windowed connectivities (convolutions and pooling).

Geometry follows Keras/TF exactly, per spatial axis with input size ``n``, window ``k``
and stride ``s``:

- ``"valid"``: no padding, output ``ceil((n - k + 1) / s)``;
- ``"same"``: total padding ``max(k - s, 0)`` if ``n % s == 0`` else ``max(k - n % s, 0)``,
  the smaller half (floor) on the top/left; output ``ceil(n / s)``;
- explicit ``(before, after)`` (**ours**, to fold Keras ``ZeroPadding2D``): output
  ``floor((n + before + after - k) / s) + 1``.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from ..utils.validation import is_positive_int
from .connectivity import Connectivity

if TYPE_CHECKING:
    from ..population import Population

Pair = tuple[int, int]
Padding = str | tuple[Pair, Pair]


def check_pair(value: Any, name: str, owner: str) -> Pair:
    """An int or a pair of ints, all positive, as a ``(rows, cols)`` tuple."""
    if isinstance(value, (tuple, list, np.ndarray)):
        values = tuple(np.ravel(np.asarray(value, dtype=object)).tolist())
    else:
        values = (value, value)
    if len(values) != 2 or not all(is_positive_int(v) for v in values):
        raise ValueError(f"{owner}: {name} must be a positive int or a pair of positive "
                         f"ints, received {value!r}.")
    return int(values[0]), int(values[1])


def check_padding(padding: Any, name: str, owner: str, explicit: bool = True,
                  allow_negative: bool = False) -> Padding:
    """``"valid"``/``"same"`` (any case), or with ``explicit`` a pair of
    ``(before, after)`` pairs of non-negative ints: ``((top, bottom), (left, right))``
    (with ``allow_negative``, negative entries crop)."""
    if isinstance(padding, str):
        if padding.lower() in ("valid", "same"):
            return padding.lower()
    elif explicit:
        try:
            pads = tuple(tuple(int(p) for p in axis) for axis in padding)
            ok = (len(pads) == 2 and all(len(a) == 2 for a in pads)
                  and all((allow_negative or p >= 0) and p == q
                          for a, qa in zip(pads, padding, strict=True)
                          for p, q in zip(a, qa, strict=True)))
        except (TypeError, ValueError):
            ok = False
        if ok:
            return (pads[0][0], pads[0][1]), (pads[1][0], pads[1][1])
    kind = "ints" if allow_negative else "non-negative ints"
    allowed = (f"'valid', 'same' or ((top, bottom), (left, right)) of {kind}"
               if explicit else "'valid' or 'same'")
    raise ValueError(f"{owner}: {name} must be {allowed}, received {padding!r}.")


def axis_pads(size: int, k: int, s: int, padding: Padding, axis: int) -> Pair:
    """``(before, after)`` padding of one spatial axis (0: rows, 1: cols)."""
    if padding == "valid":
        return 0, 0
    if padding == "same":
        total = max(k - s, 0) if size % s == 0 else max(k - size % s, 0)
        return total // 2, total - total // 2
    if isinstance(padding, str):
        raise ValueError(f"Unknown padding {padding!r}: use 'valid', 'same' or "
                         "((top, bottom), (left, right)).")
    return padding[axis]


def window_geometry(in_hw: Pair, k: Pair, s: Pair, padding: Padding
                    ) -> tuple[Pair, tuple[Pair, Pair]]:
    """Output ``(rows, cols)`` and padding ``((top, bottom), (left, right))`` of a
    window ``k`` with strides ``s`` slid over an image of ``in_hw``; an output size may
    be ``<= 0`` when the window does not fit (callers raise)."""
    pads = (axis_pads(in_hw[0], k[0], s[0], padding, 0),
            axis_pads(in_hw[1], k[1], s[1], padding, 1))
    rows, cols = ((in_hw[a] + sum(pads[a]) - k[a]) // s[a] + 1 for a in (0, 1))
    return (rows, cols), pads


def window_counts(in_hw: Pair, k: Pair, s: Pair, padding: Padding) -> np.ndarray:
    """Number of real (non-padded) inputs in each output window, ``(out_rows, out_cols)``;
    what Keras/TF ``AveragePooling2D`` divides by."""
    out, pads = window_geometry(in_hw, k, s, padding)
    counts = []
    for a in (0, 1):
        start = np.arange(out[a]) * s[a] - pads[a][0]
        counts.append(np.minimum(start + k[a], in_hw[a]) - np.maximum(start, 0))
    return np.outer(counts[0], counts[1])


class BaseConv2D(Connectivity):
    """Base of connectivities from a ``(rows, cols, channels)`` source (row-major HWC,
    Keras order) to an image or, with ``flatten``, a 1-D target."""

    flatten = False

    def _image_shape(self, source: Population) -> tuple[int, int, int]:
        owner = type(self).__name__
        if source.shape is None:
            raise ValueError(f"{owner}: source population '{source.name}' needs a shape.")
        if len(source.shape) != 3:
            raise ValueError(f"{owner} needs a 3-D (rows, cols, channels) source, but "
                             f"population '{source.name}' has shape {source.shape}; give the "
                             f"source an image shape.")
        return source.shape

    def _check_window_fits(self, source: Population, out_hw: Pair, what: str, **geometry) -> None:
        if min(out_hw) <= 0:
            details = ", ".join(f"{k}={v}" for k, v in geometry.items())
            raise ValueError(f"{type(self).__name__}: the {what} does not fit source "
                             f"'{source.name}' of shape {source.shape} ({details}); use "
                             f"'same' padding or a smaller window.")

    def _check_channels(self, source: Population, channels: int, expected: int, what: str) -> None:
        if channels != expected:
            raise ValueError(f"{type(self).__name__}: {what} expects {expected} input "
                             f"channels but source '{source.name}' has shape {source.shape} "
                             f"({channels} channels).")

    def _connect_image(self, source: Population, target: Population,
                       out_shape: tuple[int, ...]) -> None:
        """Set the target's shape to ``out_shape`` (flattened if ``flatten``) or check it."""
        out_shape = (int(np.prod(out_shape)),) if self.flatten else tuple(out_shape)
        if target.shape is not None and tuple(target.shape) != out_shape:
            raise ValueError(f"{type(self).__name__} from source '{source.name}' (shape "
                             f"{source.shape}) gives shape {out_shape}, but target "
                             f"'{target.name}' has shape {target.shape}"
                             f"{'' if self.flatten else ' (use flatten=True for a 1-D target)'}.")
        self._set_shapes(source, target, out_shape)

    def _check_kernel(self, expected: tuple, names: str) -> None:
        """A weight array must have the Keras kernel shape ``expected`` (None = any)."""
        w = self.weight
        if isinstance(w, np.ndarray) and w.ndim > 0:
            if w.ndim != len(expected) or any(e is not None and e != d
                                              for e, d in zip(expected, w.shape, strict=True)):
                shown = tuple("?" if e is None else e for e in expected)
                raise ValueError(f"{type(self).__name__}: weight must have shape {names} = "
                                 f"{shown}, received shape {w.shape}.")


class BaseResize2D(BaseConv2D):
    """Base of the weight-1 maps of a ``(rows, cols, channels)`` source that keep its
    channels and give the image a new size (padding or cropping, up-sampling):
    subclasses say how in :meth:`_output_size`."""

    def __init__(self, flatten: bool = False, delay: Any = 0):
        super().__init__(None, delay)
        self.flatten = bool(flatten)

    def _output_size(self, source: Population, rows: int, cols: int) -> Pair:
        """The target's ``(rows, cols)`` for a source image of ``(rows, cols)``
        (raising if ``source`` cannot be resized so)."""
        raise NotImplementedError(f"{type(self).__name__} must implement "
                                  f"_output_size(source, rows, cols).")

    def _output_channels(self, channels: int) -> int:
        """The target's channels for a source of ``channels`` (default: the same)."""
        return channels

    def connect(self, source: Population, target: Population) -> None:
        rows, cols, channels = self._image_shape(source)
        self._connect_image(source, target, self._output_size(source, rows, cols)
                            + (self._output_channels(channels),))

"""From ml_genn's layout to NIR's: populations are row-major ``(rows, cols, channels)``
(Keras order), NIR tensors are channels-first ``(channels, rows, cols)``; Conv2d kernels
are Keras ``(kh, kw, cin, cout)`` here and ``(cout, cin, kh, kw)`` in NIR; Affine
weights are ``(n_in, n_out)`` here and ``(n_out, n_in)`` in NIR, and a flattened image
is HWC here but CHW after NIR's Flatten.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ml_genn.initializers import Initializer

from .registry import UnsupportedExport


def nir_shape(shape: tuple, where: str) -> tuple[int, ...]:
    """``(n,)`` stays, ``(rows, cols, channels)`` becomes ``(channels, rows, cols)``.

    Raises:
        UnsupportedExport: any other rank.
    """
    shape = tuple(int(d) for d in shape)
    if len(shape) == 1:
        return shape
    if len(shape) == 3:
        return (shape[2], shape[0], shape[1])
    raise UnsupportedExport(f"{where} has shape {shape}; NIR export handles populations of "
                            f"shape (n,) or (rows, cols, channels).")


def values(value: Any, shape: tuple, name: str, where: str) -> np.ndarray:
    """A parameter (scalar or array) as a float32 array of the population's ``shape``.

    Raises:
        TypeError: ``value`` is an Initializer (drawn only at compile time).
        ValueError: ``value`` does not fit ``shape``.
    """
    if isinstance(value, Initializer):
        raise TypeError(f"{where}: {name} is an initializer ({type(value).__name__}), drawn "
                         f"only when the network is compiled; give it as an array to export.")
    array = np.asarray(value, np.float32)
    if array.size == int(np.prod(shape)):
        return array.reshape(shape)
    try:
        return np.ascontiguousarray(np.broadcast_to(array, shape))
    except ValueError:
        raise ValueError(f"{where}: {name} has shape {array.shape}, which does not fit the "
                         f"shape {tuple(shape)}.") from None


def to_nir(array: np.ndarray) -> np.ndarray:
    """A population-shaped array (``(n,)`` or HWC) in NIR layout (``(n,)`` or CHW)."""
    return np.ascontiguousarray(array.transpose(2, 0, 1) if array.ndim == 3 else array)


def affine_weight(weight: np.ndarray, source_shape: tuple) -> np.ndarray:
    """Our ``(n_in, n_out)`` weights, rows in HWC order of ``source_shape``, as NIR's
    ``(n_out, n_in)`` with columns in the order of NIR's Flatten of the source (CHW)."""
    n_out = weight.shape[1]
    if len(source_shape) == 3:
        weight = weight.reshape(tuple(source_shape) + (n_out,)).transpose(2, 0, 1, 3)
    return np.ascontiguousarray(weight.reshape(-1, n_out).T)


def conv_kernel(kernel: np.ndarray) -> np.ndarray:
    """Keras ``(kh, kw, cin, cout)`` as NIR ``(cout, cin, kh, kw)``."""
    return np.ascontiguousarray(kernel.transpose(3, 2, 0, 1))

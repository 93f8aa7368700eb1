"""Parameter and variable values: scalars, arrays or initializers ("InitValue")."""
from __future__ import annotations

from numbers import Real
from typing import Any

import numpy as np

from ..initializers.initializer import Initializer
from .validation import check_init_value

InitValue = Real | np.ndarray | Initializer

# check_init_value lives in .validation and is re-exported here for older imports.
__all__ = ["InitValue", "check_init_value", "is_value_array", "materialise"]


def is_value_array(value: Any) -> bool:
    """Whether an InitValue is an array of values (mlGeNN's test helper): a NumPy array
    or a sequence, not a scalar or an initializer."""
    return isinstance(value, (np.ndarray, list, tuple))


def materialise(value: Any, shape: tuple[int, ...], name: str, owner: str,
                rng: np.random.Generator) -> np.ndarray:
    """Turn an InitValue into a float32 array broadcastable to ``shape``.

    Scalars stay 0-d (cheap to broadcast); arrays of ``shape`` or of its size are reshaped,
    and arrays that NumPy broadcasts to ``shape`` (e.g. one value per channel of an
    ``(H, W, C)`` population) are expanded to it.
    """
    if isinstance(value, Initializer):
        return np.asarray(value.sample(shape, rng), dtype=np.float32)
    array = np.asarray(value, dtype=np.float32)
    if array.ndim == 0:
        return array
    if array.shape == tuple(shape):
        return array
    if array.size == int(np.prod(shape)):
        return array.reshape(shape)
    try:
        return np.ascontiguousarray(np.broadcast_to(array, shape))
    except ValueError:
        pass
    raise ValueError(f"{owner}: parameter '{name}' has shape {array.shape} but the "
                     f"population has shape {tuple(shape)}; pass a scalar, an array "
                     f"of that shape or one that broadcasts to it.")

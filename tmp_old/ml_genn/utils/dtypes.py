"""Which input types reach the device as they are, and input data in such a type."""
from __future__ import annotations

from typing import Any

import numpy as np


def exact_in_float32(dtype: Any) -> bool:
    """Whether every value of ``dtype`` is exactly a float32 (float32 itself, ``bool``,
    integers of up to 16 bits, ``float16``, ``bfloat16``): inputs of such a type travel
    to the device as they are (the narrow ones two to four times smaller than float32)
    and are converted there.

    Example:
        >>> exact_in_float32(np.uint8), exact_in_float32(np.int32)
        (True, False)
    """
    dtype = np.dtype(dtype)
    return dtype.kind == "b" or (dtype.kind in "iu" and dtype.itemsize <= 2) or \
        dtype == np.float16 or dtype.name == "bfloat16" or dtype == np.float32


def input_array(data: Any) -> np.ndarray:
    """``data`` as a NumPy array in its own type where :func:`exact_in_float32` (it
    travels as it is and the device converts it), else as float32.

    Example:
        >>> input_array(np.zeros(2, np.uint8)).dtype, input_array([1, 2]).dtype
        (dtype('uint8'), dtype('float32'))
    """
    array = np.asarray(data)
    return array if exact_in_float32(array.dtype) else array.astype(np.float32, copy=False)

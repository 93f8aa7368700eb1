"""Argument checks shared by every description class and compiler.

Each check takes the value, the parameter's ``name`` and its ``owner`` (the class or
function, as named in the message), returns the value to store and raises ``ValueError``
or ``TypeError`` naming all three:

    >>> check_positive_int(3.0, "k", "FewSpikeRelu")
    3
    >>> check_positive(-1.0, "tau_mem", "LeakyIntegrateFire")
    Traceback (most recent call last):
    ...
    ValueError: LeakyIntegrateFire: tau_mem must be > 0, received -1.0.
"""
from __future__ import annotations

from numbers import Real
from typing import Any

import numpy as np

from ..initializers.initializer import Initializer


def is_positive_int(value: Any) -> bool:
    """Whether ``value`` is a number with an integer value > 0 (``bool`` excluded)."""
    return (isinstance(value, (Real, np.integer, np.floating))
            and not isinstance(value, (bool, np.bool_))
            and float(value).is_integer() and float(value) > 0)


def check_positive_int(value: Any, name: str, owner: str) -> int:
    """A positive integer (an integral float such as ``3.0`` is accepted), as ``int``."""
    if not is_positive_int(value):
        raise ValueError(f"{owner}: {name} must be a positive integer, received {value!r}.")
    return int(value)


def check_non_negative_int(value: Any, name: str, owner: str) -> int:
    """A non-negative integer (an integral float such as ``3.0`` is accepted), as ``int``."""
    if not (is_positive_int(value) or (isinstance(value, (Real, np.integer, np.floating))
                                       and not isinstance(value, (bool, np.bool_))
                                       and value == 0)):
        raise ValueError(f"{owner}: {name} must be a non-negative integer, "
                         f"received {value!r}.")
    return int(value)


def check_positive(value: Any, name: str, owner: str) -> Any:
    """Reject a non-positive scalar or array (initializers are checked when drawn)."""
    if isinstance(value, Initializer):
        return value
    if not np.all(np.asarray(value, dtype=np.float64) > 0):
        raise ValueError(f"{owner}: {name} must be > 0, received {value!r}.")
    return value


def check_non_negative(value: Any, name: str, owner: str) -> Any:
    """Reject a negative scalar or array (initializers are checked when drawn)."""
    if isinstance(value, Initializer):
        return value
    if not np.all(np.asarray(value, dtype=np.float64) >= 0):
        raise ValueError(f"{owner}: {name} must be >= 0, received {value!r}.")
    return value


def check_unit_interval(value: Any, name: str, owner: str) -> Any:
    """Reject a scalar or array outside [0, 1] (initializers are checked when drawn)."""
    if isinstance(value, Initializer):
        return value
    array = np.asarray(value, dtype=np.float64)
    if not np.all((array >= 0) & (array <= 1)):
        raise ValueError(f"{owner}: {name} must lie in [0, 1], received {value!r}.")
    return value


def check_init_value(value: Any, name: str, owner: str) -> Any:
    """Validate an InitValue (number, array or initializer); arrays are copied to
    float32, numbers become ``float`` (``bool`` flags pass unchanged)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, (Real, np.integer, np.floating)):
        return float(value)
    if isinstance(value, Initializer):
        return value
    if isinstance(value, (list, tuple, np.ndarray)):
        return np.array(value, dtype=np.float32)
    raise TypeError(f"{owner}: parameter '{name}' must be a number, an array or an "
                    f"Initializer, received {type(value).__name__}.")


def as_bool(value: Any, name: str, owner: str) -> bool:
    """A flag: ``bool``, or a number (``0``/``1``, NumPy scalars included) read as one."""
    if isinstance(value, (bool, np.bool_, Real, np.integer)):
        return bool(value)
    raise TypeError(f"{owner}: {name} must be True or False, received "
                    f"{type(value).__name__}: {value!r}.")

"""Generator replaying a given array of values."""
from __future__ import annotations

from typing import Any

import numpy as np

from ..utils.defaults import network_default_params
from .base_generator import GeneratorBase
from .param import Option


def _check_data(value: Any, name: str, owner: str) -> np.ndarray:
    data = np.array(value, dtype=np.float32)
    if data.ndim == 0 or data.shape[0] == 0 or not np.all(np.isfinite(data)):
        raise ValueError(f"{owner}: {name} must be a non-empty array of finite values with "
                         f"time on the first axis, received shape {data.shape}.")
    return data


class CustomGenerator(GeneratorBase):
    r"""Emits the rows of a given array as (graded) events, one row per step from the
    start of the active window, the same in every example:

    .. math:: e_t = \text{data}[t - t_0] \text{ if } 0 \le t - t_0 < T
              \text{ and } t\Delta t < \text{stop, else } 0,
              \qquad t_0 = \lceil \text{start}/\Delta t \rceil

    Args:
        data: array ``(T,)`` (one value for all neurons per step) or ``(T, *pop_shape)``
            (or ``(T, num_neurons)``).
        start, stop: active window [ms].

    Raises:
        ValueError: if ``data`` is empty or not finite.

    Example:
        >>> CustomGenerator([0.0, 1.0, 0.5]).data.shape
        (3,)
    """

    data = Option(_check_data)

    @network_default_params
    def __init__(self, data: Any, start: float = 0.0, stop: float | None = None):
        super().__init__(start, stop, data=data)

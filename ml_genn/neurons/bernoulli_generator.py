"""Bernoulli spike generator."""
from __future__ import annotations

from typing import Any

import numpy as np

from ..initializers import Initializer
from ..utils.defaults import network_default_params
from .base_generator import GeneratorBase
from .param import Param


def _check_probability(value: Any, name: str, owner: str) -> Any:
    if not isinstance(value, Initializer):
        array = np.asarray(value, dtype=np.float64)
        if not np.all((array >= 0) & (array <= 1)):
            raise ValueError(f"{owner}: {name} must lie in [0, 1], received {value!r}.")
    return value


class BernoulliGenerator(GeneratorBase):
    r"""Spikes independently at each active step with probability ``prob``:

    .. math:: P(\text{spike at step } t) = p \quad (\text{start} \le t\Delta t < \text{stop})

    Args:
        prob: spike probability per step, in [0, 1].
        start, stop: active window [ms].

    Raises:
        ValueError: if ``prob`` is outside [0, 1].

    Example:
        >>> BernoulliGenerator(prob=0.25).prob
        0.25
    """

    prob = Param(_check_probability)

    @network_default_params
    def __init__(self, prob: Any = 0.5, start: float = 0.0, stop: float | None = None):
        super().__init__(start, stop, prob=prob)

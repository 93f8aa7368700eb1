"""Bernoulli spike generator."""
from __future__ import annotations

from typing import Any

import numpy as np

from ..initializers import Initializer
from ..utils.defaults import network_default_params
from .base_generator import GeneratorBase


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

    param_names = ("prob",)

    @network_default_params
    def __init__(self, prob: Any = 0.5, start: float = 0.0, stop: float | None = None):
        if not isinstance(prob, Initializer):
            array = np.asarray(prob, dtype=np.float64)
            if not np.all((array >= 0) & (array <= 1)):
                raise ValueError(f"{type(self).__name__}: prob must lie in [0, 1], "
                                 f"received {prob!r}.")
        super().__init__(start, stop, prob=prob)

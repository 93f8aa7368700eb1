"""Bernoulli spike generator."""
from __future__ import annotations

from typing import Any

from ..utils.defaults import network_default_params
from ..utils.validation import check_unit_interval
from .base_generator import GeneratorBase
from .param import Param


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

    prob = Param(check_unit_interval)

    @network_default_params
    def __init__(self, prob: Any = 0.5, start: float = 0.0, stop: float | None = None):
        super().__init__(start, stop, prob=prob)

"""Poisson spike generator."""
from __future__ import annotations

from typing import Any

from ..utils.defaults import network_default_params
from ..utils.validation import check_non_negative
from .base_generator import GeneratorBase
from .param import Param


class PoissonGenerator(GeneratorBase):
    r"""Independent Poisson spike trains of a given rate, while active (see
    :class:`~ml_genn.neurons.base_generator.GeneratorBase`).

    .. math:: P(\text{spike at step } t) = 1 - e^{-\text{rate}\,\Delta t / 1000}

    (at most one spike per step; rate in Hz, :math:`\Delta t` in ms). Draws use the
    per-example random keys, so examples are independent and reproducible.

    Args:
        rate: firing rate [Hz], >= 0 (scalar, per-neuron array or initializer).
        start, stop: active window [ms].

    Example:
        >>> PoissonGenerator(rate=50.0, stop=100.0).rate
        50.0
    """

    rate = Param(check_non_negative, device=False)

    @network_default_params
    def __init__(self, rate: Any = 10.0, start: float = 0.0, stop: float | None = None):
        super().__init__(start, stop, rate=rate)

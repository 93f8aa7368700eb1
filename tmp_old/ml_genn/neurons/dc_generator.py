"""Constant-current (DC) source."""
from __future__ import annotations

from typing import Any

from ..utils.defaults import network_default_params
from .base_generator import GeneratorBase
from .param import Param


class DCGenerator(GeneratorBase):
    r"""A non-spiking current source: its events carry the amplitude while active.

    .. math:: e_t = A \cdot [\text{start} \le t\Delta t < \text{stop}]

    Connected through a connectivity of weight :math:`w`, it injects :math:`w A` per step
    into its targets (with delta synapses, on the step after).

    Args:
        amplitude: current :math:`A` (scalar, per-neuron array or initializer).
        start, stop: active window [ms].

    Example:
        >>> DCGenerator(amplitude=2.5, start=10.0).start
        10.0
    """

    amplitude = Param()

    @network_default_params
    def __init__(self, amplitude: Any = 1.0, start: float = 0.0, stop: float | None = None):
        super().__init__(start, stop, amplitude=amplitude)

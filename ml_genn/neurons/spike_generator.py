"""Spike generator replaying fixed spike times."""
from __future__ import annotations

from typing import Any

import numpy as np

from ..utils.defaults import network_default_params
from .base_generator import GeneratorBase


class SpikeGenerator(GeneratorBase):
    r"""Emits spikes at given times, the same in every example.

    A spike at time :math:`\tau` [ms] is emitted at step :math:`\lfloor\tau/\Delta t\rfloor`
    (like ``SpikeInput``), if that step is in the active window; several spikes of one
    neuron in one step give one spike.

    Args:
        spike_times: either one sequence of times [ms] shared by all neurons, or a
            sequence with one sequence of times per neuron (flat, row-major order).
        start, stop: active window [ms].

    Raises:
        ValueError: if a time is negative or not finite.

    Example:
        >>> SpikeGenerator([[1.0, 5.0], [], [2.0]]).per_neuron
        True
    """

    @network_default_params
    def __init__(self, spike_times: Any, start: float = 0.0, stop: float | None = None):
        owner = type(self).__name__
        items = list(spike_times)
        self.per_neuron = any(np.ndim(item) > 0 or isinstance(item, (list, tuple))
                              for item in items)
        self.spike_times: np.ndarray | tuple[np.ndarray, ...]
        if self.per_neuron:
            self.spike_times = tuple(np.asarray(item, dtype=np.float64).reshape(-1)
                                     for item in items)
        else:
            self.spike_times = np.asarray(items, dtype=np.float64).reshape(-1)
        flat = (np.concatenate(self.spike_times) if self.per_neuron and self.spike_times
                else np.asarray(self.spike_times, dtype=np.float64).reshape(-1))
        if not np.all(np.isfinite(flat) & (flat >= 0)):
            raise ValueError(f"{owner}: spike_times must be finite and >= 0 ms.")
        super().__init__(start, stop)

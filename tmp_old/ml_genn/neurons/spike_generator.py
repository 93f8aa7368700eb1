"""Spike generator replaying fixed spike times."""
from __future__ import annotations

from typing import Any

import numpy as np

from ..utils.defaults import network_default_params
from .base_generator import GeneratorBase
from .param import Option


def _check_spike_times(value: Any, name: str, owner: str
                       ) -> np.ndarray | tuple[np.ndarray, ...]:
    """One flat array of times shared by all neurons, or a tuple of one per neuron."""
    items = list(value)
    per_neuron = any(np.ndim(item) > 0 or isinstance(item, (list, tuple)) for item in items)
    times: np.ndarray | tuple[np.ndarray, ...]
    if per_neuron:
        times = tuple(np.asarray(item, dtype=np.float64).reshape(-1) for item in items)
        flat = np.concatenate(times) if times else np.zeros(0)
    else:
        times = flat = np.asarray(items, dtype=np.float64).reshape(-1)
    if not np.all(np.isfinite(flat) & (flat >= 0)):
        raise ValueError(f"{owner}: {name} must be finite and >= 0 ms.")
    return times


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

    spike_times = Option(_check_spike_times)

    @network_default_params
    def __init__(self, spike_times: Any, start: float = 0.0, stop: float | None = None):
        super().__init__(start, stop, spike_times=spike_times)

    @property
    def per_neuron(self) -> bool:
        """Whether ``spike_times`` holds one sequence per neuron."""
        return isinstance(self.spike_times, tuple)

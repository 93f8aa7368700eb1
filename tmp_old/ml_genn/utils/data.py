"""Spike-time data: the per-example format of :class:`~ml_genn.neurons.SpikeInput`.

An example's spikes are given as two arrays, ``times`` [ms] and neuron ``ids`` (flat,
row-major indices), and preprocessed once into a :class:`PreprocessedSpikes`: the spike
times sorted by neuron (then by time) and, per neuron, the end of its run of spikes.

    >>> import numpy as np
    >>> spikes = preprocess_spikes(np.array([3.0, 1.0, 2.0]), np.array([1, 0, 1]), 3)
    >>> spikes.end_spikes.tolist(), spikes.spike_times.tolist()
    ([1, 3, 3], [1.0, 2.0, 3.0])
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

import numpy as np

#: Relative tolerance with which a time divided by ``dt`` counts as a whole number of steps.
STEP_RTOL = 1e-6


class PreprocessedSpikes(NamedTuple):
    """One example's spikes.

    Attributes:
        end_spikes: int array ``(num_neurons,)``: neuron ``i``'s spikes are
            ``spike_times[end_spikes[i-1]:end_spikes[i]]`` (from 0 for ``i = 0``).
        spike_times: float array ``(num_spikes,)`` [ms], grouped by neuron, each group
            in increasing time.
    """

    end_spikes: np.ndarray
    spike_times: np.ndarray


def preprocess_spikes(times: Any, ids: Any, num_neurons: int) -> PreprocessedSpikes:
    """Group one example's spikes by neuron.

    Args:
        times: spike times [ms], shape ``(num_spikes,)``.
        ids: flat index of the neuron of each spike, shape ``(num_spikes,)``, in
            ``[0, num_neurons)``.
        num_neurons: number of neurons of the input population.

    Returns:
        The :class:`PreprocessedSpikes` of the example.

    Raises:
        ValueError: if ``times`` and ``ids`` differ in length or an id is out of range.
    """
    times = np.asarray(times, dtype=np.float64).reshape(-1)
    ids = np.asarray(ids).reshape(-1)
    if times.shape != ids.shape:
        raise ValueError(f"preprocess_spikes: times and ids must have the same length, "
                         f"received {times.size} times and {ids.size} ids.")
    if ids.size and (ids.min() < 0 or ids.max() >= num_neurons):
        raise ValueError(f"preprocess_spikes: ids must lie in [0, {num_neurons}), received "
                         f"ids from {ids.min()} to {ids.max()}.")
    ids = ids.astype(np.int64)
    order = np.lexsort((times, ids))
    end_spikes = np.cumsum(np.bincount(ids, minlength=num_neurons)).astype(np.int64)
    return PreprocessedSpikes(end_spikes, times[order])


def calc_start_spikes(end_spikes: Any) -> np.ndarray:
    """Per neuron, the index of its first spike in ``spike_times``."""
    end_spikes = np.asarray(end_spikes, dtype=np.int64)
    return np.concatenate(([0], end_spikes[:-1])).astype(np.int64)


def calc_max_spikes(spikes: Sequence[PreprocessedSpikes]) -> int:
    """The largest number of spikes of one example (for ``SpikeInput(max_spikes=...)``)."""
    return max((len(s.spike_times) for s in spikes), default=0)


def calc_latest_spike_time(spikes: Sequence[PreprocessedSpikes]) -> float:
    """The latest spike time [ms] over all examples (``-inf`` if there are no spikes)."""
    return max((float(np.max(s.spike_times)) for s in spikes if len(s.spike_times)),
               default=-np.inf)


def time_to_step(times: Any, dt: float, rounding: str = "floor") -> np.ndarray:
    """Times [ms] to timestep indices: ``floor(times/dt)`` or ``ceil(times/dt)``.

    A ratio within a relative :data:`STEP_RTOL` of an integer counts as that integer, so
    the float rounding of e.g. ``0.7/0.1`` (6.9999...) or of float32 data does not move a
    time to the neighbouring step.

    Example:
        >>> time_to_step([0.7, 0.75, 5.0], 0.1).tolist(), time_to_step(5.0, 0.1, "ceil").tolist()
        ([7, 7, 50], 50)
    """
    ratio = np.asarray(times, dtype=np.float64) / float(dt)
    tol = STEP_RTOL * np.maximum(1.0, np.abs(ratio))
    if rounding == "floor":
        return np.floor(ratio + tol).astype(np.int64)
    if rounding == "ceil":
        return np.ceil(ratio - tol).astype(np.int64)
    raise ValueError(f"time_to_step: rounding must be 'floor' or 'ceil', received {rounding!r}.")

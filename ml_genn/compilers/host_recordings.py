"""Recordings the host makes without any device work: a neuron parameter (a constant,
broadcast over the timesteps) and an input population's drive (the batch's data,
frame by frame, times ``input_scale`` plus ``input_offset``)."""
from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

import numpy as np

from ..utils.recording import INPUT, SPIKE_COUNT, SPIKE_TOTAL, SPIKES


class HostRecordings:
    """Splits recording requests into the device's and the host's, and makes the host's.

    Args:
        sim: the device model.
        spec: ``(population index, name)`` requests.
        num_timesteps: steps per batch.

    Raises:
        ValueError: for a name the population cannot record (the message lists those it can).
    """

    def __init__(self, sim: Any, spec: tuple, num_timesteps: int):
        self._sim = sim
        self._num_timesteps = num_timesteps
        device, host = [], []
        for i, name in spec:
            state = sim.variables(i)
            if name in (SPIKES, SPIKE_TOTAL, SPIKE_COUNT) or name in state:
                device.append((i, name))
            elif name in sim.recordable(i):
                host.append((i, name))
            else:
                pop = sim.plan.populations[i]
                raise ValueError(f"Population '{pop.name}' ({type(pop.neuron).__name__}) "
                                 f"cannot record '{name}'; it can record "
                                 f"{sim.recordable(i)}.")
        #: requests the device programs record every step
        self.device = tuple(device)
        #: requests the host makes
        self.host = tuple(host)
        self._constants = {(i, n): sim.parameter(i, n) for i, n in host if n != INPUT}
        self._fed = sorted({i for i, n in host if n == INPUT})
        self._affine = {i: sim.input_affine_host(i) for i in self._fed}
        self._frames: dict[int, dict[int, np.ndarray]] = {}

    def watch(self, groups: Iterable[tuple[dict, Any, list]]) -> Iterator:
        """Pass transfer groups through, keeping each batch's host input rows (views) of
        the populations whose input is recorded until :meth:`data` takes them."""
        for x, y, members in groups:
            if self._fed:
                for j, m in enumerate(members):
                    self._frames[m.start] = {i: x[i][j][:m.count] for i in self._fed}
            yield x, y, members

    def data(self, start: int, count: int) -> dict:
        """``{(population index, name): (count, timesteps, *shape)}`` for the batch whose
        first example is ``start``."""
        t = self._num_timesteps
        out = {}
        for (i, name), value in self._constants.items():
            out[(i, name)] = np.broadcast_to(value, (count, t) + value.shape)
        frames = self._frames.pop(start, {})
        for i in self._fed:
            out[(i, INPUT)] = self._drive(i, frames[i])
        return out

    def _drive(self, i: int, frames: np.ndarray) -> np.ndarray:
        """The drive at every step from the frames ``(count, frames, *shape)``."""
        affine = self._affine[i]
        if affine is not None:  # (1, *shape) or 0-d: add the frame axis
            scale, offset = (a[:, None] if a.ndim else a for a in affine)
            frames = frames * scale + offset
        neuron = self._sim.plan.populations[i].neuron
        steps = np.arange(self._num_timesteps) // getattr(neuron, "input_frame_timesteps", 1)
        index = np.minimum(steps, frames.shape[1] - 1)
        if frames.shape[1] == 1:
            return np.broadcast_to(frames, (frames.shape[0], len(index)) + frames.shape[2:])
        return frames[:, index]

"""Spike-time input neuron: replays given spikes."""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..utils.data import PreprocessedSpikes, time_to_step
from ..utils.defaults import network_default_params
from ..utils.validation import check_positive_int
from .input_base import InputBase
from .param import Option


class SpikeInput(InputBase):
    r"""Replays given spike times, one set per example.

    The data of an example is a :class:`~ml_genn.utils.data.PreprocessedSpikes` (see
    :func:`~ml_genn.utils.data.preprocess_spikes`). :meth:`prepare_input` turns a list of
    them into a 0/1 raster; a spike at time :math:`\tau` [ms] is emitted at step
    :math:`\lfloor \tau/\Delta t \rfloor`:

    .. math:: s_t = x_t, \qquad x_t[i] = [\exists\ \text{spike of neuron } i
              \text{ with } \lfloor \tau/\Delta t \rfloor = t]

    So its frames are timesteps: the raster is shown with ``input_frames = num_steps`` and
    ``input_frame_timesteps = 1`` (the attributes keep their defaults of 1 until the
    compiler knows ``num_steps``; a compiler recognises the neuron by ``prepare_input``).
    Several spikes of one neuron in one step give one spike. Spikes at or after
    ``num_steps * dt`` are dropped.

    Args:
        max_spikes: most spikes one example may hold (mlGeNN sizes its buffer with it).

    Example:
        >>> import numpy as np
        >>> from ml_genn.utils.data import preprocess_spikes
        >>> spikes = preprocess_spikes(np.array([0.0, 2.5, 1.0]), np.array([0, 0, 1]), 2)
        >>> SpikeInput().prepare_input([spikes], num_steps=3, dt=1.0)[0].tolist()
        [[1.0, 0.0], [0.0, 1.0], [1.0, 0.0]]
    """

    output_var_name = None

    max_spikes = Option(check_positive_int)

    @network_default_params
    def __init__(self, max_spikes: int = 1000000):
        super().__init__(1, 1, max_spikes=max_spikes)

    def prepare_input(self, data: Sequence[PreprocessedSpikes] | PreprocessedSpikes,
                      num_steps: int, dt: float,
                      shape: tuple[int, ...] | None = None) -> np.ndarray:
        """Rasterise spike data (host side, NumPy).

        Args:
            data: one :class:`PreprocessedSpikes` per example (or a single one), or an
                array that is already a raster ``(num_examples, num_steps, ...)`` (returned
                as float32).
            num_steps: timesteps of the simulation.
            dt: timestep [ms].
            shape: population shape (default ``(num_neurons,)`` from ``end_spikes``).

        Returns:
            float32 array ``(num_examples, num_steps, *shape)`` of 0/1.

        Raises:
            ValueError: if an example holds more than ``max_spikes`` spikes, has a
                negative spike time, is malformed or does not match ``shape`` (the
                message names the example index).
        """
        owner = type(self).__name__
        num_steps = check_positive_int(num_steps, "num_steps", "SpikeInput.prepare_input")
        if isinstance(data, np.ndarray):
            if data.ndim < 3 or data.shape[1] != num_steps:
                raise ValueError(f"{owner}: a raster must have shape (num_examples, "
                                 f"num_steps={num_steps}, *shape), received {data.shape}.")
            return data.astype(np.float32)
        if isinstance(data, PreprocessedSpikes):
            data = [data]
        if shape is None:
            shape = (len(data[0].end_spikes),) if len(data) else (0,)
        shape = tuple(int(s) for s in shape)
        num_neurons = int(np.prod(shape))
        raster = np.zeros((len(data), num_steps, num_neurons), dtype=np.float32)
        for index, example in enumerate(data):
            end_spikes = np.asarray(example.end_spikes, dtype=np.int64).reshape(-1)
            times = np.asarray(example.spike_times, dtype=np.float64).reshape(-1)
            where = f"{owner}: example {index}"
            if len(end_spikes) != num_neurons:
                raise ValueError(f"{where} has spikes for {len(end_spikes)} neurons but the "
                                 f"population has {num_neurons} (shape {shape}).")
            if len(times) > self.max_spikes:
                raise ValueError(f"{where} has {len(times)} spikes, more than max_spikes="
                                 f"{self.max_spikes}; raise max_spikes (see "
                                 f"ml_genn.utils.data.calc_max_spikes).")
            counts = np.diff(end_spikes, prepend=0)
            if np.any(counts < 0) or (num_neurons and end_spikes[-1] != len(times)):
                raise ValueError(f"{where} is malformed: end_spikes must be non-decreasing "
                                 f"and end at len(spike_times)={len(times)}; build it with "
                                 f"ml_genn.utils.data.preprocess_spikes.")
            if np.any(times < 0):
                raise ValueError(f"{where} has negative spike times (min {times.min()} ms).")
            steps = time_to_step(times, dt, "floor")
            ids = np.repeat(np.arange(num_neurons), counts)
            keep = steps < num_steps
            raster[index, steps[keep], ids[keep]] = 1.0
        return raster.reshape((len(data), num_steps) + shape)

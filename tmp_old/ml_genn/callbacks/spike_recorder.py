"""Records the spikes of one population."""
from __future__ import annotations

from typing import Any

import numpy as np

from ..utils.recording import SPIKES
from .base_recorder import BaseRecorder


class SpikeRecorder(BaseRecorder):
    """Records the spikes of a population created with ``record_spikes=True``.

    The data (``get_data() -> (key, data)``, returned by ``evaluate``/``predict`` under
    ``key``) follows mlGeNN, one entry per recorded example in example order:

    * without ``record_counts``: ``(spike_times, spike_ids)``, two lists of 1-D arrays;
      an example's ``spike_times`` [ms] are ``step * dt`` (step 0 is the example's first
      timestep, or the model step when ``reset_time_between_batches=False``), sorted by
      time then neuron, and ``spike_ids`` are the neurons' flat, row-major indices in the
      population (unchanged by ``neuron_filter``, which only drops the other neurons'
      spikes);
    * with ``record_counts``: an int array ``(examples, selected neurons)`` of spike counts,
      the neurons in increasing flat index (``data[i]`` is example ``i``'s counts).

    Spikes are the positive events; the negative events of signed inputs (mlGeNN's
    spike-like events) are not recorded. A few-spike neuron's graded events count as
    spikes, with times inside the example's stage.

    Args:
        pop: a population, or a layer of a ``SequentialNetwork``.
        key: key of the data in the callback data (default: ``pop`` itself).
        example_filter: examples to record: ``None`` (all), an int, a sequence of ints, a
            boolean mask or a slice over global example indices (see
            :class:`~ml_genn.callbacks.base_recorder.ExampleFilter`).
        neuron_filter: neurons to record: ``None`` (all), an int, a sequence of flat
            indices, a boolean mask (population shape or flat) or a slice over flat indices.
        record_counts: keep only each neuron's spike count per example.

    Raises:
        ValueError: from ``evaluate``/``predict`` if ``pop`` was not created with
            ``record_spikes=True`` or is not part of the compiled network; at
            construction for an invalid filter.

    Example:
        >>> import numpy as np
        >>> from ml_genn.compilers import InferenceCompiler
        >>> from ml_genn.neurons import IntegrateFire
        >>> from ml_genn.utils.examples import relay_network
        >>> net, inp, out = relay_network(IntegrateFire(readout="spike_count"), num_inputs=2,
        ...                               record_spikes=True)
        >>> compiled = InferenceCompiler(evaluate_timesteps=3).compile(net)
        >>> with compiled:
        ...     _, data = compiled.predict({inp: np.array([[1.0, 0.0]])}, out,
        ...                                callbacks=[SpikeRecorder(inp, key="in")])
        >>> times, ids = data["in"]
        >>> times[0].tolist(), ids[0].tolist()
        ([0.0, 1.0, 2.0], [0, 0, 0])
    """

    def __init__(self, pop: Any, key: Any = None, example_filter: Any = None,
                 neuron_filter: Any = None, record_counts: bool = False):
        super().__init__(pop, key, example_filter, neuron_filter)
        self.record_counts = bool(record_counts)
        self._var = SPIKES
        self._dt = 1.0
        self._reset_data()

    def _reset_data(self) -> None:
        self._times: list[np.ndarray] = []
        self._ids: list[np.ndarray] = []
        self._counts: list[np.ndarray] = []

    def set_params(self, compiled_network: Any = None, dt: float | None = None,
                   **params: Any) -> None:
        if not self._pop.record_spikes:
            raise ValueError(f"{self._owner}: the population must be created with "
                             f"record_spikes=True to record its spikes, e.g. "
                             f"Population(..., record_spikes=True).")
        super().set_params(compiled_network=compiled_network, **params)
        self._dt = 1.0 if dt is None else float(dt)
        self._reset_data()

    def _record(self, data: np.ndarray, first_step: int) -> None:
        spikes = data > 0
        if self.record_counts:
            self._counts.append(spikes.sum(axis=1, dtype=np.int64))
            return
        flat_ids = (np.arange(self._pop.num_neurons) if self._neurons is None
                    else self._neurons)
        for example in spikes:
            steps, cols = np.nonzero(example)  # time-major: sorted by step, then neuron
            self._times.append((steps + first_step) * self._dt)
            self._ids.append(flat_ids[cols])

    def get_data(self) -> tuple[Any, Any]:
        if self.record_counts:
            counts = (np.concatenate(self._counts) if self._counts
                      else np.zeros((0, self.num_selected), np.int64))
            return self.key, counts
        return self.key, (self._times, self._ids)

"""Timestep sweeps from one simulation: readouts at checkpoints, and the sweep table."""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ..callbacks.callback import Callback
from ..readouts import AvgVar, MaxVar, SpikeCount, SumVar, Var
from ..utils.recording import SPIKE_TOTAL, SPIKES

#: Readouts whose value at an earlier timestep follows from per-step recordings.
CHECKPOINT_READOUTS = (Var, SpikeCount, SumVar, AvgVar, MaxVar)

#: Columns of a sweep table, in order.
COLUMNS = ("timesteps", "k", "accuracy", "spikes_per_neuron", "synaptic_operations",
           "latency_timesteps")


class SweepTable(list):
    """Rows (dicts) of a sweep: the swept value (``timesteps`` or ``k``), ``accuracy``,
    ``spikes_per_neuron``, ``synaptic_operations`` (per example) and
    ``latency_timesteps``; printing it gives an aligned table.

    Example:
        >>> table = SweepTable([{"timesteps": 8, "accuracy": 0.5}])
        >>> print(table)
        timesteps   accuracy
                8     0.5000
    """

    def column(self, name: str) -> list:
        """The values of one column, row by row."""
        return [row.get(name) for row in self]

    def __str__(self) -> str:
        names = [c for c in COLUMNS if any(c in row for row in self)]
        widths = {n: max(len(n), 9) for n in names}

        def cell(name: str, value: Any) -> str:
            if value is None:
                text = "n/a"
            elif isinstance(value, float) and name == "accuracy":
                text = f"{value:.4f}"
            elif isinstance(value, float):
                text = f"{value:.4g}"
            else:
                text = str(value)
            return text.rjust(widths[name])
        lines = ["  ".join(n.rjust(widths[n]) for n in names)]
        lines += ["  ".join(cell(n, row.get(n)) for n in names) for row in self]
        return "\n".join(lines)


def checkpoint_readout(readout: Any, recording: np.ndarray, timesteps: int) -> np.ndarray:
    """A readout's value after ``timesteps`` steps from per-step recordings
    ``(N, T, ...)`` (spike events for ``SpikeCount``, the output variable otherwise)."""
    part = recording[:, :timesteps]
    if isinstance(readout, Var):
        return part[:, -1]
    if isinstance(readout, (SpikeCount, SumVar)):
        return part.sum(axis=1, dtype=np.float64)
    if isinstance(readout, AvgVar):
        return part.mean(axis=1, dtype=np.float64)
    if isinstance(readout, MaxVar):
        return part.max(axis=1)
    raise NotImplementedError(f"A timestep sweep cannot read {type(readout).__name__} at "
                              f"checkpoints; supported readouts: "
                              f"{[c.__name__ for c in CHECKPOINT_READOUTS]}.")


class CheckpointReadouts(Callback):
    """Collects, in one run to the largest ``T``, every output's readout and every
    population's spike count at each checkpoint ``timesteps``.

    Args:
        outputs: the output populations.
        populations: the populations whose spikes are counted.
        timesteps: the checkpoints (each at most the simulated timesteps).

    Example:
        >>> import numpy as np
        >>> from ml_genn.compilers import InferenceCompiler
        >>> from ml_genn.neurons import IntegrateFire
        >>> from ml_genn.utils.examples import relay_network
        >>> net, inp, out = relay_network(IntegrateFire(v_thresh=1e9, readout="var"))
        >>> recorder = CheckpointReadouts([out], net.populations, [2, 5])
        >>> compiled = InferenceCompiler(evaluate_timesteps=5).compile(net)
        >>> with compiled:
        ...     _ = compiled.predict({inp: np.ones((1, 1))}, [out], callbacks=[recorder])
        >>> recorder.readout_at(2, out).tolist(), recorder.readout_at(5, out).tolist()
        ([[1.0]], [[4.0]])
    """

    def __init__(self, outputs: Sequence[Any], populations: Sequence[Any],
                 timesteps: Sequence[int]):
        self.outputs = list(outputs)
        self.populations = list(populations)
        self.timesteps = sorted(set(int(t) for t in timesteps))
        self.readouts: dict = {t: {id(p): [] for p in self.outputs} for t in self.timesteps}
        self.spikes: dict = {t: {p.name: 0.0 for p in self.populations}
                             for t in self.timesteps}
        self.examples = 0

    def _var(self, pop: Any) -> str:
        return SPIKES if isinstance(pop.neuron.readout, SpikeCount) \
            else pop.neuron.output_var_name

    def recording_requests(self) -> list:
        return [(p, self._var(p)) for p in self.outputs] + \
            [(p, SPIKE_TOTAL) for p in self.populations]

    def on_batch_recorded(self, batch: int, examples: np.ndarray, recordings: dict) -> None:
        self.examples += len(examples)
        for pop in self.outputs:
            rec = np.asarray(recordings[(pop, self._var(pop))], np.float32)
            for t in self.timesteps:
                self.readouts[t][id(pop)].append(checkpoint_readout(pop.neuron.readout, rec, t))
        for pop in self.populations:
            cumulative = np.cumsum(np.asarray(recordings[(pop, SPIKE_TOTAL)], np.float64)
                                   .sum(axis=0))
            for t in self.timesteps:
                self.spikes[t][pop.name] += float(cumulative[t - 1])

    def readout_at(self, timesteps: int, pop: Any) -> np.ndarray:
        """The readout of output ``pop`` after ``timesteps`` steps, ``(N, *shape)``."""
        return np.concatenate(self.readouts[timesteps][id(pop)])

    def spikes_per_neuron_at(self, timesteps: int) -> dict[str, float]:
        """Mean spikes per neuron per example after ``timesteps`` steps, by population,
        and over all non-input populations under ``"__all__"``."""
        n = max(self.examples, 1)
        data = {p.name: self.spikes[timesteps][p.name] / (p.num_neurons * n)
                for p in self.populations}
        hidden = [p for p in self.populations if not p.neuron.is_input]
        data["__all__"] = sum(self.spikes[timesteps][p.name] for p in hidden) / \
            max(sum(p.num_neurons for p in hidden) * n, 1)
        return data

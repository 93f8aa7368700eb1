"""Run the SNN as it stands and record every population, through public callbacks.

Every population's spike counts come from a :class:`~ml_genn.callbacks.SpikeRecorder`
(``record_counts=True``) and the state variables the decoder needs from
:class:`FinalVarRecorder` (the last timestep of a variable). Recording spikes needs
``record_spikes=True`` on the population (mlGeNN's rule); it is switched on for the run
and restored afterwards. The network is compiled anew (with a batch size that keeps the
per-step recordings within :data:`MEMORY_BUDGET`), so edits made after conversion are
what is run.
"""
from __future__ import annotations

import copy
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any, NamedTuple

import numpy as np

from ml_genn.callbacks import SpikeRecorder, VarRecorder
from ml_genn.neurons import FewSpikeRelu, FewSpikeReluInput

#: Bytes the per-timestep recordings of one batch may take.
MEMORY_BUDGET = 512 * 2 ** 20


class FinalVarRecorder(VarRecorder):
    """A :class:`~ml_genn.callbacks.VarRecorder` that keeps only the value at the last
    timestep of each example: its data (``get_data() -> (key, data)``) is a float array
    ``(examples, neurons)``.

    Example:
        >>> import numpy as np
        >>> from ml_genn.compilers import InferenceCompiler
        >>> from ml_genn.neurons import IntegrateFire
        >>> from ml_genn.utils.examples import relay_network
        >>> net, inp, out = relay_network(IntegrateFire(v_thresh=10.0, readout="var"), 0.5)
        >>> recorders = [FinalVarRecorder(out, "v", key="last"), VarRecorder(out, "v")]
        >>> with InferenceCompiler(evaluate_timesteps=4).compile(net) as compiled:
        ...     _, data = compiled.predict({inp: np.ones((2, 1))}, out, callbacks=recorders)
        >>> data["last"].tolist(), data[(out, "v")][:, -1].tolist()
        ([[1.5], [1.5]], [[1.5], [1.5]])
    """

    def _record(self, data: np.ndarray, first_step: int) -> None:
        self._data.append(np.array(data[:, -1]))

    def get_data(self) -> tuple[Any, np.ndarray]:
        if not self._data:
            return self.key, np.zeros((0, self.num_selected), np.float32)
        return self.key, np.concatenate(self._data)


class Recording(NamedTuple):
    """What one run of the SNN recorded.

    Attributes:
        counts: spike counts (positive events) by population name, ``(N, neurons)``.
        final: last-step variables by ``(population name, variable)``, ``(N, neurons)``.
        readouts: the outputs' readouts, in output order, ``(N, *shape)``.
        timesteps: timesteps per example (``k`` for few-spike).
        extra: the data of the extra callbacks, by key.
    """

    counts: dict
    final: dict
    readouts: list
    timesteps: int
    extra: dict


def recorded_vars(neuron: Any) -> tuple[str, ...]:
    """The variables the decoder reads at the end of an example."""
    if isinstance(neuron, FewSpikeRelu):
        return ("v", "y")
    if isinstance(neuron, FewSpikeReluInput):
        return ("v",)
    if "v_thresh" in getattr(neuron, "param_names", ()) and neuron.output_var_name == "v":
        return ("v",)
    return ()


def _batch_size(network: Any, timesteps: int, largest: int, num_examples: int) -> int:
    per_example = sum(p.num_neurons * (1 + 4 * len(recorded_vars(p.neuron)))
                      for p in network.populations) * timesteps
    return int(max(1, min(largest, num_examples, MEMORY_BUDGET // max(per_example, 1))))


@contextmanager
def spikes_recorded(network: Any) -> Iterator[None]:
    """Switch ``record_spikes`` on for every population, and back afterwards."""
    flags = {pop.name: pop.record_spikes for pop in network.populations}
    try:
        for pop in network.populations:
            pop.record_spikes = True
        yield
    finally:
        for pop in network.populations:
            pop.record_spikes = flags[pop.name]


def run_recorded(converted: Any, data: dict, callbacks: list, batch_size: int) -> tuple:
    """``predict`` of ``converted``'s network as it stands, compiled anew with
    ``batch_size``, every population's spikes recordable: (outputs, callback data)."""
    compiler = copy.copy(converted.compiler)
    compiler.batch_size = batch_size
    with spikes_recorded(converted.network):
        compiled = compiler.compile(converted.network, converted.name,
                                    inputs=converted.inputs, outputs=converted.outputs)
        with compiled:
            return compiled.predict(data, converted.outputs, callbacks=callbacks)


def record_network(converted: Any, data: dict, timesteps: int,
                   extra: Sequence[Any] = ()) -> Recording:
    """Run ``converted``'s network on ``data`` ({input population: array}) and record
    every population (and what the ``extra`` callbacks record)."""
    network = converted.network
    num_examples = len(next(iter(data.values())))
    callbacks: list = list(extra)
    for pop in network.populations:
        callbacks.append(SpikeRecorder(pop, key=("spikes", pop.name), record_counts=True))
        callbacks += [FinalVarRecorder(pop, var, key=("final", pop.name, var))
                      for var in recorded_vars(pop.neuron)]
    batch_size = _batch_size(network, timesteps, converted.compiler.batch_size, num_examples)
    out, cb_data = run_recorded(converted, data, callbacks, batch_size)
    counts = {key[1]: np.asarray(value) for key, value in cb_data.items()
              if isinstance(key, tuple) and key[0] == "spikes"}
    final = {key[1:]: np.asarray(value, np.float64) for key, value in cb_data.items()
             if isinstance(key, tuple) and key[0] == "final"}
    keys = {cb.key for cb in extra}
    return Recording(counts, final, [np.asarray(out[p]) for p in converted.outputs],
                     timesteps, {k: v for k, v in cb_data.items() if k in keys})

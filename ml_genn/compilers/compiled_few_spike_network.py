"""Compiled network for FewSpikeCompiler."""
from __future__ import annotations

import numpy as np

from .compiled_network import CompiledNetwork


class CompiledFewSpikeNetwork(CompiledNetwork):
    """Runs one pipeline stage (``k`` steps) per batch; with the timestep schedule the
    readout of an output at depth ``d`` after run ``i`` belongs to batch ``i - d``, and
    ``max depth`` extra runs flush the pipeline."""

    def __init__(self, plan, name, compiler):
        super().__init__(plan, name, compiler.batch_size, compiler.k)
        self.k = compiler.k

    def _execute(self, batches, record, callbacks):
        if self.plan.schedule == "few_spike_fast":
            yield from self._execute_fast(batches, record, callbacks)
        else:
            yield from self._execute_pipelined(batches, record, callbacks)

    def _execute_fast(self, batches, record, callbacks):
        sim = self.simulator
        for batch_index, (inputs, labels, start, count) in enumerate(batches):
            callbacks.on_batch_begin(batch_index)
            readouts, recs = sim.run_few_spike_fast(sim.example_keys(start, self.batch_size),
                                                    inputs, record)
            yield (readouts, recs), labels, start, count

    def _execute_pipelined(self, batches, record, callbacks):
        sim = self.simulator
        depths = self.plan.depths
        watched = sorted({i for i, p in enumerate(self.plan.populations)
                          if p.neuron.readout is not None} | {i for i, _ in record})
        lag = max((depths[i] for i in watched), default=0)
        pending: dict[int, dict] = {}
        state = None
        zero_inputs = None
        batches = iter(batches)
        run = 0
        exhausted = False
        while True:
            item = None if exhausted else next(batches, None)
            exhausted = item is None
            if exhausted and not pending:
                break
            if item is not None:
                inputs, labels, start, count = item
                callbacks.on_batch_begin(run)
                pending[run] = {"labels": labels, "start": start, "count": count,
                                "readouts": [None] * len(self.plan.populations),
                                "recs": [None] * len(record)}
                zero_inputs = {i: np.zeros_like(a) for i, a in inputs.items()}
            else:
                inputs = zero_inputs
            if state is None:
                state = sim.init_state(sim.example_keys(0, self.batch_size))
            state, readouts, recs = sim.run_timesteps(state, inputs, 0, self.k, record)
            for i in watched:
                owner = run - depths[i]
                if owner in pending:
                    if self.plan.populations[i].neuron.readout is not None:
                        pending[owner]["readouts"][i] = readouts[i]
                    for r, (j, _) in enumerate(record):
                        if j == i:
                            pending[owner]["recs"][r] = recs[r]
            done = run - lag
            if done in pending:
                entry = pending.pop(done)
                yield ((tuple(entry["readouts"]), tuple(entry["recs"])), entry["labels"],
                       entry["start"], entry["count"])
            run += 1

"""The few-spike fast path: feed-forward few-spike networks with delta synapses.

A stage's ``k`` graded spikes sum to the value they encode, so the next population's
input is one op (conv/GEMM) on the decoded value, given at the stage's first step,
followed by ``k`` elementwise steps of the same neuron ``step``. One batch is one
program: every population's stage in turn (no pipeline to fill or flush). Gives the
same readouts as the pipelined timestep schedule (tested).
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator
from functools import partial
from typing import Any

import jax.numpy as jnp

from ...synapses import Delta
from ..plan import Plan
from ..transfer import DeviceBatch
from .schedule import BatchResult, Schedule, register_schedule


def program(sim, params, inputs, first, *, record):
    """One batch: (readouts, recordings)."""
    plan = sim.plan
    k = plan.stage_steps
    state = sim.init_state(params, sim.example_keys(first))
    batch = sim.batch_size
    decoded: list = [None] * len(plan.populations)
    accs = list(sim.readout_init(batch))
    recs = {}
    for i, dyn in enumerate(sim.dynamics):
        is_input = plan.populations[i].neuron.is_input
        if is_input:
            first_drive = sim.frame(params, i, inputs[i], jnp.int32(0))
        else:
            first_drive = None
            for ci, c in plan.incoming(i):
                current = sim.input_of(params, ci, lambda delay, src=c.source: decoded[src])
                first_drive = current if first_drive is None else first_drive + current
            if first_drive is None:
                first_drive = sim.zeros(i, batch)
        s = state.neurons[i]
        total = jnp.zeros_like(first_drive)
        rec_i = []
        for p in range(k):
            drive = first_drive if (p == 0 or is_input) else jnp.zeros_like(first_drive)
            s, ev = dyn.step(params.neurons[i], s, drive, jnp.int32(p))
            total = total + ev
            if sim.readouts[i] is not None:
                accs[i] = sim.readout_update(i, accs[i], ev, s, jnp.int32(p), k)
            rec_i.append(tuple(sim.record_value(s, ev, var) for jj, var in record if jj == i))
        decoded[i] = total
        recs[i] = [jnp.stack(r) for r in zip(*rec_i, strict=True)] if rec_i and rec_i[0] else []
    ordered = tuple(recs[i].pop(0) for i, _ in record)
    return sim.readout_final(tuple(accs), k), ordered


@register_schedule
class FewSpikeFastSchedule(Schedule):
    """One program per batch: each population's stage from its sources' decoded values."""

    name = "few_spike_fast"

    def blocker(self, plan: Plan) -> str | None:
        if plan.stage_steps is None:
            return "it runs few-spike networks only (FewSpikeCompiler)"
        if not plan.feed_forward:
            return "the network is recurrent"
        for c in plan.connections:
            if not isinstance(c.connection.synapse, Delta):
                return (f"connection '{c.connection.name}' uses a "
                        f"{type(c.connection.synapse).__name__} synapse")
        return None

    @staticmethod
    def jitted(sim: Any, record: tuple = ()) -> Any:
        """The batch program ``(params, inputs, first) -> (readouts, recordings)``."""
        return sim.jit(("few_spike_fast", record), lambda: partial(program, sim, record=record))

    def run(self, sim: Any, batches: Iterable[DeviceBatch], record: tuple
            ) -> Iterator[BatchResult]:
        fn = self.jitted(sim, record)
        for b in batches:
            readouts, recs = fn(sim.params, b.x, b.first)
            yield BatchResult(b, readouts, recs)

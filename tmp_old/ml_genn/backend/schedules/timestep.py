"""The timestep schedule: any network (recurrence, exponential synapses, delays).

``lax.scan`` over timesteps; every step computes every connection from the (delayed)
events of earlier steps, kept in ring buffers, and updates every population. It is the
reference the faster schedules are tested against.

Its host loop runs rate-coded networks batch after batch (state kept or reset between
batches as the plan says) and few-spike networks as a pipeline (SPEC 3.4): each run
advances every population by one stage of ``k`` steps, so the readout of a population
at depth ``d`` after run ``i`` belongs to batch ``i - d``, and ``max depth`` runs of
zeros flush the pipeline.
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator
from functools import partial
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from .. import synapses as synapse_ops
from ..plan import Plan
from ..precision import low_precision
from ..simulator import SimState
from ..transfer import DeviceBatch
from .schedule import BatchResult, Schedule, register_schedule


def program(sim, params, state, inputs, first, t0, *, mode, num_steps, record):
    """``num_steps`` steps of one batch from ``state`` (model time starts at ``t0``):
    (state, readouts, recordings). ``mode`` is ``"fresh"`` (new state for the batch's
    examples), ``"keep"`` or ``"reset_syn"`` (keep neurons, drop spikes in flight)."""
    if mode != "keep":
        fresh = sim.init_state(params, sim.example_keys(first))
        state = fresh if mode == "fresh" else state._replace(history=fresh.history,
                                                             synapses=fresh.synapses)
    return _steps(sim, params, state, inputs, t0, num_steps=num_steps, record=record)


def _steps(sim, params, state, inputs, t0, *, num_steps, record):
    plan = sim.plan
    n_pops = len(plan.populations)
    batch = sim.batch_of(state.history, state.neurons, inputs)

    def body(carry, tau):
        st, accs = carry
        t = t0 + tau
        drives = [None] * n_pops
        syn_states = list(st.synapses)
        conn_states = list(st.connections)
        for ci, c in enumerate(plan.connections):
            hist = st.history[c.source]
            length = sim.history_len[c.source]

            def events_at(delay, hist=hist, length=length):
                return jax.lax.dynamic_index_in_dim(hist, (st.step - 1 - delay) % length,
                                                    axis=0, keepdims=False)
            if sim.stateful(ci):
                conn_states[ci], weighted = sim.ops[ci].apply_step(
                    st.connections[ci], events_at(sim.group_delays[ci][0]), sim.phase(t))
            else:
                weighted = sim.input_of(params, ci, events_at)
            current = synapse_ops.apply(sim.decays[ci], st.synapses[ci], weighted)
            if sim.decays[ci] is not None:
                syn_states[ci] = current
            drives[c.target] = current if drives[c.target] is None else drives[c.target] + current
        neurons, history, new_accs, recs = [], [], list(accs), []
        events_of = []
        for i, dyn in enumerate(sim.dynamics):
            if plan.populations[i].neuron.is_input:
                drive = sim.frame(params, i, inputs[i], tau)
            else:
                drive = drives[i] if drives[i] is not None else sim.zeros(i, batch)
            s, ev = dyn.step(params.neurons[i], st.neurons[i], drive, t)
            neurons.append(s)
            events_of.append(ev)
            h = st.history[i]
            if h is not None:
                h = jax.lax.dynamic_update_index_in_dim(h, ev, st.step % sim.history_len[i], 0)
            history.append(h)
            if sim.readouts[i] is not None:
                new_accs[i] = sim.readout_update(i, accs[i], ev, s, tau, num_steps)
        for i, var in record:
            recs.append(sim.record_value(neurons[i], events_of[i], var))
        new_state = SimState(tuple(neurons), tuple(history), tuple(syn_states),
                             tuple(conn_states), st.step + 1)
        return (new_state, tuple(new_accs)), tuple(recs)

    (state, accs), recs = jax.lax.scan(body, (state, sim.readout_init(batch)),
                                       jnp.arange(num_steps, dtype=jnp.int32))
    return state, sim.readout_final(accs, num_steps), recs


@register_schedule
class TimestepSchedule(Schedule):
    """Every step of every population: runs any network."""

    name = "timestep"

    def blocker(self, plan: Plan) -> str | None:
        if low_precision(plan.precision) is not None:
            return (f"precision={plan.precision!r} runs on the few-spike fast path and the "
                    f"layer schedule only")
        return None

    def run(self, sim: Any, batches: Iterable[DeviceBatch], record: tuple
            ) -> Iterator[BatchResult]:
        if sim.plan.stage_steps is not None:
            yield from self._pipelined(sim, batches, record)
            return
        plan = sim.plan
        steps = plan.num_timesteps

        def fn(mode):
            return sim.jit(("timestep", mode, steps, record),
                           lambda: partial(program, sim, mode=mode, num_steps=steps,
                                           record=record))
        state = None
        for b in batches:
            t0 = (sim.placement.scalar(0) if plan.reset_time_between_batches
                  else np.int32(b.index * steps))
            if state is None or plan.reset_vars_between_batches:
                mode = "fresh"
            else:
                mode = "reset_syn" if plan.reset_in_syn_between_batches else "keep"
            state, readouts, recs = fn(mode)(sim.params, state, b.x, b.first, t0)
            yield BatchResult(b, readouts, recs)

    @staticmethod
    def _pipelined(sim: Any, batches: Iterable[DeviceBatch], record: tuple
                   ) -> Iterator[BatchResult]:
        plan = sim.plan
        depths = plan.depths
        k = plan.stage_steps
        n_pops = len(plan.populations)
        watched = sorted({i for i, p in enumerate(plan.populations)
                          if p.neuron.readout is not None} | {i for i, _ in record})
        lag = max((depths[i] for i in watched), default=0)
        pending: dict[int, dict] = {}
        state = None
        zeros: dict = {}
        batches = iter(batches)
        run = 0
        exhausted = False
        while True:
            item = None if exhausted else next(batches, None)
            exhausted = item is None
            if exhausted and not pending:
                break
            if item is not None:
                pending[run] = {"batch": item, "readouts": [None] * n_pops,
                                "recs": [None] * len(record)}
                inputs = item.x
                if not zeros:
                    zeros = {i: sim.placement.put_batched(np.zeros(a.shape, np.float32))
                             for i, a in inputs.items()}
            else:
                inputs = zeros
            mode = "fresh" if state is None else "keep"
            fn = sim.jit(("timestep", mode, k, record),
                         lambda mode=mode: partial(program, sim, mode=mode, num_steps=k,
                                                   record=record))
            zero = sim.placement.scalar(0)
            state, readouts, recs = fn(sim.params, state, inputs, zero, zero)
            for i in watched:
                owner = run - depths[i]
                if owner in pending:
                    if plan.populations[i].neuron.readout is not None:
                        pending[owner]["readouts"][i] = readouts[i]
                    for r, (jj, _) in enumerate(record):
                        if jj == i:
                            pending[owner]["recs"][r] = recs[r]
            done = run - lag
            if done in pending:
                entry = pending.pop(done)
                yield BatchResult(entry["batch"], tuple(entry["readouts"]), tuple(entry["recs"]))
            run += 1

"""The layer schedule: feed-forward networks with delta synapses, fresh state per batch.

Population by population in topological order, the input of a chunk of timesteps is one
batched op over (timesteps x batch) (one large conv/GEMM instead of one per step), then
the neuron dynamics are scanned over the chunk, fully unrolled so that XLA fuses the
steps. Gives the same readouts as the timestep schedule (tested).
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator
from functools import partial
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from ...synapses import Delta
from ..plan import Plan
from ..precision import low_precision
from ..simulator import SimState
from ..transfer import DeviceBatch
from .schedule import BatchProgram, BatchResult, Schedule, register_schedule


def time_chunk(sim: Any, batch: int, num_steps: int) -> int:
    """Timesteps per chunk. A chunk holds, for the population being advanced, its drive,
    events and op intermediates (about four float32 arrays of (chunk, batch, neurons));
    the budget is ``memory_budget`` bytes, or a quarter of the device's memory where JAX
    reports it. Chunks are capped at ``max_time_chunk`` (10: fastest of 1-29 for VGG-16
    on an H100) because the scan over a chunk is fully unrolled."""
    plan = sim.plan
    if plan.time_chunk:
        return max(1, min(plan.time_chunk, num_steps))
    budget = plan.memory_budget
    if budget is None:
        stats = sim.placement.devices[0].memory_stats() or {}
        budget = stats.get("bytes_limit", 8 * 2 ** 30) // 4
    per_device = max(1, batch // sim.placement.num_devices)
    largest = max(int(np.prod(p.shape)) for p in plan.populations)
    per_step = 16 * per_device * largest
    return int(max(1, min(num_steps, plan.max_time_chunk, budget // per_step)))


def _chunk(sim, params, carry, c_start, t0, inputs, *, size, num_steps, record):
    """Advance every population by ``size`` steps, population by population."""
    plan = sim.plan
    neurons, tails, conn_states, accs = carry
    conn_states = list(conn_states)
    batch = sim.batch_of(tails, neurons, inputs)
    chunk_events: list = [None] * len(plan.populations)
    new_neurons, new_accs, recs = list(neurons), list(accs), {}
    steps = jnp.arange(size, dtype=jnp.int32)
    for i, dyn in enumerate(sim.dynamics):
        if plan.populations[i].neuron.is_input:
            drive = jax.vmap(lambda tau, i=i: sim.frame(params, i, inputs[i], c_start + tau))(steps)
        else:
            drive = None
            for ci, c in plan.incoming(i):
                extended = jnp.concatenate([tails[c.source], chunk_events[c.source]], axis=0)
                length = sim.history_len[c.source]

                def events_at(delay, extended=extended, length=length):
                    window = jax.lax.slice_in_dim(extended, length - 1 - delay,
                                                  length - 1 - delay + size, axis=0)
                    return window.reshape((size * batch,) + window.shape[2:])
                if sim.stateful(ci):
                    window = events_at(sim.group_delays[ci][0])
                    window = window.reshape((size, batch) + window.shape[1:])
                    conn_states[ci], current = jax.lax.scan(
                        partial(sim.ops[ci].apply_step, phase=None), conn_states[ci], window)
                else:
                    current = sim.input_of(params, ci, events_at)
                    current = current.reshape((size, batch) + current.shape[1:])
                drive = current if drive is None else drive + current
            if drive is None:
                drive = sim.zeros(i, batch, (size,))

        def neuron_body(carry, xs, i=i, dyn=dyn):
            s, acc = carry
            tau, d = xs
            s, ev = dyn.step(params.neurons[i], s, d, t0 + c_start + tau)
            if sim.readouts[i] is not None:
                acc = sim.readout_update(i, acc, ev, s, c_start + tau, num_steps)
            rec = tuple(sim.record_value(s, ev, var) for j, var in record if j == i)
            return (s, acc), (ev, rec)

        (new_neurons[i], new_accs[i]), (chunk_events[i], rec_i) = jax.lax.scan(
            neuron_body, (neurons[i], accs[i]), (steps, drive), unroll=size)
        recs[i] = list(rec_i)
    new_tails = tuple(None if tails[i] is None else
                      jnp.concatenate([tails[i], chunk_events[i]], axis=0)[-sim.history_len[i]:]
                      for i in range(len(plan.populations)))
    ordered = tuple(recs[i].pop(0) for i, _ in record)
    return (tuple(new_neurons), new_tails, tuple(conn_states), tuple(new_accs)), ordered


def program(sim, params, inputs, first, t0, *, num_steps, chunk, record):
    """One batch from a fresh state: (readouts, recordings)."""
    state: SimState = sim.init_state(params, sim.example_keys(first))
    carry = (state.neurons, state.history, state.connections, sim.readout_init(sim.batch_size))
    n_full, rest = divmod(num_steps, chunk)
    run = partial(_chunk, sim, params, t0=t0, inputs=inputs, num_steps=num_steps, record=record)
    recs: tuple = ()
    if n_full:
        carry, recs = jax.lax.scan(lambda cr, c: run(cr, c * chunk, size=chunk),
                                   carry, jnp.arange(n_full, dtype=jnp.int32))
        recs = tuple(r.reshape((n_full * chunk,) + r.shape[2:]) for r in recs)
    if rest:
        carry, rest_recs = run(carry, jnp.int32(n_full * chunk), size=rest)
        recs = rest_recs if not n_full else tuple(
            jnp.concatenate([a, b], axis=0) for a, b in zip(recs, rest_recs, strict=True))
    accs = carry[3]
    return sim.readout_final(accs, num_steps), recs


@register_schedule
class LayerSchedule(Schedule):
    """Feed-forward, delta synapses, state reset between batches."""

    name = "layer"

    def blocker(self, plan: Plan) -> str | None:
        if low_precision(plan.precision) is not None and plan.stage_steps is not None:
            return f"precision={plan.precision!r} runs few-spike networks on their fast path"
        if not plan.feed_forward:
            return "the network is recurrent"
        for c in plan.connections:
            if not isinstance(c.connection.synapse, Delta):
                return (f"connection '{c.connection.name}' uses a "
                        f"{type(c.connection.synapse).__name__} synapse")
        if not plan.reset_vars_between_batches:
            return "reset_vars_between_batches=False keeps state across batches"
        return None

    @staticmethod
    def jitted(sim: Any, record: tuple = ()) -> Any:
        """The batch program ``(params, inputs, first, t0) -> (readouts, recordings)``."""
        steps = sim.plan.num_timesteps
        chunk = time_chunk(sim, sim.batch_size, steps)
        return sim.jit(("layer", steps, chunk, record),
                       lambda: partial(program, sim, num_steps=steps, chunk=chunk,
                                       record=record))

    def batch_program(self, sim: Any, record: tuple) -> BatchProgram | None:
        if not sim.plan.reset_time_between_batches:
            return None  # model time runs on from batch to batch
        steps = sim.plan.num_timesteps
        run = partial(program, sim, num_steps=steps, chunk=time_chunk(sim, sim.batch_size, steps),
                      record=record)
        return BatchProgram(lambda params, x, first: run(params, x, first, jnp.int32(0)), steps)

    def run(self, sim: Any, batches: Iterable[DeviceBatch], record: tuple
            ) -> Iterator[BatchResult]:
        steps = sim.plan.num_timesteps
        fn = self.jitted(sim, record)
        for b in batches:
            t0 = (sim.placement.scalar(0) if sim.plan.reset_time_between_batches
                  else np.int32(b.index * steps))
            readouts, recs = fn(sim.params, b.x, b.first, t0)
            yield BatchResult(b, readouts, recs)

"""The layer schedule: feed-forward networks with delta synapses, fresh state per batch.

Population by population in topological order, the input of a chunk of timesteps is one
batched op over (timesteps x batch) (one large conv/GEMM instead of one per step), then
the neuron dynamics are scanned over the chunk, fully unrolled so that XLA fuses the
steps. Gives the same readouts as the timestep schedule (tested).

The memory-bound work around each convolution is kept to the neuron update: a
connection's delay (``1 + delay`` steps, delta synapses) is applied to its op's output,
not to the events (:func:`delayed_input`), so the op reads the neuron update's events
as they are, and in a low-precision mode the neuron update emits them in the operand
type (:func:`event_dtype`), so no conversion or concatenation is written out between
them. Only stateful ops (``MaxPool2D``) keep a tail of events.

On one GPU the neuron update of a chunk runs as one Pallas kernel per population
(:mod:`.neuron_kernel`, ``fuse_neuron_steps``), which reads each step's synaptic input
once (applying the op's scale factor itself) and writes each step's events once, where
XLA's fusion of the unrolled steps wrote intermediate membrane potentials and
recomputed spikes from them; the readouts are the same.
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
from .neuron_kernel import eligible, neuron_steps
from .schedule import BatchProgram, BatchResult, Schedule, register_schedule

#: the cap on a chunk's steps where every hidden population advances in one kernel
#: (:mod:`.neuron_kernel`): longer chunks make larger convolutions and fewer tails,
#: and only the input and readout populations' steps are unrolled by XLA. One H200
#: (JAX 0.11.2), rate-coded VGG-16 at "fp16", T=100, batch 256, device-only images/s,
#: kernels of 1024 neurons and 4 warps: chunks of 10: 6,306; 20: 6,920 (ResNet-20:
#: 8,312); with 2048 neurons and 8 warps: 20: 6,838-6,913; 25: 6,940; 34: 7,089;
#: 50: 7,200, at longer compilation (about 20 s for 25, 30-45 s for 34 and 50). XLA's
#: fusion at its chunks of 10: 4,913 (ResNet-20: 6,462).
KERNEL_TIME_CHUNK = 20


def time_chunk(sim: Any, batch: int, num_steps: int) -> int:
    """Timesteps per chunk. A chunk holds, for the population being advanced, its drive,
    events and op intermediates (about four float32 arrays of (chunk, batch, neurons));
    the budget is ``memory_budget`` bytes, or a quarter of the device's memory where JAX
    reports it. Chunks are capped at ``max_time_chunk`` (10: fastest of 1-29 for VGG-16
    on an H100) because the scan over a chunk is fully unrolled, or at
    :data:`KERNEL_TIME_CHUNK` where kernels advance every hidden population."""
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
    cap = KERNEL_TIME_CHUNK if _kernels_advance_hidden(sim) else plan.max_time_chunk
    return int(max(1, min(num_steps, cap, budget // per_step)))


def _kernels_advance_hidden(sim: Any) -> bool:
    """Whether every population that is neither an input nor read out advances through a
    chunk in one kernel (:func:`_in_one_kernel`, without recordings)."""
    hidden = [i for i, p in enumerate(sim.plan.populations)
              if not p.neuron.is_input and sim.readouts[i] is None]
    return bool(hidden) and all(_in_one_kernel(sim, i, ()) for i in hidden)


def event_tail_len(sim: Any, i: int) -> int:
    """Steps of population ``i``'s events that a chunk keeps for the next one: ``1 +``
    the longest delay of its stateful outgoing connections (0: none; a stateless
    connection keeps its weighted events instead, :func:`delayed_input`)."""
    return 1 + max((d for ci, _ in sim.plan.outgoing(i) if sim.stateful(ci)
                    for d in sim.group_delays[ci]), default=-1)


def event_dtype(sim: Any, i: int) -> Any:
    """The type population ``i`` emits its events in: the operand type of a low-precision
    op it feeds (spikes are exact in it; the cast fuses into the neuron update, and
    consumers that take float32 cast back exactly), else float32."""
    types = {sim.ops[ci].event_dtype for ci, _ in sim.plan.outgoing(i)} - {jnp.float32}
    return types.pop() if len(types) == 1 else jnp.float32


def initial_tails(sim: Any, batch: int) -> tuple[tuple, tuple]:
    """Zero tails of a fresh batch: per population its events' (:func:`event_tail_len`
    steps or None), per connection one tail of weighted events per delay group
    (``1 + delay`` steps; None for a stateful connection)."""
    plan = sim.plan
    events = tuple(None if not event_tail_len(sim, i) else
                   sim.zeros(i, batch, (event_tail_len(sim, i),)).astype(event_dtype(sim, i))
                   for i in range(len(plan.populations)))
    drives = tuple(None if sim.stateful(ci) else
                   tuple(sim.zeros(c.target, batch, (1 + d,)) for d in sim.group_delays[ci])
                   for ci, c in enumerate(plan.connections))
    return events, drives


def delayed_parts(sim: Any, params: Any, ci: int, events: jnp.ndarray, tails: tuple
                  ) -> list[tuple[jnp.ndarray, jnp.ndarray, jnp.ndarray | None]]:
    """Per delay group of stateless connection ``ci``: ``(tail, sums, factor)``, the
    weighted events of the ``1 + delay`` steps before the chunk and the op applied to
    the chunk's ``events`` ``(size, batch, ...)`` as they are, unscaled
    (``ConnectivityOp.apply_unscaled``: ``scale_sums(sums, factor)`` is the op's
    output; :func:`delayed_input`)."""
    op = sim.ops[ci]
    size, batch = events.shape[:2]
    flat = events.reshape((size * batch,) + events.shape[2:]).astype(op.event_dtype)
    parts = []
    for w, tail in zip(params.weights[ci], tails, strict=True):
        sums, factor = op.apply_unscaled(w, flat)
        parts.append((tail, sums.reshape((size, batch) + sums.shape[1:]), factor))
    return parts


def extended_inputs(sim: Any, ci: int, parts: list) -> list[jnp.ndarray]:
    """Each delay group's tail followed by the chunk's weighted events (its
    :func:`delayed_parts` scaled)."""
    return [jnp.concatenate([tail, sim.ops[ci].scale_sums(sums, factor)], axis=0)
            for tail, sums, factor in parts]


def kept_tails(extended: list[jnp.ndarray], size: int) -> tuple:
    """The tails the next chunk receives: the last ``1 + delay`` steps of each group's
    :func:`extended_inputs`."""
    return tuple(e[size:] for e in extended)


def delayed_input(sim: Any, params: Any, ci: int, events: jnp.ndarray, tails: tuple
                  ) -> tuple[jnp.ndarray, tuple]:
    """Input of stateless connection ``ci`` over a chunk, and the tails it keeps.

    The op is linear and maps each (timestep, example) on its own, so delaying its
    output equals delaying its input: each delay group's op runs on the chunk's
    ``events`` ``(size, batch, ...)`` as they are, its output is appended to the group's
    tail (the weighted events of the ``1 + delay`` steps before the chunk), the chunk
    receives the first ``size`` steps and the last ``1 + delay`` are the new tail. The
    concatenation is read by the neuron update (elementwise, fused by XLA), not by the
    convolution, which would need it written out; every value is the one a delay of the
    events gives (same op on the same events, groups summed in the same order)."""
    size = events.shape[0]
    extended = extended_inputs(sim, ci, delayed_parts(sim, params, ci, events, tails))
    delivered = [e[:size] for e in extended]
    return sum(delivered[1:], delivered[0]), kept_tails(extended, size)


def _stateful_input(sim, ci, state, extended, length, size):
    """Input of stateful connection ``ci`` (its state stepped through the chunk) from
    its source's events with the ``length`` steps before the chunk in front."""
    delay = sim.group_delays[ci][0]
    window = jax.lax.slice_in_dim(extended, length - 1 - delay, length - 1 - delay + size,
                                  axis=0).astype(jnp.float32)
    return jax.lax.scan(partial(sim.ops[ci].apply_step, phase=None), state, window)


def _in_one_kernel(sim: Any, i: int, record: tuple) -> bool:
    """Whether population ``i`` advances through a chunk in one kernel
    (:mod:`.neuron_kernel`): kernels are on (``Simulator.neuron_kernels``), its dynamics
    qualify, and it has synaptic input from stateless connections only, no readout and
    no recording."""
    incoming = sim.plan.incoming(i)
    return (sim.neuron_kernels is not None and eligible(sim.dynamics[i])
            and not sim.plan.populations[i].neuron.is_input and bool(incoming)
            and not any(sim.stateful(ci) for ci, _ in incoming)
            and sim.readouts[i] is None and all(j != i for j, _ in record))


def _advance(sim, params, i, event_tails, c_start, t0, inputs, operands, *, size, num_steps,
             record):
    """Advance population ``i`` by ``size`` steps from ``operands`` (its neuron state,
    readout accumulator, and per incoming connection its source's events of the chunk,
    drive tails and connection state): (state, accumulator, events, recordings, drive
    tails, connection states)."""
    plan = sim.plan
    neuron_state, acc, sources, drive_tails, conn_states = operands
    drive_tails, conn_states = list(drive_tails), list(conn_states)
    batch = sim.batch_size
    steps = jnp.arange(size, dtype=jnp.int32)
    dyn = sim.dynamics[i]
    emit = event_dtype(sim, i)
    if _in_one_kernel(sim, i, record):
        parts = []
        for n, ((ci, _), events) in enumerate(zip(plan.incoming(i), sources, strict=True)):
            parts.append(delayed_parts(sim, params, ci, events, drive_tails[n]))
            drive_tails[n] = kept_tails(extended_inputs(sim, ci, parts[-1]), size)
        neuron_state, events = neuron_steps(dyn, params.neurons[i], neuron_state, parts, emit,
                                            interpret=sim.neuron_kernels == "interpret")
        return neuron_state, acc, events, (), tuple(drive_tails), tuple(conn_states)
    if plan.populations[i].neuron.is_input:
        drive = jax.vmap(lambda tau: sim.frame(params, i, inputs[i], c_start + tau))(steps)
    else:
        drive = None
        for n, ((ci, c), events) in enumerate(zip(plan.incoming(i), sources, strict=True)):
            if sim.stateful(ci):
                extended = jnp.concatenate([event_tails[c.source], events], axis=0)
                conn_states[n], current = _stateful_input(
                    sim, ci, conn_states[n], extended, event_tail_len(sim, c.source), size)
            else:
                current, drive_tails[n] = delayed_input(sim, params, ci, events,
                                                        drive_tails[n])
            drive = current if drive is None else drive + current
        if drive is None:
            drive = sim.zeros(i, batch, (size,))

    def neuron_body(carry, xs):
        s, acc = carry
        tau, d = xs
        s, ev = dyn.step(params.neurons[i], s, d, t0 + c_start + tau)
        if sim.readouts[i] is not None:
            acc = sim.readout_update(i, acc, ev, s, c_start + tau, num_steps)
        rec = tuple(sim.record_value(s, ev, var) for j, var in record if j == i)
        return (s, acc), (ev.astype(emit), rec)

    (neuron_state, acc), (events, recs) = jax.lax.scan(
        neuron_body, (neuron_state, acc), (steps, drive), unroll=size)
    return neuron_state, acc, events, recs, tuple(drive_tails), tuple(conn_states)


def _chunk(sim, params, carry, c_start, t0, inputs, *, size, num_steps, record):
    """Advance every population by ``size`` steps, population by population."""
    plan = sim.plan
    neurons, (event_tails, drive_tails), conn_states, accs = carry
    conn_states, drive_tails = list(conn_states), list(drive_tails)
    chunk_events: list = [None] * len(plan.populations)
    new_neurons, new_accs, recs = list(neurons), list(accs), {}
    for i in range(len(plan.populations)):
        incoming = plan.incoming(i)
        operands = (neurons[i], accs[i], tuple(chunk_events[c.source] for _, c in incoming),
                    tuple(drive_tails[ci] for ci, _ in incoming),
                    tuple(conn_states[ci] for ci, _ in incoming))
        advance = partial(_advance, sim, params, i, event_tails, c_start, t0, inputs,
                          size=size, num_steps=num_steps, record=record)
        if params.limit is None:
            result = advance(operands)
        else:   # a prefix run: the populations after ``limit`` give zeros
            shapes = jax.eval_shape(advance, operands)
            result = jax.lax.cond(i <= params.limit, advance, lambda _, shapes=shapes:
                                  jax.tree_util.tree_map(
                                      lambda a: jnp.zeros(a.shape, a.dtype), shapes),
                                  operands)
        new_neurons[i], new_accs[i], chunk_events[i], rec_i, tails, states = result
        for (ci, _), tail, state in zip(incoming, tails, states, strict=True):
            drive_tails[ci], conn_states[ci] = tail, state
        recs[i] = list(rec_i)
    new_event_tails = tuple(
        None if tail is None else
        jnp.concatenate([tail, chunk_events[i]], axis=0)[-tail.shape[0]:]
        for i, tail in enumerate(event_tails))
    ordered = tuple(recs[i].pop(0) for i, _ in record)
    return (tuple(new_neurons), (new_event_tails, tuple(drive_tails)), tuple(conn_states),
            tuple(new_accs)), ordered


def program(sim, params, inputs, first, t0, *, num_steps, chunk, record):
    """One batch from a fresh state: (readouts, recordings)."""
    state: SimState = sim.init_state(params, sim.example_keys(first))
    carry = (state.neurons, initial_tails(sim, sim.batch_size), state.connections,
             sim.readout_init(sim.batch_size))
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

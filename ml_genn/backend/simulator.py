"""Runs a compiled :class:`~ml_genn.compilers.plan.Plan` with JAX.

Three schedules share the neuron ``step`` functions and the connectivity ops:

* **timestep**: ``lax.scan`` over timesteps; every step computes every connection from
  the (delayed) events of earlier steps and updates every population. Works for any
  network (recurrence, exponential synapses, delays) and is the reference.
* **layer**: feed-forward networks with delta synapses. Population by population in
  topological order, the input for a chunk of timesteps is one batched op over
  (timesteps x batch), then the neuron dynamics are scanned over the chunk.
* **few_spike_fast**: feed-forward few-spike networks. A stage's K graded spikes sum to
  the value they encode, so the next layer's input is one op on the decoded value,
  given at the stage's first step, followed by K elementwise steps of the same ``step``.

Every schedule is one jitted XLA program per (batch size, timesteps, recordings).
"""
from __future__ import annotations

from functools import partial
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from ..compilers.plan import Plan
from ..utils.recording import SPIKE_TOTAL, SPIKES
from ..utils.value import materialise
from . import readouts as readout_ops
from . import synapses as synapse_ops
from .connectivity import build_op
from .neurons import build_dynamics
from .neurons.base import batched


class SimParams(NamedTuple):
    neurons: tuple
    weights: tuple  # per connection: tuple of weights, one per delay group
    input_affine: tuple  # per population: (input_scale, input_offset) or None


class SimState(NamedTuple):
    neurons: tuple
    history: tuple  # per population: ring buffer (L, B, *shape) of past events, or None
    synapses: tuple  # per connection: current (B, *target_shape) or None (delta)
    connections: tuple  # per connection: state of a stateful op (MaxPool2D) or None
    step: jnp.ndarray  # steps simulated since the state was created (ring index)


@partial(jax.jit, static_argnums=2)
def _example_keys(seed: int, first_example: int, batch_size: int) -> jnp.ndarray:
    base = jax.random.PRNGKey(seed)
    idx = first_example + jnp.arange(batch_size)
    return jax.vmap(lambda i: jax.random.fold_in(base, i))(idx)


class Simulator:
    """Device-side model of a plan: dynamics, ops, parameters and jitted runners."""

    def __init__(self, plan: Plan):
        self.plan = plan
        rng = np.random.default_rng(plan.rng_seed)
        pops = plan.populations
        self.dynamics = [build_dynamics(p.neuron, p.shape, plan.dt) for p in pops]
        self.ops = [build_op(c.connection.connectivity, plan.precision) for c in plan.connections]
        groups = [op.delay_groups(rng) for op in self.ops]
        self.group_delays = [tuple(d + c.extra_delay for d, _ in g)
                             for g, c in zip(groups, plan.connections, strict=True)]
        self.decays = [synapse_ops.decay_factor(c.connection.synapse, plan.dt)
                       for c in plan.connections]
        self.history_len = [1 + max((d for ci, _ in plan.outgoing(i)
                                     for d in self.group_delays[ci]),
                                    default=-1) for i in range(len(pops))]
        self.params = SimParams(
            neurons=tuple(dyn.params(rng) for dyn in self.dynamics),
            weights=tuple(tuple(w for _, w in g) for g in groups),
            input_affine=tuple(self._input_affine(p, rng) for p in pops))
        self.readouts = [p.neuron.readout for p in pops]
        self._cache: dict = {}

    # --- helpers ----------------------------------------------------------------
    @staticmethod
    def _input_affine(pop, rng) -> tuple | None:
        """``(input_scale, input_offset)`` of an input population, None if identity."""
        if not pop.neuron.is_input:
            return None
        values = tuple(batched(materialise(getattr(pop.neuron, name, default), pop.shape,
                                           name, pop.name, rng))
                       for name, default in (("input_scale", 1.0), ("input_offset", 0.0)))
        if all(v.ndim == 0 for v in values) and float(values[0]) == 1.0 and float(values[1]) == 0.0:
            return None
        return values

    def example_keys(self, first_example: int, batch_size: int) -> jnp.ndarray:
        """Per-example PRNG keys: example ``e`` always draws the same random numbers."""
        return _example_keys(self.plan.rng_seed, first_example, batch_size)

    def _zeros(self, i: int, batch: int, lead: tuple[int, ...] = ()) -> jnp.ndarray:
        return jnp.zeros(lead + (batch,) + tuple(self.plan.populations[i].shape), jnp.float32)

    def _frame(self, params: SimParams, i: int, x: jnp.ndarray, step: jnp.ndarray) -> jnp.ndarray:
        """Drive of input population ``i`` at ``step`` of the example: its frame (the last
        one is held) times ``input_scale`` plus ``input_offset``."""
        neuron = self.plan.populations[i].neuron
        frame = jnp.minimum(step // neuron.input_frame_timesteps, x.shape[1] - 1)
        drive = jax.lax.dynamic_index_in_dim(x, frame, axis=1, keepdims=False)
        affine = params.input_affine[i]
        return drive if affine is None else drive * affine[0] + affine[1]

    def _input_of(self, params: SimParams, ci: int, events_at) -> jnp.ndarray:
        """Weighted input of connection ``ci``; ``events_at(delay)`` gives the source events
        that arrive now through a group of that delay."""
        op = self.ops[ci]
        outs = [op.apply(w, events_at(delay))
                for w, delay in zip(params.weights[ci], self.group_delays[ci], strict=True)]
        return sum(outs[1:], outs[0])

    @staticmethod
    def _batch_size(history: tuple, neurons: tuple, inputs: dict) -> int:
        """Batch size from the event history ``(L, B, ...)``, else the neuron states or
        the inputs ``(B, ...)``."""
        for h in history:
            if h is not None:
                return h.shape[1]
        leaves = jax.tree_util.tree_leaves(neurons) + list(inputs.values())
        return leaves[0].shape[0]

    def _readout_init(self, batch: int) -> tuple:
        return tuple(None if r is None else
                     readout_ops.init(r, (batch,) + tuple(p.shape))
                     for r, p in zip(self.readouts, self.plan.populations, strict=True))

    def _readout_update(self, i: int, acc, events, state, t_local, num_steps):
        readout = self.readouts[i]
        var = None
        if readout.needs_var:
            name = self.plan.populations[i].neuron.output_var_name
            if name is None:
                raise ValueError(f"Population '{self.plan.populations[i].name}': readout "
                                 f"{type(readout).__name__} needs an output variable but "
                                 f"{type(self.plan.populations[i].neuron).__name__} has none.")
            var = getattr(state, name)
        return readout_ops.update(readout, acc, events, var, t_local, num_steps, self.plan.dt)

    def _readout_final(self, accs: tuple, num_steps: int) -> tuple:
        return tuple(None if r is None else readout_ops.finalise(r, a, num_steps)
                     for r, a in zip(self.readouts, accs, strict=True))

    @staticmethod
    def _record_value(state, events, var: str) -> jnp.ndarray:
        if var == SPIKES:
            return jnp.sign(events).astype(jnp.int8)
        if var == SPIKE_TOTAL:
            return jnp.sum(events != 0, axis=tuple(range(1, events.ndim)), dtype=jnp.float32)
        return getattr(state, var)

    def init_state(self, keys: jnp.ndarray) -> SimState:
        batch = keys.shape[0]
        neurons = tuple(dyn.initial_state(p, batch, keys)
                        for dyn, p in zip(self.dynamics, self.params.neurons, strict=True))
        history = tuple(None if not self.plan.outgoing(i) else
                        self._zeros(i, batch, (self.history_len[i],))
                        for i in range(len(self.plan.populations)))
        synapses = tuple(None if d is None else self._zeros(c.target, batch)
                         for d, c in zip(self.decays, self.plan.connections, strict=True))
        connections = tuple(op.init_state(batch) if self._stateful(ci) else None
                            for ci, op in enumerate(self.ops))
        return SimState(neurons, history, synapses, connections, jnp.zeros((), jnp.int32))

    def _stateful(self, ci: int) -> bool:
        return getattr(self.ops[ci], "stateful", False)

    def _phase(self, t: jnp.ndarray) -> jnp.ndarray | None:
        """Pipeline phase of a few-spike network (None for rate-coded networks)."""
        k = self.plan.stage_steps
        return None if k is None else t % k

    def _jit(self, key, builder):
        if key not in self._cache:
            self._cache[key] = jax.jit(builder())
        return self._cache[key]

    # --- timestep schedule --------------------------------------------------------
    def run_timesteps(self, state: SimState, inputs: dict, t0: int, num_steps: int,
                      record: tuple = ()) -> tuple[SimState, tuple, tuple]:
        """Simulate ``num_steps`` steps from ``state``; model time starts at ``t0``.
        Returns (state, readouts per population, recordings (T, B, ...) per request)."""
        fn = self._jit(("timestep", num_steps, record),
                       lambda: partial(self._timestep_program, num_steps=num_steps, record=record))
        return fn(self.params, state, inputs, jnp.int32(t0))

    def _timestep_program(self, params, state, inputs, t0, *, num_steps, record):
        plan = self.plan
        n_pops = len(plan.populations)
        batch = self._batch_size(state.history, state.neurons, inputs)

        def body(carry, tau):
            st, accs = carry
            t = t0 + tau
            drives: list[jnp.ndarray | None] = [None] * n_pops
            syn_states = list(st.synapses)
            conn_states = list(st.connections)
            for ci, c in enumerate(plan.connections):
                hist = st.history[c.source]
                length = self.history_len[c.source]

                def events_at(delay, hist=hist, length=length):
                    return jax.lax.dynamic_index_in_dim(hist, (st.step - 1 - delay) % length,
                                                        axis=0, keepdims=False)
                if self._stateful(ci):
                    conn_states[ci], weighted = self.ops[ci].apply_step(
                        st.connections[ci], events_at(self.group_delays[ci][0]), self._phase(t))
                else:
                    weighted = self._input_of(params, ci, events_at)
                current = synapse_ops.apply(self.decays[ci], st.synapses[ci], weighted)
                if self.decays[ci] is not None:
                    syn_states[ci] = current
                prev = drives[c.target]
                drives[c.target] = current if prev is None else prev + current
            neurons, history, new_accs, recs = [], [], list(accs), []
            events_of = []
            for i, dyn in enumerate(self.dynamics):
                if plan.populations[i].neuron.is_input:
                    drive = self._frame(params, i, inputs[i], tau)
                else:
                    summed = drives[i]
                    drive = summed if summed is not None else self._zeros(i, batch)
                s, ev = dyn.step(params.neurons[i], st.neurons[i], drive, t)
                neurons.append(s)
                events_of.append(ev)
                h = st.history[i]
                if h is not None:
                    h = jax.lax.dynamic_update_index_in_dim(h, ev, st.step % self.history_len[i], 0)
                history.append(h)
                if self.readouts[i] is not None:
                    new_accs[i] = self._readout_update(i, accs[i], ev, s, tau, num_steps)
            for i, var in record:
                recs.append(self._record_value(neurons[i], events_of[i], var))
            new_state = SimState(tuple(neurons), tuple(history), tuple(syn_states),
                                 tuple(conn_states), st.step + 1)
            return (new_state, tuple(new_accs)), tuple(recs)

        (state, accs), recs = jax.lax.scan(body, (state, self._readout_init(batch)),
                                           jnp.arange(num_steps, dtype=jnp.int32))
        return state, self._readout_final(accs, num_steps), recs

    # --- layer schedule -------------------------------------------------------------
    def time_chunk(self, batch: int, num_steps: int) -> int:
        """Timesteps per chunk of the layer schedule. A chunk holds, for the population
        being advanced, its drive, events and op intermediates (about four float32 arrays
        of (chunk, batch, neurons)); the budget is ``memory_budget`` bytes, or a quarter
        of the device's memory where JAX reports it. The neuron scan over a chunk is fully
        unrolled so XLA fuses its steps (state stays in registers), which is why chunks
        are capped at ``max_time_chunk`` (10: fastest of 1-29 for VGG-16 on an H100)."""
        if self.plan.time_chunk:
            return max(1, min(self.plan.time_chunk, num_steps))
        budget = self.plan.memory_budget
        if budget is None:
            stats = jax.devices()[0].memory_stats() or {}
            budget = stats.get("bytes_limit", 8 * 2 ** 30) // 4
        largest = max(int(np.prod(p.shape)) for p in self.plan.populations)
        per_step = 16 * batch * largest
        return int(max(1, min(num_steps, self.plan.max_time_chunk, budget // per_step)))

    def run_layers(self, keys: jnp.ndarray, inputs: dict, t0: int, num_steps: int,
                   record: tuple = ()) -> tuple[SimState, tuple, tuple]:
        """Layer schedule from a fresh state (feed-forward, delta synapses)."""
        chunk = self.time_chunk(keys.shape[0], num_steps)
        fn = self._jit(("layer", num_steps, chunk, record),
                       lambda: partial(self._layer_program, num_steps=num_steps, chunk=chunk,
                                       record=record))
        return fn(self.params, keys, inputs, jnp.int32(t0))

    def _layer_chunk(self, params, carry, c_start, t0, inputs, *, size, num_steps, record):
        """Advance every population by ``size`` steps, population by population."""
        plan = self.plan
        neurons, tails, conn_states, accs = carry
        conn_states = list(conn_states)
        batch = self._batch_size(tails, neurons, inputs)
        chunk_events: list = [None] * len(plan.populations)
        new_neurons, new_accs, recs = list(neurons), list(accs), {}
        steps = jnp.arange(size, dtype=jnp.int32)
        for i, dyn in enumerate(self.dynamics):
            if plan.populations[i].neuron.is_input:
                drive = jax.vmap(lambda tau, i=i: self._frame(params, i, inputs[i],
                                                              c_start + tau))(steps)
            else:
                drive = None
                for ci, c in plan.incoming(i):
                    extended = jnp.concatenate([tails[c.source], chunk_events[c.source]], axis=0)
                    length = self.history_len[c.source]

                    def events_at(delay, extended=extended, length=length):
                        window = jax.lax.slice_in_dim(extended, length - 1 - delay,
                                                      length - 1 - delay + size, axis=0)
                        return window.reshape((size * batch,) + window.shape[2:])
                    if self._stateful(ci):
                        window = events_at(self.group_delays[ci][0])
                        window = window.reshape((size, batch) + window.shape[1:])
                        conn_states[ci], current = jax.lax.scan(
                            partial(self.ops[ci].apply_step, phase=None),
                            conn_states[ci], window)
                    else:
                        current = self._input_of(params, ci, events_at)
                        current = current.reshape((size, batch) + current.shape[1:])
                    drive = current if drive is None else drive + current
                if drive is None:
                    drive = self._zeros(i, batch, (size,))

            def neuron_body(carry, xs, i=i, dyn=dyn):
                s, acc = carry
                tau, d = xs
                s, ev = dyn.step(params.neurons[i], s, d, t0 + c_start + tau)
                if self.readouts[i] is not None:
                    acc = self._readout_update(i, acc, ev, s, c_start + tau, num_steps)
                rec = tuple(self._record_value(s, ev, var) for j, var in record if j == i)
                return (s, acc), (ev, rec)

            (new_neurons[i], new_accs[i]), (chunk_events[i], rec_i) = jax.lax.scan(
                neuron_body, (neurons[i], accs[i]), (steps, drive), unroll=size)
            recs[i] = list(rec_i)
        new_tails = tuple(None if tails[i] is None else
                          jnp.concatenate([tails[i], chunk_events[i]],
                                          axis=0)[-self.history_len[i]:]
                          for i in range(len(plan.populations)))
        ordered = tuple(recs[i].pop(0) for i, _ in record)
        return (tuple(new_neurons), new_tails, tuple(conn_states), tuple(new_accs)), ordered

    def _layer_program(self, params, keys, inputs, t0, *, num_steps, chunk, record):
        state = self.init_state(keys)
        carry = (state.neurons, state.history, state.connections,
                 self._readout_init(keys.shape[0]))
        n_full, rest = divmod(num_steps, chunk)
        run = partial(self._layer_chunk, params, t0=t0, inputs=inputs,
                      num_steps=num_steps, record=record)
        recs: tuple = ()
        if n_full:
            carry, recs = jax.lax.scan(
                lambda cr, c: run(cr, c * chunk, size=chunk),
                carry, jnp.arange(n_full, dtype=jnp.int32))
            recs = tuple(r.reshape((n_full * chunk,) + r.shape[2:]) for r in recs)
        if rest:
            carry, rest_recs = run(carry, jnp.int32(n_full * chunk), size=rest)
            recs = rest_recs if not n_full else tuple(
                jnp.concatenate([a, b], axis=0) for a, b in zip(recs, rest_recs, strict=True))
        neurons, tails, connections, accs = carry
        state = SimState(neurons, tails, state.synapses, connections, jnp.int32(num_steps))
        return state, self._readout_final(accs, num_steps), recs

    # --- few-spike fast path ----------------------------------------------------------
    def run_few_spike_fast(self, keys: jnp.ndarray, inputs: dict,
                           record: tuple = ()) -> tuple[tuple, tuple]:
        """One pipeline stage per population, the whole input given at the stage's first step."""
        fn = self._jit(("few_spike_fast", record),
                       lambda: partial(self._few_spike_program, record=record))
        return fn(self.params, keys, inputs)

    def _few_spike_program(self, params, keys, inputs, *, record):
        plan = self.plan
        k = plan.stage_steps
        assert k is not None, "the few-spike schedule is only chosen with stage_steps"
        state = self.init_state(keys)
        batch = keys.shape[0]
        decoded: list = [None] * len(plan.populations)
        accs = list(self._readout_init(batch))
        recs = {}
        for i, dyn in enumerate(self.dynamics):
            if plan.populations[i].neuron.is_input:
                first = self._frame(params, i, inputs[i], jnp.int32(0))
            else:
                currents = [self._input_of(params, ci, lambda delay, src=c.source: decoded[src])
                            for ci, c in plan.incoming(i)]
                first = sum(currents[1:], currents[0]) if currents else self._zeros(i, batch)
            s = state.neurons[i]
            total = jnp.zeros_like(first)
            rec_i = []
            for p in range(k):
                drive = (first if (p == 0 or plan.populations[i].neuron.is_input)
                         else jnp.zeros_like(first))
                s, ev = dyn.step(params.neurons[i], s, drive, jnp.int32(p))
                total = total + ev
                if self.readouts[i] is not None:
                    accs[i] = self._readout_update(i, accs[i], ev, s, jnp.int32(p), k)
                rec_i.append(tuple(self._record_value(s, ev, var) for j, var in record if j == i))
            decoded[i] = total
            recs[i] = [jnp.stack(r) for r in zip(*rec_i, strict=True)] if rec_i and rec_i[0] else []
        ordered = tuple(recs[i].pop(0) for i, _ in record)
        return self._readout_final(tuple(accs), k), ordered

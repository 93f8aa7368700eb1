"""The device model of a :class:`~ml_genn.backend.plan.Plan`: neuron dynamics,
connectivity ops, parameters on the device(s), and the helpers the schedules'
programs share (input frames, readouts, recordings, initial state).

It is built in ``compile()``: every check that depends on the user's network runs here,
never while a program is being traced. The schedules (``backend/schedules/``) hold the
device programs and host loops that run it.
"""
from __future__ import annotations

from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from ..utils.recording import INPUT, SPIKE_COUNT, SPIKE_TOTAL, SPIKES
from ..utils.value import materialise
from . import readouts as readout_ops
from . import synapses as synapse_ops
from .connectivity import build_op, conv_kernel
from .neurons import build_dynamics
from .neurons.base import batched
from .plan import Plan
from .precision import low_precision
from .sharding import Placement, resolve_devices
from .xla_options import program_options


class SimParams(NamedTuple):
    neurons: tuple
    weights: tuple  # per connection: tuple of weights, one per delay group
    input_affine: tuple  # per population: (input_scale, input_offset) or None
    #: the last population (plan index) a prefix run simulates; None: no prefix runs
    limit: Any = None


class SimState(NamedTuple):
    neurons: tuple
    history: tuple  # per population: ring buffer (L, B, *shape) of past events, or None
    synapses: tuple  # per connection: current (B, *target_shape) or None (delta)
    connections: tuple  # per connection: state of a stateful op (MaxPool2D) or None
    step: jnp.ndarray  # steps simulated since the state was created (ring index)


def _same(a: dict, b: dict) -> bool:
    """Equal option dicts (arrays compared by value)."""
    return a.keys() == b.keys() and all(
        np.array_equal(np.asarray(a[k], object), np.asarray(b[k], object)) for k in a)


def _signature(tree: Any) -> tuple:
    """A pytree's structure and its leaves' shapes and dtypes (what a program is
    compiled for)."""
    leaves, structure = jax.tree_util.tree_flatten(tree)
    return str(structure), tuple((a.shape, str(a.dtype)) for a in leaves)


def cuda_capability(device: Any) -> tuple[int, ...] | None:
    """An NVIDIA GPU's compute capability (``(9, 0)`` for an H100/H200), else None."""
    capability = getattr(device, "compute_capability", None)
    if device.platform != "gpu" or not capability:
        return None
    return tuple(int(part) for part in str(capability).split("."))


def kernel_mode(use: bool | None, placement: Placement,
                option: str = "fuse_neuron_steps") -> str | None:
    """A Pallas kernel switch (``fuse_neuron_steps``, ``conv_kernel.USE``: ``option``
    names it in the error) resolved to "compiled", "interpret" or None (XLA): None
    (auto) compiles the kernels on one NVIDIA GPU of compute capability 8.0 or above
    (Ampere on; the kernels were measured on Hopper) and leaves other devices to XLA;
    True also compiles them on other GPUs and runs them on a CPU in Pallas' interpreter
    (slow: for tests); False never uses them.

    Raises:
        ValueError: for True on several devices (the kernels are not partitioned)."""
    on_gpu = placement.devices[0].platform == "gpu"
    if use is None:
        capability = cuda_capability(placement.devices[0])
        return ("compiled" if capability is not None and capability >= (8, 0)
                and placement.num_devices == 1 else None)
    if not use:
        return None
    if placement.num_devices > 1:
        raise ValueError(f"{option}=True runs on one device; this network runs on "
                         f"{placement.num_devices}. Leave {option}=None (XLA on several "
                         f"devices) or give one device.")
    return "compiled" if on_gpu else "interpret"


class Simulator:
    """Device-side model of a plan: dynamics, ops, parameters (on the device) and the
    cache of jitted programs.

    Raises:
        ValueError: for a readout that needs an output variable the neuron lacks, or a
            bad ``devices``.
    """

    def __init__(self, plan: Plan):
        self.plan = plan
        self.placement = Placement(resolve_devices(plan.devices))
        #: examples per batch on the device(s): ``batch_size`` padded to the devices
        self.batch_size = self.placement.device_batch(plan.batch_size)
        #: XLA options of every program (``xla_options.program_options``), or None
        self.compiler_options = program_options(self.placement.devices[0])
        #: how the layer schedule runs a chunk's neuron update in one kernel
        #: (``schedules/neuron_kernel.py``): "compiled", "interpret" or None (XLA)
        self.neuron_kernels = kernel_mode(plan.fuse_neuron_steps, self.placement)
        rng = np.random.default_rng(plan.rng_seed)
        pops = plan.populations
        self.dynamics = [build_dynamics(p.neuron, p.shape, plan.dt) for p in pops]
        #: the low-precision mode (few-spike fast path), or None
        self.low_precision = low_precision(plan.precision)
        #: how ops run their Pallas kernels (``connectivity/conv_kernel.py``), as above
        self.op_kernels = kernel_mode(conv_kernel.USE, self.placement,
                                             "ml_genn.backend.connectivity.conv_kernel.USE")
        self.ops = [build_op(c.connection.connectivity, plan.precision,
                             self._code_bits(c.source), self.op_kernels)
                    for c in plan.connections]
        groups = [op.delay_groups(rng) for op in self.ops]
        self.group_delays = [tuple(d + c.extra_delay for d, _ in g)
                             for g, c in zip(groups, plan.connections, strict=True)]
        self.decays = [synapse_ops.decay_factor(c.connection.synapse, plan.dt)
                       for c in plan.connections]
        self.history_len = [1 + max((d for ci, _ in plan.outgoing(i)
                                     for d in self.group_delays[ci]),
                                    default=-1) for i in range(len(pops))]
        #: the generator's state where each population's neuron parameters are drawn,
        #: and after the last (a reload redraws them as a rebuild would)
        self._neuron_rng_states: list = []

        def drawn(dyn: Any) -> Any:
            self._neuron_rng_states.append(rng.bit_generator.state)
            return dyn.params(rng)
        neurons = tuple(drawn(dyn) for dyn in self.dynamics)
        self._neuron_rng_states.append(rng.bit_generator.state)
        self.params = self.placement.put_replicated(SimParams(
            neurons=neurons,
            weights=tuple(tuple(w for _, w in g) for g in groups),
            input_affine=tuple(self._input_affine(p, rng) for p in pops),
            limit=np.int32(len(pops) - 1) if plan.prefix_runs else None))
        if self.low_precision is not None:
            self._check_code_scales()
        self.readouts = [p.neuron.readout for p in pops]
        for p, readout in zip(pops, self.readouts, strict=True):
            if readout is not None:
                readout_ops.backend_of(readout)   # raises now if it has none
            if readout is not None and readout.needs_var and p.neuron.output_var_name is None:
                raise ValueError(f"Population '{p.name}': readout {type(readout).__name__} "
                                 f"needs an output variable but {type(p.neuron).__name__} "
                                 f"has none; use readout='spike_count'.")
        self._cache: dict = {}

    def set_limit(self, last: int) -> None:
        """Let the next runs of the layer schedule simulate only populations ``0..last``
        (plan order: ``last`` and everything it depends on); the others' readouts are
        zero. Needs a plan with ``prefix_runs``."""
        if self.params.limit is None:
            raise ValueError("Prefix runs need a network compiled with prefix_runs=True.")
        self.params = self.params._replace(limit=self.placement.put_replicated(np.int32(last)))

    def reload_neuron_params(self, indices: list[int]) -> bool:
        """Copy the neuron parameters of populations ``indices`` to the device again after
        they changed, keeping the compiled programs and the other populations' device
        arrays; every value is drawn as a rebuilt device model would draw it (the
        generator's state where the population's draws start). Returns False, changing
        nothing, where a changed neuron's class, options or readout differ, a
        parameter's shape or dtype, or the number of random values it draws (which
        moves the draws of the populations after it): then the device model must be
        rebuilt."""
        pops = self.plan.populations
        params = {}
        for i in indices:
            new = build_dynamics(pops[i].neuron, pops[i].shape, self.plan.dt)
            old = self.dynamics[i]
            if type(new) is not type(old) or not _same(vars(new.options), vars(old.options)) \
                    or pops[i].neuron.readout is not self.readouts[i]:
                return False
            rng = np.random.default_rng()
            rng.bit_generator.state = self._neuron_rng_states[i]
            params[i] = new, new.params(rng)
            if rng.bit_generator.state != self._neuron_rng_states[i + 1] or \
                    _signature(params[i][1]) != _signature(self.params.neurons[i]):
                return False
        for i, (new, _) in params.items():
            self.dynamics[i].values = new.values      # the programs keep the old objects
        on_device = self.placement.put_replicated({i: p for i, (_, p) in params.items()})
        self.params = self.params._replace(neurons=tuple(
            on_device.get(i, p) for i, p in enumerate(self.params.neurons)))
        return True

    def _code_bits(self, i: int) -> int | None:
        """Bits of what population ``i`` sends in a low-precision mode: a few-spike
        population's code bits, 1 for spikes.

        Raises:
            ValueError: for a population with graded events in a low-precision mode.
        """
        dyn = self.dynamics[i]
        bits = getattr(dyn, "code_bits", 1 if dyn.spiking else None)
        if bits is None and self.low_precision is not None:
            pop = self.plan.populations[i]
            raise ValueError(
                f"Population '{pop.name}' ({type(pop.neuron).__name__}) sends graded "
                f"values, which precision={self.plan.precision!r} would round: the "
                f"low-precision modes take spikes and few-spike codes only. Use "
                f"precision='default' or 'highest'.")
        return bits

    def _check_code_scales(self) -> None:
        """Low-precision modes scale the weighted sum of codes by the source's
        ``alpha 2^-B`` afterwards, so every few-spike source needs one alpha."""
        for i in sorted({c.source for c in self.plan.connections}):
            alpha = getattr(self.params.neurons[i], "alpha", 0.0)
            if self.dynamics[i].stage_steps is not None and np.ndim(alpha) != 0:
                pop = self.plan.populations[i]
                raise ValueError(
                    f"Population '{pop.name}' ({type(pop.neuron).__name__}) has one alpha "
                    f"per neuron, but precision={self.plan.precision!r} scales its codes "
                    f"after the weighted sum and needs one alpha per population. Give it a "
                    f"scalar alpha or use precision='highest'.")

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

    def example_keys(self, first_example: jnp.ndarray) -> jnp.ndarray:
        """Inside a program: the PRNG keys of the batch's examples, so that example ``e``
        always draws the same random numbers (whatever the batch, devices or schedule)."""
        base = jax.random.PRNGKey(self.plan.rng_seed)
        idx = first_example + jnp.arange(self.batch_size, dtype=jnp.int32)
        return self.placement.constrain(jax.vmap(lambda i: jax.random.fold_in(base, i))(idx))

    def variables(self, i: int) -> list[str]:
        """Names of population ``i``'s per-neuron state variables (recordable)."""
        state = jax.eval_shape(
            lambda p, k: self.dynamics[i].initial_state(p, 1, k), self.params.neurons[i],
            jax.random.split(jax.random.PRNGKey(0), 1))
        shape = (1,) + tuple(self.plan.populations[i].shape)
        return [name for name in state._fields if tuple(getattr(state, name).shape) == shape]

    def parameters(self, i: int) -> list[str]:
        """Names of population ``i``'s parameters as the device holds them (after the
        compile-time transforms: ``alpha`` is :math:`e^{-\\Delta t/\\tau_{mem}}`), one
        value or one per neuron each; recordable as constants."""
        params = self.params.neurons[i]
        shape = (1,) + tuple(self.plan.populations[i].shape)
        return [name for name in params._fields
                if getattr(params, name).ndim == 0 or getattr(params, name).shape == shape]

    def recordable(self, i: int) -> list[str]:
        """Every name population ``i`` can record: its state variables, then its
        parameters that no state variable shadows, then ``INPUT`` (its drive) for an
        input population."""
        names = self.variables(i)
        names += [p for p in self.parameters(i) if p not in names]
        if self.plan.populations[i].neuron.is_input and INPUT not in names:
            names.append(INPUT)
        return names

    def parameter(self, i: int, name: str) -> np.ndarray:
        """Parameter ``name`` of population ``i`` on the host, broadcast (a read-only
        view) to the population's shape."""
        value = np.asarray(jax.device_get(getattr(self.params.neurons[i], name)))
        shape = tuple(self.plan.populations[i].shape)
        return np.broadcast_to(value[0] if value.ndim else value, shape)

    def input_affine_host(self, i: int) -> tuple[np.ndarray, np.ndarray] | None:
        """``(input_scale, input_offset)`` of input population ``i`` on the host, each
        broadcastable to ``(batch, *shape)``; None if identity."""
        affine = self.params.input_affine[i]
        if affine is None:
            return None
        scale, offset = (np.asarray(jax.device_get(a)) for a in affine)
        return scale, offset

    def zeros(self, i: int, batch: int, lead: tuple[int, ...] = ()) -> jnp.ndarray:
        return jnp.zeros(lead + (batch,) + tuple(self.plan.populations[i].shape), jnp.float32)

    def frame(self, params: SimParams, i: int, x: jnp.ndarray, step: jnp.ndarray) -> jnp.ndarray:
        """Drive of input population ``i`` at ``step`` of the example: its frame (the last
        one is held, as float32: inputs may travel in a narrower type that float32 holds
        exactly) times ``input_scale`` plus ``input_offset``."""
        neuron = self.plan.populations[i].neuron
        frame = jnp.minimum(step // neuron.input_frame_timesteps, x.shape[1] - 1)
        drive = jax.lax.dynamic_index_in_dim(x, frame, axis=1, keepdims=False).astype(
            jnp.float32)
        affine = params.input_affine[i]
        return drive if affine is None else drive * affine[0] + affine[1]

    def input_of(self, params: SimParams, ci: int, events_at) -> jnp.ndarray:
        """Weighted input of connection ``ci``; ``events_at(delay)`` gives the source events
        that arrive now through a group of that delay."""
        op = self.ops[ci]
        outs = [op.apply(w, events_at(delay))
                for w, delay in zip(params.weights[ci], self.group_delays[ci], strict=True)]
        return sum(outs[1:], outs[0])

    @staticmethod
    def batch_of(history: tuple, neurons: tuple, inputs: dict) -> int:
        """Batch size from the event history ``(L, B, ...)``, else the neuron states or
        the inputs ``(B, ...)``."""
        for h in history:
            if h is not None:
                return h.shape[1]
        leaves = jax.tree_util.tree_leaves(neurons) + list(inputs.values())
        return leaves[0].shape[0]

    def readout_init(self, batch: int) -> tuple:
        return tuple(None if r is None else
                     readout_ops.init(r, (batch,) + tuple(p.shape))
                     for r, p in zip(self.readouts, self.plan.populations, strict=True))

    def readout_update(self, i: int, acc, events, state, t_local, num_steps):
        readout = self.readouts[i]
        var = None
        if readout.needs_var:
            var = getattr(state, self.plan.populations[i].neuron.output_var_name)
        return readout_ops.update(readout, acc, events, var, t_local, num_steps, self.plan.dt)

    def readout_final(self, accs: tuple, num_steps: int) -> tuple:
        return tuple(None if r is None else readout_ops.finalise(r, a, num_steps)
                     for r, a in zip(self.readouts, accs, strict=True))

    @staticmethod
    def record_value(state, events, var: str) -> jnp.ndarray:
        if var == SPIKES:
            return jnp.sign(events).astype(jnp.int8)
        if var in (SPIKE_TOTAL, SPIKE_COUNT):  # per step; the runner sums SPIKE_COUNT
            return jnp.sum(events != 0, axis=tuple(range(1, events.ndim)), dtype=jnp.float32)
        return getattr(state, var)

    def init_state(self, params: SimParams, keys: jnp.ndarray) -> SimState:
        """Fresh state for a batch whose examples have PRNG ``keys``."""
        batch = keys.shape[0]
        neurons = tuple(dyn.initial_state(p, batch, keys)
                        for dyn, p in zip(self.dynamics, params.neurons, strict=True))
        history = tuple(None if not self.plan.outgoing(i) else
                        self.zeros(i, batch, (self.history_len[i],))
                        for i in range(len(self.plan.populations)))
        synapses = tuple(None if d is None else self.zeros(c.target, batch)
                         for d, c in zip(self.decays, self.plan.connections, strict=True))
        connections = tuple(op.init_state(batch) if self.stateful(ci) else None
                            for ci, op in enumerate(self.ops))
        return SimState(neurons, history, synapses, connections, jnp.zeros((), jnp.int32))

    def stateful(self, ci: int) -> bool:
        return getattr(self.ops[ci], "stateful", False)

    def phase(self, t: jnp.ndarray) -> jnp.ndarray | None:
        """Pipeline phase of a few-spike network (None for rate-coded networks)."""
        k = self.plan.stage_steps
        return None if k is None else t % k

    def jit(self, key: Any, builder) -> Any:
        """The jitted program ``builder()`` cached under ``key``, compiled with
        :attr:`compiler_options` (so it must be called outside other jitted code)."""
        return self.cached(("jit", key), lambda: jax.jit(
            builder(), compiler_options=self.compiler_options))

    def cached(self, key: Any, make) -> Any:
        """``make()`` cached under ``key`` (programs, constant device arrays)."""
        if key not in self._cache:
            self._cache[key] = make()
        return self._cache[key]

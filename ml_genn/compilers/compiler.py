"""Base compiler: validates a network and builds the backend plan."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..backend.plan import ConnectionPlan, Plan, topological_order
from ..backend.precision import LOW_PRECISION, MATRIX_PRECISIONS
from ..backend.schedules import choose_schedule
from ..utils.validation import check_positive_int

if TYPE_CHECKING:
    from ..network import Network
    from .compiled_network import CompiledNetwork

PRECISIONS = MATRIX_PRECISIONS


class Compiler:
    """Shared settings of all compilers.

    Args:
        dt: timestep [ms].
        batch_size: examples simulated together.
        rng_seed: seed of every random draw (initializers, Poisson inputs).
        kernel_profiling: GeNN kernel timers; not available in the JAX backend.
        prefer_in_memory_connect: accepted for compatibility (connectivity is always
            materialised in device memory here).
        communicator: multi-process communicator; not yet supported.
        precision: **ours**, matrix precision of every dot/conv: ``"highest"`` (true
            float32, exact, the default) or ``"default"`` (TF32/bf16 where the device
            offers it, faster); :class:`FewSpikeCompiler` and
            :class:`InferenceCompiler` also take the low-precision modes
            (:mod:`ml_genn.backend.precision`), which compute on few-spike codes or
            spikes (exact in half precision) and weight pieces. Measured on one NVIDIA
            H200 (mlGeNN's VGG-16 k=10 and ResNet-20 k=8, batch 256/512, device-only,
            against the ANN in ``jax.jit``; exactness: hidden codes that differ from
            ``"highest"``, README "Low-precision modes"):

            * ``"fp16"``: float16 operands and results, float32 accumulation in
              cuDNN's float16 kernels. TF32-class (VGG-16 12.4% of codes differ,
              ``"default"`` 12.5%); 0.94-1.37x the TF32 ANN, 1.2-1.8x ``"default"``.
              Rate coding: 1.69x ``"default"`` (VGG-16, T=100, with the neuron
              kernels of ``fuse_neuron_steps``).
            * ``"fp16x1"``/``"bf16x1"``: one weight piece, float32 sums. TF32-class;
              XLA runs them as TF32 convolutions plus conversions (0.71-0.88x the TF32
              ANN), so no faster than ``"default"``.
            * ``"fp16x2"``/``"fp16x3"``/``"bf16x3"``: two or three pieces.
              Float32-class (ResNet-20 1.0% of codes, float32 in another summation
              order 0.7%); ``"fp16x2"`` 3.2-3.3x (ResNet-20, whose small two-piece
              convolutions run in a Pallas kernel on GPUs:
              ``ml_genn.backend.connectivity.conv_kernel``) and 4.2-4.4x (VGG-16)
              the float32 (``"highest"``) ANN. ``"bf16x2"``: 16 weight bits, about
              6% of codes (between the two classes).
        schedule: **ours**, ``"auto"`` (fastest exact schedule) or a schedule name to force.
        devices: **ours**, where to run: ``None`` (one device, the default), ``"all"``
            (every device JAX sees, on every host after ``jax.distributed.initialize()``)
            or a list of JAX devices. With several devices the batch axis is sharded
            over them; results equal a one-device run.
        time_chunk: **ours**, timesteps per chunk of the layer schedule (auto if None).
        memory_budget: **ours**, bytes one layer-schedule chunk may use (default: a
            quarter of the device memory JAX reports, else 2 GiB).
        fuse_neuron_steps: **ours**, run the layer schedule's neuron update of a chunk of
            timesteps as one Pallas kernel per population (:mod:`ml_genn.backend.
            schedules.neuron_kernel`; same results as XLA's fusion): ``None`` (the
            default) on one NVIDIA GPU of compute capability 8.0 or above (A100, H100,
            H200, ...), ``True`` on any one device (a CPU through Pallas' interpreter,
            slow; for tests), ``False`` never.
        prefix_runs: **ours**, compile the layer schedule so that a run can simulate only
            the first populations (:meth:`CompiledNetwork.simulate_until`), at no new
            compilation; for calibrating layer by layer.
    """

    #: schedules this compiler offers, fastest first
    schedule_names: tuple[str, ...] = ("timestep",)
    #: values of ``precision`` this compiler takes
    precisions: tuple[str, ...] = PRECISIONS

    def __init__(self, dt: float = 1.0, batch_size: int = 1, rng_seed: int = 0,
                 kernel_profiling: bool = False, prefer_in_memory_connect: bool = True,
                 communicator: Any = None, precision: str = "highest", schedule: str = "auto",
                 time_chunk: int | None = None, memory_budget: int | None = None,
                 devices: Any = None, prefix_runs: bool = False,
                 fuse_neuron_steps: bool | None = None, **kwargs: Any):
        owner = type(self).__name__
        if kwargs:
            raise TypeError(f"{owner}: unexpected argument(s) {sorted(kwargs)}.")
        if float(dt) <= 0:
            raise ValueError(f"{owner}: dt must be > 0, received {dt!r}.")
        if kernel_profiling:
            raise NotImplementedError(f"{owner}: kernel_profiling is a GeNN feature; the JAX "
                                      f"backend runs one XLA program per batch. Use "
                                      f"jax.profiler to profile it.")
        if communicator is not None:
            raise NotImplementedError(f"{owner}: multi-process communicators are not yet "
                                      f"supported; run one process per device.")
        if precision not in self.precisions:
            hint = (" The low-precision modes run on FewSpikeCompiler and "
                    "InferenceCompiler only." if precision in LOW_PRECISION else "")
            raise ValueError(f"{owner}: precision must be one of {self.precisions}, "
                             f"received {precision!r}.{hint}")
        if schedule != "auto" and schedule not in self.schedule_names:
            raise ValueError(f"{owner}: schedule must be 'auto' or one of "
                             f"{self.schedule_names}, received {schedule!r}.")
        self.dt = float(dt)
        self.batch_size = check_positive_int(batch_size, "batch_size", owner)
        self.rng_seed = int(rng_seed)
        self.prefer_in_memory_connect = prefer_in_memory_connect
        self.precision = precision
        self.schedule = schedule
        self.time_chunk = (None if time_chunk is None
                           else check_positive_int(time_chunk, "time_chunk", owner))
        self.memory_budget = None if memory_budget is None else int(memory_budget)
        self.devices = devices
        self.prefix_runs = bool(prefix_runs)
        if fuse_neuron_steps not in (None, True, False):
            raise ValueError(f"{owner}: fuse_neuron_steps must be None, True or False, "
                             f"received {fuse_neuron_steps!r}.")
        self.fuse_neuron_steps = fuse_neuron_steps

    def _build_plan(self, network: Network, num_timesteps: int) -> Plan:
        owner = type(self).__name__
        members = {id(p) for p in network.populations}
        for pop in network.populations:
            if pop.shape is None:
                raise ValueError(f"{owner}: population '{pop.name}' has no shape; give one or "
                                 f"connect a source to it.")
        for conn in network.connections:
            source, target = conn.source(), conn.target()
            if source is None or target is None or id(source) not in members \
                    or id(target) not in members:
                raise ValueError(f"{owner}: connection '{conn.name}' links a population "
                                 f"that is not part of this network.")
            if target.neuron.is_input:
                raise ValueError(f"{owner}: connection '{conn.name}' targets input population "
                                 f"'{target.name}' ({type(target.neuron).__name__}); "
                                 f"input neurons take data, not synaptic input.")
            delay = conn.connectivity.delay
            max_delay = int(delay) if isinstance(delay, int) else int(delay.max())
            if conn.max_delay_steps is not None and max_delay > conn.max_delay_steps:
                raise ValueError(f"{owner}: connection '{conn.name}' has a delay of {max_delay} "
                                 f"steps, above its max_delay_steps={conn.max_delay_steps}.")
        ordered, feed_forward = topological_order(network.populations, network.connections)
        index = {id(p): i for i, p in enumerate(ordered)}
        connections = [ConnectionPlan(c, index[id(c.source())], index[id(c.target())])
                       for c in network.connections]
        return Plan(populations=ordered, connections=connections, feed_forward=feed_forward,
                    dt=self.dt, rng_seed=self.rng_seed, precision=self.precision,
                    batch_size=self.batch_size, num_timesteps=num_timesteps,
                    time_chunk=self.time_chunk, memory_budget=self.memory_budget,
                    devices=self.devices, prefix_runs=self.prefix_runs,
                    fuse_neuron_steps=self.fuse_neuron_steps)

    def _choose_schedule(self, plan: Plan) -> str:
        """The first of ``schedule_names`` that can run ``plan`` (or the forced one)."""
        return choose_schedule(plan, self.schedule_names, self.schedule, type(self).__name__)

    def compile(self, network: Network, name: str | None = None, inputs: Any = None,
                outputs: Any = None) -> CompiledNetwork:
        """Validate ``network`` and return a compiled network (a context manager)."""
        raise NotImplementedError

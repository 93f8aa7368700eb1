"""Compiler for few-spike networks, pipelined over batches (SPEC 3.4)."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from ..backend.plan import ConnectionPlan, pipeline_depths
from ..backend.precision import LOW_PRECISION
from ..utils.validation import check_positive_int
from .compiled_few_spike_network import CompiledFewSpikeNetwork
from .compiler import PRECISIONS, Compiler

if TYPE_CHECKING:
    from ..network import Network


class FewSpikeCompiler(Compiler):
    """Compiles a few-spike network: each batch runs ``k`` timesteps, and a population
    at pipeline depth ``d`` processes the batch given ``d`` batches earlier. Connections
    get ``(depth(target) - depth(source) - 1) * k`` extra delay so that shortcut spikes
    arrive in the right stage.

    The ``"few_spike_fast"`` schedule (auto when every synapse is a delta synapse)
    computes each population's stage with one op on the decoded values and gives the same
    readouts as the pipelined ``"timestep"`` schedule.

    ``precision`` also takes the low-precision modes ``"fp16"``, ``"fp16x1"``,
    ``"fp16x2"``, ``"fp16x3"``, ``"bf16x1"``, ``"bf16x2"``, ``"bf16x3"`` (``"fp16x2"``: the codes in
    float16, the weights in two float16 pieces, float32 sums), which the fast path runs
    (:mod:`ml_genn.backend.precision`; costs and measured exactness in the README).

    Args:
        k: timesteps per stage (must equal every few-spike neuron's ``k``).
        Other arguments: see :class:`~ml_genn.compilers.compiler.Compiler`.

    Example:
        >>> FewSpikeCompiler(k=8, batch_size=64).k
        8
        >>> FewSpikeCompiler(k=10, precision="fp16x2").precision
        'fp16x2'
    """

    schedule_names = ("few_spike_fast", "timestep")
    precisions = PRECISIONS + tuple(LOW_PRECISION)

    def __init__(self, k: int = 10, dt: float = 1.0, batch_size: int = 1, rng_seed: int = 0,
                 kernel_profiling: bool = False, prefer_in_memory_connect: bool = True,
                 communicator: Any = None, **kwargs: Any):
        super().__init__(dt, batch_size, rng_seed, kernel_profiling, prefer_in_memory_connect,
                         communicator, **kwargs)
        self.k = check_positive_int(k, "k", "FewSpikeCompiler")

    def compile(self, network: Network, name: str | None = None, inputs: Any = None,
                outputs: Any = None) -> CompiledFewSpikeNetwork:
        plan = self._build_plan(network, self.k)
        if not plan.feed_forward:
            raise ValueError("FewSpikeCompiler: few-spike pipelining needs a feed-forward "
                             "network; this one has a cycle. Use InferenceCompiler.")
        for pop in plan.populations:
            k = getattr(pop.neuron, "k", None)
            if k is None:
                raise ValueError(f"FewSpikeCompiler: population '{pop.name}' uses "
                                 f"{type(pop.neuron).__name__}; few-spike networks need "
                                 f"FewSpikeRelu / FewSpikeReluInput neurons.")
            if k != self.k:
                raise ValueError(f"FewSpikeCompiler: population '{pop.name}' has k={k} but "
                                 f"the compiler has k={self.k}; they must match.")
        for c in plan.connections:
            if not np.all(np.asarray(c.connection.connectivity.delay) == 0):
                raise ValueError(f"FewSpikeCompiler: connection '{c.connection.name}' has a "
                                 f"delay; few-spike delays are set by the pipeline. Use delay=0.")
        plan.depths = pipeline_depths(plan.populations, plan.connections)
        plan.connections = [
            ConnectionPlan(c.connection, c.source, c.target,
                           (plan.depths[c.target] - plan.depths[c.source] - 1) * self.k)
            for c in plan.connections]
        plan.stage_steps = self.k
        plan.schedule = self._choose_schedule(plan)
        return CompiledFewSpikeNetwork(plan, name)

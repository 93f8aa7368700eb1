"""Compiler for inference with rate- or time-coded networks."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..neurons.neuron import check_positive_int
from ..synapses import Delta
from .compiled_inference_network import CompiledInferenceNetwork
from .compiler import Compiler

if TYPE_CHECKING:
    from ..network import Network
    from .plan import Plan


class InferenceCompiler(Compiler):
    """Compiles a network to run ``evaluate_timesteps`` steps per batch.

    Args:
        evaluate_timesteps: timesteps simulated per example.
        reset_time_between_batches: restart model time at 0 for every batch.
        reset_vars_between_batches: fresh neuron state for every batch (**ours**: spikes
            still in flight are dropped too, so examples never leak into each other).
        reset_in_syn_between_batches: when state is kept, drop in-flight spikes anyway.
        Other arguments: see :class:`~ml_genn.compilers.compiler.Compiler`.

    Example:
        >>> compiler = InferenceCompiler(evaluate_timesteps=100, batch_size=32)
        >>> compiler.evaluate_timesteps
        100
    """

    schedule_names = ("layer", "timestep")

    def __init__(self, evaluate_timesteps: int, dt: float = 1.0, batch_size: int = 1,
                 rng_seed: int = 0, kernel_profiling: bool = False,
                 prefer_in_memory_connect: bool = True, reset_time_between_batches: bool = True,
                 reset_vars_between_batches: bool = True,
                 reset_in_syn_between_batches: bool = False, communicator: Any = None,
                 **kwargs: Any):
        super().__init__(dt, batch_size, rng_seed, kernel_profiling, prefer_in_memory_connect,
                         communicator, **kwargs)
        self.evaluate_timesteps = check_positive_int(evaluate_timesteps, "evaluate_timesteps",
                                                     "InferenceCompiler")
        self.reset_time_between_batches = bool(reset_time_between_batches)
        self.reset_vars_between_batches = bool(reset_vars_between_batches)
        self.reset_in_syn_between_batches = bool(reset_in_syn_between_batches)

    def layer_schedule_blocker(self, plan: Plan) -> str | None:
        """Why the layer schedule cannot run ``plan`` (None if it can)."""
        if not plan.feed_forward:
            return "the network is recurrent"
        for c in plan.connections:
            if not isinstance(c.connection.synapse, Delta):
                synapse = type(c.connection.synapse).__name__
                return f"connection '{c.connection.name}' uses a {synapse} synapse"
        if not self.reset_vars_between_batches:
            return "reset_vars_between_batches=False keeps state across batches"
        return None

    def compile(self, network: Network, name: str | None = None, inputs: Any = None,
                outputs: Any = None) -> CompiledInferenceNetwork:
        plan = self._build_plan(network)
        plan.schedule = self._choose_schedule(
            plan, {"layer": self.layer_schedule_blocker(plan), "timestep": None})
        return CompiledInferenceNetwork(plan, name, self)

"""Compiler for inference with rate- or time-coded networks."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..backend.precision import LOW_PRECISION
from ..utils.validation import check_positive_int
from .compiled_inference_network import CompiledInferenceNetwork
from .compiler import PRECISIONS, Compiler

if TYPE_CHECKING:
    from ..network import Network


class InferenceCompiler(Compiler):
    """Compiles a network to run ``evaluate_timesteps`` steps per batch.

    Args:
        evaluate_timesteps: timesteps simulated per example.
        reset_time_between_batches: restart model time at 0 for every batch.
        reset_vars_between_batches: fresh neuron state for every batch (**ours**: spikes
            still in flight are dropped too, so examples never leak into each other).
        reset_in_syn_between_batches: when state is kept, drop in-flight spikes anyway.
        precision: also the low-precision modes (``"fp16"``, ``"fp16x2"``, ...), which
            the layer schedule runs on spikes (exact in every format) and weight pieces
            (:mod:`ml_genn.backend.precision`).
        Other arguments: see :class:`~ml_genn.compilers.compiler.Compiler`.

    Example:
        >>> compiler = InferenceCompiler(evaluate_timesteps=100, batch_size=32)
        >>> compiler.evaluate_timesteps
        100
    """

    schedule_names = ("layer", "timestep")
    precisions = PRECISIONS + tuple(LOW_PRECISION)

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

    def compile(self, network: Network, name: str | None = None, inputs: Any = None,
                outputs: Any = None) -> CompiledInferenceNetwork:
        """Validate ``network``, choose its schedule and build its device model.

        Raises:
            ValueError: for anything in the network the backend cannot run (this is the
                last point where a user error is raised; runs only check their data).
        """
        plan = self._build_plan(network, self.evaluate_timesteps)
        plan.reset_time_between_batches = self.reset_time_between_batches
        plan.reset_vars_between_batches = self.reset_vars_between_batches
        plan.reset_in_syn_between_batches = self.reset_in_syn_between_batches
        plan.schedule = self._choose_schedule(plan)
        return CompiledInferenceNetwork(plan, name)

"""Compiled network for InferenceCompiler."""
from __future__ import annotations

from .compiled_network import CompiledNetwork


class CompiledInferenceNetwork(CompiledNetwork):
    """Runs ``evaluate_timesteps`` steps per batch (see :class:`CompiledNetwork` for the
    API); state and model time are reset between batches as the compiler says."""

    @property
    def reset_time_between_batches(self) -> bool:
        return self.plan.reset_time_between_batches

    @property
    def reset_vars_between_batches(self) -> bool:
        return self.plan.reset_vars_between_batches

    @property
    def reset_in_syn_between_batches(self) -> bool:
        return self.plan.reset_in_syn_between_batches

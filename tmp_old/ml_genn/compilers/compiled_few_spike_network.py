"""Compiled network for FewSpikeCompiler."""
from __future__ import annotations

from .compiled_network import CompiledNetwork


class CompiledFewSpikeNetwork(CompiledNetwork):
    """Runs one pipeline stage (``k`` steps) per batch. With the ``"few_spike_fast"``
    schedule a batch is one program; with ``"timestep"`` the readout of an output at
    depth ``d`` after run ``i`` belongs to batch ``i - d``, and ``max depth`` extra runs
    flush the pipeline (the results are the same)."""

    @property
    def k(self) -> int:
        assert self.plan.stage_steps is not None, "few-spike plans have stage_steps"
        return self.plan.stage_steps

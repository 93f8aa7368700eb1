"""Compiled network for InferenceCompiler."""
from __future__ import annotations

from .compiled_network import CompiledNetwork


class CompiledInferenceNetwork(CompiledNetwork):
    """Runs ``evaluate_timesteps`` steps per batch (see :class:`CompiledNetwork` for the API)."""

    def __init__(self, plan, name, compiler):
        super().__init__(plan, name, compiler.batch_size, compiler.evaluate_timesteps)
        self.reset_time_between_batches = compiler.reset_time_between_batches
        self.reset_vars_between_batches = compiler.reset_vars_between_batches
        self.reset_in_syn_between_batches = compiler.reset_in_syn_between_batches

    def _execute(self, batches, record, callbacks):
        sim = self.simulator
        steps = self.num_timesteps
        state = None
        for batch_index, (inputs, labels, start, count) in enumerate(batches):
            callbacks.on_batch_begin(batch_index)
            keys = sim.example_keys(start, self.batch_size)
            t0 = 0 if self.reset_time_between_batches else batch_index * steps
            if self.plan.schedule == "layer":
                _, readouts, recs = sim.run_layers(keys, inputs, t0, steps, record)
            else:
                if state is None or self.reset_vars_between_batches:
                    state = sim.init_state(keys)
                elif self.reset_in_syn_between_batches:
                    fresh = sim.init_state(keys)
                    state = state._replace(history=fresh.history, synapses=fresh.synapses)
                state, readouts, recs = sim.run_timesteps(state, inputs, t0, steps, record)
            yield (readouts, recs), labels, start, count

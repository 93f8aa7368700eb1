"""Dynamics of LeakyIntegrate (equations in its docstring)."""
from __future__ import annotations

from typing import NamedTuple

import jax.numpy as jnp

from ...neurons import LeakyIntegrate
from .base import NeuronDynamics, batched, input_scale, register_dynamics


class LIState(NamedTuple):
    v: jnp.ndarray


@register_dynamics(LeakyIntegrate)
class LeakyIntegrateDynamics(NeuronDynamics):
    def derived_params(self, values, rng):
        alpha = self.decay("tau_mem", rng)
        return {"alpha": batched(alpha), "i_scale": input_scale(alpha, self.options.scale_i)}

    def initial_state(self, p, batch_size, keys):
        return LIState(v=self.full(p.v, batch_size))

    def step(self, p, s, drive, t):
        v = p.alpha * s.v + p.i_scale * (drive + p.bias)
        return LIState(v=v), jnp.zeros_like(v)

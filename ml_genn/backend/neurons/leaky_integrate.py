"""Dynamics of LeakyIntegrate (equations in its docstring)."""
from __future__ import annotations

from typing import NamedTuple

import jax.numpy as jnp

from ...neurons import LeakyIntegrate
from .base import NeuronDynamics, register_dynamics
from .leaky_integrate_fire import decay, float32, input_scale, param


class LIParams(NamedTuple):
    v: jnp.ndarray
    bias: jnp.ndarray
    alpha: jnp.ndarray
    i_scale: jnp.ndarray


class LIState(NamedTuple):
    v: jnp.ndarray


@register_dynamics(LeakyIntegrate)
class LeakyIntegrateDynamics(NeuronDynamics):
    def params(self, rng):
        alpha = decay(self, "tau_mem", rng)
        return LIParams(param(self, "v", rng), param(self, "bias", rng),
                        float32(self, alpha), input_scale(self, alpha, self.neuron.scale_i))

    def initial_state(self, p, batch_size, keys):
        return LIState(v=self.full(p.v, batch_size))

    def step(self, p, s, drive, t):
        v = p.alpha * s.v + p.i_scale * (drive + p.bias)
        return LIState(v=v), jnp.zeros_like(v)

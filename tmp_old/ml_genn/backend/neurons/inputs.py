"""Dynamics of the stochastic and binary spike inputs (equations in their docstrings)."""
from __future__ import annotations

import jax.numpy as jnp

from ...neurons import BinarySpikeInput, PoissonInput
from .base import KeyState, NeuronDynamics, NoState, register_dynamics, uniform


def signed_events(positive: jnp.ndarray, negative: jnp.ndarray, signed: bool) -> jnp.ndarray:
    events = positive.astype(jnp.float32)
    return events - negative.astype(jnp.float32) if signed else events


@register_dynamics(PoissonInput)
class PoissonInputDynamics(NeuronDynamics):
    spiking = True

    uses_random = True

    def initial_state(self, p, batch_size, keys):
        return KeyState(key=keys)

    def step(self, p, s, x, t):
        keys, u = uniform(s.key, self.shape)
        fire = u < -jnp.expm1(-jnp.abs(x) * self.dt)
        events = signed_events(fire & (x > 0), fire & (x < 0), self.options.signed_spikes)
        return KeyState(key=keys), events


@register_dynamics(BinarySpikeInput)
class BinarySpikeInputDynamics(NeuronDynamics):
    spiking = True

    def initial_state(self, p, batch_size, keys):
        return NoState()

    def step(self, p, s, x, t):
        return s, signed_events(x > 0, x < 0, self.options.signed_spikes)

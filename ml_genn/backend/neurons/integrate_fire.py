"""Dynamics of IntegrateFire and IntegrateFireInput (equations in their docstrings)."""
from __future__ import annotations

from typing import NamedTuple

import jax.numpy as jnp

from ...neurons import IntegrateFire, IntegrateFireInput
from .base import NeuronDynamics, register_dynamics, reset


class IFState(NamedTuple):
    v: jnp.ndarray


@register_dynamics(IntegrateFire)
class IntegrateFireDynamics(NeuronDynamics):
    spiking = True
    fusable_steps = True

    def initial_state(self, p, batch_size, keys):
        return IFState(v=self.full(p.v, batch_size))

    def step(self, p, s, drive, t):
        v = s.v + drive + p.bias
        spike = v >= p.v_thresh
        v = reset(v, spike, p.v_thresh, p.v_reset, self.options.relative_reset)
        return IFState(v=v), spike.astype(jnp.float32)


@register_dynamics(IntegrateFireInput)
class IntegrateFireInputDynamics(IntegrateFireDynamics):
    """Same step without bias; ``drive`` is the current data frame."""

    def derived_params(self, values, rng):
        return {"bias": jnp.zeros((), jnp.float32)}

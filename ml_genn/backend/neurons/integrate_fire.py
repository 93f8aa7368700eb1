"""Dynamics of IntegrateFire and IntegrateFireInput (equations in their docstrings)."""
from __future__ import annotations

from typing import NamedTuple

import jax.numpy as jnp

from ...neurons import IntegrateFire, IntegrateFireInput
from .base import NeuronDynamics, register_dynamics, reset


class IFParams(NamedTuple):
    v_thresh: jnp.ndarray
    v_reset: jnp.ndarray
    v: jnp.ndarray
    bias: jnp.ndarray


class IFState(NamedTuple):
    v: jnp.ndarray


@register_dynamics(IntegrateFire)
class IntegrateFireDynamics(NeuronDynamics):
    def params(self, rng):
        return IFParams(*(self.param(n, rng) for n in ("v_thresh", "v_reset", "v", "bias")))

    def initial_state(self, p, batch_size, keys):
        return IFState(v=self.full(p.v, batch_size))

    def step(self, p, s, drive, t):
        v = s.v + drive + p.bias
        spike = v >= p.v_thresh
        v = reset(v, spike, p.v_thresh, p.v_reset, self.neuron.relative_reset)
        return IFState(v=v), spike.astype(jnp.float32)


@register_dynamics(IntegrateFireInput)
class IntegrateFireInputDynamics(IntegrateFireDynamics):
    def params(self, rng):
        zero = jnp.zeros((), jnp.float32)
        return IFParams(self.param("v_thresh", rng), self.param("v_reset", rng),
                        self.param("v", rng), bias=zero)

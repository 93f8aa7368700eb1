"""Dynamics of the leaky integrate-and-fire family: LeakyIntegrateFire,
LeakyIntegrateFireInput and AdaptiveLeakyIntegrateFire (equations and order of
operations in their docstrings)."""
from __future__ import annotations

from typing import NamedTuple

import jax.numpy as jnp

from ...neurons import AdaptiveLeakyIntegrateFire, LeakyIntegrateFire, LeakyIntegrateFireInput
from .base import (
    NeuronDynamics,
    batched,
    input_scale,
    refractory_update,
    register_dynamics,
    reset,
)


class LIFState(NamedTuple):
    v: jnp.ndarray
    refrac: jnp.ndarray


class _RefractoryDynamics(NeuronDynamics):
    """``tau_refrac=None`` (no refractory period) is static: fixed when built."""
    spiking = True

    def __init__(self, neuron, shape, dt):
        super().__init__(neuron, shape, dt)
        self.hold_in_refrac = (neuron.tau_refrac is not None
                               and not self.options.integrate_during_refrac)


@register_dynamics(LeakyIntegrateFire)
class LeakyIntegrateFireDynamics(_RefractoryDynamics):
    def derived_params(self, values, rng):
        alpha = self.decay("tau_mem", rng)
        return {"alpha": batched(alpha), "i_scale": input_scale(alpha, self.options.scale_i),
                "n_refrac": self.refrac_steps(rng)}

    def initial_state(self, p, batch_size, keys):
        return LIFState(v=self.full(p.v, batch_size), refrac=self.zeros_int(batch_size))

    def step(self, p, s, drive, t):
        v = p.alpha * s.v + p.i_scale * (drive + p.bias)
        refractory = s.refrac > 0
        if self.hold_in_refrac:
            v = jnp.where(refractory, s.v, v)
        spike = (v >= p.v_thresh) & ~refractory
        v = reset(v, spike, p.v_thresh, p.v_reset, self.options.relative_reset)
        refrac = refractory_update(spike, s.refrac, p.n_refrac)
        return LIFState(v=v, refrac=refrac), spike.astype(jnp.float32)


@register_dynamics(LeakyIntegrateFireInput)
class LeakyIntegrateFireInputDynamics(LeakyIntegrateFireDynamics):
    """Same step; ``drive`` is the current data frame :math:`x`."""


class ALIFState(NamedTuple):
    v: jnp.ndarray
    a: jnp.ndarray
    refrac: jnp.ndarray


@register_dynamics(AdaptiveLeakyIntegrateFire)
class AdaptiveLeakyIntegrateFireDynamics(_RefractoryDynamics):
    def derived_params(self, values, rng):
        return {"alpha": batched(self.decay("tau_mem", rng)),
                "rho": batched(self.decay("tau_adapt", rng)),
                "n_refrac": self.refrac_steps(rng)}

    def initial_state(self, p, batch_size, keys):
        return ALIFState(v=self.full(p.v, batch_size), a=self.full(p.a, batch_size),
                         refrac=self.zeros_int(batch_size))

    def step(self, p, s, drive, t):
        v = p.alpha * s.v + drive
        refractory = s.refrac > 0
        if self.hold_in_refrac:
            v = jnp.where(refractory, s.v, v)
        spike = (v >= p.v_thresh + p.beta * s.a) & ~refractory
        v = reset(v, spike, p.v_thresh, p.v_reset, self.options.relative_reset)
        a = p.rho * s.a + spike.astype(jnp.float32)
        refrac = refractory_update(spike, s.refrac, p.n_refrac)
        return ALIFState(v=v, a=a, refrac=refrac), spike.astype(jnp.float32)

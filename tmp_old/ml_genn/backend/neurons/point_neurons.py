"""Dynamics of the NeurAI-style point neurons Izhikevich, ExpLIF, QuadraticIF and GLIF3
(equations and order of operations in their docstrings)."""
from __future__ import annotations

from typing import NamedTuple

import jax.numpy as jnp
import numpy as np

from ...neurons import GLIF3, ExpLIF, Izhikevich, QuadraticIF
from .base import NeuronDynamics, batched, refractory_update, register_dynamics


class IzhikevichState(NamedTuple):
    v: jnp.ndarray
    u: jnp.ndarray


@register_dynamics(Izhikevich)
class IzhikevichDynamics(NeuronDynamics):
    def derived_params(self, values, rng):
        if self.values["u"] is None:
            return {"u": values["b"] * values["v"]}
        return {"u": self.param("u", rng)}

    def initial_state(self, p, batch_size, keys):
        return IzhikevichState(v=self.full(p.v, batch_size), u=self.full(p.u, batch_size))

    def step(self, p, s, drive, t):
        v = s.v + self.dt * (0.04 * s.v * s.v + 5.0 * s.v + 140.0 - s.u + drive)
        u = s.u + self.dt * p.a * (p.b * s.v - s.u)
        spike = v >= p.v_th
        v = jnp.where(spike, p.c, v)
        u = jnp.where(spike, u + p.d, u)
        return IzhikevichState(v=v, u=u), spike.astype(jnp.float32)


class RefracState(NamedTuple):
    v: jnp.ndarray
    refrac: jnp.ndarray


class _EulerIFDynamics(NeuronDynamics):
    """Shared step of ExpLIF and QuadraticIF: Euler update of ``V`` held while refractory,
    threshold, reset to ``v_reset`` and the refractory counter."""

    def derived_params(self, values, rng):
        return {"dt_tau": batched(self.dt / self.host_param("tau_mem", rng)),
                "n_refrac": self.refrac_steps(rng)}

    def initial_state(self, p, batch_size, keys):
        return RefracState(v=self.full(p.v, batch_size), refrac=self.zeros_int(batch_size))

    def derivative(self, p, v, drive):
        raise NotImplementedError

    def step(self, p, s, drive, t):
        active = s.refrac == 0
        v = jnp.where(active, s.v + p.dt_tau * self.derivative(p, s.v, drive), s.v)
        spike = (v >= p.v_thresh) & active
        v = jnp.where(spike, p.v_reset, v)
        refrac = refractory_update(spike, s.refrac, p.n_refrac)
        return RefracState(v=v, refrac=refrac), spike.astype(jnp.float32)


@register_dynamics(ExpLIF)
class ExpLIFDynamics(_EulerIFDynamics):
    def derivative(self, p, v, drive):
        exponent = jnp.minimum((v - p.v_t) / p.delta_t, 30.0)
        return -(v - p.v_rest) + p.delta_t * jnp.exp(exponent) + p.r * drive


@register_dynamics(QuadraticIF)
class QuadraticIFDynamics(_EulerIFDynamics):
    def derivative(self, p, v, drive):
        return p.c * (v - p.v_rest) * (v - p.v_c) + p.r * drive


class GLIF3State(NamedTuple):
    v: jnp.ndarray
    asc_1: jnp.ndarray
    asc_2: jnp.ndarray
    refrac: jnp.ndarray


@register_dynamics(GLIF3)
class GLIF3Dynamics(NeuronDynamics):
    def derived_params(self, values, rng):
        g, c_m = self.host_param("g", rng), self.host_param("c_m", rng)
        if not (np.all(g > 0) and np.all(c_m > 0)):
            raise ValueError(f"{self.owner}: g and c_m must be > 0.")
        return {"v_decay": batched(np.exp(-g * self.dt / c_m)),
                "n_refrac": self.refrac_steps(rng)}

    def initial_state(self, p, batch_size, keys):
        i1, i2 = self.options.asc_init
        return GLIF3State(v=self.full(p.v, batch_size), asc_1=self.full(i1, batch_size),
                          asc_2=self.full(i2, batch_size), refrac=self.zeros_int(batch_size))

    def step(self, p, s, drive, t):
        n = self.options
        active = s.refrac == 0
        v_inf = p.e_l + (drive + s.asc_1 + s.asc_2) / p.g
        v = jnp.where(active, v_inf + (s.v - v_inf) * p.v_decay, s.v)
        k1, k2 = (float(np.exp(-k * self.dt)) for k in n.asc_decay)
        asc_1, asc_2 = s.asc_1 * k1, s.asc_2 * k2
        spike = (v >= p.v_thresh) & active
        v = jnp.where(spike, p.v_reset, v)
        asc_1 = jnp.where(spike, n.asc_r[0] * asc_1 + n.asc_amps[0], asc_1)
        asc_2 = jnp.where(spike, n.asc_r[1] * asc_2 + n.asc_amps[1], asc_2)
        refrac = refractory_update(spike, s.refrac, p.n_refrac)
        return GLIF3State(v=v, asc_1=asc_1, asc_2=asc_2, refrac=refrac), spike.astype(jnp.float32)

"""Dynamics of the NeurAI-style point neurons Izhikevich, ExpLIF, QuadraticIF and GLIF3
(equations and order of operations in their docstrings)."""
from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import jax.numpy as jnp
import numpy as np

from ...neurons import GLIF3, ExpLIF, Izhikevich, QuadraticIF
from .base import NeuronDynamics, register_dynamics
from .leaky_integrate_fire import (
    float32,
    host_param,
    param,
    refrac_steps,
    refractory_update,
    zeros_int,
)


class IzhikevichParams(NamedTuple):
    a: jnp.ndarray
    b: jnp.ndarray
    c: jnp.ndarray
    d: jnp.ndarray
    v_th: jnp.ndarray
    v: jnp.ndarray
    u: jnp.ndarray


class IzhikevichState(NamedTuple):
    v: jnp.ndarray
    u: jnp.ndarray


@register_dynamics(Izhikevich)
class IzhikevichDynamics(NeuronDynamics):
    def params(self, rng):
        values = {n: param(self, n, rng) for n in ("a", "b", "c", "d", "v_th", "v")}
        if self.neuron.u is None:
            u = values["b"] * values["v"]
        else:
            u = param(self, "u", rng)
        return IzhikevichParams(u=u, **values)

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

    names: tuple[str, ...] = ()
    params_type: Callable[..., NamedTuple]

    def params(self, rng):
        values = {n: param(self, n, rng) for n in self.names}
        values["dt_tau"] = float32(self, self.dt / host_param(self, "tau_mem", rng))
        values["n_refrac"] = refrac_steps(self, rng)
        return self.params_type(**values)

    def initial_state(self, p, batch_size, keys):
        return RefracState(v=self.full(p.v, batch_size), refrac=zeros_int(self, batch_size))

    def derivative(self, p, v, drive):
        raise NotImplementedError

    def step(self, p, s, drive, t):
        active = s.refrac == 0
        v = jnp.where(active, s.v + p.dt_tau * self.derivative(p, s.v, drive), s.v)
        spike = (v >= p.v_thresh) & active
        v = jnp.where(spike, p.v_reset, v)
        refrac = refractory_update(spike, s.refrac, p.n_refrac)
        return RefracState(v=v, refrac=refrac), spike.astype(jnp.float32)


class ExpLIFParams(NamedTuple):
    v_rest: jnp.ndarray
    v_reset: jnp.ndarray
    v_thresh: jnp.ndarray
    v_t: jnp.ndarray
    delta_t: jnp.ndarray
    r: jnp.ndarray
    v: jnp.ndarray
    dt_tau: jnp.ndarray
    n_refrac: jnp.ndarray


@register_dynamics(ExpLIF)
class ExpLIFDynamics(_EulerIFDynamics):
    names = ("v_rest", "v_reset", "v_thresh", "v_t", "delta_t", "r", "v")
    params_type = ExpLIFParams

    def derivative(self, p, v, drive):
        exponent = jnp.minimum((v - p.v_t) / p.delta_t, 30.0)
        return -(v - p.v_rest) + p.delta_t * jnp.exp(exponent) + p.r * drive


class QIFParams(NamedTuple):
    v_rest: jnp.ndarray
    v_reset: jnp.ndarray
    v_thresh: jnp.ndarray
    v_c: jnp.ndarray
    c: jnp.ndarray
    r: jnp.ndarray
    v: jnp.ndarray
    dt_tau: jnp.ndarray
    n_refrac: jnp.ndarray


@register_dynamics(QuadraticIF)
class QuadraticIFDynamics(_EulerIFDynamics):
    names = ("v_rest", "v_reset", "v_thresh", "v_c", "c", "r", "v")
    params_type = QIFParams

    def derivative(self, p, v, drive):
        return p.c * (v - p.v_rest) * (v - p.v_c) + p.r * drive


class GLIF3Params(NamedTuple):
    v_thresh: jnp.ndarray
    v_reset: jnp.ndarray
    e_l: jnp.ndarray
    g: jnp.ndarray
    v: jnp.ndarray
    v_decay: jnp.ndarray
    n_refrac: jnp.ndarray


class GLIF3State(NamedTuple):
    v: jnp.ndarray
    asc_1: jnp.ndarray
    asc_2: jnp.ndarray
    refrac: jnp.ndarray


@register_dynamics(GLIF3)
class GLIF3Dynamics(NeuronDynamics):
    def params(self, rng):
        values = {n: param(self, n, rng) for n in ("v_thresh", "v_reset", "e_l", "g", "v")}
        g, c_m = host_param(self, "g", rng), host_param(self, "c_m", rng)
        if not (np.all(g > 0) and np.all(c_m > 0)):
            raise ValueError(f"{self.owner}: g and c_m must be > 0.")
        return GLIF3Params(v_decay=float32(self, np.exp(-g * self.dt / c_m)),
                           n_refrac=refrac_steps(self, rng), **values)

    def initial_state(self, p, batch_size, keys):
        i1, i2 = self.neuron.asc_init
        return GLIF3State(v=self.full(p.v, batch_size), asc_1=self.full(i1, batch_size),
                          asc_2=self.full(i2, batch_size), refrac=zeros_int(self, batch_size))

    def step(self, p, s, drive, t):
        n = self.neuron
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

"""Dynamics of HodgkinHuxley (equations, units and integration scheme in its docstring)."""
from __future__ import annotations

import math
from typing import NamedTuple

import jax
import jax.numpy as jnp

from ...neurons import HodgkinHuxley
from .base import NeuronDynamics, register_dynamics


def _linear_rate(x: jnp.ndarray, scale: float) -> jnp.ndarray:
    """:math:`x / (1 - e^{-x/\\text{scale}})`, continuous at 0 (limit: scale)."""
    small = jnp.abs(x) < 1e-4 * scale
    safe = jnp.where(small, scale, x)
    return jnp.where(small, scale + 0.5 * x, safe / -jnp.expm1(-safe / scale))


def rates(v: jnp.ndarray) -> tuple[jnp.ndarray, ...]:
    """(alpha_m, beta_m, alpha_h, beta_h, alpha_n, beta_n) at ``v`` [mV], in 1/ms."""
    alpha_m = 0.1 * _linear_rate(v + 40.0, 10.0)
    beta_m = 4.0 * jnp.exp(-(v + 65.0) / 18.0)
    alpha_h = 0.07 * jnp.exp(-(v + 65.0) / 20.0)
    beta_h = 1.0 / (1.0 + jnp.exp(-(v + 35.0) / 10.0))
    alpha_n = 0.01 * _linear_rate(v + 55.0, 10.0)
    beta_n = 0.125 * jnp.exp(-(v + 65.0) / 80.0)
    return alpha_m, beta_m, alpha_h, beta_h, alpha_n, beta_n


class HHState(NamedTuple):
    v: jnp.ndarray
    m: jnp.ndarray
    h: jnp.ndarray
    n: jnp.ndarray


@register_dynamics(HodgkinHuxley)
class HodgkinHuxleyDynamics(NeuronDynamics):
    def __init__(self, neuron, shape, dt):
        super().__init__(neuron, shape, dt)
        self.substeps = max(1, math.ceil(self.dt / self.options.substep - 1e-6))
        self.h = self.dt / self.substeps

    def initial_state(self, p, batch_size, keys):
        v = self.full(p.v, batch_size)
        am, bm, ah, bh, an, bn = rates(v)
        return HHState(v=v, m=am / (am + bm), h=ah / (ah + bh), n=an / (an + bn))

    def substep(self, p, s, current):
        v, m, h, n = s
        am, bm, ah, bh, an, bn = rates(v)
        i_ion = (p.g_na * m ** 3 * h * (v - p.e_na) + p.g_k * n ** 4 * (v - p.e_k)
                 + p.g_l * (v - p.e_l))
        return HHState(v=v + self.h * (current - i_ion) / p.c_m,
                       m=m + self.h * (am * (1.0 - m) - bm * m),
                       h=h + self.h * (ah * (1.0 - h) - bh * h),
                       n=n + self.h * (an * (1.0 - n) - bn * n))

    def step(self, p, s, drive, t):
        current = drive + p.i_offset
        new = jax.lax.fori_loop(0, self.substeps, lambda _, x: self.substep(p, x, current), s)
        spike = (s.v < p.v_thresh) & (new.v >= p.v_thresh)
        return new, spike.astype(jnp.float32)

"""Dynamics of the leaky integrate-and-fire family: LeakyIntegrateFire,
LeakyIntegrateFireInput and AdaptiveLeakyIntegrateFire (equations and order of
operations in their docstrings), plus the time-constant and refractory helpers shared
with the other models that have a refractory period."""
from __future__ import annotations

from typing import Any, NamedTuple

import jax.numpy as jnp
import numpy as np

from ...neurons import AdaptiveLeakyIntegrateFire, LeakyIntegrateFire, LeakyIntegrateFireInput
from ...utils.data import time_to_step
from ...utils.value import materialise
from .base import NeuronDynamics, register_dynamics, reset


def host_param(dyn: NeuronDynamics, name: str, rng: np.random.Generator) -> np.ndarray:
    """A parameter materialised on the host as float64 (for dt-dependent transforms)."""
    return materialise(getattr(dyn.neuron, name), dyn.shape, name, dyn.owner,
                       rng).astype(np.float64)


def batched(value: Any, shape: tuple[int, ...]) -> jnp.ndarray:
    """A per-neuron parameter of ``shape`` gets a leading unit batch axis, so that it
    combines with ``(batch, *shape)`` state without rank promotion; a 0-d value, or one
    that already has the batch axis, is returned as is."""
    value = jnp.asarray(value)
    return value[None] if value.ndim and value.ndim == len(shape) else value


def float32(dyn: NeuronDynamics, value: Any) -> jnp.ndarray:
    """A host value as float32, batched (see :func:`batched`)."""
    return batched(jnp.asarray(value, jnp.float32), dyn.shape)


def param(dyn: NeuronDynamics, name: str, rng: np.random.Generator) -> jnp.ndarray:
    """``dyn.param(name)``, batched (see :func:`batched`)."""
    return batched(dyn.param(name, rng), dyn.shape)


def decay(dyn: NeuronDynamics, name: str, rng: np.random.Generator) -> np.ndarray:
    """:math:`e^{-\\Delta t/\\tau}` of the time constant ``name`` [ms] (checked > 0)."""
    tau = host_param(dyn, name, rng)
    if not np.all(tau > 0):
        raise ValueError(f"{dyn.owner}: {name} must be > 0, received values down to "
                         f"{tau.min()}.")
    return np.exp(-dyn.dt / tau)


def input_scale(dyn: NeuronDynamics, alpha: np.ndarray, scale_i: bool) -> jnp.ndarray:
    """Factor of the input: :math:`1-\\alpha` with ``scale_i``, else 1."""
    return float32(dyn, -np.expm1(np.log(alpha)) if scale_i else np.ones_like(alpha))


def refrac_steps(dyn: NeuronDynamics, rng: np.random.Generator,
                 name: str = "tau_refrac") -> jnp.ndarray:
    """:math:`n_{ref} = \\lceil \\tau_{refrac}/\\Delta t \\rceil` as int32 (0 if ``None``)."""
    tau = getattr(dyn.neuron, name)
    if tau is None:
        return jnp.zeros((), jnp.int32)
    tau = host_param(dyn, name, rng)
    if not np.all(tau >= 0):
        raise ValueError(f"{dyn.owner}: {name} must be >= 0, received values down to "
                         f"{tau.min()}.")
    return batched(jnp.asarray(time_to_step(tau, dyn.dt, "ceil"), dtype=jnp.int32), dyn.shape)


def refractory_update(spike: jnp.ndarray, refrac: jnp.ndarray,
                      n_refrac: jnp.ndarray) -> jnp.ndarray:
    """:math:`r \\leftarrow n_{ref}` on a spike, else :math:`\\max(r-1, 0)`."""
    return jnp.where(spike, n_refrac, jnp.maximum(refrac - 1, 0)).astype(jnp.int32)


def zeros_int(dyn: NeuronDynamics, batch_size: int) -> jnp.ndarray:
    return jnp.zeros((batch_size,) + dyn.shape, jnp.int32)


class LIFParams(NamedTuple):
    v_thresh: jnp.ndarray
    v_reset: jnp.ndarray
    v: jnp.ndarray
    alpha: jnp.ndarray
    i_scale: jnp.ndarray
    bias: jnp.ndarray
    n_refrac: jnp.ndarray


class LIFState(NamedTuple):
    v: jnp.ndarray
    refrac: jnp.ndarray


@register_dynamics(LeakyIntegrateFire)
class LeakyIntegrateFireDynamics(NeuronDynamics):
    def params(self, rng):
        alpha = decay(self, "tau_mem", rng)
        return LIFParams(param(self, "v_thresh", rng), param(self, "v_reset", rng),
                         param(self, "v", rng), float32(self, alpha),
                         input_scale(self, alpha, self.neuron.scale_i), param(self, "bias", rng),
                         refrac_steps(self, rng))

    def initial_state(self, p, batch_size, keys):
        return LIFState(v=self.full(p.v, batch_size), refrac=zeros_int(self, batch_size))

    def step(self, p, s, drive, t):
        n = self.neuron
        v = p.alpha * s.v + p.i_scale * (drive + p.bias)
        refractory = s.refrac > 0
        if n.tau_refrac is not None and not n.integrate_during_refrac:
            v = jnp.where(refractory, s.v, v)
        spike = (v >= p.v_thresh) & ~refractory
        v = reset(v, spike, p.v_thresh, p.v_reset, n.relative_reset)
        refrac = refractory_update(spike, s.refrac, p.n_refrac)
        return LIFState(v=v, refrac=refrac), spike.astype(jnp.float32)


@register_dynamics(LeakyIntegrateFireInput)
class LeakyIntegrateFireInputDynamics(LeakyIntegrateFireDynamics):
    """Same step; ``drive`` is the current data frame :math:`x`."""


class ALIFParams(NamedTuple):
    v_thresh: jnp.ndarray
    v_reset: jnp.ndarray
    v: jnp.ndarray
    a: jnp.ndarray
    beta: jnp.ndarray
    alpha: jnp.ndarray
    rho: jnp.ndarray
    n_refrac: jnp.ndarray


class ALIFState(NamedTuple):
    v: jnp.ndarray
    a: jnp.ndarray
    refrac: jnp.ndarray


@register_dynamics(AdaptiveLeakyIntegrateFire)
class AdaptiveLeakyIntegrateFireDynamics(NeuronDynamics):
    def params(self, rng):
        return ALIFParams(param(self, "v_thresh", rng), param(self, "v_reset", rng),
                          param(self, "v", rng), param(self, "a", rng), param(self, "beta", rng),
                          float32(self, decay(self, "tau_mem", rng)),
                          float32(self, decay(self, "tau_adapt", rng)),
                          refrac_steps(self, rng))

    def initial_state(self, p, batch_size, keys):
        return ALIFState(v=self.full(p.v, batch_size), a=self.full(p.a, batch_size),
                         refrac=zeros_int(self, batch_size))

    def step(self, p, s, drive, t):
        n = self.neuron
        v = p.alpha * s.v + drive
        refractory = s.refrac > 0
        if n.tau_refrac is not None and not n.integrate_during_refrac:
            v = jnp.where(refractory, s.v, v)
        spike = (v >= p.v_thresh + p.beta * s.a) & ~refractory
        v = reset(v, spike, p.v_thresh, p.v_reset, n.relative_reset)
        a = p.rho * s.a + spike.astype(jnp.float32)
        refrac = refractory_update(spike, s.refrac, p.n_refrac)
        return ALIFState(v=v, a=a, refrac=refrac), spike.astype(jnp.float32)

"""Dynamics of the PySNN-style neurons IFNeuron, LIFNeuron, AdaptiveLIFNeuron and
TraceInput (equations and order of operations in their docstrings)."""
from __future__ import annotations

from typing import NamedTuple

import jax.numpy as jnp

from ...neurons import AdaptiveLIFNeuron, IFNeuron, LIFNeuron, TraceInput
from .base import NeuronDynamics, refractory_update, register_dynamics


def decay_update(x: jnp.ndarray, rest, increment: jnp.ndarray, tau: jnp.ndarray,
                 exponential: bool, dt: float) -> jnp.ndarray:
    """PySNN's two updates of a quantity ``x`` relaxing to ``rest``:
    linear ``rest + tau (x - rest) + increment`` (``tau`` a decay factor) or exponential
    ``x + dt/tau (-(x - rest) + increment)`` (``tau`` in ms)."""
    if exponential:
        return x + (dt / tau) * (increment - (x - rest))
    return rest + tau * (x - rest) + increment


class PySNNState(NamedTuple):
    v: jnp.ndarray
    trace: jnp.ndarray
    refrac: jnp.ndarray


class AdaptivePySNNState(NamedTuple):
    v: jnp.ndarray
    thresh: jnp.ndarray
    trace: jnp.ndarray
    refrac: jnp.ndarray


class _PySNNDynamics(NeuronDynamics):
    leaky = True
    adaptive = False

    def initial_state(self, p, batch_size, keys):
        zeros = self.full(0.0, batch_size)
        v = self.full(p.v_rest, batch_size)
        refrac = self.zeros_int(batch_size)
        if self.adaptive:
            return AdaptivePySNNState(v=v, thresh=self.full(p.thresh, batch_size), trace=zeros,
                                      refrac=refrac)
        return PySNNState(v=v, trace=zeros, refrac=refrac)

    def step(self, p, s, drive, t):
        exponential = self.options.update_type == "exponential"
        active = s.refrac == 0
        if self.leaky:
            v = decay_update(s.v, p.v_rest, p.alpha_v * drive, p.tau_v, exponential, self.dt)
        else:
            v = s.v + p.alpha_v * drive
        v = jnp.where(active, v, s.v)
        thresh = s.thresh if self.adaptive else p.thresh
        spike = (v >= thresh) & active
        spikes = spike.astype(jnp.float32)
        trace = decay_update(s.trace, 0.0, p.alpha_t * spikes, p.tau_t, exponential, self.dt)
        refrac = refractory_update(spike, s.refrac, self.options.refrac_steps)
        v = jnp.where(spike, p.v_rest, v)
        if self.adaptive:
            thresh = decay_update(s.thresh, p.thresh, p.alpha_thresh * spikes, p.tau_thresh,
                                  exponential, self.dt)
            return AdaptivePySNNState(v=v, thresh=thresh, trace=trace, refrac=refrac), spikes
        return PySNNState(v=v, trace=trace, refrac=refrac), spikes


@register_dynamics(IFNeuron)
class IFNeuronDynamics(_PySNNDynamics):
    leaky = False


@register_dynamics(LIFNeuron)
class LIFNeuronDynamics(_PySNNDynamics):
    pass


@register_dynamics(AdaptiveLIFNeuron)
class AdaptiveLIFNeuronDynamics(_PySNNDynamics):
    adaptive = True


class TraceState(NamedTuple):
    trace: jnp.ndarray


@register_dynamics(TraceInput)
class TraceInputDynamics(NeuronDynamics):
    def initial_state(self, p, batch_size, keys):
        return TraceState(trace=self.full(0.0, batch_size))

    def step(self, p, s, x, t):
        exponential = self.options.update_type == "exponential"
        x = jnp.asarray(x, jnp.float32)
        trace = decay_update(s.trace, 0.0, p.alpha_t * x, p.tau_t, exponential, self.dt)
        return TraceState(trace=trace), x

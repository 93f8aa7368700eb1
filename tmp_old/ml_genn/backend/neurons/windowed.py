"""Dynamics of DirectInput and WindowedIntegrateFire (equations in their docstrings)."""
from __future__ import annotations

from typing import NamedTuple

import jax.numpy as jnp
import numpy as np

from ...neurons import DirectInput, WindowedIntegrateFire
from .base import NeuronDynamics, NoState, register_dynamics, reset
from .integrate_fire import IntegrateFireDynamics

NO_STOP = np.iinfo(np.int32).max


class NoParams(NamedTuple):
    pass


@register_dynamics(DirectInput)
class DirectInputDynamics(NeuronDynamics):
    def params(self, rng):
        return NoParams()

    def initial_state(self, p, batch_size, keys):
        return NoState()

    def step(self, p, s, x, t):
        return s, jnp.asarray(x, jnp.float32)


class WindowedIFState(NamedTuple):
    v: jnp.ndarray
    net_spikes: jnp.ndarray  # positive minus negative spikes so far


@register_dynamics(WindowedIntegrateFire)
class WindowedIntegrateFireDynamics(IntegrateFireDynamics):
    spiking = False  # not audited for the low-precision modes

    def initial_state(self, p, batch_size, keys):
        v = self.full(p.v, batch_size)
        return WindowedIFState(v=v, net_spikes=jnp.zeros_like(v))

    def step(self, p, s, drive, t):
        options = self.options
        stop = NO_STOP if options.stop_step is None else options.stop_step
        active = (t >= options.start_step) & (t < stop)
        v = jnp.where(active, s.v + drive + p.bias, s.v)
        spike = active & (v >= p.v_thresh)
        if options.max_spikes is not None:
            spike = spike & (s.net_spikes < options.max_spikes)
        v = reset(v, spike, p.v_thresh, p.v_reset, options.relative_reset)
        events = spike.astype(jnp.float32)
        if options.signed_spikes:
            negative = active & ~spike & (v < p.v_reset) & (s.net_spikes > 0)
            v = jnp.where(negative, v + (p.v_thresh - p.v_reset), v)
            events = events - negative.astype(jnp.float32)
        return WindowedIFState(v=v, net_spikes=s.net_spikes + events), events

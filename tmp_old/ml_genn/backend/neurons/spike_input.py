"""Dynamics of SpikeInput: the drive is the 0/1 raster frame of the step (see
``SpikeInput.prepare_input``), emitted as events."""
from __future__ import annotations

import jax.numpy as jnp

from ...neurons import SpikeInput
from .base import NeuronDynamics, NoState, register_dynamics


@register_dynamics(SpikeInput)
class SpikeInputDynamics(NeuronDynamics):
    def initial_state(self, p, batch_size, keys):
        return NoState()

    def step(self, p, s, x, t):
        return s, jnp.asarray(x, jnp.float32)

"""Dynamics of SpikeInput: the drive is the 0/1 raster frame of the step (see
``SpikeInput.prepare_input``), emitted as events."""
from __future__ import annotations

from typing import NamedTuple

import jax.numpy as jnp

from ...neurons import SpikeInput
from .base import NeuronDynamics, register_dynamics


class SpikeInputParams(NamedTuple):
    pass


class SpikeInputState(NamedTuple):
    pass


@register_dynamics(SpikeInput)
class SpikeInputDynamics(NeuronDynamics):
    def params(self, rng):
        return SpikeInputParams()

    def initial_state(self, p, batch_size, keys):
        return SpikeInputState()

    def step(self, p, s, x, t):
        return s, jnp.asarray(x, jnp.float32)

"""Dynamics of FewSpikeRelu and FewSpikeReluInput (equations in their docstrings)."""
from __future__ import annotations

from typing import NamedTuple

import jax
import jax.numpy as jnp

from ...neurons import FewSpikeRelu, FewSpikeReluInput
from .base import NeuronDynamics, register_dynamics


def threshold(alpha: jnp.ndarray, p: jnp.ndarray, signed: bool) -> jnp.ndarray:
    """:math:`h(p) = \\alpha 2^{-(p+1)}` (signed: :math:`\\alpha 2^{-(\\lfloor p/2\\rfloor+1)}`)."""
    bit = p // 2 if signed else p
    return alpha * power_of_two(-(bit + 1))


def power_of_two(n: jnp.ndarray) -> jnp.ndarray:
    r"""Exactly :math:`2^n` in float32 for integer :math:`-126 \le n \le 127`, built from
    its exponent bits (``exp2`` is not exact on every device, and few-spike thresholds
    must be: the schedules compare against them)."""
    biased = (jnp.asarray(n, jnp.int32) + 127) << 23
    return jax.lax.bitcast_convert_type(biased, jnp.float32)


def encode_step(v: jnp.ndarray, h: jnp.ndarray, negative_step) -> tuple[jnp.ndarray, jnp.ndarray]:
    """One greedy step: positive spike if ``v >= h`` (``v -= h``); on a negative step of a
    signed encoding, negative spike if ``v < -h`` (``v += h``). Returns (v, event)."""
    pos = v >= h
    neg = (v < -h) & negative_step
    pos = pos & ~negative_step
    event = jnp.where(pos, h, jnp.where(neg, -h, 0.0)).astype(jnp.float32)
    return v - event, event


class FewSpikeState(NamedTuple):
    fx: jnp.ndarray
    v: jnp.ndarray
    y: jnp.ndarray


class StageDynamics(NeuronDynamics):
    """Few-spike neurons: a pipeline stage is the neuron's ``k`` timesteps."""

    def __init__(self, neuron, shape, dt):
        super().__init__(neuron, shape, dt)
        self.stage_steps = self.options.k


@register_dynamics(FewSpikeRelu)
class FewSpikeReluDynamics(StageDynamics):
    def initial_state(self, p, batch_size, keys):
        zeros = self.full(0.0, batch_size)
        return FewSpikeState(fx=zeros, v=zeros, y=zeros)

    def step(self, p, s, drive, t):
        phase = t % self.stage_steps
        fx = s.fx + drive
        start = phase == 0
        v = jnp.where(start, fx + p.bias, s.v)
        y = jnp.where(start, v, s.y)
        fx = jnp.where(start, 0.0, fx)
        v, event = encode_step(v, threshold(p.alpha, phase, False), jnp.asarray(False))
        return FewSpikeState(fx=fx, v=v, y=y), event


class FewSpikeInputState(NamedTuple):
    v: jnp.ndarray


@register_dynamics(FewSpikeReluInput)
class FewSpikeReluInputDynamics(StageDynamics):
    def initial_state(self, p, batch_size, keys):
        return FewSpikeInputState(v=self.full(0.0, batch_size))

    def step(self, p, s, x, t):
        phase = t % self.stage_steps
        signed = self.options.signed_input
        v = jnp.where(phase == 0, x, s.v)
        negative_step = jnp.asarray(signed) & (phase % 2 == 1)
        v, event = encode_step(v, threshold(p.alpha, phase, signed), negative_step)
        return FewSpikeInputState(v=v), event

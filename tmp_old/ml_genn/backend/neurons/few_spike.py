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


def greedy_code(v: jnp.ndarray, d: jnp.ndarray, bits: int, strict: bool = False
                ) -> jnp.ndarray:
    r"""The code the greedy steps of :func:`encode_step` give ``v`` in one step:
    :math:`\min(\max(\lfloor v/d \rfloor, 0), 2^B - 1)` for thresholds
    :math:`d 2^{B-1}, \dots, d` (``strict``: the largest :math:`n` with :math:`n d < v`,
    the negative steps' ``v < -h``), as float32.

    The greedy's float32 subtractions are exact (Sterbenz), so it computes this floor
    exactly; here an estimate of the quotient (off by at most one, as a division
    through a reciprocal may be) is corrected by the exact signs of :math:`v - n d`
    for its two candidates, from ``d`` split into a high part of ``24 - B`` bits and
    the rest (each product exact for :math:`B \le 12`).
    """
    q = jnp.floor(v * (1.0 / d))
    mask = jnp.int32(-(1 << bits))  # clears the low ``bits`` bits of the mantissa
    d_hi = jax.lax.bitcast_convert_type(jax.lax.bitcast_convert_type(d, jnp.int32) & mask,
                                        jnp.float32)
    d_lo = d - d_hi

    def below(n):  # n d < v (strict) or n d <= v, exactly
        r = (v - n * d_hi) - n * d_lo
        return r > 0 if strict else r >= 0
    q = jnp.where(below(q), jnp.where(below(q + 1.0), q + 1.0, q), q - 1.0)
    return jnp.clip(q, 0.0, float(2 ** bits - 1))


class FewSpikeState(NamedTuple):
    fx: jnp.ndarray
    v: jnp.ndarray
    y: jnp.ndarray


class StageDynamics(NeuronDynamics):
    r"""Few-spike neurons: a pipeline stage is the neuron's ``k`` timesteps.

    A stage's events sum to :math:`\alpha 2^{-B} m` with an integer code :math:`m`
    (:math:`0 \le m < 2^B`, ``B = k``; signed input: :math:`|m| < 2^B`, ``B = k/2``):
    the spike at step ``p`` stands for :math:`\pm 2^{B-1-b(p)}` (``b(p) = p``, signed
    ``p // 2``). The fast path sends codes (:meth:`encode`, :meth:`event_code`) and
    their :meth:`code_scale`.
    """

    signed = False

    def __init__(self, neuron, shape, dt):
        super().__init__(neuron, shape, dt)
        self.stage_steps = self.options.k
        #: magnitude bits of the code
        self.code_bits = self.stage_steps // 2 if self.signed else self.stage_steps

    def code_scale(self, p) -> jnp.ndarray:
        r""":math:`\alpha 2^{-B}`: the value of code 1."""
        return p.alpha * power_of_two(jnp.int32(-self.code_bits))

    def event_code(self, event: jnp.ndarray, phase: int) -> jnp.ndarray:
        """The code of step ``phase``'s event (``+-2^(B-1-b(p))`` or 0)."""
        bit = phase // 2 if self.signed else phase
        return jnp.sign(event) * float(2 ** (self.code_bits - 1 - bit))

    def encode(self, p, s, drive) -> tuple[NamedTuple, jnp.ndarray]:
        """A whole stage at once (``drive`` arrives at its first step): the state after
        its ``k`` steps (``v`` to float32 rounding) and the code of its events, equal to
        what :meth:`step` sends, from :func:`greedy_code` (a few elementwise operations
        instead of ``k`` dependent steps)."""
        raise NotImplementedError(f"{type(self).__name__} does not implement encode.")


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

    def encode(self, p, s, drive):
        y = s.fx + drive + p.bias
        d = self.code_scale(p)
        code = greedy_code(y, d, self.code_bits)
        return FewSpikeState(fx=jnp.zeros_like(y), v=y - code * d, y=y), code


class FewSpikeInputState(NamedTuple):
    v: jnp.ndarray


@register_dynamics(FewSpikeReluInput)
class FewSpikeReluInputDynamics(StageDynamics):
    def __init__(self, neuron, shape, dt):
        self.signed = bool(neuron.get_options()["signed_input"])
        super().__init__(neuron, shape, dt)

    def initial_state(self, p, batch_size, keys):
        return FewSpikeInputState(v=self.full(0.0, batch_size))

    def step(self, p, s, x, t):
        phase = t % self.stage_steps
        signed = self.options.signed_input
        v = jnp.where(phase == 0, x, s.v)
        negative_step = jnp.asarray(signed) & (phase % 2 == 1)
        v, event = encode_step(v, threshold(p.alpha, phase, signed), negative_step)
        return FewSpikeInputState(v=v), event

    def encode(self, p, s, x):
        d = self.code_scale(p)
        code = greedy_code(x, d, self.code_bits)
        if self.signed:
            code = jnp.where(x < 0, -greedy_code(-x, d, self.code_bits, strict=True), code)
        return FewSpikeInputState(v=x - code * d), code

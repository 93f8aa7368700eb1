"""Ops of Chained, Pad2D and Upsample2D: linear maps applied on the device step by step."""
from __future__ import annotations

import jax.numpy as jnp
from jax import lax

from ...connectivity import Chained, Pad2D, Upsample2D
from ...connectivity.upsample_2d import interpolation_matrix
from .base import ConnectivityOp, build_op, register_op
from .conv import ImageOp


@register_op(Pad2D)
class Pad2DOp(ImageOp):
    def prepare(self, rng):
        return ()

    def apply(self, weights, events):
        before, after = self.conn.channel_padding
        config = ((0, 0, 0),) + tuple((a, b, 0) for a, b in self.conn.padding) \
            + ((before, after, 0),)
        image = self.image(events)
        return self.output(lax.pad(image, jnp.zeros((), image.dtype), config))


@register_op(Upsample2D)
class Upsample2DOp(ImageOp):
    """Two small matrix products, one per spatial axis."""

    def prepare(self, rng):
        rows, cols = self.source_shape[:2]
        c = self.conn
        return (jnp.asarray(interpolation_matrix(rows, c.size[0], c.interpolation), jnp.float32),
                jnp.asarray(interpolation_matrix(cols, c.size[1], c.interpolation), jnp.float32))

    def apply(self, weights, events):
        rows, cols = weights
        image = self.image(events)
        out = jnp.einsum("Yy,nyxc->nYxc", rows, image, precision=self.precision)
        out = jnp.einsum("Xx,nYxc->nYXc", cols, out, precision=self.precision)
        return self.output(out)


@register_op(Chained)
class ChainedOp(ConnectivityOp):
    """Applies each step's op to the previous step's output, then the scalar weight."""

    def __init__(self, connectivity, precision):
        super().__init__(connectivity, precision)
        self.ops = [build_op(step, self.precision) for step in connectivity.steps]

    def prepare(self, rng):
        return tuple(op.prepare(rng) for op in self.ops), jnp.float32(self.conn.weight)

    def apply(self, weights, events):
        steps, scale = weights
        x = events
        for op, w in zip(self.ops, steps, strict=False):
            x = op.apply(w, x.reshape((x.shape[0],) + op.source_shape))
        return (x * scale).reshape((events.shape[0],) + self.target_shape)

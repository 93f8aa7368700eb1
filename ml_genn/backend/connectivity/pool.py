"""Ops of the pooling connectivities: AvgPool2D, AvgPoolConv2D, AvgPoolDense2D and the
stateless part of MaxPool2D."""
from __future__ import annotations

import jax.numpy as jnp
import numpy as np
from jax import lax

from ...connectivity import AvgPool2D, AvgPoolConv2D, AvgPoolDense2D, MaxPool2D
from ...connectivity.base_conv_2d import window_counts, window_geometry
from .base import register_op
from .conv import ImageOp


def pool_window(image: jnp.ndarray, op, init: float, size, strides, pads) -> jnp.ndarray:
    """``op``-reduce each window of an NHWC image (padded positions hold ``init``)."""
    return lax.reduce_window(image, jnp.asarray(init, image.dtype), op, (1,) + size + (1,),
                             (1,) + strides + (1,), ((0, 0),) + tuple(pads) + ((0, 0),))


class AvgPoolOp(ImageOp):
    """Average pooling as a window sum times per-position weights ``1 / n`` (``n`` real
    inputs per window: Keras/TF's divisor, also with "same" padding)."""

    def __init__(self, connectivity, precision):
        super().__init__(connectivity, precision)
        c = connectivity
        in_hw = self.source_shape[:2]
        self.pooled_hw, self.pool_pads = window_geometry(in_hw, c.pool_size, c.pool_strides,
                                                         c.pool_padding)
        self.pool_counts = window_counts(in_hw, c.pool_size, c.pool_strides, c.pool_padding)

    def pool_scale(self) -> jnp.ndarray:
        """``(1, rows', cols', 1)`` weights of the window sums."""
        scale = (1.0 / self.pool_counts).astype(np.float32)
        return jnp.asarray(scale.reshape((1,) + scale.shape + (1,)))

    def avg_pool(self, scale: jnp.ndarray, events: jnp.ndarray) -> jnp.ndarray:
        c = self.conn
        summed = pool_window(self.image(events), lax.add, 0.0, c.pool_size, c.pool_strides,
                             self.pool_pads)
        return summed * scale


@register_op(AvgPool2D)
class AvgPool2DOp(AvgPoolOp):
    def prepare(self, rng):
        return self.pool_scale()

    def apply(self, scale, events):
        return self.output(self.avg_pool(scale, events))


@register_op(AvgPoolConv2D)
class AvgPoolConv2DOp(AvgPoolOp):
    """Pooling then convolution in one op (one traced function, fused by XLA)."""

    def __init__(self, connectivity, precision):
        super().__init__(connectivity, precision)
        c = connectivity
        _, self.conv_pads = window_geometry(self.pooled_hw, c.conv_size, c.conv_strides,
                                            c.conv_padding)

    def prepare(self, rng):
        c = self.conn
        kernel = self.weight_array(c.conv_size + (self.source_shape[2], c.filters), rng)
        return self.pool_scale(), jnp.asarray(kernel)

    def apply(self, weights, events):
        scale, kernel = weights
        pooled = self.avg_pool(scale, events)
        return self.output(self.conv(pooled, kernel, self.conn.conv_strides, self.conv_pads))


@register_op(AvgPoolDense2D)
class AvgPoolDense2DOp(AvgPoolOp):
    """Pooling, row-major flattening and a matrix product in one op."""

    def prepare(self, rng):
        n_pooled = int(np.prod(self.pooled_hw)) * self.source_shape[2]
        return self.pool_scale(), jnp.asarray(self.weight_array((n_pooled, self.n_trg), rng))

    def apply(self, weights, events):
        scale, w = weights
        pooled = self.avg_pool(scale, events)
        flat = pooled.reshape(pooled.shape[0], w.shape[0])
        return self.output(jnp.dot(flat, w, precision=self.precision))


@register_op(MaxPool2D)
class MaxPool2DOp(ImageOp):
    """Stateless part of :class:`~ml_genn.connectivity.MaxPool2D`: :meth:`max_pool` of
    given values. Spikes cannot simply be max-pooled: the compiler feeds it the values
    accumulated over a pipeline stage (few-spike) or gates by spike counts (rate)."""

    def __init__(self, connectivity, precision):
        super().__init__(connectivity, precision)
        c = connectivity
        _, self.pads = window_geometry(self.source_shape[:2], c.pool_size, c.pool_strides,
                                       c.pool_padding)

    def prepare(self, rng):
        return ()

    def max_pool(self, values: jnp.ndarray) -> jnp.ndarray:
        """``(N, rows, cols, channels) -> (N, rows', cols', channels)`` (Keras/TF padding:
        padded positions never win)."""
        c = self.conn
        return pool_window(self.image(values), lax.max, -np.inf, c.pool_size,
                           c.pool_strides, self.pads)

    def apply(self, weights, events):
        raise NotImplementedError(
            "MaxPool2D is non-linear and stateful: its input is not a weighted sum of the "
            "spikes of one step. The compiler must use MaxPool2DOp.max_pool on accumulated "
            "values (few-spike) or spike-count gating (rate coding).")

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
        counts = np.asarray(self.pool_counts, np.int64)
        #: spikes pooled in the operand type are exact where every window holds a power
        #: of two of inputs that the format's significand holds (2x2: sums of 4, x 1/4)
        self.takes_spike_operands = self.low is not None and bool(
            np.all(counts & (counts - 1) == 0) and counts.max() <= 2 ** (self.low.bits - 1))

    def pool_scale(self) -> jnp.ndarray:
        """``(1, rows', cols', 1)`` weights of the window sums."""
        scale = (1.0 / self.pool_counts).astype(np.float32)
        return jnp.asarray(scale.reshape((1,) + scale.shape + (1,)))

    def pool_bits(self) -> int:
        """Bits a window sum adds to its inputs' (exact after the ``1/n`` scaling only
        where ``n`` is a power of two; otherwise the pieces keep their bits' worth)."""
        return int(np.ceil(np.log2(max(1, int(np.max(self.pool_counts))))))

    def avg_pool(self, scale: jnp.ndarray, events: jnp.ndarray) -> jnp.ndarray:
        c = self.conn
        summed = pool_window(self.image(events), lax.add, 0.0, c.pool_size, c.pool_strides,
                             self.pool_pads)
        return summed * scale.astype(summed.dtype)


@register_op(AvgPool2D)
class AvgPool2DOp(AvgPoolOp):
    def prepare(self, rng):
        return self.pool_scale()

    def apply(self, scale, events):
        return self.output(self.avg_pool(scale, events))


@register_op(AvgPoolConv2D)
class AvgPoolConv2DOp(AvgPoolOp):
    """Pooling then convolution in one op (one traced function, fused by XLA). In a
    low-precision mode the pooling runs in float32 on the codes and its window sums
    (``log2(window)`` more bits) are split into exact pieces."""

    supports_low_precision = True

    def __init__(self, connectivity, precision):
        super().__init__(connectivity, precision)
        c = connectivity
        _, self.conv_pads = window_geometry(self.pooled_hw, c.conv_size, c.conv_strides,
                                            c.conv_padding)

    def prepare(self, rng):
        c = self.conn
        kernel = self.weight_array(c.conv_size + (self.source_shape[2], c.filters), rng)
        return self.pool_scale(), self.low_weights(kernel)

    def apply(self, weights, events):
        return self.scale_sums(*self.apply_unscaled(weights, events))

    def apply_unscaled(self, weights, events):
        scale, kernel = weights
        pooled = self.avg_pool(scale, events)
        sums, factor = self.low_sums(lambda k, x: self.conv(x, k, self.conn.conv_strides,
                                                            self.conv_pads),
                                     kernel, pooled, self.pool_bits())
        return self.output(sums), factor


@register_op(AvgPoolDense2D)
class AvgPoolDense2DOp(AvgPoolOp):
    """Pooling, row-major flattening and a matrix product in one op (low-precision
    modes: as :class:`AvgPoolConv2DOp`)."""

    supports_low_precision = True

    @property
    def n_pooled(self) -> int:
        return int(np.prod(self.pooled_hw)) * self.source_shape[2]

    def prepare(self, rng):
        return self.pool_scale(), self.low_weights(self.weight_array((self.n_pooled,
                                                                      self.n_trg), rng))

    def apply(self, weights, events):
        return self.scale_sums(*self.apply_unscaled(weights, events))

    def apply_unscaled(self, weights, events):
        scale, w = weights
        pooled = self.avg_pool(scale, events)
        sums, factor = self.low_sums(
            lambda w, x: jnp.dot(x.reshape(x.shape[0], self.n_pooled), w,
                                 precision=self.precision,
                                 preferred_element_type=self.result_type),
            w, pooled, self.pool_bits())
        return self.output(sums), factor


@register_op(MaxPool2D)
class MaxPool2DOp(ImageOp):
    """Backend of :class:`~ml_genn.connectivity.MaxPool2D`, a stateful connectivity.

    * Few-spike (``stage_steps`` K): the state accumulates each source neuron's graded
      events over a stage; at the target's stage start (phase 0, when the stage's last
      events arrive) it delivers :meth:`max_pool` of the accumulated values, else 0. Exact,
      because the greedy encoding is monotonic: the max (min) of decoded values is the
      decoded max (min).
    * Rate coding: the state counts each source neuron's spikes; ``rate_rule``
      ``"running_max"`` delivers the increase of each window's max (min) count,
      ``"spike_gate"`` the events of its neuron with the highest count so far, ties to
      the first (Rueckauer et al. 2017). Both approximate max pooling of rates.

    Explicit padding is applied with ``lax.pad`` (zeros that take part; negative values
    crop), ``"same"`` padding inside the window reduction (padded positions never win).
    Min channels are pooled as ``-max(-x)``.
    """

    stateful = True

    def __init__(self, connectivity, precision):
        super().__init__(connectivity, precision)
        c = connectivity
        self.explicit = not isinstance(c.pool_padding, str)
        (rows, cols), self.pads = window_geometry(self.source_shape[:2], c.pool_size,
                                                  c.pool_strides, c.pool_padding)
        self.window_index = window_indices(self.source_shape[:2], (rows, cols), c.pool_size,
                                           c.pool_strides, self.pads, self.explicit)
        self.pooled_shape = (rows, cols, self.source_shape[2])
        self.signs = None if c.signs is None else \
            np.asarray(c.signs, np.float32).reshape(1, 1, 1, -1)

    def prepare(self, rng):
        return ()

    def max_pool(self, values: jnp.ndarray) -> jnp.ndarray:
        """``(N, rows, cols, channels) -> (N, rows', cols', channels)``: per channel the
        max (min where the sign is -1) of each window."""
        c = self.conn
        image = self.image(values)
        if self.signs is not None:
            image = image * self.signs
        pads = self.pads
        if self.explicit:
            zero = jnp.zeros((), image.dtype)
            image = lax.pad(image, zero, ((0, 0, 0),) + tuple((a, b, 0) for a, b in pads)
                            + ((0, 0, 0),))
            pads = ((0, 0), (0, 0))
        out = pool_window(image, lax.max, -np.inf, c.pool_size, c.pool_strides, pads)
        return out if self.signs is None else out * self.signs

    def apply(self, weights, values):
        """Max pooling of decoded values (the few-spike fast path)."""
        return self.output(self.max_pool(values))

    def init_state(self, batch: int) -> jnp.ndarray:
        return jnp.zeros((batch,) + self.source_shape, jnp.float32)

    def apply_step(self, state, events, phase):
        """One timestep: ``phase`` is the target's stage phase (few-spike) or None (rate)."""
        if phase is not None:
            acc = state + events.reshape(state.shape)
            start = phase == 0
            out = jnp.where(start, self.max_pool(acc), 0.0)
            return jnp.where(start, 0.0, acc), self.output(out)
        counts = state + jnp.abs(events.reshape(state.shape))
        if self.conn.rate_rule == "running_max":
            return counts, self.output(self.max_pool(counts) - self.max_pool(state))
        return counts, self.output(self.gate(counts, events.reshape(state.shape)))

    def gate(self, counts: jnp.ndarray, events: jnp.ndarray) -> jnp.ndarray:
        """Events of each window's highest-count neuron (lowest for min channels),
        ``(N, rows', cols', channels)``; explicit zero padding is a silent neuron."""
        n, channels = counts.shape[0], self.source_shape[2]
        keys = counts if self.signs is None else counts * self.signs
        flat_keys = keys.reshape(n, -1, channels)
        flat_events = events.reshape(n, -1, channels)
        index = jnp.asarray(np.maximum(self.window_index, 0))           # (positions, window)
        real = jnp.asarray(self.window_index >= 0)[None, :, :, None]
        never = jnp.asarray(self.window_index == NEVER)[None, :, :, None]
        window_keys = jnp.where(real, flat_keys[:, index], jnp.where(never, -jnp.inf, 0.0))
        window_events = jnp.where(real, flat_events[:, index], 0.0)
        winner = jnp.argmax(window_keys, axis=2)[:, :, None]            # (n, positions, 1, C)
        chosen = jnp.take_along_axis(window_events, winner, axis=2)[:, :, 0]
        return chosen.reshape((n,) + self.pooled_shape)


#: ``window_indices`` marks of padded positions: never wins ("same"), a silent zero
#: neuron (explicit padding).
NEVER, ZERO = -1, -2


def window_indices(in_hw, out_hw, size, strides, pads, explicit: bool = False) -> np.ndarray:
    """Flat source position of each (output position, window offset); :data:`NEVER` or
    (``explicit`` padding) :data:`ZERO` where padded."""
    rows, cols = in_hw
    index = np.full((out_hw[0] * out_hw[1], size[0] * size[1]), ZERO if explicit else NEVER,
                    np.int32)
    for y in range(out_hw[0]):
        for x in range(out_hw[1]):
            for i in range(size[0]):
                for j in range(size[1]):
                    r = y * strides[0] - pads[0][0] + i
                    c = x * strides[1] - pads[1][0] + j
                    if 0 <= r < rows and 0 <= c < cols:
                        index[y * out_hw[1] + x, i * size[1] + j] = r * cols + c
    return index

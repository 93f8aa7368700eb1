"""Ops of the convolutions: Conv2D, Conv2DTranspose and DepthwiseConv2D.

Images are NHWC and kernels HWIO (Keras' layout), so Keras kernels are used as they are.
"""
from __future__ import annotations

import jax
import jax.numpy as jnp
from jax import lax

from ...connectivity import Conv2D, Conv2DTranspose, DepthwiseConv2D
from ...connectivity.base_conv_2d import window_geometry
from ...connectivity.conv_2d_transpose import transpose_output_size
from . import conv_kernel
from .base import ConnectivityOp, register_op

DIMENSION_NUMBERS = ("NHWC", "HWIO", "NHWC")


def shifted_products(image: jnp.ndarray, kernel: jnp.ndarray, strides, pads) -> jnp.ndarray:
    """A convolution of a one-channel NHWC image as the sum of its ``kh * kw`` shifted
    windows times the kernel's rows (one fused elementwise loop). XLA's CPU convolution
    is slow with one input channel: 5x on the MNIST CNN's first layer
    (``bench/cpu_predict.py``)."""
    kh, kw = kernel.shape[:2]
    config = ((0, 0, 0),) + tuple((a, b, 0) for a, b in pads) + ((0, 0, 0),)
    image = lax.pad(image, jnp.zeros((), image.dtype), config)
    n, height, width, _ = image.shape
    rows, cols = (height - kh) // strides[0] + 1, (width - kw) // strides[1] + 1
    terms = [lax.slice(image, (0, i, j, 0), (n, i + (rows - 1) * strides[0] + 1,
                                             j + (cols - 1) * strides[1] + 1, 1),
                       (1, strides[0], strides[1], 1)) * kernel[i:i + 1, j:j + 1]
             for i in range(kh) for j in range(kw)]
    return sum(terms[1:], terms[0])


class ImageOp(ConnectivityOp):
    """An op whose source is a ``(rows, cols, channels)`` image."""

    def image(self, events: jnp.ndarray) -> jnp.ndarray:
        return events.reshape((events.shape[0],) + self.source_shape)

    def output(self, out: jnp.ndarray) -> jnp.ndarray:
        return out.reshape((out.shape[0],) + self.target_shape)

    def conv(self, image: jnp.ndarray, kernel: jnp.ndarray, strides, pads, **kwargs
             ) -> jnp.ndarray:
        if (image.shape[-1] == 1 and not kwargs and image.dtype == jnp.float32
                and jax.default_backend() == "cpu"):
            return shifted_products(image, kernel, strides, pads)
        return lax.conv_general_dilated(image, kernel, window_strides=strides, padding=pads,
                                        dimension_numbers=DIMENSION_NUMBERS,
                                        precision=self.precision,
                                        preferred_element_type=self.result_type, **kwargs)


@register_op(Conv2D)
class Conv2DOp(ImageOp):
    supports_low_precision = True
    takes_spike_operands = True

    def __init__(self, connectivity, precision):
        super().__init__(connectivity, precision)
        c = connectivity
        _, self.pads = window_geometry(self.source_shape[:2], c.conv_size, c.conv_strides,
                                       c.conv_padding)

    def prepare(self, rng):
        c = self.conn
        shape = c.conv_size + (self.source_shape[2], c.filters)
        return self.low_weights(self.weight_array(shape, rng))

    def apply(self, kernel, events):
        return self.scale_sums(*self.apply_unscaled(kernel, events))

    def apply_unscaled(self, kernel, events):
        sums, factor = self.low_sums(lambda k, x: self.conv(self.image(x), k,
                                                            self.conn.conv_strides,
                                                            self.pads), kernel, events,
                                     two_pieces=self.two_pieces())
        return self.output(sums), factor

    def two_pieces(self):
        """The two-piece kernel (``conv_kernel.two_piece_conv``) where the op may run
        kernels and the convolution fits it, else None (XLA's convolution)."""
        c = self.conn
        shape = c.conv_size + (self.source_shape[2], c.filters)
        if self.kernels is None or not conv_kernel.fits(self.source_shape, shape,
                                                        c.conv_strides, self.pads):
            return None
        return lambda pieces, x: conv_kernel.two_piece_conv(
            self.image(x), pieces, self.pads, interpret=self.kernels == "interpret")


@register_op(DepthwiseConv2D)
class DepthwiseConv2DOp(ImageOp):
    """A grouped convolution with one group per input channel; the Keras kernel
    ``(kh, kw, cin, M)`` reshaped to HWIO ``(kh, kw, 1, cin * M)`` gives Keras'
    output channel order ``c * M + m``."""

    def __init__(self, connectivity, precision):
        super().__init__(connectivity, precision)
        c = connectivity
        _, self.pads = window_geometry(self.source_shape[:2], c.conv_size, c.conv_strides,
                                       c.conv_padding)

    def prepare(self, rng):
        c, channels = self.conn, self.source_shape[2]
        kernel = self.weight_array(c.conv_size + (channels, c.depth_multiplier), rng)
        return jnp.asarray(kernel.reshape(c.conv_size + (1, channels * c.depth_multiplier)))

    def apply(self, kernel, events):
        out = self.conv(self.image(events), kernel, self.conn.conv_strides, self.pads,
                        feature_group_count=self.source_shape[2])
        return self.output(out)


@register_op(Conv2DTranspose)
class Conv2DTransposeOp(ImageOp):
    """The adjoint of a strided convolution: the source is dilated by the strides and
    correlated with the spatially flipped kernel, padded ``k - 1 - p`` before, where
    ``p`` is the padding of the forward convolution (TF rule, as Keras)."""

    def __init__(self, connectivity, precision):
        super().__init__(connectivity, precision)
        c = connectivity
        self.pads = []
        for n, k, s, out in zip(self.source_shape[:2], c.conv_size, c.conv_strides,
                                self.target_image_size(), strict=True):
            p = max(k - s, 0) // 2 if c.conv_padding == "same" else 0
            self.pads.append((k - 1 - p, out - 1 + p - (n - 1) * s))

    def target_image_size(self) -> tuple[int, int]:
        c = self.conn
        rows, cols = (transpose_output_size(n, k, s, c.conv_padding) for n, k, s
                      in zip(self.source_shape[:2], c.conv_size, c.conv_strides, strict=True))
        return rows, cols

    def prepare(self, rng):
        c = self.conn
        kernel = self.weight_array(c.conv_size + (c.filters, self.source_shape[2]), rng)
        return jnp.asarray(kernel[::-1, ::-1].transpose(0, 1, 3, 2))

    def apply(self, kernel, events):
        out = self.conv(self.image(events), kernel, (1, 1), self.pads,
                        lhs_dilation=self.conn.conv_strides)
        return self.output(out)

r"""A stride-1 convolution of half-precision codes with two weight pieces, one kernel.

In the float32-class low-precision modes (``"fp16x2"``: :mod:`ml_genn.backend.precision`)
a convolution's weights are a high and a low half-precision piece, and its sums

.. math::
    y = \sum_{t, c} x_{t, c} W^{hi}_{t, c} + \sum_{t, c} x_{t, c} W^{lo}_{t, c}

(``t`` the kernel's taps, ``c`` the input channels) must keep the two sums apart until
the end: added into one float32 accumulator, the low piece's products lose their low
bits against the high piece's sum (ResNet-20's codes, on a CPU, then differed from
``"highest"`` by 2.94% against 1.55%). XLA runs it as one cuDNN convolution with the
pieces side by side on the output channels, which writes both float32 sums and adds
them in the consumer: twice the output bytes, and cuDNN runs such small convolutions
far from the memory bound. This kernel (Pallas, Triton) is an implicit GEMM that keeps
one float32 accumulator per piece and writes their sum once: each program instance
takes :data:`ROWS` output pixels (flat ``(batch, row, column)`` order) and up to
:data:`FILTERS` output channels, and for each tap loads the pixels shifted by the
tap's offset (zeroed outside the image) and multiplies them with the tap's weights.

On one NVIDIA H200 (batch 256, ``python bench/conv_kernel.py``) it took 43 / 25 /
23 us for ResNet-20's 32x32x16 / 16x16x32 / 8x8x64 layers against cuDNN's 76 / 34 /
35 us (1.4-1.8x), but 0.84-0.97x cuDNN on VGG-16's wider layers (32x32x64 to
8x8x256), whose multiply-adds cuDNN runs better: :func:`fits` takes convolutions of at
most :data:`WORK` multiply-adds per example and tap. In the network (ResNet-20
``"fp16x2"``, batch 256): 3.20x the float32 ANN device-only against 2.06x with cuDNN,
and the same share of codes differing from ``"highest"`` (1.09% against 1.10%).
:data:`USE` switches it.

Example (Pallas' interpreter, as on a CPU):

    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> x = jnp.asarray(rng.integers(0, 256, (2, 4, 4, 16)), jnp.float16)
    >>> w = rng.normal(0, 1, (3, 3, 16, 16))
    >>> hi = jnp.asarray(w, jnp.float16)
    >>> lo = jnp.asarray(w - np.asarray(hi, np.float64), jnp.float16)
    >>> y = two_piece_conv(x, jnp.concatenate([hi, lo], -1), ((1, 1), (1, 1)),
    ...                    interpret=True)
    >>> ref = jax.lax.conv_general_dilated(x.astype(jnp.float32), jnp.asarray(w, jnp.float32),
    ...     (1, 1), "SAME", dimension_numbers=("NHWC", "HWIO", "NHWC"),
    ...     precision="highest")
    >>> bool(jnp.max(jnp.abs(y - ref)) < 1e-3 * jnp.max(jnp.abs(ref)))
    True
"""
from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp
from jax.experimental import pallas as pl

#: most output pixels per program instance
ROWS = 128
#: most output channels per program instance
FILTERS = 64
#: input channels per step of the contraction
CHANNELS = 64
#: warps per program instance (128 pixels and 4 warps were the best or within 10% of
#: it on every ResNet-20 layer, of 32-256 pixels and 2-8 warps)
WARPS = 4
#: most multiply-adds per example and tap (rows x columns x input x output channels)
#: of a convolution the kernel takes: ResNet-20's layers have 2^18 (the kernel 1.4-1.8x
#: cuDNN), VGG-16's first 2^22 (0.97x)
WORK = 2 ** 20
#: whether two-piece convolutions that fit run this kernel: None (auto) on one NVIDIA
#: GPU of compute capability 8.0 or above, True also elsewhere (Pallas' interpreter on
#: a CPU: slow, for tests), False never (``simulator.kernel_mode``); read when
#: a network is compiled
USE: bool | None = None


def _power_of_two_at_most(n: int, most: int) -> int:
    """The largest power of two that divides ``n``, at most ``most``."""
    return min(most, n & -n)


def fits(image_shape: tuple, kernel_shape: tuple, strides: tuple, pads: Any) -> bool:
    """Whether :func:`two_piece_conv` takes this convolution: stride 1, an output as
    large as the input ("same" padding), input and output channels that are powers of
    two of at least 16 (the smallest matrix tile), images of a multiple of 16 pixels
    (so that every batch fills whole tiles of pixels) and at most :data:`WORK`
    multiply-adds per example and tap."""
    (kh, kw, channels, filters), (rows, cols) = kernel_shape, tuple(image_shape[:2])
    same = all(lo + hi == k - 1 for (lo, hi), k in zip(pads, (kh, kw), strict=True))
    pow2 = all(n >= 16 and n & (n - 1) == 0 for n in (channels, filters))
    return (tuple(strides) == (1, 1) and same and pow2 and (rows * cols) % 16 == 0
            and rows * cols * channels * filters <= WORK)


def two_piece_conv(x: jnp.ndarray, pieces: jnp.ndarray, pads: Any,
                   interpret: bool = False) -> jnp.ndarray:
    """``conv(x, hi) + conv(x, lo)`` in float32 for NHWC ``x`` and the HWIO pieces side
    by side on the output axis, ``pieces = [hi | lo]`` (``LowWeights``' layout), of
    the type of ``x``; stride 1, ``pads`` ``((top, bottom), (left, right))`` with an
    output as large as the input (:func:`fits`); each piece's sum in its own float32
    accumulator. ``interpret`` runs Pallas' interpreter (CPUs)."""
    batch, height, width, channels = x.shape
    kh, kw, _, both = pieces.shape
    filters = both // 2
    (top, _), (left, _) = pads
    size = batch * height * width
    rows = _power_of_two_at_most(size, ROWS)
    block_f = min(filters, FILTERS)
    block_c = min(channels, CHANNELS)
    # the flat pixels with a margin of zeros, so that every shifted load stays in bounds
    before = top * width + left
    after = (kh - 1 - top) * width + (kw - 1 - left)
    flat = jnp.pad(x.reshape(size, channels), ((before, after), (0, 0)))
    taps = [(dy - top, dx - left) for dy in range(kh) for dx in range(kw)]
    weights = pieces.reshape(kh * kw, channels, both)

    def kernel(x_ref, w_ref, o_ref):
        i, j = pl.program_id(0), pl.program_id(1)
        pixel = i * rows + jnp.arange(rows)
        row, col = (pixel // width) % height, pixel % width
        acc_hi = jnp.zeros((rows, block_f), jnp.float32)
        acc_lo = jnp.zeros((rows, block_f), jnp.float32)
        for t, (oy, ox) in enumerate(taps):
            inside = ((row + oy >= 0) & (row + oy < height) & (col + ox >= 0)
                      & (col + ox < width))[:, None]
            start = before + i * rows + oy * width + ox
            for c in range(0, channels, block_c):
                xs = x_ref[pl.ds(start, rows), pl.ds(c, block_c)]
                xs = jnp.where(inside, xs, jnp.zeros_like(xs))
                hi = w_ref[t, pl.ds(c, block_c), pl.ds(j * block_f, block_f)]
                lo = w_ref[t, pl.ds(c, block_c), pl.ds(filters + j * block_f, block_f)]
                acc_hi += jnp.dot(xs, hi, preferred_element_type=jnp.float32)
                acc_lo += jnp.dot(xs, lo, preferred_element_type=jnp.float32)
        o_ref[...] = acc_hi + acc_lo

    options: dict[str, Any] = {}
    if not interpret:
        from jax.experimental.pallas import triton as pallas_triton
        options["compiler_params"] = pallas_triton.CompilerParams(num_warps=WARPS,
                                                                  num_stages=1)
    whole = pl.no_block_spec  # the kernel loads its own windows
    out = pl.pallas_call(
        kernel, out_shape=jax.ShapeDtypeStruct((size, filters), jnp.float32),
        grid=(size // rows, filters // block_f),
        in_specs=[whole, whole],
        out_specs=pl.BlockSpec((rows, block_f), lambda i, j: (i, j)),
        interpret=interpret, name="two_piece_conv", **options,
    )(flat, weights)
    return out.reshape(batch, height, width, filters)

r"""Low-precision modes of the few-spike fast path: half-precision operands, float32 sums.

A few-spike population sends :math:`\alpha 2^{-B} m` with an integer code
:math:`|m| < 2^B` (``B = k``, or ``k/2`` for signed input). The next connection's
weighted sum is computed on the codes and scaled afterwards,
:math:`W x = \alpha 2^{-B} 2^{-s} \sum_{i,j} W_j m_i`, with

* the codes (after average pooling: window sums, ``B + log2(window)`` bits) split into
  pieces :math:`m = \sum_i m_i`, each exact in the operand format (float16 holds 11
  significant bits, bfloat16 8);
* the weights scaled by a power of two :math:`2^s` into the format's range and split
  into ``n`` pieces :math:`2^s W \approx \sum_{j<n} W_j` (high + low + ...), each the
  rounding of what the earlier pieces left;
* every product exact in float32 and the sums accumulated in float32
  (``preferred_element_type``), so the only error is the weights' truncation to
  ``n`` pieces and the order of the float32 sums.

Rate-coded networks (the layer schedule) use the same modes on their spikes
(:math:`m \in \{0, \pm 1\}`, ``B = 0``: exact in every format).

Mode names are ``"<format>x<pieces>"``: ``"fp16x1"``, ``"fp16x2"``, ``"fp16x3"``,
``"bf16x1"``, ``"bf16x2"``, ``"bf16x3"``; ``"fp16"`` also returns the sums in float16
(half the bytes written; the sums rounded to 11 bits, like TF32's operands). What each
costs and how exact it is (measured on an NVIDIA H200: ``"fp16"`` TF32-class at
0.94-1.37x the TF32 ANN device-only, ``"fp16x2"`` float32-class at 3.2-4.4x the float32
ANN; XLA runs the float32-sum modes' pieces as TF32 convolutions, and small two-piece
convolutions run in :mod:`~ml_genn.backend.connectivity.conv_kernel` on GPUs): the README's
"Low-precision modes" and the ``precision`` argument of
:class:`~ml_genn.compilers.compiler.Compiler`.

Example:
    >>> import numpy as np
    >>> mode = LOW_PRECISION["fp16x2"]
    >>> mode.bits, mode.weight_pieces
    (11, 2)
    >>> pieces, scale = split_weights(np.array([0.1, -3.0], np.float32), mode)
    >>> float(abs(sum(p.astype(np.float64) for p in pieces)[0] * scale - 0.1)) < 1e-8
    True
    >>> input_pieces(12, mode)   # a 2x2 pool of k=10 codes needs 12 bits
    2
"""
from __future__ import annotations

from typing import Any, NamedTuple

import ml_dtypes
import numpy as np


class LowPrecision(NamedTuple):
    """A low-precision mode: operand ``dtype``, its significant ``bits``, the number of
    weight pieces, the largest power of two the format holds (``max_exponent``), its
    exponent field's width (``exponent_bits``) and the type of the weighted sums
    (``result``: float32, or the operand type)."""

    name: str
    dtype: Any
    bits: int
    weight_pieces: int
    max_exponent: int
    exponent_bits: int
    result: Any = np.float32


#: name -> mode.
LOW_PRECISION: dict[str, LowPrecision] = {
    f"{short}x{n}": LowPrecision(f"{short}x{n}", dtype, bits, n, top, exponent)
    for short, dtype, bits, top, exponent in (("fp16", np.float16, 11, 15, 5),
                                              ("bf16", ml_dtypes.bfloat16, 8, 127, 8))
    for n in (1, 2, 3)}
#: float16 operands and results: few-spike codes scaled into [0, 1) (rounded to 11 bits
#: where pooling made them longer), spikes (0, +-1) as they are, one weight piece scaled
#: so that no sum of inputs in [-1, 1] can overflow.
LOW_PRECISION["fp16"] = LowPrecision("fp16", np.float16, 11, 1, 15, 5, np.float16)

#: JAX's matrix precisions (``jax.lax.Precision`` names and aliases).
MATRIX_PRECISIONS: tuple[str, ...] = ("highest", "high", "default", "float32",
                                      "tensorfloat32", "bfloat16")
#: every ``precision`` the spiking compilers take (this module imports no JAX, so the
#: command line can offer them cheaply)
PRECISION_NAMES: tuple[str, ...] = MATRIX_PRECISIONS + tuple(LOW_PRECISION)

#: Largest scaled weight magnitude: float16's range ends at 65504; 2^14 leaves room for
#: the rounding of the high piece.
_WEIGHT_TOP = 2.0 ** 14


def low_precision(precision: str | None) -> LowPrecision | None:
    """The mode named ``precision``, or None for a JAX matrix precision."""
    return LOW_PRECISION.get(precision) if isinstance(precision, str) else None


def input_pieces(code_bits: int, mode: LowPrecision) -> int:
    """Pieces that hold an integer of ``code_bits`` bits exactly (each piece keeps
    ``mode.bits`` significant bits of what the earlier ones left)."""
    return max(1, -(-int(code_bits) // mode.bits))


def split_weights(w: np.ndarray, mode: LowPrecision) -> tuple[list[np.ndarray], float]:
    """``(pieces, scale)`` with ``w ~= scale * sum(pieces)``: ``scale`` is a power of two
    that brings ``max|w|`` to about 2^14 (float16 results: the largest sum of absolute
    weights into one output, the most inputs in [0, 1) can add up to), each piece the
    rounding to ``mode.dtype`` of what the earlier ones left."""
    w64 = np.asarray(w, np.float64)
    if mode.result is not np.float32:
        top = float(np.max(np.sum(np.abs(w64.reshape(-1, w64.shape[-1])), axis=0))) \
            if w64.size else 0.0
    else:
        top = float(np.max(np.abs(w64))) if w64.size else 0.0
    shift = 0 if top == 0.0 else int(np.floor(np.log2(_WEIGHT_TOP / top)))
    rest = np.ldexp(w64, shift)
    pieces = []
    for _ in range(mode.weight_pieces):
        piece = rest.astype(np.float32).astype(mode.dtype)
        pieces.append(piece)
        rest = rest - piece.astype(np.float64)
    return pieces, float(np.ldexp(1.0, -shift))


def input_shift(code_bits: int, mode: LowPrecision) -> int:
    """Power of two by which codes of ``code_bits`` bits are divided to stay inside the
    format's range (float16 ends below 2^16), restored after the weighted sum."""
    return max(0, int(code_bits) - mode.max_exponent)


def split_input(x: Any, mode: LowPrecision, pieces: int) -> list[Any]:
    """``x`` (float32) as ``pieces`` arrays of ``mode.dtype`` summing to it (exactly when
    ``x`` has at most ``pieces * mode.bits`` significant bits and fits the format's
    range: see :func:`input_shift`).

    Each piece is rounded with ``lax.reduce_precision`` in float32 and only then cast.
    Written as ``x - float32(float16(x))``, the remainder is zero on a GPU: XLA's
    ``simplify-fp-conversions`` pass removes ``f32 -> f16 -> f32`` convert pairs where
    excess precision is allowed (the default), so 12-bit pooled k=10 codes kept their
    high piece alone (VGG-16 ``"bf16x2"`` on an H200: 23.8% of codes differed, 6.1% on
    the CPU, whose compiler keeps the pair; ResNet-20's k=8 codes, one piece, agreed)."""
    from jax import lax  # here, so that the mode table imports without JAX (the CLI)

    out = []
    rest = x
    for i in range(pieces):
        if i + 1 == pieces:
            out.append(rest.astype(mode.dtype))
            break
        piece = lax.reduce_precision(rest, exponent_bits=mode.exponent_bits,
                                     mantissa_bits=mode.bits - 1)
        out.append(piece.astype(mode.dtype))
        rest = rest - piece
    return out

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
costs and how exact it is: the README's "Low-precision few-spike modes".

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

import jax.numpy as jnp
import numpy as np


class LowPrecision(NamedTuple):
    """A low-precision mode: operand ``dtype``, its significant ``bits``, the number of
    weight pieces, the largest power of two the format holds (``max_exponent``) and
    the type of the weighted sums (``result``: float32, or the operand type)."""

    name: str
    dtype: Any
    bits: int
    weight_pieces: int
    max_exponent: int
    result: Any = np.float32


#: name -> mode.
LOW_PRECISION: dict[str, LowPrecision] = {
    f"{short}x{n}": LowPrecision(f"{short}x{n}", dtype, bits, n, top)
    for short, dtype, bits, top in (("fp16", np.float16, 11, 15),
                                    ("bf16", jnp.bfloat16, 8, 127))
    for n in (1, 2, 3)}
#: float16 operands and results: the codes scaled into [0, 1) (rounded to 11 bits where
#: pooling made them longer), one weight piece scaled so that no sum can overflow.
LOW_PRECISION["fp16"] = LowPrecision("fp16", np.float16, 11, 1, 15, np.float16)

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


def split_input(x: jnp.ndarray, mode: LowPrecision, pieces: int) -> list[jnp.ndarray]:
    """``x`` (float32) as ``pieces`` arrays of ``mode.dtype`` summing to it (exactly when
    ``x`` has at most ``pieces * mode.bits`` significant bits and fits the format's
    range: see :func:`input_shift`)."""
    out = []
    rest = x
    for i in range(pieces):
        piece = rest.astype(mode.dtype)
        out.append(piece)
        if i + 1 < pieces:
            rest = rest - piece.astype(jnp.float32)
    return out

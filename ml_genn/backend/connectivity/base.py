"""Connectivity ops: apply a connectivity to a batch of source events.

``apply(weights, events)`` maps events of shape ``(N, *source_shape)`` to input of
shape ``(N, *target_shape)``; ``N`` is any batch (batch x timesteps in the layer
schedule). It must be linear in the events and map each of the ``N`` on its own: the
layer schedule delays its output instead of its input. One op class per connectivity
class, registered with :func:`register_op`.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

import jax.numpy as jnp
import numpy as np

from ...utils.value import materialise
from ..precision import (
    LowPrecision,
    input_pieces,
    input_shift,
    low_precision,
    split_input,
    split_weights,
)

OPS: dict[type, type] = {}


def register_op(connectivity_cls: type) -> Callable[[type], type]:
    def decorator(op_cls: type) -> type:
        if connectivity_cls in OPS:
            raise ValueError(f"An op for {connectivity_cls.__name__} is already registered.")
        OPS[connectivity_cls] = op_cls
        return op_cls
    return decorator


def build_op(connectivity: Any, precision: str | None, code_bits: int | None = None,
             kernels: str | None = None) -> ConnectivityOp:
    """The op of ``connectivity``; ``code_bits``: bits of the integer codes its source
    sends in a low-precision mode (``ml_genn.backend.precision``); ``kernels``: how it
    may run its Pallas kernels ("compiled", "interpret" or None for XLA alone)."""
    for cls in type(connectivity).__mro__:
        if cls in OPS:
            op = OPS[cls](connectivity, precision)
            op.code_bits = code_bits
            op.kernels = kernels
            return op
    raise NotImplementedError(f"No backend op registered for connectivity "
                              f"{type(connectivity).__name__}.")


class LowWeights(NamedTuple):
    """Weights of a low-precision mode: the pieces concatenated along the last (output)
    axis, and the power of two that undoes their scaling."""

    pieces: jnp.ndarray
    scale: jnp.ndarray


class ConnectivityOp:
    """Backend of one connectivity. ``precision`` is passed to every dot/conv
    (``"highest"`` for exact float32, ``"default"`` for TF32/bf16 speed on GPUs).

    In a low-precision mode (``"fp16x2"``, ...: :mod:`ml_genn.backend.precision`) the op
    receives its source's integer codes. Ops with ``supports_low_precision`` compute on
    half-precision pieces (:meth:`low_weights`, :meth:`low_sums`); the others run in
    float32 at ``"highest"``.
    """

    #: the op implements the low-precision modes (else it runs them in float32)
    supports_low_precision: bool = False
    #: bits of the integer codes the source sends (low-precision modes), set by build_op
    code_bits: int | None = None
    #: spikes can arrive in the operand type (:attr:`event_dtype`): :meth:`low_sums`
    #: receives them unchanged, or pooled exactly in that type
    takes_spike_operands: bool = False
    #: how the op may run Pallas kernels ("compiled", "interpret" or None), set by
    #: build_op
    kernels: str | None = None

    def __init__(self, connectivity: Any, precision: str | None):
        self.conn = connectivity
        mode = low_precision(precision)
        self.low: LowPrecision | None = mode if self.supports_low_precision else None
        if mode is not None:
            # half-precision operands at the device's default (a "highest" request made
            # XLA convert them to float32 on an H200: 8x slower); other ops in float32
            precision = None if self.low is not None else "highest"
        self.precision = precision
        #: type of the dots'/convs' results (None: the operands' type)
        self.result_type = (None if self.low is not None and self.low.result is not np.float32
                            else jnp.float32)
        self.source_shape = tuple(connectivity.source_shape)
        self.target_shape = tuple(connectivity.target_shape)
        self.n_src = int(np.prod(self.source_shape))
        self.n_trg = int(np.prod(self.target_shape))

    def weight_array(self, shape: tuple[int, ...], rng: np.random.Generator) -> np.ndarray:
        """The weight InitValue drawn/broadcast as a float32 NumPy array of ``shape``; kept
        as ``drawn_weight`` so that ``CompiledNetwork.save`` stores what was simulated.
        A float32 array of that shape (or size) is the connectivity's own array, not a
        copy: the compiled network makes it read-only (:mod:`ml_genn.backend.watch`),
        and a copy per connection held NASNetLarge's weights twice (1.4 GB)."""
        w = materialise(self.conn.weight, shape, "weight", type(self.conn).__name__, rng)
        self.drawn_weight = np.broadcast_to(w, shape).astype(np.float32, copy=False)
        return self.drawn_weight

    def low_weights(self, w: np.ndarray) -> Any:
        """Device weights: ``w`` as it is, or in a low-precision mode its pieces
        concatenated along the last axis (the output channels) as :class:`LowWeights`."""
        if self.low is None:
            return jnp.asarray(w)
        pieces, scale = split_weights(w, self.low)
        return LowWeights(jnp.asarray(np.concatenate(pieces, axis=-1)), jnp.float32(scale))

    def low_sums(self, f: Callable, w: Any, x: jnp.ndarray, extra_bits: int = 0,
                 two_pieces: Callable | None = None
                 ) -> tuple[jnp.ndarray, jnp.ndarray | None]:
        """``(sums, factor)`` with ``f(w, x) = sums * factor`` (:meth:`scale_sums`) for a
        map ``f`` linear in ``w`` and in ``x`` whose output's last axis is the weights'
        last axis; ``factor`` is None outside the low-precision modes. In a
        low-precision mode ``x`` holds codes of ``code_bits + extra_bits`` bits: it is
        split into exact half-precision pieces, stacked along the batch axis, and ``f``
        runs once on all pieces of ``x`` and ``w`` with float32 sums (float16 ones in
        ``"fp16"``); ``factor`` is the power of two that undoes the scaling of the
        weights and codes. ``two_pieces(pieces, x)``, where given, replaces ``f`` for
        one input piece and two weight pieces and returns the float32 sum of both
        (a kernel that keeps each piece's sum apart: ``conv_kernel.py``)."""
        if self.low is None:
            return f(w, x), None
        bits = (self.code_bits if self.code_bits is not None else 24) + extra_bits
        if x.dtype == self.low.dtype and self.code_bits == 1:  # spikes, as operands
            n_in, shift = 1, 0
        elif self.result_type is None:  # half results: inputs into [-1, 1], one piece
            n_in, shift = 1, self.half_result_shift()
        else:
            n_in, shift = input_pieces(bits, self.low), input_shift(bits, self.low)
        xs = split_input(x * 2.0 ** -shift if shift else x, self.low, n_in)
        n_w = self.low.weight_pieces
        if two_pieces is not None and n_in == 1 and n_w == 2 and self.result_type is not None:
            return two_pieces(w.pieces, xs[0]), w.scale * 2.0 ** shift
        out = f(w.pieces, xs[0] if n_in == 1 else jnp.concatenate(xs, axis=0))
        if n_in > 1 or n_w > 1:
            out = out.astype(jnp.float32)
        if n_in > 1:
            out = out.reshape((n_in, x.shape[0]) + out.shape[1:]).sum(axis=0)
        if n_w > 1:
            out = out.reshape(out.shape[:-1] + (n_w, out.shape[-1] // n_w)).sum(axis=-2)
        return out, w.scale * 2.0 ** shift

    @staticmethod
    def scale_sums(sums: jnp.ndarray, factor: jnp.ndarray | None) -> jnp.ndarray:
        """The weighted input from :meth:`low_sums`' or :meth:`apply_unscaled`'s
        ``(sums, factor)``: ``float32(sums) * factor`` (``sums`` if no factor)."""
        return sums if factor is None else sums.astype(jnp.float32) * factor

    def half_result_shift(self) -> int:
        """Power of two by which codes are divided before a float16-result sum, so that
        every input lies in [-1, 1] (:func:`~ml_genn.backend.precision.split_weights`
        bounds the weights' column sums for such inputs): ``code_bits`` for few-spike
        codes (:math:`m < 2^B`), none for spikes (0 and +-1 already)."""
        bits = self.code_bits if self.code_bits is not None else 0
        return 0 if bits == 1 else bits

    @property
    def event_dtype(self) -> Any:
        """The type in which the layer schedule hands this op its source's spikes: the
        low-precision operand type where the op's weighted sum takes the events as they
        are (``takes_spike_operands`` and 1-bit codes: spikes are exact in every format,
        and need no split or shift), else float32 (every op takes float32 events)."""
        if self.low is not None and self.takes_spike_operands and self.code_bits == 1:
            return self.low.dtype
        return jnp.float32

    def prepare(self, rng: np.random.Generator) -> Any:
        """Device arrays of this op (weights), built once at compile time."""
        raise NotImplementedError

    def apply(self, weights: Any, events: jnp.ndarray) -> jnp.ndarray:
        raise NotImplementedError

    def apply_unscaled(self, weights: Any, events: jnp.ndarray
                       ) -> tuple[jnp.ndarray, jnp.ndarray | None]:
        """``(sums, factor)`` with ``apply(weights, events) = scale_sums(sums,
        factor)``: a consumer that cannot fuse XLA's scaling (the layer schedule's
        neuron kernel) applies ``factor`` itself and reads the float16 sums of
        ``"fp16"`` instead of their float32 product. Default: ``(apply(...), None)``."""
        return self.apply(weights, events), None

    # --- stateful ops (``stateful = True``) only ---------------------------------------
    stateful: bool = False

    def init_state(self, batch: int) -> Any:
        """Per-batch state of a stateful op, carried between timesteps."""
        raise NotImplementedError(f"{type(self).__name__} is stateless: it has no state.")

    def apply_step(self, state: Any, events: jnp.ndarray,
                   phase: jnp.ndarray | None) -> tuple[Any, jnp.ndarray]:
        """``(new state, weighted input)`` of a stateful op for one timestep."""
        raise NotImplementedError(f"{type(self).__name__} is stateless: use apply().")

    def delay_groups(self, rng: np.random.Generator) -> list[tuple[int, Any]]:
        """``[(delay_steps, weights)]``: one group for a scalar delay; per-synapse delays
        are split into one masked copy of the weights per distinct delay."""
        delay = self.conn.delay
        if isinstance(delay, (int, float, np.integer, np.floating)):
            return [(int(delay), self.prepare(rng))]
        return self.split_synapse_delays(np.asarray(delay), rng)

    def split_synapse_delays(self, delay: np.ndarray, rng) -> list[tuple[int, Any]]:
        raise NotImplementedError(
            f"{type(self.conn).__name__} does not support per-synapse delays.")

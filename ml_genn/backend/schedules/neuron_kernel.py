r"""A population's neuron update over a chunk of timesteps as one Pallas kernel.

The layer schedule advances a population by a chunk of ``S`` steps from its synaptic
input, computed beforehand for the whole chunk (one conv/GEMM per connection and delay
group): for :math:`t = 0 \dots S-1`

.. math::
    d_t = \sum_c \sum_g x_{c,g}[t], \qquad (s, e_t) = \mathrm{step}(p, s, d_t),

where :math:`x_{c,g}` is delay group ``g`` of connection ``c``: the ``L = 1 + delay``
steps of weighted events kept from the chunk before (``tail``), then this chunk's op
output, so :math:`x_{c,g}[t]` is ``tail[t]`` for :math:`t < L`, else
:math:`f \cdot \mathrm{sums}[t - L]`: the op's sums as the convolution wrote them
(float16 in ``"fp16"``) times the factor that undoes the weights' scaling
(``ConnectivityOp.apply_unscaled``), applied here because XLA cannot fuse it into the
kernel (written out in float32 it cost as much as the kernel saved).

XLA fuses the unrolled steps of a chunk poorly: on an NVIDIA H200 (rate-coded VGG-16,
T=100, batch 256, ``"fp16"``) it writes the membrane potential of intermediate steps
out in float32 and the consumers (the spike stacking, the next layer's average
pooling) recompute the spikes from them. One kernel per population and chunk reads each
step's input once, keeps the state in registers and writes each step's events once:
the chunk's update of a 32x32x64 layer at batch 256 (10 steps) ran 1.77x faster than
XLA's fusion (0.300 against 0.531 ms: 2.68 against 1.52 TB/s, a plain float16 copy
2.94 TB/s; bitwise equal; ``python bench/neuron_kernel.py``, one H200; an earlier
probe gave 2.0-2.3x). The arithmetic is the same ``step``, in
the same order, so the results are the ones of the XLA program (tested on the CPU
through Pallas' interpreter, bitwise).

Example (the interpreter, as on a CPU):

    >>> import numpy as np
    >>> from ml_genn.neurons import IntegrateFire
    >>> from ml_genn.backend.neurons import build_dynamics
    >>> dyn = build_dynamics(IntegrateFire(relative_reset=True), (128,), dt=1.0)
    >>> p = dyn.params(np.random.default_rng(0))
    >>> s = dyn.initial_state(p, 2, None)
    >>> tail, sums = jnp.zeros((1, 2, 128)), jnp.full((3, 2, 128), 0.6)
    >>> s, events = neuron_steps(dyn, p, s, [[(tail, sums, None)]], jnp.float32,
    ...                          interpret=True)
    >>> events[:, 0, 0].tolist(), float(s.v[0, 0])   # inputs 0, 0.6, 0.6
    ([0.0, 0.0, 1.0], 0.20000004768371582)
"""
from __future__ import annotations

import operator
from collections.abc import Sequence
from functools import reduce
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
from jax.experimental import pallas as pl

#: the widest block of neurons one program instance updates (per example)
MAX_BLOCK = 1024
#: narrower populations stay in XLA's fusion (the kernel brings them little)
MIN_BLOCK = 64


def block_size(num_neurons: int) -> int:
    """Neurons per kernel block: the largest power of two that divides
    ``num_neurons``, at most :data:`MAX_BLOCK` (0 if below :data:`MIN_BLOCK`)."""
    block = min(MAX_BLOCK, num_neurons & -num_neurons)
    return block if block >= MIN_BLOCK else 0


#: warps per program instance. Blocks of 512-4096 neurons with 4-16 warps ran the
#: rate-coded VGG-16 ("fp16", T=100, batch 256, chunks of 20, one H200) within 2% of
#: each other (6,777-6,920 images/s); 1024 with 4 warps was the fastest there and with
#: chunks of 10 (6,306 against 5,971 with 8 warps).
WARPS = 4


def eligible(dyn: Any) -> bool:
    """Whether population dynamics ``dyn`` can run as one kernel per chunk: its step is
    elementwise per neuron and reads neither the time nor a random key
    (``fusable_steps``), and its neurons fill whole blocks (:func:`block_size`)."""
    return bool(getattr(dyn, "fusable_steps", False)) and \
        block_size(int(np.prod(dyn.shape))) > 0


class _Piece(NamedTuple):
    """One delay group's input to the kernel, flattened to ``n`` neurons."""

    tail: jnp.ndarray       # (L, B, n)
    sums: jnp.ndarray       # (S, B, n)
    factor: Any             # (1, n) float32, or None
    dtype: Any              # the type the group is summed in

    @property
    def arrays(self) -> tuple:
        return (self.tail, self.sums) if self.factor is None else \
            (self.tail, self.sums, self.factor)

    def value(self, refs: Sequence[Any], factor: Any, t: int) -> jnp.ndarray:
        """Step ``t``'s input from this piece's kernel refs (:attr:`arrays`' order) and
        its factor's block (loaded once)."""
        length = self.tail.shape[0]
        if t < length:
            x = refs[0][t]
        elif factor is None:
            x = refs[1][t - length]
        else:
            x = refs[1][t - length].astype(jnp.float32) * factor
        return x.astype(self.dtype)


def neuron_steps(dyn: Any, params: Any, state: Any, drives: Sequence[Sequence[tuple]],
                 emit: Any, interpret: bool = False) -> tuple[Any, jnp.ndarray]:
    """Advance ``state`` (leaves ``(B, *shape)``) through the chunk: ``(state, events
    (S, B, *shape) of type emit)``. ``drives`` holds per connection its delay groups'
    ``(tail (L, B, *shape), sums (S, B, *shape), factor)`` (``factor`` None or a
    float32 scalar), summed as the XLA program sums them (groups, then connections, each
    group in the type of its tail and scaled sums). ``interpret`` runs Pallas'
    interpreter (CPUs)."""
    shape = tuple(dyn.shape)
    size, batch = drives[0][0][1].shape[:2]
    n = int(np.prod(shape))
    block = block_size(n)
    pieces = [_Piece(tail.reshape(tail.shape[:2] + (n,)), sums.reshape((size, batch, n)),
                     None if factor is None else
                     jnp.broadcast_to(jnp.asarray(factor, jnp.float32), (1, n)),
                     jnp.result_type(tail.dtype,
                                     sums.dtype if factor is None else jnp.float32))
              for groups in drives for tail, sums, factor in groups]
    group_counts = [len(groups) for groups in drives]
    param_leaves, param_tree = jax.tree_util.tree_flatten(params)
    state_leaves, state_tree = jax.tree_util.tree_flatten(state)
    param_rows = [jnp.broadcast_to(jnp.asarray(a), (1,) + shape).reshape(1, n)
                  for a in param_leaves]
    state_rows = [a.reshape(batch, n) for a in state_leaves]
    drive_arrays = [a for piece in pieces for a in piece.arrays]

    def kernel(*refs):
        piece_refs, k = [], 0
        for piece in pieces:
            piece_refs.append(refs[k:k + len(piece.arrays)])
            k += len(piece.arrays)
        param_refs = refs[k:k + len(param_rows)]
        k += len(param_rows)
        state_refs = refs[k:k + len(state_rows)]
        event_ref, out_state_refs = refs[k + len(state_rows)], refs[k + len(state_rows) + 1:]
        p = jax.tree_util.tree_unflatten(param_tree, [r[...] for r in param_refs])
        s = jax.tree_util.tree_unflatten(state_tree, [r[...] for r in state_refs])
        starts = np.cumsum([0] + group_counts)
        factors = [None if piece.factor is None else r[2][...]
                   for piece, r in zip(pieces, piece_refs, strict=True)]
        connections = [list(zip(pieces[a:b], piece_refs[a:b], factors[a:b], strict=True))
                       for a, b in zip(starts[:-1], starts[1:], strict=True)]
        for t in range(size):
            # left to right, groups then connections: the XLA program's order
            d = reduce(operator.add, [reduce(operator.add, [piece.value(r, f, t)
                                                            for piece, r, f in groups])
                                      for groups in connections])
            s, events = dyn.step(p, s, d, None)
            event_ref[t] = events.astype(event_ref.dtype)
        for ref, leaf in zip(out_state_refs, jax.tree_util.tree_leaves(s), strict=True):
            ref[...] = leaf.astype(ref.dtype)

    def steps_spec(length):
        return pl.BlockSpec((length, 1, block), lambda b, j: (0, b, j))
    row_spec = pl.BlockSpec((1, block), lambda b, j: (b, j))
    neuron_spec = pl.BlockSpec((1, block), lambda b, j: (0, j))
    in_specs = [spec for piece in pieces
                for spec in (steps_spec(piece.tail.shape[0]), steps_spec(size),
                             neuron_spec)[:len(piece.arrays)]]
    in_specs += [neuron_spec] * len(param_rows) + [row_spec] * len(state_rows)
    out_shape = (jax.ShapeDtypeStruct((size, batch, n), emit),) + tuple(
        jax.ShapeDtypeStruct(a.shape, a.dtype) for a in state_rows)
    first_state = len(drive_arrays) + len(param_rows)
    options: dict[str, Any] = {}
    if not interpret:
        from jax.experimental.pallas import triton as pallas_triton
        options["compiler_params"] = pallas_triton.CompilerParams(
            num_warps=WARPS, num_stages=1)
    outputs = pl.pallas_call(
        kernel, out_shape=out_shape, grid=(batch, n // block), in_specs=in_specs,
        out_specs=(steps_spec(size),) + (row_spec,) * len(state_rows),
        input_output_aliases={first_state + i: 1 + i for i in range(len(state_rows))},
        interpret=interpret, name=f"neuron_steps_{dyn.owner}", **options,
    )(*drive_arrays, *param_rows, *state_rows)
    events, new_rows = outputs[0], outputs[1:]
    new_state = jax.tree_util.tree_unflatten(
        state_tree, [a.reshape(leaf.shape) for a, leaf in zip(new_rows, state_leaves,
                                                              strict=True)])
    return new_state, events.reshape((size, batch) + shape)

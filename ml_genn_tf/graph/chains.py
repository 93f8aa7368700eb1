"""From a chain of linear ops between two populations to one ml_genn connectivity.

A chain is the path of linear ops from a source population to a target population's
input (biases removed: they were pushed to the target). It is first normalised (reshapes
dropped: populations are row-major, so reshapes only relabel; affine scales folded into
the neighbouring weights; a Dense on an image becomes a 1x1 convolution; a concatenation
branch slices the next kernel; consecutive Dense layers are multiplied out), then
matched against the fused connectivities of ml_genn (``AvgPool + Conv2D ->
AvgPoolConv2D`` ...). Anything else falls back to the exact matrix of the chain,
computed by applying the ops to an identity basis, as ``Dense`` or ``Sparse``.
"""
from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np
from ml_genn.connectivity import (AvgPool2D, AvgPoolConv2D, AvgPoolDense2D, Conv2D, Dense,
                                  DepthwiseConv2D, MaxPool2D, OneToOne, Sparse)
from ml_genn.connectivity.base_conv_2d import axis_pads, window_geometry

from .ops import (AffineOp, AvgPoolOp, Conv2DOp, DenseOp, DepthwiseConv2DOp, EmbedOp,
                  GlobalAvgPoolOp, IdentityOp, MaxPoolOp, ReshapeOp, ZeroPaddingOp, apply_op)

#: Largest matrix (source neurons x target neurons) the generic fallback may build.
MAX_FALLBACK_ENTRIES = 2 ** 25
#: Below this fraction of non-zeros the fallback builds ``Sparse``, else ``Dense``.
SPARSE_DENSITY = 0.25


class ChainStep(NamedTuple):
    """One op of a chain, with the graph node it came from and its shapes."""

    op: Any
    node: str
    in_shape: tuple
    out_shape: tuple


class Chain(NamedTuple):
    """The linear ops from population ``source`` to a target's input."""

    source: str
    steps: tuple


class ChainMatch(NamedTuple):
    """A chain matched to a connectivity ``kind`` with its arguments (``weight`` apart).

    ``source_view``: the source shape the connectivity needs (None: any of the right
    size); ``out_shape``: the target shape it produces (None: any of the right size);
    ``flattens``: it can produce a 1-D target instead (``flatten=True``).
    """

    kind: str
    params: dict
    weight: Any
    source_view: tuple | None
    out_shape: tuple | None
    flattens: bool = False


class ConnectionSpec(NamedTuple):
    """A connection to build: ``kind`` with ``params`` and ``weight`` (scaled when built).

    ``layers``: names of the Keras layers fused into it; ``source_shape``: the shape of
    the source population.
    """

    source: str
    target: str
    kind: str
    params: dict
    weight: Any
    layers: tuple
    source_shape: tuple

    @property
    def max_weight(self) -> float:
        """Largest weight (pooling divisors included), for DataNorm's ``max`` mode."""
        if self.kind in ("avg_pool", "max_pool"):
            return float(1.0 / np.prod(self.params["pool_size"])) \
                if self.kind == "avg_pool" else 1.0
        w = np.asarray(self.weight, np.float64)
        if self.kind == "avg_pool_conv2d" or self.kind == "avg_pool_dense":
            w = w / np.prod(self.params["pool_size"])
        return float(np.max(w)) if w.size else 0.0

    def describe(self) -> str:
        extra = {k: v for k, v in self.params.items() if k not in ("pre_ind", "post_ind")}
        shown = ", ".join(f"{k}={v}" for k, v in extra.items())
        return f"{CLASSES[self.kind].__name__}({shown})"

    def build(self, scale: float = 1.0):
        """The connectivity, with every weight multiplied by ``scale``."""
        cls = CLASSES[self.kind]
        if self.kind == "max_pool":
            if scale != 1.0:
                raise ValueError(f"Internal error: max pooling into '{self.target}' cannot "
                                 f"be scaled (scale={scale}).")
            return cls(**self.params)
        if self.kind == "avg_pool":
            if scale == 1.0:
                return cls(**self.params)
            # AvgPool2D has no weight: pool, then a 1x1 convolution by scale * identity.
            channels = int(self.source_shape[-1])
            kernel = np.eye(channels)[None, None] * scale
            return AvgPoolConv2D(kernel, channels, conv_size=1, **self.params)
        weight = self.weight
        weight = np.asarray(weight, np.float64) * scale if isinstance(weight, np.ndarray) \
            else float(weight) * scale
        return cls(weight=weight, **self.params)


CLASSES = {"one_to_one": OneToOne, "dense": Dense, "conv2d": Conv2D,
           "depthwise_conv2d": DepthwiseConv2D, "avg_pool": AvgPool2D,
           "avg_pool_conv2d": AvgPoolConv2D, "avg_pool_dense": AvgPoolDense2D,
           "max_pool": MaxPool2D, "sparse": Sparse}


# --- normalisation ---------------------------------------------------------------------
class _Item(NamedTuple):
    op: Any
    in_shape: tuple
    out_shape: tuple


def _linear(op):
    """The linear part of an op (bias dropped)."""
    if isinstance(op, (DenseOp, Conv2DOp, DepthwiseConv2DOp)):
        return op._replace(bias=None, activation=None)
    if isinstance(op, AffineOp):
        return op._replace(offset=0.0)
    return op


def _per_channel(full: np.ndarray, shape) -> np.ndarray | None:
    """The per-channel values of ``full`` seen with image ``shape`` (None if they vary
    over rows or columns)."""
    if len(shape) != 3:
        return None
    rows = full.reshape(-1, shape[-1])
    return rows[0] if np.all(rows == rows[0]) else None


def _full(scale, shape) -> np.ndarray:
    return np.broadcast_to(np.asarray(scale, np.float64), shape)


def _absorb_affine(items: list, i: int) -> bool:
    """Fold the affine ``items[i]`` into a neighbour; True if done."""
    op, in_shape, out_shape = items[i]
    nxt = items[i + 1] if i + 1 < len(items) else None
    prev = items[i - 1] if i > 0 else None
    full = _full(op.scale, in_shape)   # one scale per element, reshaped freely below
    if nxt is not None and isinstance(nxt.op, DenseOp) and len(nxt.in_shape) == 1:
        kernel = nxt.op.kernel * full.reshape(-1)[:, None]
        items[i + 1] = nxt._replace(op=nxt.op._replace(kernel=kernel))
        del items[i]
        return True
    if nxt is not None and isinstance(nxt.op, (Conv2DOp, DepthwiseConv2DOp)):
        channel = _per_channel(full, nxt.in_shape)
        if channel is not None:
            kernel = nxt.op.kernel * channel[None, None, :, None]
            items[i + 1] = nxt._replace(op=nxt.op._replace(kernel=kernel))
            del items[i]
            return True
    if prev is not None and isinstance(prev.op, DenseOp) and len(prev.out_shape) == 1:
        kernel = prev.op.kernel * full.reshape(-1)[None, :]
        items[i - 1] = prev._replace(op=prev.op._replace(kernel=kernel))
        del items[i]
        return True
    if prev is not None and isinstance(prev.op, (Conv2DOp, DepthwiseConv2DOp)):
        channel = _per_channel(full, prev.out_shape)
        if channel is not None:
            k = prev.op.kernel
            kernel = k * (channel.reshape(k.shape[2:]) if isinstance(prev.op, DepthwiseConv2DOp)
                          else channel)
            items[i - 1] = prev._replace(op=prev.op._replace(kernel=kernel))
            del items[i]
            return True
    if nxt is not None and isinstance(nxt.op, (AvgPoolOp, GlobalAvgPoolOp)):
        channel = _per_channel(full, nxt.in_shape)
        if channel is not None:
            items[i] = nxt
            items[i + 1] = _Item(AffineOp(channel, 0.0), nxt.out_shape, nxt.out_shape)
            return True
    if nxt is not None and isinstance(nxt.op, AffineOp):
        scale = full.reshape(nxt.in_shape) * nxt.op.scale
        items[i + 1] = nxt._replace(op=AffineOp(scale, 0.0))
        del items[i]
        return True
    return False


def _absorb_embed(items: list, i: int) -> bool:
    op, in_shape, out_shape = items[i]
    nxt = items[i + 1] if i + 1 < len(items) else None
    if nxt is None:
        return False
    stop = op.start + in_shape[op.axis]
    if isinstance(nxt.op, DenseOp) and len(nxt.in_shape) == 1:
        kernel = nxt.op.kernel.reshape(tuple(out_shape) + (-1,))
        kernel = np.take(kernel, np.arange(op.start, stop), axis=op.axis)
        n_out = nxt.op.kernel.shape[1]
        items[i + 1] = _Item(nxt.op._replace(kernel=kernel.reshape(-1, n_out)),
                             (int(np.prod(in_shape)),), nxt.out_shape)
        del items[i]
        return True
    if isinstance(nxt.op, Conv2DOp) and len(out_shape) == 3 and op.axis == 2:
        kernel = nxt.op.kernel[:, :, op.start:stop, :]
        items[i + 1] = _Item(nxt.op._replace(kernel=kernel), in_shape, nxt.out_shape)
        del items[i]
        return True
    return False


def _normalise(steps) -> list[_Item]:
    items = [_Item(_linear(s.op), tuple(s.in_shape), tuple(s.out_shape)) for s in steps
             if not isinstance(s.op, (ReshapeOp, IdentityOp))]
    for i, item in enumerate(items):
        if isinstance(item.op, DenseOp) and len(item.in_shape) == 3:
            k = item.op.kernel
            items[i] = item._replace(op=Conv2DOp(k.reshape((1, 1) + k.shape), None))
    changed = True
    while changed:
        changed = False
        for i, item in enumerate(items):
            if isinstance(item.op, AffineOp) and np.all(np.asarray(item.op.scale) == 1.0):
                del items[i]
                changed = True
            elif isinstance(item.op, AffineOp) and len(items) > 1:
                changed = _absorb_affine(items, i)
            elif isinstance(item.op, EmbedOp):
                changed = _absorb_embed(items, i)
            elif isinstance(item.op, ZeroPaddingOp) and i + 1 < len(items) and \
                    isinstance(items[i + 1].op, (Conv2DOp, DepthwiseConv2DOp)):
                conv = items[i + 1]
                k = conv.op.kernel.shape[:2]
                pads = conv.op.padding if not isinstance(conv.op.padding, str) else tuple(
                    axis_pads(conv.in_shape[a], k[a], conv.op.strides[a], conv.op.padding, a)
                    for a in (0, 1))
                total = tuple((p[0] + z[0], p[1] + z[1]) for p, z in zip(pads, item.op.padding))
                items[i + 1] = _Item(conv.op._replace(padding=total), item.in_shape,
                                     conv.out_shape)
                del items[i]
                changed = True
            elif isinstance(item.op, DenseOp) and i + 1 < len(items) and \
                    isinstance(items[i + 1].op, DenseOp) and len(item.in_shape) == 1 \
                    and len(items[i + 1].in_shape) == 1:
                nxt = items[i + 1]
                items[i + 1] = _Item(nxt.op._replace(kernel=item.op.kernel @ nxt.op.kernel),
                                     item.in_shape, nxt.out_shape)
                del items[i]
                changed = True
            else:
                continue
            if changed:
                break
    return items


# --- matching ---------------------------------------------------------------------------
def _padding(padding) -> Any:
    return padding if isinstance(padding, str) else tuple(tuple(p) for p in padding)


def _conv_params(op) -> dict:
    kh, kw, _, filters = op.kernel.shape
    return {"filters": int(filters), "conv_size": (int(kh), int(kw)),
            "conv_strides": tuple(op.strides), "conv_padding": _padding(op.padding)}


def match_chain(chain: Chain) -> ChainMatch | None:
    """The fused connectivity of ``chain`` (None: use the exact fallback)."""
    items = _normalise(chain.steps)
    kinds = tuple(type(i.op) for i in items)
    first = items[0] if items else None
    last = items[-1] if items else None
    if not items:
        return ChainMatch("one_to_one", {}, 1.0, None, None)
    if kinds == (AffineOp,):
        scale = _full(first.op.scale, first.in_shape).reshape(-1).astype(np.float32)
        return ChainMatch("one_to_one", {}, scale, None, None)
    if kinds == (DenseOp,) and len(first.in_shape) == 1:
        return ChainMatch("dense", {}, first.op.kernel, None, None)
    if kinds == (Conv2DOp,):
        return ChainMatch("conv2d", _conv_params(first.op), first.op.kernel,
                          first.in_shape, first.out_shape, True)
    if kinds == (DepthwiseConv2DOp,):
        kh, kw, _, mult = first.op.kernel.shape
        params = {"conv_size": (int(kh), int(kw)), "depth_multiplier": int(mult),
                  "conv_strides": tuple(first.op.strides),
                  "conv_padding": _padding(first.op.padding)}
        return ChainMatch("depthwise_conv2d", params, first.op.kernel, first.in_shape,
                          first.out_shape, True)
    pool = _pool_params(first) if kinds and kinds[0] in (AvgPoolOp, GlobalAvgPoolOp) else None
    if pool is not None and len(items) == 1:
        return ChainMatch("avg_pool", pool, None, first.in_shape,
                          pooled_shape(pool, first.in_shape), True)
    if pool is not None and kinds[1:] == (Conv2DOp,):
        params = dict(pool, **_conv_params(last.op))
        return ChainMatch("avg_pool_conv2d", params, last.op.kernel, first.in_shape,
                          last.out_shape, True)
    if pool is not None and kinds[1:] == (DenseOp,) and len(last.in_shape) == 1:
        return ChainMatch("avg_pool_dense", pool, last.op.kernel, first.in_shape, None)
    if kinds == (MaxPoolOp,):
        op = first.op
        params = {"pool_size": tuple(op.pool_size), "pool_strides": tuple(op.strides),
                  "pool_padding": _padding(op.padding)}
        if op.signs is not None:
            params["signs"] = np.asarray(op.signs, np.float32)
        return ChainMatch("max_pool", params, None, first.in_shape,
                          pooled_shape(params, first.in_shape), True)
    if kinds == (EmbedOp,):
        op = first.op
        target = np.arange(int(np.prod(first.out_shape))).reshape(first.out_shape)
        post = np.take(target, np.arange(op.start, op.start + first.in_shape[op.axis]),
                       axis=op.axis).reshape(-1)
        params = {"pre_ind": np.arange(post.size), "post_ind": post}
        return ChainMatch("sparse", params, np.ones(post.size, np.float32), None, None)
    return None


def _pool_params(item) -> dict | None:
    op = item.op
    if isinstance(op, GlobalAvgPoolOp):
        size = tuple(int(s) for s in item.in_shape[:2])
        return {"pool_size": size, "pool_strides": size, "pool_padding": "valid"}
    return {"pool_size": tuple(op.pool_size), "pool_strides": tuple(op.strides),
            "pool_padding": op.padding}


def pooled_shape(params: dict, in_shape: tuple) -> tuple:
    out, _ = window_geometry(in_shape[:2], params["pool_size"], params["pool_strides"],
                             params["pool_padding"])
    return tuple(out) + (in_shape[2],)


# --- the exact fallback -------------------------------------------------------------------
def chain_matrix(chain: Chain, source_shape: tuple, target_size: int,
                 max_entries: int = MAX_FALLBACK_ENTRIES) -> tuple[str, dict, Any]:
    """The chain's exact matrix, by applying its linear ops to an identity basis:
    ``("dense", {}, matrix)`` or ``("sparse", {pre_ind, post_ind}, weights)``.

    Raises:
        ValueError: the matrix would have more than ``max_entries`` entries.
    """
    n_src = int(np.prod(source_shape))
    if n_src * target_size > max_entries:
        raise ValueError(f"{n_src} x {target_size} = {n_src * target_size} entries, above "
                         f"the limit of {max_entries}")
    first_shape = tuple(chain.steps[0].in_shape) if chain.steps else tuple(source_shape)
    rows = max(1, min(n_src, 2 ** 22 // max(target_size, n_src, 1)))
    pre, post, values = [], [], []
    for start in range(0, n_src, rows):
        stop = min(n_src, start + rows)
        basis = np.zeros((stop - start, n_src))
        basis[np.arange(stop - start), np.arange(start, stop)] = 1.0
        x = basis.reshape((stop - start,) + first_shape)
        for step in chain.steps:
            x = apply_op(step.op, [x], linear_only=True)
        block = x.reshape(stop - start, -1)
        i, j = np.nonzero(block)
        pre.append(i + start)
        post.append(j)
        values.append(block[i, j])
    pre, post, values = (np.concatenate(a) for a in (pre, post, values))
    if values.size < SPARSE_DENSITY * n_src * target_size:
        return "sparse", {"pre_ind": pre, "post_ind": post}, values
    matrix = np.zeros((n_src, target_size))
    matrix[pre, post] = values
    return "dense", {}, matrix

"""From a chain of linear ops between two populations to one ml_genn connectivity.

A chain is the path of linear ops from a source population to a target population's
input (biases removed: they were pushed to the target). It is first normalised (reshapes
dropped: populations are row-major, so reshapes only relabel; affine scales folded into
the neighbouring weights; a Dense on an image becomes a 1x1 convolution; a concatenation
branch slices the next kernel; consecutive Dense layers are multiplied out), then
matched against the fused connectivities of ml_genn (``AvgPool + Conv2D ->
AvgPoolConv2D`` ...). Anything else becomes a :class:`~ml_genn.connectivity.Chained`
connectivity that applies the normalised ops one after the other on the device: no
matrix of the chain is ever built, whatever its size.

The normalisation is one table of exact rewrite rules (:data:`RULES`), each a function
``rule(items, i) -> bool`` that rewrites ``items`` around position ``i`` in place.
"""
from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from ml_genn.connectivity import (
    AvgPool2D,
    AvgPoolConv2D,
    AvgPoolDense2D,
    Chained,
    Conv2D,
    Conv2DTranspose,
    Dense,
    DepthwiseConv2D,
    MaxPool2D,
    OneToOne,
    Pad2D,
    Sparse,
    Upsample2D,
)
from ml_genn.connectivity.base_conv_2d import axis_pads, window_geometry

from .ops import (
    AffineOp,
    AvgPoolOp,
    Conv2DOp,
    Conv2DTransposeOp,
    DenseOp,
    DepthwiseConv2DOp,
    EmbedOp,
    GlobalAvgPoolOp,
    IdentityOp,
    MaxPoolOp,
    ReshapeOp,
    UpsampleOp,
    ZeroPaddingOp,
)


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
    """A chain matched to connectivity class ``cls`` with its arguments (``weight``
    apart).

    ``source_view``: the source shape the connectivity needs (None: any of the right
    size); ``out_shape``: the target shape it produces (None: any of the right size);
    ``flattens``: it can produce a 1-D target instead (``flatten=True``).
    """

    cls: type
    params: dict
    weight: Any
    source_view: tuple | None
    out_shape: tuple | None
    flattens: bool = False


#: Connectivities without weights: ``build(scale)`` gives ``scale != 1`` through a
#: :class:`Chained` wrapper.
UNWEIGHTED = (AvgPool2D, Pad2D, Upsample2D)


class ConnectionSpec(NamedTuple):
    """A connection to build: ``cls(**params, weight=weight)`` (scaled when built).

    ``layers``: names of the Keras layers fused into it; ``source_shape``: the shape of
    the source population. A :class:`Chained` spec holds its steps as
    ``params["steps"]``, a tuple of ``(cls, params, weight)``.

    ``chain``: where set, the spec does not hold its weight arrays (``weight`` and the
    steps' weights are None): they are folded from the chain's ops again when the
    connection is built (:meth:`with_weights`). A folded kernel is a float64 copy per
    path through a layer, and a layer lies on several paths where a region fans out
    (NASNetLarge: 773 connections held 2.8 GB of folded copies of 0.3 GB of kernels).
    """

    source: str
    target: str
    cls: type
    params: dict
    weight: Any
    layers: tuple
    source_shape: tuple
    chain: Chain | None = None

    def with_weights(self) -> ConnectionSpec:
        """This spec with its weight arrays (folded from ``chain`` again if not held)."""
        if self.chain is None:
            return self
        if self.cls is Chained:
            match = chained_match(self.chain)
            spec = self._replace(params=dict(self.params, steps=match.params["steps"]),
                                 chain=None)
        else:
            match = match_chain(self.chain) or chained_match(self.chain)
            spec = self._replace(weight=match.weight, chain=None)
        if match.cls is not self.cls:
            raise TypeError(f"Internal error: the chain into '{self.target}' matched "
                            f"{match.cls.__name__} again, not {self.cls.__name__}.")
        return spec

    def without_weights(self, chain: Chain) -> ConnectionSpec:
        """This spec holding no weight arrays, which ``chain`` gives again when built."""
        if self.cls is Chained:
            steps = tuple((cls, params, None if isinstance(weight, np.ndarray) else weight)
                          for cls, params, weight in self.params["steps"])
            return self._replace(params=dict(self.params, steps=steps), chain=chain)
        if isinstance(self.weight, np.ndarray):
            return self._replace(weight=None, chain=chain)
        return self

    @property
    def max_weight(self) -> float:
        """Largest weight (pooling divisors included), for DataNorm's ``max`` mode; for
        a chain, the product of its steps' largest weights (an upper bound)."""
        spec = self.with_weights()
        if spec.cls is Chained:
            return float(np.prod([abs(_max_weight(*step)) for step in spec.params["steps"]]))
        return _max_weight(spec.cls, spec.params, spec.weight)

    def describe(self) -> str:
        if self.cls is Chained:
            return "Chained(" + " -> ".join(c.__name__ for c, _, _ in self.params["steps"]) + ")"
        extra = {k: v for k, v in self.params.items() if k not in ("pre_ind", "post_ind")}
        shown = ", ".join(f"{k}={v}" for k, v in extra.items())
        return f"{self.cls.__name__}({shown})"

    def build(self, scale: float = 1.0):
        """The connectivity, with every weight multiplied by ``scale``."""
        if self.cls is MaxPool2D:
            if scale != 1.0:
                raise ValueError(f"Internal error: max pooling into '{self.target}' cannot "
                                 f"be scaled (scale={scale}).")
            return MaxPool2D(**self.params)
        spec = self.with_weights()
        if spec.cls is Chained:
            steps = [_build(*step) for step in spec.params["steps"]]
            return Chained(steps, spec.params["shapes"], weight=scale)
        if spec.cls in UNWEIGHTED:
            connectivity = spec.cls(**spec.params)
            return connectivity if scale == 1.0 else Chained([connectivity], weight=scale)
        weight = spec.weight
        weight = np.asarray(weight, np.float64) * scale if isinstance(weight, np.ndarray) \
            else float(weight) * scale
        return spec.cls(weight=weight, **spec.params)


def _build(cls: type, params: dict, weight: Any) -> Any:
    return cls(**params) if cls in UNWEIGHTED else cls(weight=weight, **params)


def _max_weight(cls: type, params: dict, weight: Any) -> float:
    if cls is MaxPool2D or cls in (Pad2D, Upsample2D):
        return 1.0
    if cls is AvgPool2D:
        return float(1.0 / np.prod(params["pool_size"]))
    w = np.asarray(weight, np.float64)
    if cls in (AvgPoolConv2D, AvgPoolDense2D):
        w = w / np.prod(params["pool_size"])
    return float(np.max(w)) if w.size else 0.0


# --- normalisation ---------------------------------------------------------------------
class _Item(NamedTuple):
    op: Any
    in_shape: tuple
    out_shape: tuple


def _linear(op):
    """The linear part of an op (bias dropped)."""
    if isinstance(op, (DenseOp, Conv2DOp, DepthwiseConv2DOp, Conv2DTransposeOp)):
        return op._replace(bias=None, activation=None)
    if isinstance(op, AffineOp):
        return op._replace(offset=0.0)
    return op


def _per_channel(full: np.ndarray, shape) -> np.ndarray | None:
    """The per-channel values of ``full`` seen with image ``shape`` (None if they vary
    over rows or columns)."""
    if len(shape) != 3:
        return None
    if full.shape == tuple(shape) and not any(full.strides[:-1]):
        return full[0, 0]   # broadcast from one value per channel: nothing to compare
    rows = full.reshape(-1, shape[-1])
    return rows[0] if np.all(rows == rows[0]) else None


def _full(scale, shape) -> np.ndarray:
    return np.broadcast_to(np.asarray(scale, np.float64), shape)


#: Ops a per-channel scale next to them folds into.
_ABSORBS_SCALE = (DenseOp, Conv2DOp, DepthwiseConv2DOp, AffineOp)


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
    # A per-channel scale commutes with average pooling: move it across the pooling
    # towards a weighted op it can fold into (only if there is one: moving it back and
    # forth around a lone pooling would never end).
    if nxt is not None and isinstance(nxt.op, (AvgPoolOp, GlobalAvgPoolOp)) \
            and i + 2 < len(items) and isinstance(items[i + 2].op, _ABSORBS_SCALE):
        channel = _per_channel(full, nxt.in_shape)
        if channel is not None:
            items[i] = nxt
            items[i + 1] = _Item(AffineOp(channel, 0.0), nxt.out_shape, nxt.out_shape)
            return True
    if prev is not None and isinstance(prev.op, AvgPoolOp) and i >= 2 \
            and isinstance(items[i - 2].op, _ABSORBS_SCALE):
        channel = _per_channel(full, in_shape)
        if channel is not None:   # a per-channel scale commutes with average pooling
            items[i] = prev
            items[i - 1] = _Item(AffineOp(channel, 0.0), prev.in_shape, prev.in_shape)
            return True
    if nxt is not None and isinstance(nxt.op, AffineOp):
        if tuple(nxt.in_shape) == tuple(in_shape):   # compact: per channel stays so
            scale = np.asarray(op.scale, np.float64) * np.asarray(nxt.op.scale, np.float64)
        else:
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


def _drop_unit_affine(items: list, i: int) -> bool:
    if isinstance(items[i].op, AffineOp) and np.all(np.asarray(items[i].op.scale) == 1.0):
        del items[i]
        return True
    return False


def _fold_affine(items: list, i: int) -> bool:
    return isinstance(items[i].op, AffineOp) and len(items) > 1 and _absorb_affine(items, i)


def _fold_embed(items: list, i: int) -> bool:
    return isinstance(items[i].op, EmbedOp) and _absorb_embed(items, i)


def _explicit(op, in_shape) -> tuple:
    """A convolution's padding as ``((top, bottom), (left, right))``."""
    if not isinstance(op.padding, str):
        return tuple(tuple(p) for p in op.padding)
    k = op.kernel.shape[:2]
    return tuple(axis_pads(in_shape[a], k[a], op.strides[a], op.padding, a) for a in (0, 1))


def _fold_padding(items: list, i: int) -> bool:
    """Zero padding (not cropping) before a convolution: its explicit padding."""
    item = items[i]
    if not isinstance(item.op, ZeroPaddingOp) or i + 1 == len(items) \
            or np.any(np.asarray(item.op.padding) < 0) \
            or not isinstance(items[i + 1].op, (Conv2DOp, DepthwiseConv2DOp)):
        return False
    conv = items[i + 1]
    pads = _explicit(conv.op, conv.in_shape)
    total = tuple((p[0] + z[0], p[1] + z[1])
                  for p, z in zip(pads, item.op.padding, strict=True))
    items[i + 1] = _Item(conv.op._replace(padding=total), item.in_shape, conv.out_shape)
    del items[i]
    return True


def _merge_dense(items: list, i: int) -> bool:
    """Dense then Dense (1-D): one Dense, kernels multiplied."""
    if i + 1 == len(items) or not (isinstance(items[i].op, DenseOp)
                                   and isinstance(items[i + 1].op, DenseOp)
                                   and len(items[i].in_shape) == 1
                                   and len(items[i + 1].in_shape) == 1):
        return False
    item, nxt = items[i], items[i + 1]
    kernel = np.asarray(item.op.kernel, np.float64) @ np.asarray(nxt.op.kernel, np.float64)
    items[i + 1] = _Item(nxt.op._replace(kernel=kernel),
                         item.in_shape, nxt.out_shape)
    del items[i]
    return True


def _pair(value: Any) -> tuple[int, int]:
    return int(value[0]), int(value[1])


def _is_pointwise(op) -> bool:
    """A 1x1 convolution with stride 1 and no padding (a per-pixel matrix)."""
    return isinstance(op, Conv2DOp) and op.kernel.shape[:2] == (1, 1) \
        and tuple(op.strides) == (1, 1) \
        and bool(np.all(np.asarray(_explicit(op, (1, 1))) == 0))


def _compose(first, second) -> np.ndarray | None:
    """The kernel of convolution ``first`` then ``second`` where one is pointwise, or
    None where the merged kernel would hold more weights than the two (e.g. a
    depthwise then a pointwise convolution, which stays two cheap steps)."""
    kh, kw = (first if _is_pointwise(second) else second).kernel.shape[:2]
    cin, cout = first.kernel.shape[2], second.kernel.shape[3]
    if kh * kw * cin * cout > first.kernel.size + second.kernel.size:
        return None
    # in float64 (the handlers keep float32 kernels float32): products of float32 values
    a, b = np.asarray(first.kernel, np.float64), np.asarray(second.kernel, np.float64)
    if isinstance(first, DepthwiseConv2DOp):
        kh, kw, cin, mult = a.shape
        kernel = np.einsum("ijcm,cmf->ijcf", a, b[0, 0].reshape(cin, mult, -1))
    elif _is_pointwise(second):
        kernel = a @ b[0, 0]
    else:
        kernel = np.moveaxis(np.tensordot(a[0, 0], b, ([1], [2])), 0, 2)
    return kernel


def _merge_pointwise(items: list, i: int) -> bool:
    """A convolution next to a 1x1 convolution (MobileNet's project then expand, a
    1x1 convolution before or after a convolution): one convolution, kernels multiplied
    over the middle channels (zero padding of the middle is the 1x1 convolution of zero
    padding), where that is not more weights than the two."""
    if i + 1 == len(items):
        return False
    item, nxt = items[i], items[i + 1]
    convs = (Conv2DOp, DepthwiseConv2DOp)
    if isinstance(item.op, convs) and _is_pointwise(nxt.op):
        geometry = item.op
    elif _is_pointwise(item.op) and isinstance(nxt.op, Conv2DOp):
        geometry = nxt.op
    else:
        return False
    kernel = _compose(item.op, nxt.op)
    if kernel is None:
        return False
    op = Conv2DOp(kernel, None, _pair(geometry.strides), _padding(geometry.padding))
    items[i + 1] = _Item(op, item.in_shape, nxt.out_shape)
    del items[i]
    return True


def _merge_subsampling(items: list, i: int) -> bool:
    """A convolution then subsampling (pool size 1, as ResNetV2's shortcuts): one
    convolution with the strides multiplied."""
    if i + 1 == len(items):
        return False
    item, nxt = items[i], items[i + 1]
    if not (isinstance(item.op, Conv2DOp) and isinstance(nxt.op, AvgPoolOp)
            and tuple(nxt.op.pool_size) == (1, 1)):
        return False
    strides = (item.op.strides[0] * nxt.op.strides[0], item.op.strides[1] * nxt.op.strides[1])
    pads = _explicit(item.op, item.in_shape)
    k = item.op.kernel.shape[:2]
    new = []
    for a in (0, 1):
        after = (nxt.out_shape[a] - 1) * strides[a] + k[a] - item.in_shape[a] - pads[a][0]
        if after < 0:
            return False
        new.append((int(pads[a][0]), int(after)))
    padding = ((new[0][0], new[0][1]), (new[1][0], new[1][1]))
    items[i + 1] = _Item(item.op._replace(strides=strides, padding=padding), item.in_shape,
                         nxt.out_shape)
    del items[i]
    return True


def _merge_embeds(items: list, i: int) -> bool:
    """Nested concatenations along one axis (DenseNet): one embedding."""
    if i + 1 == len(items) or not (isinstance(items[i].op, EmbedOp)
                                   and isinstance(items[i + 1].op, EmbedOp)
                                   and items[i].op.axis == items[i + 1].op.axis):
        return False
    inner, outer = items[i], items[i + 1]
    op = EmbedOp(inner.op.axis, inner.op.start + outer.op.start, outer.op.size)
    items[i + 1] = _Item(op, inner.in_shape, outer.out_shape)
    del items[i]
    return True


def _affine_before_embed(items: list, i: int) -> bool:
    """An affine after an embedding acts on the embedded values only: its slice goes
    before the embedding (where it can fold into a convolution)."""
    if i + 1 == len(items) or not (isinstance(items[i].op, EmbedOp)
                                   and isinstance(items[i + 1].op, AffineOp)):
        return False
    embed, affine = items[i], items[i + 1]
    full = _full(affine.op.scale, affine.in_shape)
    index = np.arange(embed.op.start, embed.op.start + embed.in_shape[embed.op.axis])
    scale = np.take(full, index, axis=embed.op.axis)
    items[i] = _Item(AffineOp(scale, 0.0), embed.in_shape, embed.in_shape)
    items[i + 1] = _Item(embed.op, embed.in_shape, affine.out_shape)
    return True


def _embed_before_pool(items: list, i: int) -> bool:
    """Average pooling then placing among more channels: the other way round (pooling
    acts per channel)."""
    if i + 1 == len(items) or not (isinstance(items[i].op, AvgPoolOp)
                                   and isinstance(items[i + 1].op, EmbedOp)
                                   and items[i + 1].op.axis == len(items[i].out_shape) - 1):
        return False
    pool, embed = items[i], items[i + 1]
    wide = tuple(pool.in_shape[:-1]) + (embed.op.size,)
    items[i] = _Item(embed.op, pool.in_shape, wide)
    items[i + 1] = _Item(pool.op, wide, embed.out_shape)
    return True


#: The exact rewrite rules of a chain, tried in order at every position until none
#: applies.
RULES = (_drop_unit_affine, _fold_affine, _fold_embed, _fold_padding, _merge_dense,
         _merge_pointwise, _merge_subsampling, _merge_embeds, _affine_before_embed,
         _embed_before_pool)


def _normalise(steps) -> list[_Item]:
    items = [_Item(_linear(s.op), tuple(s.in_shape), tuple(s.out_shape)) for s in steps
             if not isinstance(s.op, (ReshapeOp, IdentityOp))]
    for i, item in enumerate(items):
        if isinstance(item.op, DenseOp) and len(item.in_shape) > 1:
            # Dense on a tensor acts on its last axis: a 1x1 convolution of an image view
            k = item.op.kernel
            in_shape, out_shape = item.in_shape, item.out_shape
            if len(in_shape) != 3:
                in_shape = (1, int(np.prod(in_shape[:-1])), in_shape[-1])
                out_shape = in_shape[:2] + (k.shape[1],)
            items[i] = _Item(Conv2DOp(k.reshape((1, 1) + k.shape), None), in_shape, out_shape)
    changed = True
    while changed:
        changed = any(rule(items, i) for i in range(len(items)) for rule in RULES)
    return items


# --- matching ---------------------------------------------------------------------------
def _padding(padding) -> Any:
    return padding if isinstance(padding, str) else tuple(tuple(p) for p in padding)


def _conv_params(op) -> dict:
    kh, kw, _, filters = op.kernel.shape
    return {"filters": int(filters), "conv_size": (int(kh), int(kw)),
            "conv_strides": tuple(op.strides), "conv_padding": _padding(op.padding)}


def match_chain(chain: Chain) -> ChainMatch | None:
    """The fused connectivity of ``chain`` (None: use :func:`chained_match`)."""
    return _match(_normalise(chain.steps))


def _match(items: list) -> ChainMatch | None:
    kinds = tuple(type(i.op) for i in items)
    if not items:
        return ChainMatch(OneToOne, {}, 1.0, None, None)
    first, last = items[0], items[-1]
    if kinds == (AffineOp,):
        scale = _full(first.op.scale, first.in_shape).reshape(-1).astype(np.float32)
        return ChainMatch(OneToOne, {}, scale, None, None)
    if kinds == (DenseOp,) and len(first.in_shape) == 1:
        return ChainMatch(Dense, {}, first.op.kernel, None, None)
    if kinds == (Conv2DOp,):
        return ChainMatch(Conv2D, _conv_params(first.op), first.op.kernel,
                          first.in_shape, first.out_shape, True)
    if kinds == (DepthwiseConv2DOp,):
        kh, kw, _, mult = first.op.kernel.shape
        params = {"conv_size": (int(kh), int(kw)), "depth_multiplier": int(mult),
                  "conv_strides": tuple(first.op.strides),
                  "conv_padding": _padding(first.op.padding)}
        return ChainMatch(DepthwiseConv2D, params, first.op.kernel, first.in_shape,
                          first.out_shape, True)
    pool = _pool_params(first) if kinds and kinds[0] in (AvgPoolOp, GlobalAvgPoolOp) else None
    if pool is not None and len(items) == 1:
        return ChainMatch(AvgPool2D, pool, None, first.in_shape,
                          pooled_shape(pool, first.in_shape), True)
    if pool is not None and kinds[1:] == (Conv2DOp,):
        params = dict(pool, **_conv_params(last.op))
        return ChainMatch(AvgPoolConv2D, params, last.op.kernel, first.in_shape,
                          last.out_shape, True)
    if pool is not None and kinds[1:] == (DenseOp,) and len(last.in_shape) == 1:
        return ChainMatch(AvgPoolDense2D, pool, last.op.kernel, first.in_shape, None)
    if kinds == (MaxPoolOp,):
        op = first.op
        params = {"pool_size": tuple(op.pool_size), "pool_strides": tuple(op.strides),
                  "pool_padding": _padding(op.padding)}
        if op.signs is not None:
            params["signs"] = np.asarray(op.signs, np.float32)
        return ChainMatch(MaxPool2D, params, None, first.in_shape,
                          pooled_shape(params, first.in_shape), True)
    if kinds in ((Conv2DTransposeOp,), (ZeroPaddingOp,), (UpsampleOp,)):
        cls, params, weight = _step(first)
        return ChainMatch(cls, params, weight, first.in_shape, first.out_shape, True)
    if kinds == (EmbedOp,) and len(first.in_shape) == 3 and first.op.axis == 2:
        # one branch of a channel concatenation: zero channels around it (a dense
        # matrix of it would grow with the square of the channels, as in DenseNet)
        after = first.op.size - first.op.start - first.in_shape[2]
        params = {"padding": ((0, 0), (0, 0)), "channel_padding": (first.op.start, after)}
        return ChainMatch(Pad2D, params, None, first.in_shape, first.out_shape, True)
    if kinds == (EmbedOp,):
        op = first.op
        target = np.arange(int(np.prod(first.out_shape))).reshape(first.out_shape)
        post = np.take(target, np.arange(op.start, op.start + first.in_shape[op.axis]),
                       axis=op.axis).reshape(-1)
        params = {"pre_ind": np.arange(post.size), "post_ind": post}
        return ChainMatch(Sparse, params, np.ones(post.size, np.float32), None, None)
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


# --- any other chain -------------------------------------------------------------------------
def _step(item: _Item) -> tuple[type, dict, Any]:
    """``(cls, params, weight)`` of one normalised op (a step of a Chained)."""
    op = item.op
    if isinstance(op, DenseOp):
        return Dense, {}, op.kernel
    if isinstance(op, AffineOp):
        return OneToOne, {}, _full(op.scale, item.in_shape).reshape(-1).astype(np.float32)
    if isinstance(op, (AvgPoolOp, GlobalAvgPoolOp, EmbedOp, Conv2DOp, DepthwiseConv2DOp)):
        match = _match([item])
        if match is None:
            raise TypeError(f"Internal error: no connectivity for {type(op).__name__}.")
        params = {k: v for k, v in match.params.items() if k != "flatten"}
        return match.cls, params, match.weight
    if isinstance(op, Conv2DTransposeOp):
        kh, kw, filters, _ = op.kernel.shape
        return Conv2DTranspose, {"filters": int(filters), "conv_size": (int(kh), int(kw)),
                                 "conv_strides": tuple(op.strides),
                                 "conv_padding": op.padding}, op.kernel
    if isinstance(op, ZeroPaddingOp):
        return Pad2D, {"padding": _padding(op.padding)}, None
    if isinstance(op, UpsampleOp):
        return Upsample2D, {"size": tuple(op.size), "interpolation": op.interpolation}, None
    raise TypeError(f"Internal error: {type(op).__name__} is not a linear chain op.")


def chained_match(chain: Chain) -> ChainMatch:
    """``chain`` as one connectivity, whatever it holds: its single normalised op as
    that op's connectivity, or a :class:`Chained` of them (nothing dense is built)."""
    items = _normalise(chain.steps)
    if not items:
        return ChainMatch(OneToOne, {}, 1.0, None, None)
    steps = tuple(_step(item) for item in items)
    shapes = [item.in_shape for item in items]
    return ChainMatch(Chained, {"steps": steps, "shapes": shapes}, 1.0, None, None)

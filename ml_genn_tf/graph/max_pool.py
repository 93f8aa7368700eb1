"""Move max pooling next to the activation it pools, wherever max commutes exactly.

A max-pooling population must pool the spikes of a population (an input, a ReLU or
another pooling). Between the activation ``a >= 0`` and ``MaxPooling2D`` Keras models
often hold layers that max commutes with; :func:`commute_max_pool` rewrites them:

- ``linear -> MaxPool -> ReLU`` becomes ``linear -> ReLU -> MaxPool`` (ReLU is monotonic);
- ``ZeroPadding2D`` / ``Cropping2D``: explicit padding of the pooling (the zeros take
  part in the max, as in Keras; negative padding crops);
- a per-channel affine ``s a + o`` (BatchNormalization or Rescaling after the ReLU):
  ``max(s a + o) = s max(a) + o`` where ``s >= 0`` and ``s min(a) + o`` where ``s < 0``,
  so the pooling gets per-channel signs (-1: min) and the affine moves after it;
- ``Concatenate`` along channels: one pooling per branch, concatenated after;
- any other linear value ``v`` (Xception's and NASNet's pooled convolutions, ResNetV2's
  stem): ``max(v) = max(relu(v)) - min(relu(-v))`` over every window (where the max is
  >= 0 some ``v >= 0`` has ``relu(-v) = 0``; else all ``relu(v)`` are 0 and
  ``min(relu(-v)) = -max(v)``), so two ReLU populations, a max and a min pooling, and
  their difference.

``pool_size`` 1 (plain subsampling) is linear and never reaches this pass (the handler
makes it an average pooling). Anything else is left alone and refused by the mapping
("its input ... is not an activation"; only non-linear inputs remain).
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ml_genn.connectivity.base_conv_2d import window_geometry

from .ir import Graph, Node
from .ops import ActivationOp, AddOp, AffineOp, ConcatenateOp, MaxPoolOp, ZeroPaddingOp, is_linear
from .spiking import is_spiking

_PASSABLE = (AffineOp, ZeroPaddingOp)


def _per_channel(value: Any, shape: tuple) -> np.ndarray | None:
    full = np.broadcast_to(np.asarray(value, np.float64), shape).reshape(-1, shape[-1])
    return full[0] if np.all(full == full[0]) else None


def _swap_relu(graph: Graph, pool: Node) -> bool:
    """``linear -> MaxPool -> ReLU`` -> ``linear -> ReLU -> MaxPool``."""
    source = graph[pool.inputs[0]]
    consumers = graph.consumers(pool.name)
    if is_spiking(source) or len(consumers) != 1 or pool.name in graph.outputs \
            or pool.op.signs is not None:
        return False
    relu = consumers[0]
    if not (isinstance(relu.op, ActivationOp) and relu.op.kind == "relu"):
        return False
    for other in graph:
        if other is not pool:
            other.inputs = [pool.name if i == relu.name else i for i in other.inputs]
    graph.outputs = [pool.name if o == relu.name else o for o in graph.outputs]
    relu.inputs, pool.inputs = [source.name], [relu.name]
    relu.shape = source.shape
    pool.keras_tensor, relu.keras_tensor = relu.keras_tensor, None
    pool.layers, relu.layers = relu.layers, []
    return True


def _pooled_shape(op: MaxPoolOp, in_shape: tuple) -> tuple:
    out, _ = window_geometry(in_shape[:2], op.pool_size, op.strides, op.padding)
    return tuple(out) + (in_shape[-1],) if op.keepdims else (int(np.prod(out)) * in_shape[-1],)


def _split_concat(graph: Graph, pool: Node) -> list[Node] | None:
    """``Concatenate(channels) -> MaxPool`` -> one MaxPool per branch, concatenated."""
    concat = graph[pool.inputs[0]]
    if not isinstance(concat.op, ConcatenateOp) or concat.op.axis != len(concat.known_shape) - 1:
        return None
    branches = []
    for i, name in enumerate(concat.inputs):
        shape = _pooled_shape(pool.op, graph[name].known_shape)
        branches.append(graph.add(Node(graph.unique_name(f"{pool.name}#{i}"), pool.layer,
                                       [name], shape, op=pool.op)))
    axis = 0 if not pool.op.keepdims else concat.op.axis
    joined = Node(graph.unique_name(f"{pool.name}/concat"), pool.layer,
                  [b.name for b in branches], pool.shape, pool.keras_tensor,
                  ConcatenateOp(axis), list(pool.layers))
    _replace(graph, pool, joined)
    return branches


def _replace(graph: Graph, old: Node, new: Node) -> None:
    graph.add(new)
    graph.remove(old.name, new.name)


def _walk_back(graph: Graph, pool: Node) -> tuple[Node, list[Node]] | None:
    """The spiking node the pool reaches through passable ops, and those ops in order."""
    between: list[Node] = []
    node = graph[pool.inputs[0]]
    while not is_spiking(node):
        if not isinstance(node.op, _PASSABLE):
            return None
        between.insert(0, node)
        node = graph[node.inputs[0]]
    return node, between


def _fold(between: list[Node], channels: int):
    """Explicit pads and the per-channel affine ``(scale, offset)`` of ``between``
    (None where max does not commute with it)."""
    pads = np.zeros((2, 2), int)
    scale, offset = np.ones(channels), np.zeros(channels)
    for node in between:
        if isinstance(node.op, AffineOp):
            s = _per_channel(node.op.scale, node.known_shape)
            o = _per_channel(node.op.offset, node.known_shape)
            if s is None or o is None:
                return None
            scale, offset = scale * s, offset * s + o
        else:
            step = np.asarray(node.op.padding)
            if np.any(step > 0) and (np.any(offset != 0) or np.any((pads < 0) & (step > 0))):
                return None     # zeros would not be zeros, or padding after a crop
            pads = pads + step
    return pads, scale, offset


def _move_to_source(graph: Graph, pool: Node) -> bool:
    """Rewrite ``a -> pads/affines -> MaxPool`` as ``a -> signed MaxPool -> affine``."""
    found = _walk_back(graph, pool)
    if found is None or not found[1]:
        return False
    source, between = found
    folded = _fold(between, source.known_shape[-1])
    if folded is None:
        return False
    pads, scale, offset = folded
    signs = np.where(scale < 0, -1.0, 1.0)
    padding: Any = pool.op.padding
    if np.any(pads != 0):
        in_hw = (int(source.known_shape[0] + pads[0].sum()),
                 int(source.known_shape[1] + pads[1].sum()))
        _, own = window_geometry(in_hw, pool.op.pool_size, pool.op.strides, padding)
        if padding == "same" and np.any(np.asarray(own) != 0) and np.any(signs < 0):
            return False    # "same" positions must never win, explicit zeros must
        padding = tuple((int(p[0] + o[0]), int(p[1] + o[1]))
                        for p, o in zip(pads, own, strict=True))
    pool.op = pool.op._replace(padding=padding,
                               signs=None if np.all(signs > 0) else signs)
    pool.inputs = [source.name]
    if np.any(scale != 1.0) or np.any(offset != 0.0):
        affine = Node(graph.unique_name(f"{pool.name}/affine"), pool.layer, [pool.name],
                      pool.shape, pool.keras_tensor, AffineOp(scale, offset),
                      list(pool.layers) + [layer for n in between for layer in n.layers])
        for other in graph:
            other.inputs = [affine.name if i == pool.name else i for i in other.inputs]
        graph.outputs = [affine.name if o == pool.name else o for o in graph.outputs]
        graph.add(affine)
        pool.keras_tensor, pool.layers = None, []
    _drop_dead(graph, between)
    return True


def _drop_dead(graph: Graph, nodes: list[Node]) -> None:
    for node in reversed(nodes):
        if node.name in graph.nodes and not graph.consumers(node.name) \
                and node.name not in graph.outputs:
            del graph.nodes[node.name]


def _split_signs(graph: Graph, pool: Node) -> bool:
    """``v -> MaxPool`` -> ``max(relu(v)) - min(relu(-v))`` (see the module docstring)."""
    value = graph[pool.inputs[0]]
    if not is_linear(value.op) or pool.op.signs is not None:
        return False
    channels = value.known_shape[-1]

    def add(name: str, inputs: list, shape: tuple, op) -> Node:
        return graph.add(Node(graph.unique_name(name), pool.layer, inputs, shape, op=op))
    positive = add(f"{value.name}/relu+", [value.name], value.known_shape, ActivationOp("relu"))
    negated = add(f"{value.name}/negate", [value.name], value.known_shape, AffineOp(-1.0, 0.0))
    negative = add(f"{value.name}/relu-", [negated.name], value.known_shape, ActivationOp("relu"))
    high = add(f"{pool.name}/max", [positive.name], pool.known_shape, pool.op)
    low = add(f"{pool.name}/min", [negative.name], pool.known_shape,
              pool.op._replace(signs=-np.ones(channels)))
    joined = Node(graph.unique_name(f"{pool.name}/max-min"), pool.layer, [high.name, low.name],
                  pool.shape, pool.keras_tensor, AddOp((1.0, -1.0)), list(pool.layers))
    _replace(graph, pool, joined)
    return True


def commute_max_pool(graph: Graph) -> None:
    """Apply the rules of the module docstring to every MaxPoolOp node."""
    pending = [n for n in graph if isinstance(n.op, MaxPoolOp)]
    while pending:
        pool = pending.pop(0)
        if pool.name not in graph.nodes or is_spiking(graph[pool.inputs[0]]):
            continue
        if _swap_relu(graph, pool):
            graph.reorder()
            continue
        concat = graph[pool.inputs[0]]
        branches = _split_concat(graph, pool)
        if branches is not None:
            _drop_dead(graph, [concat])
            graph.reorder()
            pending += branches
            continue
        if _move_to_source(graph, pool) or _split_signs(graph, pool):
            graph.reorder()

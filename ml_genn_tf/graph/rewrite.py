"""Graph-rewrite passes, run in order by :func:`rewrite`. Each is a function of the graph
that replaces ops by new NumPy ops: the user's layers are never touched.

1. :func:`split_activations`: a weighted layer with an activation becomes its linear op
   followed by an activation node (which keeps the layer's name and output tensor).
2. :func:`drop_identities`: Dropout, GaussianNoise, ActivityRegularization, linear
   activations and reshapes to the same shape vanish.
3. :func:`fold_batch_norm`: BatchNormalization after a Dense/Conv2D/DepthwiseConv2D
   becomes new weights and bias of that layer.
4. :func:`fold_input_preprocessing`: Rescaling/Normalization (any affine op) right
   after an input becomes the input's ``scale``/``offset``.
5. :func:`fold_zero_padding`: ZeroPadding2D before convolutions becomes their explicit
   padding.
6. :func:`commute_max_pool`: max pooling is moved next to the activation it pools,
   wherever max commutes with what lies between (see :mod:`.max_pool`).
"""
from __future__ import annotations

import numpy as np

from ml_genn.connectivity.base_conv_2d import axis_pads

from .ir import Graph, Node
from .max_pool import commute_max_pool
from .ops import (
    WEIGHTED,
    ActivationOp,
    AffineOp,
    Conv2DOp,
    Conv2DTransposeOp,
    DepthwiseConv2DOp,
    IdentityOp,
    InputOp,
    ReshapeOp,
    ZeroPaddingOp,
)


def split_activations(graph: Graph) -> None:
    nodes = {}
    for node in graph:
        activation = getattr(node.op, "activation", None)
        if isinstance(node.op, WEIGHTED) and activation is not None:
            linear = Node(graph.unique_name(f"{node.name}/linear"), node.layer,
                          list(node.inputs), node.shape, op=node.op._replace(activation=None),
                          layers=[])
            nodes[linear.name] = linear
            node.inputs = [linear.name]
            node.op = activation
        nodes[node.name] = node
    graph.nodes = nodes


def drop_identities(graph: Graph) -> None:
    for node in graph:
        op = node.op
        same_shape = isinstance(op, ReshapeOp) and tuple(op.shape) == graph[node.inputs[0]].shape
        if isinstance(op, IdentityOp) or same_shape or \
                (isinstance(op, ActivationOp) and op.kind == "linear"):
            source = graph[node.inputs[0]]
            source.layers.extend(node.layers)
            if source.keras_tensor is None and node.name in graph.outputs:
                source.keras_tensor = node.keras_tensor
            graph.remove(node.name, source.name)


def _per_channel(array, shape) -> np.ndarray | None:
    """``array`` broadcast to ``shape`` as one value per last-axis channel, or None if it
    varies along other axes."""
    full = np.broadcast_to(np.asarray(array, np.float64), shape).reshape(-1, shape[-1])
    return full[0] if np.all(full == full[0]) else None


def _scale_outputs(op, scale: np.ndarray, offset: np.ndarray):
    """A weighted op followed by ``x * scale + offset`` (per output channel)."""
    if isinstance(op, DepthwiseConv2DOp):
        kernel = op.kernel * scale.reshape(op.kernel.shape[2:])
    elif isinstance(op, Conv2DTransposeOp):
        kernel = op.kernel * scale[:, None]
    else:
        kernel = op.kernel * scale
    bias = (0.0 if op.bias is None else op.bias) * scale + offset
    return op._replace(kernel=kernel, bias=bias)


def fold_batch_norm(graph: Graph) -> None:
    for node in graph:
        if not isinstance(node.op, AffineOp) or node.name not in graph.nodes:
            continue
        source = graph[node.inputs[0]]
        if not isinstance(source.op, WEIGHTED) or source.name in graph.outputs \
                or len(graph.consumers(source.name)) != 1:
            continue
        scale, offset = _per_channel(node.op.scale, node.shape), \
            _per_channel(node.op.offset, node.shape)
        if scale is None or offset is None:
            continue
        source.op = _scale_outputs(source.op, scale, offset)
        source.layers.extend(node.layers)
        source.keras_tensor = node.keras_tensor
        graph.remove(node.name, source.name)


def _compact(value, shape):
    """A scalar if ``value`` is constant, else a float32 array of ``shape``."""
    full = np.broadcast_to(np.asarray(value, np.float64), shape)
    return float(full.flat[0]) if np.all(full == full.flat[0]) else full.astype(np.float32)


def fold_input_preprocessing(graph: Graph) -> None:
    for name in list(graph.inputs):
        node = graph[name]
        while name not in graph.outputs:
            consumers = graph.consumers(name)
            if len(consumers) != 1 or not isinstance(consumers[0].op, AffineOp):
                break
            affine = consumers[0]
            op = node.op
            scale = np.asarray(op.scale, np.float64) * affine.op.scale
            offset = np.asarray(op.offset, np.float64) * affine.op.scale + affine.op.offset
            node.op = InputOp(op.shape, _compact(scale, op.shape), _compact(offset, op.shape))
            node.layers.extend(affine.layers)
            graph.remove(affine.name, name)


def _explicit_padding(op, in_shape) -> tuple:
    if isinstance(op.padding, str):
        k = op.kernel.shape[:2]
        return tuple(axis_pads(in_shape[a], k[a], op.strides[a], op.padding, a) for a in (0, 1))
    return op.padding


def fold_zero_padding(graph: Graph) -> None:
    for node in graph:
        if not isinstance(node.op, ZeroPaddingOp) or node.name in graph.outputs \
                or np.any(np.asarray(node.op.padding) < 0):
            continue
        consumers = graph.consumers(node.name)
        if not consumers or not all(isinstance(c.op, (Conv2DOp, DepthwiseConv2DOp))
                                    and c.inputs == [node.name] for c in consumers):
            continue
        for consumer in consumers:
            pads = _explicit_padding(consumer.op, node.shape)
            total = tuple((p[0] + z[0], p[1] + z[1])
                          for p, z in zip(pads, node.op.padding, strict=True))
            consumer.op = consumer.op._replace(padding=total)
        graph.remove(node.name, node.inputs[0])


PASSES = (split_activations, drop_identities, fold_batch_norm, fold_input_preprocessing,
          fold_zero_padding, commute_max_pool)


def rewrite(graph: Graph) -> Graph:
    """Run every pass of :data:`PASSES` in order (in place); returns ``graph``."""
    for rewrite_pass in PASSES:
        rewrite_pass(graph)
    return graph

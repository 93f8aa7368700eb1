"""Graph-rewrite passes, run in order by :func:`rewrite`. Each is a function of the graph
that replaces ops by new NumPy ops: the user's layers are never touched.

1. :func:`split_activations`: a weighted layer with an activation becomes its linear op
   followed by an activation node (which keeps the layer's name and output tensor).
2. :func:`drop_identities`: Dropout, GaussianNoise, ActivityRegularization, linear
   activations and reshapes to the same shape vanish.
3. :func:`fold_input_preprocessing`: Rescaling/Normalization (any affine op) right
   after an input becomes the input's ``scale``/``offset``.
4. :func:`commute_max_pool`: max pooling is moved next to the activation it pools,
   wherever max commutes with what lies between (see :mod:`.max_pool`).

The passes only move population boundaries. Weight folding (BatchNormalization and
other affines into weights, ZeroPadding2D into a convolution's padding) happens in one
place: the rule table of :mod:`.chains`, on the chain of linear ops between two
populations.
"""
from __future__ import annotations

import numpy as np

from .ir import Graph, Node
from .max_pool import commute_max_pool
from .ops import (
    WEIGHTED,
    ActivationOp,
    AffineOp,
    IdentityOp,
    InputOp,
    ReshapeOp,
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


PASSES = (split_activations, drop_identities, fold_input_preprocessing, commute_max_pool)


def rewrite(graph: Graph) -> Graph:
    """Run every pass of :data:`PASSES` in order (in place); returns ``graph``."""
    for rewrite_pass in PASSES:
        rewrite_pass(graph)
    return graph

"""The lowering pass: every layer becomes ops (its handler's result), and every problem
is collected.

Nothing is built here: the handlers only read the layers and return ops. A handler may
return a list of ops (``SeparableConv2D`` is a depthwise then a 1x1 convolution;
``Conv1D`` is a reshape, a 2-D convolution and a reshape): the node is expanded into a
chain of nodes, the last keeping its name, layer and tensor. All problems (unsupported
layer kinds, unsupported settings, bad values) are collected, so the user sees them all
at once in one :class:`~ml_genn_tf.errors.ConversionError`.
"""
from __future__ import annotations

import numpy as np

from ..errors import LayerError, Problem
from ..handlers import HandlerContext, find_handler
from ..handlers.inputs import convert_input_layer
from .ir import Graph, Node
from .ops import apply_op

#: Hints for layer kinds users often meet, by class name.
UNSUPPORTED_HINTS = {
    "Lambda": "Lambda layers run arbitrary code; rebuild the model with built-in layers.",
    "LayerNormalization": "Normalisation over the features of each example is not linear; "
                          "use BatchNormalization.",
    "Multiply": "Products of activations (hard-swish, squeeze-and-excitation gates) have "
                "no spiking equivalent.",
}


def unsupported_kind(node) -> Problem:
    name = node.class_name
    hint = UNSUPPORTED_HINTS.get(
        name, "Replace it with supported layers (ml_genn_tf.handlers.support_table() lists "
              "them) or register a handler with ml_genn_tf.handlers.register_handler.")
    return Problem(node.layer_name, name, "this layer kind has no spiking conversion", hint)


def _expand(graph: Graph, node: Node, ops: list) -> None:
    """Replace ``node`` by a chain of nodes computing ``ops`` in order."""
    inputs, shape = list(node.inputs), graph[node.inputs[0]].known_shape
    for i, op in enumerate(ops[:-1]):
        shape = apply_op(op, [np.zeros((1, *shape))]).shape[1:]
        step = graph.add(Node(graph.unique_name(f"{node.name}/{i}"), node.layer, inputs,
                              tuple(int(n) for n in shape), op=op))
        inputs = [step.name]
    node.inputs, node.op = inputs, ops[-1]


def lower_layers(graph: Graph) -> list[Problem]:
    """Set ``node.op`` for every node by its handler (expanding lists of ops into
    chains); returns the problems found."""
    problems = []
    for node in graph:
        handler = convert_input_layer if node.name in graph.inputs else find_handler(node.layer)
        if handler is None:
            problems.append(unsupported_kind(node))
            continue
        shapes = [graph[i].shape for i in node.inputs]
        if node.shape is None or any(s is None for s in shapes):
            problems.append(Problem(node.layer_name, node.class_name,
                                    "its input or output shape is not fully known",
                                    "Give keras.Input a complete shape (batch axis "
                                    "excepted)."))
            continue
        try:
            op = handler(node.layer, HandlerContext(node.name, shapes, node.shape))
        except LayerError as err:
            problems.append(err.problem)
            continue
        if isinstance(op, list):
            _expand(graph, node, op)
        else:
            node.op = op
    graph.reorder()
    return problems

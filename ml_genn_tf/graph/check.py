"""The check pass: run every layer's handler and collect every problem.

Nothing is built here: the handlers only read the layers and return ops. All problems
(unsupported layer kinds, unsupported settings, bad values) are collected, so the user
sees them all at once in one :class:`~ml_genn_tf.errors.ConversionError`.
"""
from __future__ import annotations

from ..errors import LayerError, Problem
from ..handlers import HandlerContext, find_handler
from ..handlers.inputs import convert_input_layer
from .ir import Graph

#: Hints for layer kinds users often meet, by class name.
UNSUPPORTED_HINTS = {
    "LeakyReLU": "Use ReLU (negative_slope=0) and retrain.",
    "PReLU": "Use ReLU and retrain.",
    "ELU": "Use ReLU and retrain.",
    "Lambda": "Lambda layers run arbitrary code; rebuild the model with built-in layers.",
    "GlobalMaxPooling2D": "Use MaxPooling2D(pool_size=(rows, cols)) followed by Flatten.",
    "Conv1D": "Only 2-D convolutions are supported; reshape to an image and use Conv2D.",
    "Conv2DTranspose": "Transposed convolutions are not supported by the converters yet.",
    "LayerNormalization": "Normalisation over the features of each example is not linear; "
                          "use BatchNormalization.",
    "Multiply": "Products of activations have no spiking equivalent.",
    "UpSampling2D": "Not supported yet.",
}


def unsupported_kind(node) -> Problem:
    name = node.class_name
    hint = UNSUPPORTED_HINTS.get(
        name, "Replace it with supported layers (ml_genn_tf.handlers.support_table() lists "
              "them) or register a handler with ml_genn_tf.handlers.register_handler.")
    return Problem(node.layer_name, name, "this layer kind has no spiking conversion", hint)


def convert_layers(graph: Graph) -> list[Problem]:
    """Set ``node.op`` for every node by its handler; returns the problems found."""
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
            node.op = handler(node.layer, HandlerContext(node.name, shapes, node.shape))
        except LayerError as err:
            problems.append(err.problem)
    return problems

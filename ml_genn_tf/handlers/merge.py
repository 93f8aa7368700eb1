"""Handlers of merge layers."""
from __future__ import annotations

import keras

from ..errors import UnsupportedLayer
from ..graph.ops import AddOp, ConcatenateOp
from .registry import register_handler


@register_handler(keras.layers.Add)
def convert_add(layer, ctx) -> AddOp:
    """Add (residual joins, also before pooling and at the output) -> one connection per
    branch into the next population, whose inputs sum."""
    shapes = {tuple(s) for s in ctx.input_shapes}
    if len(shapes) != 1:
        raise UnsupportedLayer(layer, f"its inputs have different shapes {sorted(shapes)} "
                               f"(broadcasting)", "Add tensors of equal shapes.")
    return AddOp()


@register_handler(keras.layers.Concatenate)
def convert_concatenate(layer, ctx) -> ConcatenateOp:
    """Concatenate -> the next weighted layer's kernel is split by input (one connection
    per branch)."""
    rank = len(ctx.input_shapes[0]) + 1
    axis = int(layer.get_config().get("axis", -1)) % rank
    if axis == 0:
        raise UnsupportedLayer(layer, "axis=0 concatenates along the batch",
                               "Concatenate along a feature axis.")
    return ConcatenateOp(axis - 1)

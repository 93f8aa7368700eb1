"""Handler of model inputs."""
from __future__ import annotations

import keras

from ..errors import UnsupportedLayer
from ..graph.ops import InputOp
from .registry import register_handler


@register_handler(keras.layers.InputLayer)
def convert_input_layer(layer, ctx) -> InputOp:
    """InputLayer -> the input population (Poisson, spike, integrate-and-fire or
    few-spike input); folded Rescaling/Normalization set its input scale and offset."""
    if ctx.output_shape is None:
        raise UnsupportedLayer(layer, "its shape is not fully known",
                               "Give keras.Input a complete shape (batch axis excepted).")
    return InputOp(tuple(ctx.output_shape))

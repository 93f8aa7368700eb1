"""Handlers of preprocessing layers, folded into the input population."""
from __future__ import annotations

import keras
import numpy as np

from ..errors import InvalidLayer
from ..graph.ops import AffineOp
from .registry import register_handler


@register_handler(keras.layers.Rescaling)
def convert_rescaling(layer, ctx) -> AffineOp:
    """Rescaling -> folded exactly into the input population's ``input_scale`` /
    ``input_offset`` (elsewhere into the next connectivity)."""
    # ``layer.scale``/``layer.offset``: get_config() serialises array values as dicts
    return AffineOp(np.asarray(keras.ops.convert_to_numpy(layer.scale), np.float64),
                    np.asarray(keras.ops.convert_to_numpy(layer.offset), np.float64))


@register_handler(keras.layers.Normalization)
def convert_normalization(layer, ctx) -> AffineOp:
    """Normalization (given or adapted mean/variance, also ``invert``) -> folded exactly
    into the input population's ``input_scale`` / ``input_offset``."""
    config = layer.get_config()
    mean, variance = config.get("mean"), config.get("variance")
    if mean is None or variance is None:
        adapted = layer.get_weights()
        if len(adapted) < 2:
            raise InvalidLayer(layer, "it has neither mean/variance nor adapted statistics",
                               "Pass mean= and variance= or call adapt() first.")
        mean, variance = adapted[0], adapted[1]
    shape = tuple(ctx.input_shapes[0])
    rank = len(shape) + 1
    axes = config.get("axis")
    axes = () if axes is None else (axes if isinstance(axes, (list, tuple)) else (axes,))
    kept = {int(a) % rank for a in axes}
    broadcast = tuple(shape[d - 1] if d in kept else 1 for d in range(1, rank))
    mean = np.reshape(np.asarray(mean, np.float64), broadcast)
    std = np.maximum(np.sqrt(np.reshape(np.asarray(variance, np.float64), broadcast)),
                     float(keras.config.epsilon()))
    if config.get("invert", False):
        return AffineOp(std, mean)
    return AffineOp(1.0 / std, -mean / std)

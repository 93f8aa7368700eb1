"""Handlers of activation layers."""
from __future__ import annotations

import keras
import numpy as np

from ..errors import UnsupportedLayer
from ..graph.ops import ActivationOp
from .common import parse_activation, weights
from .registry import register_handler


@register_handler(keras.layers.ReLU)
def convert_relu(layer, ctx) -> ActivationOp:
    """ReLU, also with ``max_value`` (e.g. ReLU6, saturating exactly) -> a population
    (integrate-and-fire, or few-spike ReLU)."""
    config = layer.get_config()
    if float(config.get("negative_slope") or 0.0) != 0.0:
        raise UnsupportedLayer(layer, f"negative_slope={config['negative_slope']} (leaky "
                               f"ReLU) has no spiking equivalent",
                               "Use negative_slope=0 and retrain.")
    if float(config.get("threshold") or 0.0) != 0.0:
        raise UnsupportedLayer(layer, f"threshold={config['threshold']} is not supported",
                               "Use threshold=0 (a bias in the previous layer does the "
                               "same) and retrain.")
    max_value = config.get("max_value")
    return ActivationOp("relu", None if max_value is None else float(max_value))


@register_handler(keras.layers.LeakyReLU)
def convert_leaky_relu(layer, ctx) -> ActivationOp:
    """LeakyReLU(negative_slope=0) -> a ReLU population (other slopes are refused)."""
    slope = float(layer.get_config().get("negative_slope", 0.3))
    if slope != 0.0:
        raise UnsupportedLayer(layer, f"negative_slope={slope} (leaky ReLU) has no spiking "
                               f"equivalent", "Use negative_slope=0 (a ReLU) and retrain.")
    return ActivationOp("relu")


@register_handler(keras.layers.ELU)
def convert_elu(layer, ctx) -> ActivationOp:
    """ELU(alpha=0) -> a ReLU population (other alphas are refused)."""
    alpha = float(layer.get_config().get("alpha", 1.0))
    if alpha != 0.0:
        raise UnsupportedLayer(layer, f"alpha={alpha} (ELU) has no spiking equivalent",
                               "Use ReLU and retrain.")
    return ActivationOp("relu")


@register_handler(keras.layers.PReLU)
def convert_prelu(layer, ctx) -> ActivationOp:
    """PReLU whose learned slopes are all 0 -> a ReLU population (others are refused)."""
    alpha = weights(layer, ["alpha"])["alpha"]
    if np.any(alpha != 0.0):
        raise UnsupportedLayer(layer, f"{np.count_nonzero(alpha)} of its {alpha.size} "
                               f"learned negative slopes are not 0 (largest "
                               f"{np.abs(alpha).max():.3g}); that has no spiking equivalent",
                               "Use ReLU and retrain.")
    return ActivationOp("relu")


@register_handler(keras.layers.Activation)
def convert_activation(layer, ctx) -> ActivationOp:
    """Activation('relu' | 'relu6' | 'softmax' | 'linear') -> a population (softmax and
    linear only at outputs, read out as logits)."""
    op = parse_activation(layer, layer.get_config().get("activation"))
    return op if op is not None else ActivationOp("linear")


@register_handler(keras.layers.Softmax)
def convert_softmax(layer, ctx) -> ActivationOp:
    """Softmax (last axis, output only) -> the output population reads the logits;
    argmax is unchanged."""
    axis = layer.get_config().get("axis", -1)
    rank = len(ctx.input_shapes[0]) + 1
    axes = axis if isinstance(axis, (list, tuple)) else [axis]
    if [int(a) % rank for a in axes] != [rank - 1]:
        raise UnsupportedLayer(layer, f"axis={axis} is not the last axis",
                               "Use Softmax(axis=-1) on the output.")
    return ActivationOp("softmax")

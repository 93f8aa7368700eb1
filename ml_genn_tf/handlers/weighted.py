"""Handlers of weighted layers: Dense, Conv2D, DepthwiseConv2D, BatchNormalization."""
from __future__ import annotations

import keras
import numpy as np

from ..errors import UnsupportedLayer
from ..graph.ops import AffineOp, Conv2DOp, DenseOp, DepthwiseConv2DOp
from .common import check_channels_last, pair, parse_activation, weights
from .registry import register_handler


def _dilate(kernel: np.ndarray, rate: tuple[int, int]) -> np.ndarray:
    """A dilated kernel as the equivalent dense kernel (zeros between the taps)."""
    if rate == (1, 1):
        return kernel
    kh, kw = kernel.shape[:2]
    out = np.zeros(((kh - 1) * rate[0] + 1, (kw - 1) * rate[1] + 1) + kernel.shape[2:])
    out[::rate[0], ::rate[1]] = kernel
    return out


def _kernel_and_bias(layer, kernel_name: str) -> tuple[np.ndarray, np.ndarray | None]:
    config = layer.get_config()
    names = [kernel_name] + (["bias"] if config.get("use_bias", True) else [])
    w = weights(layer, names)
    return w[kernel_name], w.get("bias")


@register_handler(keras.layers.Dense)
def convert_dense(layer, ctx) -> DenseOp:
    """Dense -> ``Dense`` connectivity (weights), bias -> per-neuron bias of the target;
    on an image it acts per pixel (a 1x1 convolution). Activation: relu, relu6, softmax
    (output), linear."""
    config = layer.get_config()
    if config.get("lora_rank"):
        raise UnsupportedLayer(layer, f"lora_rank={config['lora_rank']} is not supported",
                               "Merge the LoRA weights into the kernel before converting.")
    kernel, bias = _kernel_and_bias(layer, "kernel")
    return DenseOp(kernel, bias, parse_activation(layer, config.get("activation")))


@register_handler(keras.layers.Conv2D)
def convert_conv2d(layer, ctx) -> Conv2DOp:
    """Conv2D (valid/same, any strides) -> ``Conv2D`` connectivity; a dilated or grouped
    kernel is expanded to the equivalent dense kernel; bias -> per-neuron bias."""
    config = layer.get_config()
    check_channels_last(layer, config)
    kernel, bias = _kernel_and_bias(layer, "kernel")
    kernel = _dilate(kernel, pair(config.get("dilation_rate", 1)))
    groups = int(config.get("groups", 1))
    if groups > 1:
        kh, kw, cin_group, cout = kernel.shape
        full = np.zeros((kh, kw, cin_group * groups, cout))
        per = cout // groups
        for g in range(groups):
            full[:, :, g * cin_group:(g + 1) * cin_group, g * per:(g + 1) * per] = \
                kernel[:, :, :, g * per:(g + 1) * per]
        kernel = full
    return Conv2DOp(kernel, bias, pair(config["strides"]), config["padding"],
                    parse_activation(layer, config.get("activation")))


@register_handler(keras.layers.DepthwiseConv2D)
def convert_depthwise_conv2d(layer, ctx) -> DepthwiseConv2DOp:
    """DepthwiseConv2D -> ``DepthwiseConv2D`` connectivity (dilation expanded); bias ->
    per-neuron bias."""
    config = layer.get_config()
    check_channels_last(layer, config)
    kernel, bias = _kernel_and_bias(layer, "kernel")
    kernel = _dilate(kernel, pair(config.get("dilation_rate", 1)))
    return DepthwiseConv2DOp(kernel, bias, pair(config["strides"]), config["padding"],
                             parse_activation(layer, config.get("activation")))


@register_handler(keras.layers.BatchNormalization)
def convert_batch_normalization(layer, ctx) -> AffineOp:
    """BatchNormalization (inference statistics) -> folded into the preceding Dense /
    Conv2D / DepthwiseConv2D weights and bias (or into the next connectivity)."""
    config = layer.get_config()
    names = (["gamma"] if config.get("scale", True) else []) + \
        (["beta"] if config.get("center", True) else []) + ["moving_mean", "moving_variance"]
    w = weights(layer, names)
    gamma = w.get("gamma", 1.0)
    scale = gamma / np.sqrt(w["moving_variance"] + float(config["epsilon"]))
    offset = w.get("beta", 0.0) - w["moving_mean"] * scale
    rank = len(ctx.input_shapes[0]) + 1
    axis = int(config["axis"]) % rank
    if axis == 0:
        raise UnsupportedLayer(layer, "axis=0 normalises over the batch",
                               "Normalise a feature axis (the default axis=-1).")
    shape = [1] * (rank - 1)
    shape[axis - 1] = -1
    return AffineOp(np.reshape(scale, shape), np.reshape(offset, shape))

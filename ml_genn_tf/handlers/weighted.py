"""Handlers of weighted layers: Dense, the convolutions (1-D as 2-D of height 1,
separable, transposed) and BatchNormalization."""
from __future__ import annotations

import keras
import numpy as np

from ..errors import UnsupportedLayer
from ..graph.ops import (
    ActivationOp,
    AffineOp,
    Conv2DOp,
    Conv2DTransposeOp,
    DenseOp,
    DepthwiseConv2DOp,
    ReshapeOp,
)
from .common import check_channels_last, pair, parse_activation, weights
from .registry import register_handler


def _dilate(kernel: np.ndarray, rate: tuple[int, int]) -> np.ndarray:
    """A dilated kernel as the equivalent dense kernel (zeros between the taps)."""
    if rate == (1, 1):
        return kernel
    kh, kw = kernel.shape[:2]
    out = np.zeros(((kh - 1) * rate[0] + 1, (kw - 1) * rate[1] + 1) + kernel.shape[2:],
                   kernel.dtype)
    out[::rate[0], ::rate[1]] = kernel
    return out


def _kernel_and_bias(layer, kernel_name: str) -> tuple[np.ndarray, np.ndarray | None]:
    config = layer.get_config()
    names = [kernel_name] + (["bias"] if config.get("use_bias", True) else [])
    w = weights(layer, names, dtype=None)   # float32 stays float32 (exact)
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
    kernel = _groups(kernel, int(config.get("groups", 1)))
    return Conv2DOp(kernel, bias, pair(config["strides"]), config["padding"],
                    parse_activation(layer, config.get("activation")))


@register_handler(keras.layers.SeparableConv2D)
def convert_separable_conv2d(layer, ctx) -> list:
    """SeparableConv2D -> a depthwise then a 1x1 convolution, multiplied out into one
    ``Conv2D`` (exact); bias -> per-neuron bias."""
    config = layer.get_config()
    check_channels_last(layer, config)
    names = ["depthwise_kernel", "pointwise_kernel"] + \
        (["bias"] if config.get("use_bias", True) else [])
    w = weights(layer, names, dtype=None)
    depthwise = _dilate(w["depthwise_kernel"], pair(config.get("dilation_rate", 1)))
    return [DepthwiseConv2DOp(depthwise, None, pair(config["strides"]), config["padding"]),
            Conv2DOp(w["pointwise_kernel"], w.get("bias"), (1, 1), "valid",
                     parse_activation(layer, config.get("activation")))]


@register_handler(keras.layers.Conv2DTranspose)
def convert_conv2d_transpose(layer, ctx) -> Conv2DTransposeOp:
    """Conv2DTranspose (valid/same, any strides) -> ``Conv2DTranspose`` connectivity;
    bias -> per-neuron bias. No output_padding or dilation."""
    config = layer.get_config()
    check_channels_last(layer, config)
    if config.get("output_padding") is not None:
        raise UnsupportedLayer(layer, f"output_padding={config['output_padding']} is not "
                               f"supported", "Use output_padding=None.")
    if pair(config.get("dilation_rate", 1)) != (1, 1):
        raise UnsupportedLayer(layer, f"dilation_rate={config['dilation_rate']} is not "
                               f"supported", "Use dilation_rate=1.")
    kernel, bias = _kernel_and_bias(layer, "kernel")
    return Conv2DTransposeOp(kernel, bias, pair(config["strides"]), config["padding"],
                             parse_activation(layer, config.get("activation")))


def as_image(op, in_shape: tuple, out_shape: tuple,
             activation: ActivationOp | None = None) -> list:
    """A 2-D op applied to a ``(length, channels)`` sequence seen as a ``(1, length,
    channels)`` image: reshape, op, reshape back (and the activation)."""
    ops = [ReshapeOp((1,) + tuple(in_shape)), op, ReshapeOp(tuple(out_shape))]
    return ops + ([activation] if activation is not None else [])


@register_handler(keras.layers.Conv1D)
def convert_conv1d(layer, ctx) -> list:
    """Conv1D (valid/same/causal, strides, dilation, groups) -> a 2-D convolution of
    height 1 (``Conv2D`` connectivity); bias -> per-neuron bias."""
    config = layer.get_config()
    if config.get("data_format", "channels_last") != "channels_last":
        check_channels_last(layer, config)
    kernel, bias = _kernel_and_bias(layer, "kernel")
    dilation = pair(config.get("dilation_rate", 1))[0]
    kernel = _dilate(kernel[None], (1, dilation))
    kernel = _groups(kernel, int(config.get("groups", 1)))
    padding = config["padding"]
    if padding == "causal":
        padding = ((0, 0), (kernel.shape[1] - 1, 0))
    op = Conv2DOp(kernel, bias, (1, pair(config["strides"])[0]), padding)
    return as_image(op, ctx.input_shapes[0], ctx.output_shape,
                    parse_activation(layer, config.get("activation")))


def _groups(kernel: np.ndarray, groups: int) -> np.ndarray:
    """A grouped kernel ``(kh, kw, cin / groups, cout)`` as the dense kernel."""
    if groups == 1:
        return kernel
    kh, kw, cin_group, cout = kernel.shape
    full = np.zeros((kh, kw, cin_group * groups, cout), kernel.dtype)
    per = cout // groups
    for g in range(groups):
        full[:, :, g * cin_group:(g + 1) * cin_group, g * per:(g + 1) * per] = \
            kernel[:, :, :, g * per:(g + 1) * per]
    return full


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

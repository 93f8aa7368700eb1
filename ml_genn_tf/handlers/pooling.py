"""Handlers of pooling layers."""
from __future__ import annotations

import keras

from ..graph.ops import AvgPoolOp, GlobalAvgPoolOp, MaxPoolOp
from .common import check_channels_last, pair
from .registry import register_handler
from .weighted import as_image


def _pool_args(layer) -> tuple:
    config = layer.get_config()
    check_channels_last(layer, config)
    size = pair(config["pool_size"])
    strides = size if config.get("strides") is None else pair(config["strides"])
    return size, strides, config.get("padding", "valid").lower()


@register_handler(keras.layers.AveragePooling2D)
def convert_average_pooling2d(layer, ctx) -> AvgPoolOp:
    """AveragePooling2D (valid or same) -> fused into the next connectivity
    (``AvgPool2D``, ``AvgPoolConv2D``, ``AvgPoolDense2D``)."""
    return AvgPoolOp(*_pool_args(layer))


@register_handler(keras.layers.GlobalAveragePooling2D)
def convert_global_average_pooling2d(layer, ctx) -> GlobalAvgPoolOp:
    """GlobalAveragePooling2D -> fused into the next connectivity (``AvgPoolDense2D``
    with the whole image as window, or ``AvgPool2D``)."""
    config = layer.get_config()
    check_channels_last(layer, config)
    return GlobalAvgPoolOp(bool(config.get("keepdims", False)))


@register_handler(keras.layers.MaxPooling2D)
def convert_max_pooling2d(layer, ctx) -> MaxPoolOp | AvgPoolOp:
    """MaxPooling2D -> its own population fed by ``MaxPool2D``, moved next to the
    activation through padding, cropping, concatenation and per-channel scaling (a
    negative scale makes it a min). FewSpike: exact. Rate methods: by default
    (``max_pool='spike_gate'``) the spikes of the window's neuron with the highest count
    (Rueckauer et al. 2017); ``max_pool='running_max'``: the running max of the counts;
    ``'error'``: refused.
    ``pool_size=1`` is subsampling (linear, exact)."""
    size, strides, padding = _pool_args(layer)
    if size == (1, 1):
        return AvgPoolOp(size, strides, padding)
    return MaxPoolOp(size, strides, padding)


@register_handler(keras.layers.GlobalMaxPooling2D)
def convert_global_max_pooling2d(layer, ctx) -> MaxPoolOp:
    """GlobalMaxPooling2D -> ``MaxPool2D`` over the whole image (as MaxPooling2D)."""
    config = layer.get_config()
    check_channels_last(layer, config)
    size = (int(ctx.input_shapes[0][0]), int(ctx.input_shapes[0][1]))
    return MaxPoolOp(size, size, "valid", keepdims=bool(config.get("keepdims", False)))


def _pool1d_args(layer) -> tuple:
    config = layer.get_config()
    check_channels_last(layer, config)
    size = pair(config["pool_size"])[0]
    strides = size if config.get("strides") is None else pair(config["strides"])[0]
    return (1, size), (1, strides), config.get("padding", "valid").lower()


@register_handler(keras.layers.AveragePooling1D)
def convert_average_pooling1d(layer, ctx) -> list:
    """AveragePooling1D -> AveragePooling2D of height 1, fused into the next
    connectivity."""
    return as_image(AvgPoolOp(*_pool1d_args(layer)), ctx.input_shapes[0], ctx.output_shape)


@register_handler(keras.layers.MaxPooling1D)
def convert_max_pooling1d(layer, ctx) -> list:
    """MaxPooling1D -> MaxPooling2D of height 1 (see MaxPooling2D)."""
    size, strides, padding = _pool1d_args(layer)
    op = AvgPoolOp(size, strides, padding) if size == (1, 1) else \
        MaxPoolOp(size, strides, padding)
    return as_image(op, ctx.input_shapes[0], ctx.output_shape)


@register_handler(keras.layers.GlobalAveragePooling1D)
def convert_global_average_pooling1d(layer, ctx) -> list:
    """GlobalAveragePooling1D -> GlobalAveragePooling2D of height 1."""
    check_channels_last(layer, layer.get_config())
    return as_image(GlobalAvgPoolOp(True), ctx.input_shapes[0], ctx.output_shape)


@register_handler(keras.layers.GlobalMaxPooling1D)
def convert_global_max_pooling1d(layer, ctx) -> list:
    """GlobalMaxPooling1D -> GlobalMaxPooling2D of height 1."""
    check_channels_last(layer, layer.get_config())
    length = int(ctx.input_shapes[0][0])
    return as_image(MaxPoolOp((1, length), (1, length), "valid"), ctx.input_shapes[0],
                    ctx.output_shape)

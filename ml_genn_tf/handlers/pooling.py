"""Handlers of pooling layers."""
from __future__ import annotations

import keras

from ..graph.ops import AvgPoolOp, GlobalAvgPoolOp, MaxPoolOp
from .common import check_channels_last, pair
from .registry import register_handler


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
    negative scale makes it a min). FewSpike: exact. Rate methods: by default the
    running max of the window's spike counts (``max_pool='spike_gate'``: Rueckauer et al.
    2017 gating; ``'error'``: refused). ``pool_size=1`` is subsampling (linear, exact)."""
    size, strides, padding = _pool_args(layer)
    if size == (1, 1):
        return AvgPoolOp(size, strides, padding)
    return MaxPoolOp(size, strides, padding)


@register_handler(keras.layers.GlobalMaxPooling2D)
def convert_global_max_pooling2d(layer, ctx) -> MaxPoolOp:
    """GlobalMaxPooling2D -> ``MaxPool2D`` over the whole image (as MaxPooling2D)."""
    config = layer.get_config()
    check_channels_last(layer, config)
    size = tuple(int(n) for n in ctx.input_shapes[0][:2])
    return MaxPoolOp(size, size, "valid", keepdims=bool(config.get("keepdims", False)))

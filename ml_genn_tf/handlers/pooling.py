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
def convert_max_pooling2d(layer, ctx) -> MaxPoolOp:
    """MaxPooling2D -> its own population fed by ``MaxPool2D``. FewSpike: exact (max of
    each source's value per stage). Rate methods: only with ``max_pool='spike_gate'``,
    the Rueckauer et al. (2017) approximation (the spikes of the window's neuron with the
    highest spike count so far)."""
    return MaxPoolOp(*_pool_args(layer))

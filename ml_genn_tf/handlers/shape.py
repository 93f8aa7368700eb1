"""Handlers of layers that only change the shape."""
from __future__ import annotations

import keras

from ..errors import UnsupportedLayer
from ..graph.ops import ReshapeOp, UpsampleOp, ZeroPaddingOp
from .common import check_channels_last, pair
from .registry import register_handler


@register_handler(keras.layers.Flatten)
def convert_flatten(layer, ctx) -> ReshapeOp:
    """Flatten, anywhere (after the input, after a convolution) -> shape only: populations
    are row-major HWC, the order Keras flattens in."""
    check_channels_last(layer, layer.get_config())
    return ReshapeOp(tuple(ctx.output_shape))


@register_handler(keras.layers.Reshape)
def convert_reshape(layer, ctx) -> ReshapeOp:
    """Reshape, anywhere -> shape only (a following convolution sees the image shape
    it needs)."""
    return ReshapeOp(tuple(ctx.output_shape))


@register_handler(keras.layers.ZeroPadding2D)
def convert_zero_padding2d(layer, ctx) -> ZeroPaddingOp:
    """ZeroPadding2D -> folded into the next convolution's explicit padding."""
    config = layer.get_config()
    check_channels_last(layer, config)
    (top, bottom), (left, right) = config["padding"]
    return ZeroPaddingOp(((int(top), int(bottom)), (int(left), int(right))))


@register_handler(keras.layers.Cropping2D)
def convert_cropping2d(layer, ctx) -> ZeroPaddingOp:
    """Cropping2D -> negative padding, fused into the next connectivity (or into a
    following max pooling's window geometry)."""
    config = layer.get_config()
    check_channels_last(layer, config)
    (top, bottom), (left, right) = config["cropping"]
    return ZeroPaddingOp(((-int(top), -int(bottom)), (-int(left), -int(right))))


@register_handler(keras.layers.UpSampling2D)
def convert_up_sampling2d(layer, ctx) -> UpsampleOp:
    """UpSampling2D (nearest or bilinear: both linear) -> ``Upsample2D``, or a step of a
    ``Chained`` connectivity."""
    config = layer.get_config()
    check_channels_last(layer, config)
    interpolation = config.get("interpolation", "nearest")
    if interpolation not in ("nearest", "bilinear"):
        raise UnsupportedLayer(layer, f"interpolation='{interpolation}' is not supported",
                               "Use 'nearest' or 'bilinear'.")
    return UpsampleOp(pair(config["size"]), interpolation)

"""Handlers of layers that do nothing at inference."""
from __future__ import annotations

import keras

from ..graph.ops import IdentityOp
from .registry import register_handler


@register_handler(keras.layers.Dropout, keras.layers.SpatialDropout1D,
                  keras.layers.SpatialDropout2D, keras.layers.GaussianDropout,
                  keras.layers.AlphaDropout)
def convert_dropout(layer, ctx) -> IdentityOp:
    """Dropout (and its spatial, Gaussian and alpha variants) -> ignored (identity at
    inference)."""
    return IdentityOp(f"{type(layer).__name__} is the identity at inference")


@register_handler(keras.layers.GaussianNoise)
def convert_gaussian_noise(layer, ctx) -> IdentityOp:
    """GaussianNoise -> ignored (identity at inference)."""
    return IdentityOp("GaussianNoise is the identity at inference")


@register_handler(keras.layers.ActivityRegularization)
def convert_activity_regularization(layer, ctx) -> IdentityOp:
    """ActivityRegularization -> ignored (identity at inference)."""
    return IdentityOp("ActivityRegularization is the identity at inference")

"""Handlers of layers that ``keras.applications`` models define for themselves.

Their classes are not exported by Keras, so they are imported from where Keras defines
them (skipped where a Keras version lacks them); the handlers read only ``get_config()``.
"""
from __future__ import annotations

from ..graph.ops import AddOp
from .registry import register_handler

try:
    from keras.src.applications.inception_resnet_v2 import CustomScaleLayer
except ImportError:  # pragma: no cover  (another Keras version)
    CustomScaleLayer = None

if CustomScaleLayer is not None:
    @register_handler(CustomScaleLayer)
    def convert_custom_scale_layer(layer, ctx) -> AddOp:
        """InceptionResNetV2's CustomScaleLayer (``x + scale * residual``) -> one
        connection per branch, the residual's scaled."""
        return AddOp((1.0, float(layer.get_config()["scale"])))

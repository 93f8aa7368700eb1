"""Handlers of layers that ``keras.applications`` models define for themselves.

Keras does not export their classes, and the modules defining them move between Keras
versions, so they are matched by class name (:func:`register_named_handler`); each
handler reads only ``get_config()`` and checks, by calling the layer once on probe
inputs, that the layer computes what its name promises (a user's own class of the same
name may not).
"""
from __future__ import annotations

from typing import Any

import keras
import numpy as np

from ..errors import UnsupportedLayer
from ..graph.ops import AddOp
from .registry import register_named_handler


@register_named_handler("CustomScaleLayer")
def convert_custom_scale_layer(layer: Any, ctx: Any) -> AddOp:
    """InceptionResNetV2's CustomScaleLayer (``x + scale * residual``; matched by class
    name and checked on probe inputs) -> one connection per branch, the residual's
    scaled."""
    scale = layer.get_config().get("scale")
    shapes = [tuple(s) for s in ctx.input_shapes]
    if isinstance(scale, bool) or not isinstance(scale, (int, float)) or len(shapes) != 2 \
            or shapes[0] != shapes[1]:
        raise UnsupportedLayer(layer, f"a CustomScaleLayer needs a numeric 'scale' and two "
                               f"inputs of one shape, received scale={scale!r} and input "
                               f"shapes {shapes}",
                               "Use keras.applications' layer, or register a handler for "
                               "your class with ml_genn_tf.handlers.register_handler.")
    rng = np.random.default_rng(0)
    x, residual = (rng.standard_normal((1,) + shapes[0]).astype(np.float32) for _ in range(2))
    received = keras.ops.convert_to_numpy(layer([x, residual]))
    expected = x + np.float32(scale) * residual
    if received.shape != expected.shape or not np.allclose(received, expected, rtol=1e-5,
                                                           atol=1e-5):
        raise UnsupportedLayer(layer, f"a layer named CustomScaleLayer that does not compute "
                               f"inputs[0] + scale * inputs[1] (scale={scale}) on probe "
                               f"inputs",
                               "Register a handler for your class with "
                               "ml_genn_tf.handlers.register_handler.")
    return AddOp((1.0, float(scale)))

"""Keras 3 to spiking neural network converters (mlGeNN 2.x ``ml_genn_tf`` API).

``convert_model(model, method, data, **options)`` converts in one call; the converter
classes of :mod:`ml_genn_tf.converters` give the mlGeNN 2.x API.
"""
from .convert import METHODS, convert_model
from .converted_model import ConvertedModel
from .errors import (
                     ConversionError,
                     InvalidLayer,
                     InvalidModelError,
                     Problem,
                     UnsupportedLayer,
                     UnsupportedModelError,
)

__all__ = ["METHODS", "convert_model", "ConvertedModel", "ConversionError", "InvalidLayer",
           "InvalidModelError", "Problem", "UnsupportedLayer", "UnsupportedModelError"]

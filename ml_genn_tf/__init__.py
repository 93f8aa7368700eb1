"""Keras 3 to spiking neural network converters (mlGeNN 2.x ``ml_genn_tf`` API)."""
from .errors import (ConversionError, InvalidLayer, InvalidModelError, Problem,
                     UnsupportedLayer, UnsupportedModelError)

__all__ = ["ConversionError", "InvalidLayer", "InvalidModelError", "Problem",
           "UnsupportedLayer", "UnsupportedModelError"]

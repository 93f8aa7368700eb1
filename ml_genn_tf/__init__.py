"""Keras 3 to spiking neural network converters (mlGeNN 2.x ``ml_genn_tf`` API).

``convert_model(model, method, data, **options)`` converts in one call; the converter
classes of :mod:`ml_genn_tf.converters` give the mlGeNN 2.x API. Keras is imported on
first use of a name that needs it, so ``ml_genn_tf.tools`` (the command line, saved
models) runs without TensorFlow or Keras.
"""
import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
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

#: Public name -> module that defines it (imported on first access).
_EXPORTS = {"METHODS": ".convert", "convert_model": ".convert",
            "ConvertedModel": ".converted_model", "ConversionError": ".errors",
            "InvalidLayer": ".errors", "InvalidModelError": ".errors", "Problem": ".errors",
            "UnsupportedLayer": ".errors", "UnsupportedModelError": ".errors"}

__all__ = ["METHODS", "convert_model", "ConvertedModel", "ConversionError", "InvalidLayer",
           "InvalidModelError", "Problem", "UnsupportedLayer", "UnsupportedModelError"]


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'ml_genn_tf' has no attribute {name!r}")
    value = getattr(importlib.import_module(_EXPORTS[name], __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS))

"""Whole-model files (HDF5): save a runnable model, load it without Keras."""
from .codec import FileFormatError
from .model_file import FORMAT_VERSION, load, save_model

__all__ = ["FileFormatError", "FORMAT_VERSION", "load", "save_model"]

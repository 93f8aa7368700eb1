"""Serialisers for saving and loading weights."""
from ..utils.registry import Registry
from .hdf5 import HDF5
from .numpy import Numpy
from .serialiser import Serialiser

SERIALISERS = Registry("serialiser", Serialiser)
SERIALISERS.register(Numpy, name="numpy")
SERIALISERS.register(HDF5, name="hdf5")

__all__ = ["SERIALISERS", "Serialiser", "Numpy", "HDF5"]

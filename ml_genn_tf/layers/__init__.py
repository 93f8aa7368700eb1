"""Keras 3 layers for training ANNs that convert well to spiking networks.

Importing this package registers the layers for ``.keras`` serialisation.
"""
from .quantised_relu import QuantisedReLU

__all__ = ["QuantisedReLU"]

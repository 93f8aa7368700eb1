"""Initializers: values drawn when the network is compiled."""
from .initializer import Initializer
from .normal import Normal
from .uniform import Uniform

__all__ = ["Initializer", "Normal", "Uniform"]

"""Synapse models."""
from ..utils.registry import Registry
from .delta import Delta
from .exponential import Exponential
from .synapse import Synapse

SYNAPSES = Registry("synapse", Synapse)
for _cls in (Delta, Exponential):
    SYNAPSES.register(_cls)

__all__ = ["SYNAPSES", "Synapse", "Delta", "Exponential"]

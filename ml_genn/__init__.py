"""Spiking neural networks with the mlGeNN 2.x model API, run on JAX.

Example:
    >>> import numpy as np
    >>> from ml_genn import Network, Population, Connection
    >>> from ml_genn.compilers import InferenceCompiler
    >>> from ml_genn.connectivity import Dense
    >>> net = Network()
    >>> with net:
    ...     inp = Population("binary_spike_input", 2)
    ...     out = Population("integrate_fire", 2, name="out")
    ...     _ = Connection(inp, out, Dense(np.eye(2)))
    >>> out.neuron.readout = "spike_count"  # doctest: +SKIP
"""
from .connection import Connection
from .network import Network
from .population import Population
from .sequential_network import InputLayer, Layer, SequentialNetwork

__all__ = ["Connection", "Network", "Population", "InputLayer", "Layer", "SequentialNetwork"]

"""Spiking neural networks with the mlGeNN 2.x model API, run on JAX.

Example:
    >>> import numpy as np
    >>> from ml_genn import Network, Population, Connection
    >>> from ml_genn.compilers import InferenceCompiler
    >>> from ml_genn.connectivity import Dense
    >>> from ml_genn.neurons import IntegrateFire
    >>> net = Network()
    >>> with net:
    ...     inp = Population("binary_spike_input", 2)
    ...     out = Population(IntegrateFire(readout="spike_count"), 2)
    ...     _ = Connection(inp, out, Dense(np.eye(2)))
    >>> compiled = InferenceCompiler(evaluate_timesteps=4).compile(net)
    >>> with compiled:
    ...     counts, _ = compiled.predict({inp: np.array([[1.0, 0.0]])}, [out], callbacks=[])
    >>> counts[out].tolist()  # input spikes arrive one step after they are sent
    [[3.0, 0.0]]
"""
from .connection import Connection
from .network import Network
from .population import Population
from .runnable import RunnableModel
from .saving import load
from .sequential_network import InputLayer, Layer, SequentialNetwork

__all__ = ["Connection", "Network", "Population", "InputLayer", "Layer", "RunnableModel",
           "SequentialNetwork", "load"]

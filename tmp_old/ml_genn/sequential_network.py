"""Sequential networks: each layer connects to the previous one."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .connection import Connection
from .network import Network
from .population import Population

if TYPE_CHECKING:
    from .connectivity import Connectivity
    from .neurons import Neuron
    from .synapses import Synapse


class SequentialNetwork(Network):
    """A network built layer by layer, like ``keras.Sequential``.

    Example:
        >>> import numpy as np
        >>> from ml_genn import SequentialNetwork, InputLayer, Layer
        >>> from ml_genn.connectivity import Dense
        >>> net = SequentialNetwork()
        >>> with net:
        ...     inp = InputLayer("poisson_input", 4)
        ...     out = Layer(Dense(np.ones((4, 2))), "integrate_fire")
        >>> out.population.shape, out.connection.source() is inp.population
        ((2,), True)
    """

    def __init__(self, default_params: dict | None = None):
        super().__init__(default_params)
        self.layers: list = []

    @staticmethod
    def _current_sequential(what: str) -> SequentialNetwork:
        net = Network._context
        if not isinstance(net, SequentialNetwork):
            raise ValueError(f"{what} must be created inside a 'with sequential_network:' block.")
        return net


class InputLayer:
    """The first layer of a :class:`SequentialNetwork`; wraps an input population."""

    def __init__(self, neuron: Neuron | str, shape: Any = None, record_spikes: bool = False,
                 record_spike_events: bool = False, name: str | None = None):
        net = SequentialNetwork._current_sequential("InputLayer")
        if net.layers:
            raise ValueError("InputLayer must be the first layer of a SequentialNetwork.")
        self.population = Population(neuron, shape, record_spikes, record_spike_events, name)
        self.connection = None
        net.layers.append(self)


class Layer:
    """A layer of a :class:`SequentialNetwork`, connected to the previous layer."""

    def __init__(self, connectivity: Connectivity, neuron: Neuron | str, shape: Any = None,
                 synapse: Synapse | str = "delta",
                 record_spikes: bool = False, record_spike_events: bool = False,
                 max_delay_steps: int | None = None, name: str | None = None):
        net = SequentialNetwork._current_sequential("Layer")
        if not net.layers:
            raise ValueError("A SequentialNetwork must start with an InputLayer.")
        self.population = Population(neuron, shape, record_spikes, record_spike_events, name)
        self.connection = Connection(net.layers[-1].population, self.population, connectivity,
                                     synapse, max_delay_steps=max_delay_steps)
        net.layers.append(self)

"""Populations of neurons."""
from __future__ import annotations

import itertools
import weakref
from typing import Any

import numpy as np

from .network import Network
from .neurons import NEURONS, Neuron

_population_ids = itertools.count()


def normalise_shape(shape: Any, owner: str) -> tuple[int, ...] | None:
    """int -> (int,), tuple stays, None stays; rejects non-positive sizes."""
    if shape is None:
        return None
    scalar = isinstance(shape, (int, float, np.integer, np.floating))
    shape = (int(shape),) if scalar else tuple(int(s) for s in shape)
    if not shape or any(s <= 0 for s in shape):
        raise ValueError(f"{owner}: shape must contain positive sizes, received {shape}.")
    return shape


class Population:
    """A group of identical neurons, indexed row-major (HWC for images).

    Args:
        neuron: a :class:`~ml_genn.neurons.Neuron` or its string name (``"integrate_fire"``).
        shape: number of neurons, a shape tuple, or ``None`` to take it from the first
            incoming connection.
        record_spikes: keep per-timestep spikes so a ``SpikeRecorder`` can read them.
        record_spike_events: keep per-timestep (signed) spike events.
        name: unique name (default ``Pop<N>``).
        add_to_model: add to the network of the enclosing ``with network:`` block.

    Example:
        >>> from ml_genn import Network, Population
        >>> with Network():
        ...     pop = Population("integrate_fire", (4, 4, 2), name="hidden")
        >>> pop.shape, pop.num_neurons
        ((4, 4, 2), 32)
    """

    def __init__(self, neuron: Neuron | str, shape: Any = None, record_spikes: bool = False,
                 record_spike_events: bool = False, name: str | None = None,
                 add_to_model: bool = True):
        self._id = next(_population_ids)
        self.name = name if name is not None else f"Pop{self._id}"
        self.neuron = NEURONS.resolve(neuron)
        if self.neuron is None:
            raise TypeError(f"Population '{self.name}': a neuron (name or instance) is required.")
        self._shape = normalise_shape(shape, f"Population '{self.name}'")
        self.record_spikes = bool(record_spikes)
        self.record_spike_events = bool(record_spike_events)
        self.incoming_connections: list[weakref.ref] = []
        self.outgoing_connections: list[weakref.ref] = []
        if add_to_model:
            Network._add_population(self)

    @property
    def shape(self) -> tuple[int, ...] | None:
        return self._shape

    @shape.setter
    def shape(self, shape: Any) -> None:
        shape = normalise_shape(shape, f"Population '{self.name}'")
        if self._shape is not None and shape != self._shape:
            raise ValueError(f"Population '{self.name}' has shape {self._shape}; "
                             f"a connection requires shape {shape}.")
        self._shape = shape

    @property
    def num_neurons(self) -> int:
        if self._shape is None:
            raise ValueError(f"Population '{self.name}' has no shape yet: give one, or "
                             f"connect it to a source first.")
        return int(np.prod(self._shape))

    def __repr__(self) -> str:
        return (f"Population(name='{self.name}', neuron={type(self.neuron).__name__}, "
                f"shape={self._shape})")

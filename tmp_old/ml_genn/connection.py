"""Connections between populations."""
from __future__ import annotations

import itertools
import weakref
from typing import TYPE_CHECKING, Any

from .connectivity import Connectivity
from .network import Network
from .synapses import SYNAPSES, Synapse

if TYPE_CHECKING:
    from .population import Population
    from .sequential_network import InputLayer, Layer

_connection_ids = itertools.count()


def as_population(obj: Any) -> Population:
    """Accept a Population or a SequentialNetwork layer (which has ``.population``)."""
    from .population import Population
    pop = getattr(obj, "population", obj)
    if callable(pop) and not isinstance(pop, Population):
        pop = pop()
    if not isinstance(pop, Population):
        raise TypeError(f"Expected a Population (or layer), received {type(obj).__name__}.")
    return pop


class Connection:
    """Synapses from ``source`` to ``target`` with a connectivity and a synapse model.

    ``source`` and ``target`` are weak references: call them (``conn.source()``).

    Args:
        source, target: populations (or layers of a SequentialNetwork).
        connectivity: a :class:`~ml_genn.connectivity.Connectivity`, e.g. ``Dense(w)``.
        synapse: synapse model or name (``"delta"`` default, ``"exponential"``).
        name: unique name (default ``Conn<N>``).
        max_delay_steps: upper bound on this connection's delays [timesteps].
        add_to_model: add to the network of the enclosing ``with network:`` block.

    Example:
        >>> import numpy as np
        >>> from ml_genn import Network, Population, Connection
        >>> from ml_genn.connectivity import Dense
        >>> with Network():
        ...     a = Population("poisson_input", 3)
        ...     b = Population("integrate_fire")
        ...     c = Connection(a, b, Dense(np.ones((3, 5))))
        >>> b.shape, c.source() is a
        ((5,), True)
    """

    def __init__(self, source: Population | InputLayer | Layer,
                 target: Population | InputLayer | Layer,
                 connectivity: Connectivity, synapse: Synapse | str = "delta",
                 name: str | None = None, max_delay_steps: int | None = None,
                 add_to_model: bool = True):
        self._id = next(_connection_ids)
        self.name = name if name is not None else f"Conn{self._id}"
        source, target = as_population(source), as_population(target)
        if not isinstance(connectivity, Connectivity):
            raise TypeError(f"Connection '{self.name}': connectivity must be a Connectivity "
                            f"(e.g. Dense(weight)), received {type(connectivity).__name__}.")
        self._source = weakref.ref(source)
        self._target = weakref.ref(target)
        self.connectivity = connectivity
        self.synapse = SYNAPSES.resolve(synapse, default="delta")
        if max_delay_steps is not None and int(max_delay_steps) < 0:
            raise ValueError(f"Connection '{self.name}': max_delay_steps must be >= 0, "
                             f"received {max_delay_steps}.")
        self.max_delay_steps = None if max_delay_steps is None else int(max_delay_steps)
        try:
            connectivity.connect(source, target)
        except ValueError as err:
            raise ValueError(f"Connection '{self.name}' ({source.name} -> {target.name}): "
                             f"{err}") from None
        source.outgoing_connections.append(weakref.ref(self))
        target.incoming_connections.append(weakref.ref(self))
        if add_to_model:
            Network._add_connection(self)

    @property
    def source(self) -> weakref.ref[Population]:
        return self._source

    @property
    def target(self) -> weakref.ref[Population]:
        return self._target

    def __repr__(self) -> str:
        source, target = self._source(), self._target()
        return (f"Connection(name='{self.name}', {getattr(source, 'name', None)} -> "
                f"{getattr(target, 'name', None)}, {type(self.connectivity).__name__})")

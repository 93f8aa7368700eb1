"""The network: a container of populations and connections, used as a context manager."""
from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .connection import Connection
    from .population import Population


class Network:
    """A spiking network. Populations and connections created inside ``with network:``
    are added to it.

    Args:
        default_params: per class, default constructor arguments for objects created
            inside this network, e.g. ``{LeakyIntegrateFire: {"relative_reset": False}}``.

    Example:
        >>> from ml_genn import Network, Population, Connection
        >>> from ml_genn.connectivity import Dense
        >>> net = Network()
        >>> with net:
        ...     inp = Population("poisson_input", 4)
        ...     out = Population("integrate_fire", 2)
        ...     con = Connection(inp, out, Dense(weight=0.5))
        >>> len(net.populations), len(net.connections)
        (2, 1)
    """

    _context: Network | None = None

    def __init__(self, default_params: dict | None = None):
        self.default_params = dict(default_params or {})
        self.populations: list[Population] = []
        self.connections: list[Connection] = []

    def __enter__(self) -> Network:
        if Network._context is not None:
            raise ValueError("Networks cannot be nested: leave the current "
                             "'with network:' block before entering another.")
        Network._context = self
        return self

    def __exit__(self, *exc_info: object) -> None:
        Network._context = None

    @staticmethod
    def _current(what: str) -> Network:
        if Network._context is None:
            raise ValueError(f"{what} must be created inside a 'with network:' block "
                             f"(or pass add_to_model=False).")
        return Network._context

    @staticmethod
    def _add_population(pop: Population) -> None:
        Network._current(f"Population '{pop.name}'").populations.append(pop)

    @staticmethod
    def _add_connection(conn: Connection) -> None:
        Network._current(f"Connection '{conn.name}'").connections.append(conn)

    def load(self, keys: Sequence[Any] = (), serialiser: Any = "numpy") -> None:
        """Load connection weights saved by ``CompiledNetwork.save(keys, serialiser)``.

        Each connection's arrays are stored under ``keys + (connection name, array name)``.
        """
        from .serialisers import SERIALISERS
        serialiser = SERIALISERS.resolve(serialiser)
        for conn in self.connections:
            stored = serialiser.deserialise_all(tuple(keys) + (conn.name,))
            for name, value in stored.items():
                conn.connectivity.set_array(name, value)

    def find_population(self, name: str) -> Population:
        for pop in self.populations:
            if pop.name == name:
                return pop
        raise KeyError(f"No population named '{name}' in this network; "
                       f"names: {[p.name for p in self.populations]}.")

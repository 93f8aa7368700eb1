"""Random sparse connectivity with a fixed connection probability."""
from __future__ import annotations

from numbers import Real
from typing import TYPE_CHECKING, Any

import numpy as np

from .connectivity import Connectivity

if TYPE_CHECKING:
    from ..population import Population


class FixedProbability(Connectivity):
    r"""Random sparse synapses: each (source, target) pair is connected independently with
    probability :math:`p`, then :math:`I_j = \sum_{i \to j} w_{ij}\, s_i`.

    The synapses are drawn at compile time with the compiler's NumPy generator (seeded by
    ``rng_seed``), so the same seed gives the same connectivity.

    Args:
        p: connection probability, in ``[0, 1]``.
        weight: scalar, Initializer (one draw per synapse) or ``(n_src, n_trg)`` array
            (the weights of the pairs drawn).
        allow_self_connections: when source and target are the same population, whether
            neuron :math:`i` may connect to itself.
        delay: axonal delay [timesteps], one for all synapses.

    Example:
        >>> from ml_genn import Network, Population, Connection
        >>> with Network():
        ...     inp = Population("poisson_input", 100)
        ...     out = Population("integrate_fire", 10)
        ...     c = Connection(inp, out, FixedProbability(0.1, 0.5))
        >>> c.connectivity.p
        0.1
    """

    def __init__(self, p: float, weight: Any, allow_self_connections: bool = False,
                 delay: Any = 0):
        if (isinstance(p, bool) or not isinstance(p, (Real, np.integer, np.floating))
                or not 0.0 <= float(p) <= 1.0):
            raise ValueError(f"FixedProbability: p must be a probability in [0, 1], "
                             f"received {p!r}.")
        super().__init__(weight, delay)
        self.p = float(p)
        self.allow_self_connections = bool(allow_self_connections)
        self.self_connected: bool = False

    def connect(self, source: Population, target: Population) -> None:
        if source.shape is None:
            raise ValueError(f"FixedProbability: source population '{source.name}' needs "
                             f"a shape.")
        if target.shape is None:
            raise ValueError(f"FixedProbability: target population '{target.name}' needs "
                             f"a shape.")
        n_src, n_trg = int(np.prod(source.shape)), int(np.prod(target.shape))
        w = self.weight
        if isinstance(w, np.ndarray) and w.ndim > 0 and w.size != n_src * n_trg:
            raise ValueError(f"FixedProbability: weight array has shape {w.shape} "
                             f"but source '{source.name}' and target '{target.name}' need "
                             f"({n_src}, {n_trg}) (or pass a scalar or an Initializer).")
        self.self_connected = source is target
        self._set_shapes(source, target, target.shape)

"""Synapse dynamics: how a connection's weighted spikes become the target's input.

One :class:`SynapseBackend` per synapse class, registered with :func:`register_synapse`
(a user-defined synapse brings its own the same way). A synapse is a linear filter
:math:`I_t = d\\,I_{t-1} + \\sum w s` given by its per-step decay :math:`d`, or ``None``
for a stateless (delta) synapse.
"""
from __future__ import annotations

import math
from collections.abc import Callable

import jax.numpy as jnp

from ..synapses import Delta, Exponential, Synapse
from ..utils.registry import BackendTable

_TABLE = BackendTable("synapse", "ml_genn.backend.synapses.register_synapse")


class SynapseBackend:
    """How one synapse class filters its input: :meth:`decay_factor` at time step ``dt``.

    Example (a synapse whose current halves every step):

        >>> from ml_genn.synapses import Synapse
        >>> class Halving(Synapse):
        ...     pass
        >>> @register_synapse(Halving)
        ... class HalvingBackend(SynapseBackend):
        ...     def decay_factor(self, synapse, dt):
        ...         return 0.5
        >>> decay_factor(Halving(), dt=1.0)
        0.5
    """

    def decay_factor(self, synapse: Synapse, dt: float) -> float | None:
        raise NotImplementedError(f"{type(self).__name__} does not implement decay_factor.")


def register_synapse(synapse_cls: type) -> Callable[[type], type]:
    """Class decorator: ``@register_synapse(Exponential) class ExponentialBackend``.

    Raises:
        ValueError: if ``synapse_cls`` already has a backend.
    """
    return _TABLE.register(synapse_cls)


def decay_factor(synapse: Synapse, dt: float) -> float | None:
    """``None`` for a stateless (delta) synapse, else the per-step decay of the current.

    Raises:
        NotImplementedError: if no backend is registered for the synapse's class.
    """
    return _TABLE.lookup(synapse).decay_factor(synapse, dt)


def apply(decay: float | None, current: jnp.ndarray | None,
          weighted: jnp.ndarray) -> jnp.ndarray:
    """:math:`I_t = d\\,I_{t-1} + \\sum w s` (delta: :math:`I_t = \\sum w s`)."""
    if decay is None:
        return weighted
    if current is None:
        raise ValueError("Internal error: a decaying synapse needs its previous current.")
    return decay * current + weighted


@register_synapse(Delta)
class DeltaBackend(SynapseBackend):
    def decay_factor(self, synapse, dt):
        return None


@register_synapse(Exponential)
class ExponentialBackend(SynapseBackend):
    def decay_factor(self, synapse, dt):
        return math.exp(-dt / synapse.tau)

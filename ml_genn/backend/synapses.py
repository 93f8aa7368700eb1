"""Synapse dynamics: how a connection's weighted spikes become the target's input."""
from __future__ import annotations

import math

import jax.numpy as jnp

from ..synapses import Delta, Exponential, Synapse


def decay_factor(synapse: Synapse, dt: float) -> float | None:
    """``None`` for a stateless (delta) synapse, else the per-step decay of the current."""
    if isinstance(synapse, Delta):
        return None
    if isinstance(synapse, Exponential):
        return math.exp(-dt / synapse.tau)
    raise NotImplementedError(f"Synapse {type(synapse).__name__} has no backend implementation.")


def apply(decay: float | None, current: jnp.ndarray | None,
          weighted: jnp.ndarray) -> jnp.ndarray:
    """:math:`I_t = d\\,I_{t-1} + \\sum w s` (delta: :math:`I_t = \\sum w s`)."""
    if decay is None:
        return weighted
    if current is None:
        raise ValueError("Internal error: a decaying synapse needs its previous current.")
    return decay * current + weighted

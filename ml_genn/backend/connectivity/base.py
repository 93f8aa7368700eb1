"""Connectivity ops: apply a connectivity to a batch of source events.

``apply(weights, events)`` maps events of shape ``(N, *source_shape)`` to input of
shape ``(N, *target_shape)``; ``N`` is any batch (batch x timesteps in the layer
schedule). One op class per connectivity class, registered with :func:`register_op`.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jax.numpy as jnp
import numpy as np

from ...utils.value import materialise

OPS: dict[type, type] = {}


def register_op(connectivity_cls: type) -> Callable[[type], type]:
    def decorator(op_cls: type) -> type:
        if connectivity_cls in OPS:
            raise ValueError(f"An op for {connectivity_cls.__name__} is already registered.")
        OPS[connectivity_cls] = op_cls
        return op_cls
    return decorator


def build_op(connectivity: Any, precision: str | None) -> ConnectivityOp:
    for cls in type(connectivity).__mro__:
        if cls in OPS:
            return OPS[cls](connectivity, precision)
    raise NotImplementedError(f"No backend op registered for connectivity "
                              f"{type(connectivity).__name__}.")


class ConnectivityOp:
    """Backend of one connectivity. ``precision`` is passed to every dot/conv
    (``"highest"`` for exact float32, ``"default"`` for TF32/bf16 speed on GPUs)."""

    def __init__(self, connectivity: Any, precision: str | None):
        self.conn = connectivity
        self.precision = precision
        self.source_shape = tuple(connectivity.source_shape)
        self.target_shape = tuple(connectivity.target_shape)
        self.n_src = int(np.prod(self.source_shape))
        self.n_trg = int(np.prod(self.target_shape))

    def weight_array(self, shape: tuple[int, ...], rng: np.random.Generator) -> np.ndarray:
        """The weight InitValue drawn/broadcast as a float32 NumPy array of ``shape``; kept
        as ``drawn_weight`` so that ``CompiledNetwork.save`` stores what was simulated."""
        w = materialise(self.conn.weight, shape, "weight", type(self.conn).__name__, rng)
        self.drawn_weight = np.broadcast_to(w, shape).astype(np.float32)
        return self.drawn_weight

    def prepare(self, rng: np.random.Generator) -> Any:
        """Device arrays of this op (weights), built once at compile time."""
        raise NotImplementedError

    def apply(self, weights: Any, events: jnp.ndarray) -> jnp.ndarray:
        raise NotImplementedError

    # --- stateful ops (``stateful = True``) only ---------------------------------------
    stateful: bool = False

    def init_state(self, batch: int) -> Any:
        """Per-batch state of a stateful op, carried between timesteps."""
        raise NotImplementedError(f"{type(self).__name__} is stateless: it has no state.")

    def apply_step(self, state: Any, events: jnp.ndarray,
                   phase: jnp.ndarray | None) -> tuple[Any, jnp.ndarray]:
        """``(new state, weighted input)`` of a stateful op for one timestep."""
        raise NotImplementedError(f"{type(self).__name__} is stateless: use apply().")

    def delay_groups(self, rng: np.random.Generator) -> list[tuple[int, Any]]:
        """``[(delay_steps, weights)]``: one group for a scalar delay; per-synapse delays
        are split into one masked copy of the weights per distinct delay."""
        delay = self.conn.delay
        if isinstance(delay, (int, float, np.integer, np.floating)):
            return [(int(delay), self.prepare(rng))]
        return self.split_synapse_delays(np.asarray(delay), rng)

    def split_synapse_delays(self, delay: np.ndarray, rng) -> list[tuple[int, Any]]:
        raise NotImplementedError(
            f"{type(self.conn).__name__} does not support per-synapse delays.")

"""Neuron dynamics: parameters, state and a pure ``step`` function per neuron class.

Every neuron class has one :class:`NeuronDynamics` subclass, registered with
:func:`register_dynamics`. Its ``step(params, state, drive, t) -> (state, events)``
works on arrays with a leading batch axis; ``drive`` is the synaptic input, or for
input neurons the current frame of the data. ``events`` is a float32 array: 1 for a
spike, -1 for a negative (signed) event, or the graded value a few-spike neuron sends.
Both schedules call the same ``step``, so they cannot drift apart.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

import jax.numpy as jnp
import numpy as np

from ...utils.value import materialise

DYNAMICS: dict[type, type] = {}


def register_dynamics(neuron_cls: type) -> Callable[[type], type]:
    """Class decorator: ``@register_dynamics(IntegrateFire) class IntegrateFireDynamics``."""
    def decorator(dyn_cls: type) -> type:
        if neuron_cls in DYNAMICS:
            raise ValueError(f"Dynamics for {neuron_cls.__name__} are already registered "
                             f"({DYNAMICS[neuron_cls].__name__}).")
        DYNAMICS[neuron_cls] = dyn_cls
        return dyn_cls
    return decorator


def build_dynamics(neuron: Any, shape: tuple[int, ...], dt: float) -> NeuronDynamics:
    for cls in type(neuron).__mro__:
        if cls in DYNAMICS:
            return DYNAMICS[cls](neuron, shape, dt)
    raise NotImplementedError(f"No backend dynamics registered for neuron class "
                              f"{type(neuron).__name__}; register one with "
                              f"ml_genn.backend.neurons.register_dynamics.")


class NeuronDynamics:
    """Backend of one neuron class. Static flags (``relative_reset``...) are attributes;
    array parameters are returned by :meth:`params` and passed to :meth:`step`.

    ``uses_random``: the state holds per-example PRNG keys (``state.key``).
    ``stage_steps``: for few-spike neurons, the steps per pipeline stage K (else None).
    """

    uses_random = False
    stage_steps: int | None = None

    def __init__(self, neuron: Any, shape: tuple[int, ...], dt: float):
        self.neuron = neuron
        self.shape = tuple(shape)
        self.dt = float(dt)
        self.owner = type(neuron).__name__

    def param(self, name: str, rng: np.random.Generator) -> jnp.ndarray:
        """A parameter as float32: a scalar, or ``(1, *shape)`` (explicit batch axis)."""
        return batched(materialise(getattr(self.neuron, name), self.shape, name,
                                   self.owner, rng))

    def full(self, value: jnp.ndarray | float, batch_size: int) -> jnp.ndarray:
        """``value`` broadcast to ``(batch_size, *shape)`` float32."""
        return jnp.broadcast_to(value, (batch_size,) + self.shape).astype(jnp.float32)

    # --- to implement -------------------------------------------------------------
    def params(self, rng: np.random.Generator) -> NamedTuple:
        raise NotImplementedError

    def initial_state(self, params: NamedTuple, batch_size: int, keys: jnp.ndarray) -> NamedTuple:
        raise NotImplementedError

    def step(self, params: NamedTuple, state: NamedTuple, drive: jnp.ndarray,
             t: jnp.ndarray) -> tuple[NamedTuple, jnp.ndarray]:
        raise NotImplementedError


def batched(value: np.ndarray) -> jnp.ndarray:
    """A per-neuron array gets a leading batch axis of 1 (JAX rank promotion is explicit);
    a scalar stays 0-d."""
    array = jnp.asarray(value, jnp.float32)
    return array if array.ndim == 0 else array[None]


def reset(v: jnp.ndarray, spike: jnp.ndarray, v_thresh: jnp.ndarray, v_reset: jnp.ndarray,
          relative: bool) -> jnp.ndarray:
    """Reset after a spike: by subtraction of ``v_thresh - v_reset`` or to ``v_reset``."""
    if relative:
        return jnp.where(spike, v - (v_thresh - v_reset), v)
    return jnp.where(spike, v_reset, v)

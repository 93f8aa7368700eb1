"""Readout accumulators: one :class:`ReadoutBackend` per readout class, registered with
:func:`register_readout` (a user-defined readout brings its own the same way).

Both schedules call :func:`update` once per timestep with the population's events and
(when the readout needs it) its output variable, so readouts cannot differ between them.

Example (a readout of the smallest value of the output variable):

    >>> import jax.numpy as jnp
    >>> from ml_genn.readouts import Readout
    >>> class MinVar(Readout):
    ...     pass
    >>> @register_readout(MinVar)
    ... class MinVarBackend(ReadoutBackend):
    ...     def init(self, readout, shape):
    ...         return jnp.full(shape, jnp.inf, jnp.float32)
    ...     def update(self, readout, acc, events, var, t, num_steps, dt):
    ...         return jnp.minimum(acc, var)
    >>> type(backend_of(MinVar())).__name__
    'MinVarBackend'

Register the readout class in ``ml_genn.readouts.READOUTS`` too to use it by name.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jax.numpy as jnp

from ..readouts import (
    AvgVar,
    AvgVarExpWeight,
    FirstSpikeTime,
    MaxVar,
    Readout,
    SpikeCount,
    SumVar,
    Var,
)
from ..utils.registry import BackendTable

_TABLE = BackendTable("readout", "ml_genn.backend.readouts.register_readout")


class ReadoutBackend:
    """How one readout class accumulates over an example of ``num_steps`` steps:
    ``init`` the accumulator, ``update`` it every step (``t``: step within the example,
    0-based), ``finalise`` it into the readout's value."""

    def init(self, readout: Readout, shape: tuple[int, ...]) -> jnp.ndarray:
        return jnp.zeros(shape, jnp.float32)

    def update(self, readout: Readout, acc: jnp.ndarray, events: jnp.ndarray, var: Any,
               t: jnp.ndarray, num_steps: int, dt: float) -> jnp.ndarray:
        raise NotImplementedError(f"{type(self).__name__} does not implement update.")

    def finalise(self, readout: Readout, acc: jnp.ndarray, num_steps: int) -> jnp.ndarray:
        return acc


def register_readout(readout_cls: type) -> Callable[[type], type]:
    """Class decorator: ``@register_readout(SpikeCount) class SpikeCountBackend``.

    Raises:
        ValueError: if ``readout_cls`` already has a backend.
    """
    return _TABLE.register(readout_cls)


def backend_of(readout: Readout) -> ReadoutBackend:
    """The backend registered for ``readout``'s class (or its nearest base).

    Raises:
        NotImplementedError: if none is registered.
    """
    return _TABLE.lookup(readout)


def init(readout: Readout, shape: tuple[int, ...]) -> jnp.ndarray:
    return backend_of(readout).init(readout, shape)


def update(readout: Readout, acc: jnp.ndarray, events: jnp.ndarray, var: Any,
           t: jnp.ndarray, num_steps: int, dt: float) -> jnp.ndarray:
    """``t``: index of this step within the example (0-based)."""
    return backend_of(readout).update(readout, acc, events, var, t, num_steps, dt)


def finalise(readout: Readout, acc: jnp.ndarray, num_steps: int) -> jnp.ndarray:
    return backend_of(readout).finalise(readout, acc, num_steps)


@register_readout(SpikeCount)
class SpikeCountBackend(ReadoutBackend):
    def update(self, readout, acc, events, var, t, num_steps, dt):
        return acc + (events != 0).astype(jnp.float32)


@register_readout(Var)
class VarBackend(ReadoutBackend):
    def update(self, readout, acc, events, var, t, num_steps, dt):
        return var


@register_readout(SumVar)
class SumVarBackend(ReadoutBackend):
    def update(self, readout, acc, events, var, t, num_steps, dt):
        return acc + var


@register_readout(AvgVar)
class AvgVarBackend(SumVarBackend):
    def finalise(self, readout, acc, num_steps):
        return acc / num_steps


@register_readout(MaxVar)
class MaxVarBackend(ReadoutBackend):
    def init(self, readout, shape):
        return jnp.full(shape, -jnp.inf, jnp.float32)

    def update(self, readout, acc, events, var, t, num_steps, dt):
        return jnp.maximum(acc, var)


@register_readout(AvgVarExpWeight)
class AvgVarExpWeightBackend(ReadoutBackend):
    def update(self, readout, acc, events, var, t, num_steps, dt):
        return acc + jnp.exp(-t.astype(jnp.float32) / num_steps) * var

    def finalise(self, readout, acc, num_steps):
        return acc / num_steps


@register_readout(FirstSpikeTime)
class FirstSpikeTimeBackend(ReadoutBackend):
    def init(self, readout, shape):
        return jnp.full(shape, jnp.inf, jnp.float32)

    def update(self, readout, acc, events, var, t, num_steps, dt):
        time = t.astype(jnp.float32) * dt
        return jnp.where((events != 0) & jnp.isinf(acc), time, acc)

    def finalise(self, readout, acc, num_steps):
        return -acc

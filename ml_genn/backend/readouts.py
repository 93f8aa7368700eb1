"""Readout accumulators: ``init``, per-step ``update`` and ``finalise`` per readout class.

Both schedules call :func:`update` once per timestep with the population's events and
(when the readout needs it) its output variable, so readouts cannot differ between them.
"""
from __future__ import annotations

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


def init(readout: Readout, shape: tuple[int, ...]) -> jnp.ndarray:
    if isinstance(readout, MaxVar):
        return jnp.full(shape, -jnp.inf, jnp.float32)
    if isinstance(readout, FirstSpikeTime):
        return jnp.full(shape, jnp.inf, jnp.float32)
    return jnp.zeros(shape, jnp.float32)


def update(readout: Readout, acc: jnp.ndarray, events: jnp.ndarray, var: Any,
           t: jnp.ndarray, num_steps: int, dt: float) -> jnp.ndarray:
    """``t``: index of this step within the example (0-based)."""
    if isinstance(readout, SpikeCount):
        return acc + (events != 0).astype(jnp.float32)
    if isinstance(readout, Var):
        return var
    if isinstance(readout, (AvgVar, SumVar)):
        return acc + var
    if isinstance(readout, MaxVar):
        return jnp.maximum(acc, var)
    if isinstance(readout, AvgVarExpWeight):
        return acc + jnp.exp(-t.astype(jnp.float32) / num_steps) * var
    if isinstance(readout, FirstSpikeTime):
        time = t.astype(jnp.float32) * dt
        return jnp.where((events != 0) & jnp.isinf(acc), time, acc)
    raise NotImplementedError(f"Readout {type(readout).__name__} has no backend update.")


def finalise(readout: Readout, acc: jnp.ndarray, num_steps: int) -> jnp.ndarray:
    if isinstance(readout, (AvgVar, AvgVarExpWeight)):
        return acc / num_steps
    if isinstance(readout, FirstSpikeTime):
        return -acc
    return acc

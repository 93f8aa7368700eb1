"""Fixtures for the neuron-dynamics tests: drive a neuron's backend step directly."""
from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from ml_genn.backend.neurons import build_dynamics


def _simulate(neuron, drive, dt=1.0, shape=None, seed=0):
    """Run ``neuron``'s dynamics on ``drive`` of shape ``(T, batch, *shape)``.

    Returns ``(states, events)``: a dict of each state field stacked over time
    ``(T, batch, *shape)`` (as NumPy) and the events ``(T, batch, *shape)``.
    """
    drive = np.asarray(drive, dtype=np.float32)
    num_steps, batch = drive.shape[:2]
    shape = tuple(shape) if shape is not None else drive.shape[2:]
    dyn = build_dynamics(neuron, shape, dt)
    params = dyn.params(np.random.default_rng(seed))
    state = dyn.initial_state(params, batch, jax.random.split(jax.random.PRNGKey(seed), batch))
    step = jax.jit(dyn.step)
    states, events = [], []
    for t in range(num_steps):
        state, ev = step(params, state, jnp.asarray(drive[t]), jnp.int32(t))
        assert ev.dtype == jnp.float32
        states.append(state)
        events.append(np.asarray(ev))
    stacked = {f: np.stack([np.asarray(getattr(s, f)) for s in states]) for f in state._fields
               if f != "key"}
    return stacked, np.stack(events)


class ThresholdDecider:
    """Tolerance-aware threshold test for float64 references of float32 dynamics.

    Where ``|v - thresh| < tol`` float32 rounding could flip the decision, so the
    backend's decision is taken there and counted in ``ambiguous`` (tests assert it is
    small, so almost every decision is checked independently).
    """

    def __init__(self, tol: float = 1e-4):
        self.tol = tol
        self.ambiguous = 0

    def __call__(self, v, thresh, backend_spike, allowed=True):
        margin = np.asarray(v, np.float64) - thresh
        allowed = np.broadcast_to(allowed, margin.shape)
        close = (np.abs(margin) < self.tol) & allowed
        self.ambiguous += int(close.sum())
        return np.where(close, np.asarray(backend_spike, bool), margin >= 0) & allowed


@pytest.fixture
def simulate():
    return _simulate


@pytest.fixture
def decide():
    return ThresholdDecider()

"""Dynamics of the generators PoissonGenerator, BernoulliGenerator, DCGenerator,
SpikeGenerator and CustomGenerator (equations in their docstrings). They ignore their
``drive`` (synaptic input); the active window ``[start, stop)`` is static."""
from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from ...neurons import (
    BernoulliGenerator,
    CustomGenerator,
    DCGenerator,
    PoissonGenerator,
    SpikeGenerator,
)
from ...utils.data import time_to_step
from .base import KeyState, NeuronDynamics, NoState, batched, register_dynamics, uniform

NO_STOP = np.iinfo(np.int32).max


class GeneratorDynamics(NeuronDynamics):
    """Active window in steps: ``start_step <= t < stop_step``."""

    def __init__(self, neuron, shape, dt):
        super().__init__(neuron, shape, dt)
        start, stop = self.options.start, self.options.stop
        self.start_step = int(time_to_step(start, self.dt, "ceil"))
        self.stop_step = NO_STOP if stop is None else int(time_to_step(stop, self.dt, "ceil"))

    def active(self, t: jnp.ndarray) -> jnp.ndarray:
        return (t >= self.start_step) & (t < self.stop_step)


class _RandomGeneratorDynamics(GeneratorDynamics):
    uses_random = True

    def initial_state(self, p, batch_size, keys):
        return KeyState(key=keys)

    def step(self, p, s, drive, t):
        keys, u = uniform(s.key, self.shape)
        spike = (u < p.prob) & self.active(t)
        return KeyState(key=keys), spike.astype(jnp.float32)


@register_dynamics(PoissonGenerator)
class PoissonGeneratorDynamics(_RandomGeneratorDynamics):
    def derived_params(self, values, rng):
        rate = self.host_param("rate", rng)
        if not np.all(rate >= 0):
            raise ValueError(f"{self.owner}: rate must be >= 0 Hz, received values down to "
                             f"{rate.min()}.")
        return {"prob": batched(-np.expm1(-rate * self.dt / 1000.0))}


@register_dynamics(BernoulliGenerator)
class BernoulliGeneratorDynamics(_RandomGeneratorDynamics):
    """Draws against the declared ``prob``."""


@register_dynamics(DCGenerator)
class DCGeneratorDynamics(GeneratorDynamics):
    def initial_state(self, p, batch_size, keys):
        return NoState()

    def step(self, p, s, drive, t):
        amplitude = jnp.broadcast_to(p.amplitude, jnp.shape(drive)).astype(jnp.float32)
        return s, jnp.where(self.active(t), amplitude, 0.0)


@register_dynamics(SpikeGenerator)
class SpikeGeneratorDynamics(GeneratorDynamics):
    def derived_params(self, values, rng):
        """``steps``: (num_neurons, max_spikes) or (max_spikes,), padded with -1."""
        spike_times = self.options.spike_times
        if not isinstance(spike_times, tuple):
            return {"steps": jnp.asarray(time_to_step(spike_times, self.dt), jnp.int32)}
        num_neurons = int(np.prod(self.shape))
        if len(spike_times) != num_neurons:
            raise ValueError(f"{self.owner}: spike_times has {len(spike_times)} "
                             f"per-neuron lists but the population has {num_neurons} "
                             f"neurons (shape {self.shape}).")
        width = max(1, max(len(times) for times in spike_times))
        steps = np.full((num_neurons, width), -1, np.int32)
        for i, times in enumerate(spike_times):
            steps[i, :len(times)] = time_to_step(times, self.dt)
        return {"steps": jnp.asarray(steps)}

    def initial_state(self, p, batch_size, keys):
        return NoState()

    def step(self, p, s, drive, t):
        fire = jnp.any(p.steps == t, axis=-1) & self.active(t)
        if isinstance(self.options.spike_times, tuple):
            fire = fire.reshape(self.shape)
        return s, jnp.broadcast_to(fire, jnp.shape(drive)).astype(jnp.float32)


@register_dynamics(CustomGenerator)
class CustomGeneratorDynamics(GeneratorDynamics):
    def derived_params(self, values, rng):
        """``data``: (T, *shape) or (T,)."""
        data = self.options.data
        rows = data.shape[0]
        if data.ndim > 1:
            if data[0].size != int(np.prod(self.shape)):
                raise ValueError(f"{self.owner}: data rows have shape {data.shape[1:]} but "
                                 f"the population has shape {self.shape}; give (T,) or "
                                 f"(T, *shape).")
            data = data.reshape((rows,) + self.shape)
        return {"data": jnp.asarray(data, jnp.float32)}

    def initial_state(self, p, batch_size, keys):
        return NoState()

    def step(self, p, s, drive, t):
        rows = p.data.shape[0]
        k = t - self.start_step
        row = jax.lax.dynamic_index_in_dim(p.data, jnp.clip(k, 0, rows - 1), keepdims=False)
        on = self.active(t) & (k >= 0) & (k < rows)
        values = jnp.broadcast_to(row, jnp.shape(drive)).astype(jnp.float32)
        return s, jnp.where(on, values, 0.0)

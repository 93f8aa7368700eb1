"""Neuron dynamics registry; importing this package registers all built-in dynamics."""
from . import (few_spike, inputs, integrate_fire, leaky_integrate,  # noqa: F401  (registration)
               leaky_integrate_fire, spike_input)
from .base import DYNAMICS, NeuronDynamics, build_dynamics, register_dynamics

__all__ = ["DYNAMICS", "NeuronDynamics", "build_dynamics", "register_dynamics"]

"""Neuron dynamics registry; importing this package registers all built-in dynamics."""
from . import (few_spike, generators, hodgkin_huxley,  # noqa: F401  (registration)
               inputs, integrate_fire, leaky_integrate, leaky_integrate_fire, point_neurons,
               pysnn, spike_input)
from .base import DYNAMICS, NeuronDynamics, build_dynamics, register_dynamics

__all__ = ["DYNAMICS", "NeuronDynamics", "build_dynamics", "register_dynamics"]

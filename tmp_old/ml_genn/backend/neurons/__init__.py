"""Neuron dynamics registry; importing this package registers all built-in dynamics."""
from . import (  # noqa: F401  (registration)
    few_spike,
    generators,
    hodgkin_huxley,
    inputs,
    integrate_fire,
    leaky_integrate,
    leaky_integrate_fire,
    point_neurons,
    pysnn,
    spike_input,
    windowed,
)
from .base import DYNAMICS, NeuronDynamics, build_dynamics, register_dynamics

__all__ = ["DYNAMICS", "NeuronDynamics", "build_dynamics", "register_dynamics"]

"""Neuron dynamics registry; importing this package registers all built-in dynamics."""
from . import few_spike, inputs, integrate_fire  # noqa: F401  (registration)
from .base import DYNAMICS, NeuronDynamics, build_dynamics, register_dynamics

__all__ = ["DYNAMICS", "NeuronDynamics", "build_dynamics", "register_dynamics"]

"""Spiking neural networks with the mlGeNN 2.x model API, run on JAX."""

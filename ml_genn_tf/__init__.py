"""Keras 3 to spiking neural network converters (mlGeNN 2.x ``ml_genn_tf`` API)."""

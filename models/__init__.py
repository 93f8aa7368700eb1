"""Keras 3 model zoo: definitions, training scripts and trained ``.keras`` files."""

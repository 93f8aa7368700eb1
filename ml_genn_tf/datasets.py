"""Moved to :mod:`ml_genn_tf.tools.datasets`; ``ml_genn_tf.datasets`` is the same module."""
import sys

from .tools import datasets as _datasets

sys.modules[__name__] = _datasets

"""Uniform initializer."""
from __future__ import annotations

import numpy as np

from .initializer import Initializer


class Uniform(Initializer):
    """Values drawn uniformly from ``[min, max)``.

    Example:
        >>> import numpy as np
        >>> bool((Uniform(0.0, 1.0).sample((4,), np.random.default_rng(0)) < 1.0).all())
        True
    """

    def __init__(self, min: float = 0.0, max: float = 1.0):
        if max < min:
            raise ValueError(f"Uniform: max ({max}) must be >= min ({min}).")
        self.min, self.max = float(min), float(max)

    def sample(self, shape: tuple[int, ...], rng: np.random.Generator) -> np.ndarray:
        return rng.uniform(self.min, self.max, size=shape).astype(np.float32)

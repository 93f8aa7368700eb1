"""Base class of initializers."""
from __future__ import annotations

import numpy as np


class Initializer:
    """Draws an array of a given shape at compile time (seeded by the compiler's ``rng_seed``)."""

    def sample(self, shape: tuple[int, ...], rng: np.random.Generator) -> np.ndarray:
        raise NotImplementedError(f"{type(self).__name__} must implement sample(shape, rng).")

"""Normal initializer."""
from __future__ import annotations

import numpy as np

from .initializer import Initializer


class Normal(Initializer):
    """Values drawn from :math:`\\mathcal{N}(\\text{mean}, \\text{sd}^2)`.

    Example:
        >>> import numpy as np
        >>> Normal(0.0, 1.0).sample((3,), np.random.default_rng(0)).shape
        (3,)
    """

    def __init__(self, mean: float = 0.0, sd: float = 1.0):
        if sd < 0:
            raise ValueError(f"Normal: sd must be >= 0, received {sd}.")
        self.mean, self.sd = float(mean), float(sd)

    def sample(self, shape: tuple[int, ...], rng: np.random.Generator) -> np.ndarray:
        return rng.normal(self.mean, self.sd, size=shape).astype(np.float32)

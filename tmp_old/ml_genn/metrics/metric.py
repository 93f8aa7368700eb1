"""Base class of metrics, accumulated over the examples of one evaluation."""
from __future__ import annotations

import numpy as np


class Metric:
    """``update(y_true, y_pred)`` per batch; ``result`` over all examples so far."""

    def update(self, y_true: np.ndarray, y_pred: np.ndarray) -> None:
        raise NotImplementedError

    @property
    def result(self) -> float | None:
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"{type(self).__name__}(result={self.result})"

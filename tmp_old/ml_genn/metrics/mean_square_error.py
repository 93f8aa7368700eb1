"""Mean squared error."""
from __future__ import annotations

import numpy as np

from .metric import Metric


class MeanSquareError(Metric):
    r"""Mean over examples of each example's mean squared error
    :math:`\frac{1}{N}\sum_n \frac{1}{M}\sum_m (y_{nm} - \hat y_{nm})^2`
    (**ours**: the true per-example mean, not a mean of batch means).

    Example:
        >>> import numpy as np
        >>> m = MeanSquareError()
        >>> m.update(np.array([[0.0, 2.0]]), np.array([[1.0, 2.0]]))
        >>> m.result
        0.5
    """

    def __init__(self):
        self.sum = 0.0
        self.total = 0

    def update(self, y_true: np.ndarray, y_pred: np.ndarray) -> None:
        y_true = np.asarray(y_true, dtype=np.float64).reshape(len(y_true), -1)
        y_pred = np.asarray(y_pred, dtype=np.float64).reshape(len(y_pred), -1)
        if y_true.shape != y_pred.shape:
            raise ValueError(f"mean_square_error: labels of shape {y_true.shape} do not "
                             f"match predictions of shape {y_pred.shape}.")
        self.sum += float(np.sum(np.mean((y_true - y_pred) ** 2, axis=1)))
        self.total += len(y_true)

    @property
    def result(self) -> float | None:
        return None if self.total == 0 else self.sum / self.total

"""Classification accuracy against integer labels."""
from __future__ import annotations

import numpy as np

from .metric import Metric


class SparseCategoricalAccuracy(Metric):
    r"""Fraction of examples whose :math:`\arg\max` readout equals the integer label.

    Example:
        >>> import numpy as np
        >>> m = SparseCategoricalAccuracy()
        >>> m.update(np.array([1, 0]), np.array([[0.1, 0.9], [0.2, 0.8]]))
        >>> m.result
        0.5
    """

    def __init__(self):
        self.correct = 0
        self.total = 0

    def update(self, y_true: np.ndarray, y_pred: np.ndarray) -> None:
        y_true = np.asarray(y_true).reshape(len(y_true), -1)
        if y_true.shape[1] != 1:
            raise ValueError(f"sparse_categorical_accuracy expects one integer label per "
                             f"example, received labels of shape {np.shape(y_true)}.")
        pred = np.asarray(y_pred).reshape(len(y_pred), -1).argmax(axis=1)
        self.correct += int(np.sum(pred == y_true[:, 0]))
        self.total += len(pred)

    @property
    def result(self) -> float | None:
        return None if self.total == 0 else self.correct / self.total

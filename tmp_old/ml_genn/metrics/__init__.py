"""Metrics for ``evaluate``."""
from ..utils.registry import Registry
from .mean_square_error import MeanSquareError
from .metric import Metric
from .sparse_categorical_accuracy import SparseCategoricalAccuracy

METRICS = Registry("metric", Metric)
for _cls in (MeanSquareError, SparseCategoricalAccuracy):
    METRICS.register(_cls)

__all__ = ["METRICS", "Metric", "MeanSquareError", "SparseCategoricalAccuracy"]

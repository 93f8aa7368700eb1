"""Metrics accumulated on the device, so that ``evaluate`` reads nothing back per batch.

One :class:`DeviceMetric` per metric class, registered with :func:`register_metric`:
``init()`` gives the accumulator, ``update(acc, y_true, y_pred, mask)`` runs inside a
jitted program (``mask`` marks the batch's real examples), and ``write(metric, acc)``
stores the host copy of the accumulator in the user's metric object, whose ``result``
then reads as if it had been updated batch by batch on the host. A metric class with
no device version (a user's own) is updated on the host instead.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jax.numpy as jnp
import numpy as np

from ..metrics import MeanSquareError, Metric, SparseCategoricalAccuracy

DEVICE_METRICS: dict[type, DeviceMetric] = {}


def register_metric(metric_cls: type) -> Callable[[type], type]:
    """Class decorator: the device version of ``metric_cls``."""
    def decorator(cls: type) -> type:
        if metric_cls in DEVICE_METRICS:
            raise ValueError(f"A device metric for {metric_cls.__name__} is already registered.")
        DEVICE_METRICS[metric_cls] = cls()
        return cls
    return decorator


def device_metric(metric: Metric) -> DeviceMetric | None:
    """The device version of ``metric`` (exact class match), or None."""
    return DEVICE_METRICS.get(type(metric))


class DeviceMetric:
    """Device version of one metric class.

    Example:
        >>> import jax.numpy as jnp
        >>> from ml_genn.metrics import SparseCategoricalAccuracy
        >>> metric = SparseCategoricalAccuracy()
        >>> device = device_metric(metric)
        >>> acc = device.update(device.init(), jnp.array([1, 0, 1]),
        ...                     jnp.array([[0.0, 1.0], [0.0, 1.0], [1.0, 0.0]]),
        ...                     jnp.array([True, True, False]))  # third is padding
        >>> device.write(metric, acc)
        >>> metric.result
        0.5
    """

    def check(self, metric: Metric, y_shape: tuple, pred_shape: tuple, name: str) -> None:
        """Raise on the host, before anything runs, for labels that cannot match."""

    def init(self) -> Any:
        raise NotImplementedError

    def update(self, acc: Any, y_true: jnp.ndarray, y_pred: jnp.ndarray,
               mask: jnp.ndarray) -> Any:
        raise NotImplementedError

    def write(self, metric: Metric, acc: Any) -> None:
        raise NotImplementedError


@register_metric(SparseCategoricalAccuracy)
class DeviceSparseCategoricalAccuracy(DeviceMetric):
    """Counts of correct and real examples (int32)."""

    def check(self, metric, y_shape, pred_shape, name):
        if int(np.prod(y_shape[1:])) != 1:
            raise ValueError(f"sparse_categorical_accuracy expects one integer label per "
                             f"example, received labels of shape {y_shape} for output "
                             f"'{name}'.")

    def init(self):
        return jnp.zeros((), jnp.int32), jnp.zeros((), jnp.int32)

    def update(self, acc, y_true, y_pred, mask):
        pred = jnp.argmax(y_pred.reshape(y_pred.shape[0], -1), axis=1)
        label = y_true.reshape(y_true.shape[0]).astype(jnp.int32)
        correct = jnp.sum((pred.astype(jnp.int32) == label) & mask, dtype=jnp.int32)
        return acc[0] + correct, acc[1] + jnp.sum(mask, dtype=jnp.int32)

    def write(self, metric, acc):
        metric.correct, metric.total = int(acc[0]), int(acc[1])


@register_metric(MeanSquareError)
class DeviceMeanSquareError(DeviceMetric):
    """Sum of per-example mean squared errors (compensated float32 sum) and count."""

    def check(self, metric, y_shape, pred_shape, name):
        if int(np.prod(y_shape[1:])) != int(np.prod(pred_shape[1:])):
            raise ValueError(f"mean_square_error: labels of shape {y_shape} do not match "
                             f"predictions of shape {pred_shape} for output '{name}'.")

    def init(self):
        return jnp.zeros((), jnp.float32), jnp.zeros((), jnp.float32), jnp.zeros((), jnp.int32)

    def update(self, acc, y_true, y_pred, mask):
        total, comp, count = acc
        diff = y_true.reshape(y_true.shape[0], -1).astype(jnp.float32) - \
            y_pred.reshape(y_pred.shape[0], -1)
        batch = jnp.sum(jnp.where(mask, jnp.mean(diff * diff, axis=1), 0.0))
        # Kahan summation: float32 totals over many batches stay accurate
        y = batch - comp
        new_total = total + y
        comp = (new_total - total) - y
        return new_total, comp, count + jnp.sum(mask, dtype=jnp.int32)

    def write(self, metric, acc):
        metric.sum, metric.total = float(acc[0]) - float(acc[1]), int(acc[2])

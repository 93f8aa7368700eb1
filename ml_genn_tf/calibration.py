"""Activation statistics for DataNorm thresholds and FewSpike alphas.

:func:`calibrate` runs the Keras model **once** over the calibration data, with one
multi-output ``keras.Model(model.inputs, [tensors])`` that returns the value of every
population that has a public Keras tensor. Values Keras has no tensor for (the logits
under a fused softmax, tensors inside nested models or of shared layers) are computed
from their source populations by the same exact NumPy evaluation the mapping uses.

Per population it keeps the maximum (exact) and a bounded, seeded uniform subsample of
the positive values (at most ``max_samples`` per population, by the smallest random keys),
from which percentiles are taken, so memory does not grow with the data.
"""
from __future__ import annotations

import warnings
from typing import Any, NamedTuple

import keras
import numpy as np

from .calibration_data import CalibrationData
from .graph.mapping import MappedModel
from .graph.ops import ActivationOp, apply_activation, apply_op
from .progress import progress_bar


class Statistics(NamedTuple):
    """Statistics of one population's values over the calibration data.

    Attributes:
        max: largest value (largest magnitude for signed inputs).
        samples: uniform subsample of the positive values (magnitudes for signed inputs).
        num_values: number of values seen (``count`` would shadow ``tuple.count``).
        min: smallest value.
    """

    max: float
    samples: np.ndarray
    num_values: int
    min: float

    def percentile(self, q: float) -> float:
        """The ``q``-th percentile of the positive values (0 if there were none)."""
        return float(np.percentile(self.samples, q)) if self.samples.size else 0.0

    def statistic(self, mode: str, percentile: float) -> float:
        """``max`` or the ``percentile`` of the positive values, by ``mode``."""
        if mode == "max":
            return max(self.max, 0.0)
        return self.percentile(percentile)


class _Reservoir:
    """Max and a uniform subsample (smallest random keys) of the values seen."""

    def __init__(self, size: int, rng: np.random.Generator, absolute: bool):
        self.size, self.rng, self.absolute = size, rng, absolute
        self.keys = np.zeros(0)
        self.values = np.zeros(0, np.float32)
        self.max, self.min, self.count = -np.inf, np.inf, 0

    def add(self, values: np.ndarray) -> None:
        values = np.asarray(values, np.float32).ravel()
        if values.size == 0:
            return
        magnitude = np.abs(values) if self.absolute else values
        self.max = max(self.max, float(magnitude.max()))
        self.min = min(self.min, float(values.min()))
        self.count += values.size
        positive = magnitude[magnitude > 0]
        keys = self.rng.random(positive.size)
        if positive.size > self.size:
            keep = np.argpartition(keys, self.size)[:self.size]
            positive, keys = positive[keep], keys[keep]
        self.keys = np.concatenate([self.keys, keys])
        self.values = np.concatenate([self.values, positive])
        if self.values.size > self.size:
            keep = np.argpartition(self.keys, self.size)[:self.size]
            self.keys, self.values = self.keys[keep], self.values[keep]

    def result(self) -> Statistics:
        if self.count == 0:
            return Statistics(0.0, np.zeros(0, np.float32), 0, 0.0)
        return Statistics(self.max, self.values, self.count, self.min)


def _keras_outputs(model: Any, specs: list) -> tuple[Any, list]:
    """A multi-output model returning the tensors of ``specs`` that have one."""
    with_tensor = [s for s in specs if s.keras_tensor is not None]
    if not with_tensor:
        return None, []
    try:
        probe = keras.Model(model.inputs, [s.keras_tensor for s in with_tensor])
    except (ValueError, TypeError, KeyError):
        return None, []
    return probe, with_tensor


def input_value(spec, x: np.ndarray) -> np.ndarray:
    """An input population's value: ``x`` with the folded preprocessing applied."""
    x = np.asarray(x, np.float64).reshape((len(x),) + tuple(spec.keras_shape))
    return x * spec.input_op.scale + spec.input_op.offset


def derive(mapped: MappedModel, spec, values: dict) -> np.ndarray:
    """A population's value from its sources' values (NumPy evaluation)."""
    graph = mapped.graph
    node = graph[spec.name]
    if spec.kind == "max_pool":
        return apply_op(node.op, [values[node.inputs[0]]])
    cache = {c.source: values[c.source] for c in spec.chains}

    def value(name):
        if name not in cache:
            n = graph[name]
            cache[name] = apply_op(n.op, [value(i) for i in n.inputs])
        return cache[name]
    pre = value(spec.sink)
    if spec.kind == "relu":
        return apply_activation(ActivationOp("relu", spec.max_value), pre)
    return pre


def needed_populations(mapped: MappedModel, names: list[str]) -> list:
    """``names`` and, for values Keras has no tensor for, their sources (recursively)."""
    needed, order = set(), list(mapped.populations)

    def need(name):
        if name in needed:
            return
        needed.add(name)
        spec = mapped[name]
        if spec.kind != "input" and spec.keras_tensor is None:
            for chain in spec.chains:
                need(chain.source)
    for name in names:
        need(name)
    return [mapped[n] for n in order if n in needed]


def input_shapes(mapped: MappedModel) -> dict[str, tuple]:
    """The model's input names and per-example shapes, in input order."""
    return {name: tuple(mapped[name].keras_shape) for name in mapped.inputs}


def calibrate(model: Any, mapped: MappedModel, data: Any, names: list[str] | None = None,
              signed_input: bool = False, max_samples: int = 2 ** 18,
              seed: int = 0, progress: bool = True) -> dict[str, Statistics]:
    """Statistics of the populations ``names`` (default: all) over ``data``.

    The value of a population is its output for ReLU and max-pool populations, the
    (pre-activation) logits for output populations, and ``x * scale + offset`` (the
    folded preprocessing) for inputs, as magnitudes if ``signed_input``. ``data`` is in
    any format :class:`~ml_genn_tf.calibration_data.CalibrationData` accepts; with
    ``progress``, a bar appears once calibration has taken over
    :data:`~ml_genn_tf.progress.PROGRESS_DELAY_S` seconds.

    Raises:
        ValueError: empty data, data that does not fit the inputs, or a NaN or inf.
    """
    names = list(mapped.populations) if names is None else list(names)
    specs = needed_populations(mapped, names)
    derived = [s for s in specs if s.kind != "input" and s.keras_tensor is None]
    probe, with_tensor = _keras_outputs(model, [s for s in specs if s.kind != "input"
                                                and s not in derived])
    derived += [s for s in specs if s.kind != "input" and s not in derived
                and s not in with_tensor]
    derived = [s for s in specs if s in derived]   # topological order
    rng = np.random.default_rng(seed)
    reservoirs = {n: _Reservoir(max_samples, rng, signed_input and mapped[n].kind == "input")
                  for n in names}
    seen = 0
    batches = CalibrationData(data, input_shapes(mapped))
    for xs in progress_bar(batches, batches.num_batches, "Calibrating", enabled=progress):
        values = {name: input_value(mapped[name], v)
                  for name, v in zip(mapped.inputs, xs, strict=True)}
        if probe is not None:
            outs = probe.predict_on_batch([np.asarray(v, np.float32) for v in xs]
                                          if len(xs) > 1 else np.asarray(xs[0], np.float32))
            outs = outs if isinstance(outs, (list, tuple)) else [outs]
            values.update({s.name: np.asarray(o, np.float64)
                           for s, o in zip(with_tensor, outs, strict=True)})
        for spec in derived:
            values[spec.name] = derive(mapped, spec, values)
        for name in names:
            reservoirs[name].add(values[name])
        seen += len(xs[0])
    if seen == 0:
        raise ValueError("The calibration data is empty.")
    stats = {n: r.result() for n, r in reservoirs.items()}
    for name in mapped.inputs:
        if name in stats and not signed_input and stats[name].min < 0:
            warnings.warn(f"Input '{name}' has negative values (min {stats[name].min:.3g}) "
                          f"in the calibration data, which unsigned input neurons cannot "
                          f"represent; pass signed_input=True.", UserWarning, stacklevel=3)
    return stats


"""Activation statistics for DataNorm thresholds and FewSpike alphas.

:func:`calibrate` runs the Keras model **once** over the calibration data, with one
multi-output ``keras.Model(model.inputs, [tensors])`` that returns the value of every
population that has a public Keras tensor. Values Keras has no tensor for (the logits
under a fused softmax, tensors inside nested models or of shared layers) are computed
from their source populations by the same exact NumPy evaluation the mapping uses.
Values are computed in float32, :data:`STREAM_CHUNK` examples at a time
(:class:`PopulationValues`), and each chunk is reduced to the statistics before the
next one is computed.

Per population it keeps the maximum (exact) and a bounded, seeded uniform subsample of
the positive values (at most ``max_samples`` per population, by the smallest random keys),
from which percentiles are taken, so memory does not grow with the data.
"""
from __future__ import annotations

import warnings
from collections.abc import Iterator
from typing import Any, NamedTuple

import keras
import numpy as np

from .calibration_data import CalibrationData
from .graph.mapping import MappedModel
from .graph.ops import ActivationOp, apply_activation, apply_op
from .progress import progress_bar

#: Examples per Keras call while computing population values: memory holds this many
#: examples of every requested population at once.
STREAM_CHUNK = 64


class Statistics(NamedTuple):
    """Statistics of one population's values over the calibration data.

    Attributes:
        max: largest value (largest magnitude for signed inputs).
        samples: uniform subsample of the positive values (magnitudes for signed inputs).
        num_values: number of values seen (``count`` would shadow ``tuple.count``).
        min: smallest value.
        channel_max, channel_rows: per-channel statistics (``calibrate(...,
            channels=True)``).
        head: the population's values on the first calibration examples, batch first
            (``calibrate(..., keep=n)``, model inputs and outputs only), else None.
    """

    max: float
    samples: np.ndarray
    num_values: int
    min: float
    channel_max: np.ndarray | None = None
    channel_rows: np.ndarray | None = None
    head: np.ndarray | None = None

    def percentile(self, q: float) -> float:
        """The ``q``-th percentile of the positive values (0 if there were none)."""
        return float(np.percentile(self.samples, q)) if self.samples.size else 0.0

    def statistic(self, mode: str, percentile: float) -> float:
        """``max`` or the ``percentile`` of the positive values, by ``mode``."""
        if mode == "max":
            return max(self.max, 0.0)
        return self.percentile(percentile)

    def channel_statistic(self, mode: str, percentile: float) -> np.ndarray:
        """Per channel (last axis): ``max`` or the ``percentile`` of its positive values
        (0 where it had none); needs ``calibrate(..., channels=True)``."""
        if self.channel_max is None or self.channel_rows is None:
            raise ValueError("Per-channel statistics were not collected; calibrate with "
                             "channels=True.")
        if mode == "max":
            return np.maximum(self.channel_max, 0.0)
        rows = np.where(self.channel_rows > 0, self.channel_rows, np.nan)
        result = np.zeros(rows.shape[1])
        seen = np.any(np.isfinite(rows), axis=0)
        if np.any(seen):
            result[seen] = np.nanpercentile(rows[:, seen], percentile, axis=0)
        return result


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
        if self.size and self.values.size == self.size:
            # full: a key above the largest kept one could never be among the smallest
            below = keys < self.keys.max()
            positive, keys = positive[below], keys[below]
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


class _ChannelReservoir:
    """Per-channel max and a uniform subsample of rows (one value per channel, the
    channels being the last axis)."""

    def __init__(self, size: int, rng: np.random.Generator):
        self.size, self.rng = size, rng
        self.keys = np.zeros(0)
        self.rows: np.ndarray | None = None
        self.max: np.ndarray | None = None

    def add(self, values: np.ndarray) -> None:
        values = np.asarray(values, np.float32)
        rows = values.reshape(-1, values.shape[-1])
        if rows.shape[0] == 0:
            return
        top = rows.max(axis=0)
        self.max = top if self.max is None else np.maximum(self.max, top)
        keys = self.rng.random(rows.shape[0])
        self.keys = np.concatenate([self.keys, keys])
        self.rows = rows if self.rows is None else np.concatenate([self.rows, rows])
        if self.keys.size > self.size:
            keep = np.argpartition(self.keys, self.size)[:self.size]
            self.keys, self.rows = self.keys[keep], self.rows[keep]


def input_value(spec, x: np.ndarray) -> np.ndarray:
    """An input population's value: ``x`` with the folded preprocessing applied."""
    x = np.asarray(x, np.float64).reshape((len(x),) + tuple(spec.keras_shape))
    return x * spec.input_op.scale + spec.input_op.offset


def derive(mapped: MappedModel, spec, values: dict) -> np.ndarray:
    """The ANN value of ``spec`` computed from its sources' ``values`` (by name, batch
    first, Keras shapes) with the mapping's exact NumPy evaluation."""
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
    if spec.sink is None:
        raise ValueError(f"Population '{spec.name}' ({spec.kind}) has no input node to "
                         f"evaluate; only non-input populations can be derived.")
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


def call_eagerly(model: Any, xs: list[np.ndarray]) -> list[np.ndarray]:
    """``model``'s outputs on one array per input (in ``model.inputs`` order, packed into
    the structure the model was built with), as float32 NumPy arrays, computed
    eagerly (``model(x)``): a one-off pass, so no graph is traced (``predict`` traces a
    ``tf.function`` first, 30 s for InceptionResNetV2 on 2 CPU cores)."""
    try:
        structure = model.input   # as the model was built: a tensor, list or dict
    except AttributeError:        # a Sequential model never called: one input
        structure = None
    x = xs[0] if structure is None else keras.tree.pack_sequence_as(structure, list(xs))
    outs = model(x, training=False)
    outs = outs if isinstance(outs, (list, tuple)) else [outs]
    return [np.asarray(keras.ops.convert_to_numpy(o), np.float32) for o in outs]


class PopulationValues:
    """The ANN's value of populations, computed chunk by chunk in float32.

    One multi-output ``keras.Model`` returns every needed value with a public Keras
    tensor; the others are derived from their sources (:func:`derive`). Calling it on
    one array per input yields, per chunk of at most :data:`STREAM_CHUNK` examples, the
    values of ``names`` by name (batch first, Keras shapes, float32), so memory holds
    one chunk of the requested populations, never the whole data set; a consumer
    reduces each chunk to what its statistic needs before the next is computed.

    Args:
        model: the Keras model.
        mapped: its mapping.
        names: the populations whose values are yielded.
    """

    def __init__(self, model: Any, mapped: MappedModel, names: list[str]):
        self.mapped, self.names = mapped, list(names)
        specs = [s for s in needed_populations(mapped, self.names) if s.kind != "input"]
        probed = [s for s in specs if s.keras_tensor is not None]
        self.probe = None
        if probed:
            try:
                self.probe = keras.Model(model.inputs, [s.keras_tensor for s in probed])
            except (ValueError, TypeError, KeyError):
                probed = []
        self.probed = probed
        names_probed = {s.name for s in probed}
        self.derived = [s for s in specs if s.name not in names_probed]   # topological

    def __call__(self, xs: list[np.ndarray]) -> Iterator[dict[str, np.ndarray]]:
        for start in range(0, len(xs[0]), STREAM_CHUNK):
            yield self._values([np.asarray(x[start:start + STREAM_CHUNK], np.float32)
                                for x in xs])

    def _values(self, xs: list[np.ndarray]) -> dict[str, np.ndarray]:
        values = {name: input_value(self.mapped[name], x).astype(np.float32)
                  for name, x in zip(self.mapped.inputs, xs, strict=True)}
        if self.probe is not None:
            values.update(zip([s.name for s in self.probed], call_eagerly(self.probe, xs),
                              strict=True))
        for spec in self.derived:
            values[spec.name] = np.asarray(derive(self.mapped, spec, values), np.float32)
        return {name: values[name] for name in self.names}


def calibrate(model: Any, mapped: MappedModel, data: Any, names: list[str] | None = None,
              signed_input: bool = False, max_samples: int = 2 ** 18,
              seed: int = 0, progress: bool = True,
              channels: bool = False, keep: int = 0) -> dict[str, Statistics]:
    """Statistics of the populations ``names`` (default: all) over ``data``.

    The value of a population is its output for ReLU and max-pool populations, the
    (pre-activation) logits for output populations, and ``x * scale + offset`` (the
    folded preprocessing) for inputs, as magnitudes if ``signed_input``. With
    ``channels``, the statistics of every non-input population also hold per-channel
    maxima and a subsample of at most ``max_samples // 4`` rows (for channel-wise
    normalisation). With ``keep``, the statistics of each model input and output also
    hold its values on the first ``keep`` examples (``head``: the ANN's outputs, which
    the few-spike k check compares with, at no extra pass). ``data`` is in
    any format :class:`~ml_genn_tf.calibration_data.CalibrationData` accepts; with
    ``progress``, a bar appears once calibration has taken over
    :data:`~ml_genn_tf.progress.PROGRESS_DELAY_S` seconds.

    Raises:
        ValueError: empty data, data that does not fit the inputs, or a NaN or inf.
    """
    names = list(mapped.populations) if names is None else list(names)
    values_of = PopulationValues(model, mapped, names)
    rng = np.random.default_rng(seed)
    reservoirs = {n: _Reservoir(max_samples, rng, signed_input and mapped[n].kind == "input")
                  for n in names}
    by_channel = {n: _ChannelReservoir(max_samples // 4, rng) for n in names
                  if channels and mapped[n].kind != "input"}
    heads: dict[str, list] = {n: [] for n in mapped.inputs + mapped.outputs
                              if n in names and keep > 0}
    seen = 0
    batches = CalibrationData(data, input_shapes(mapped))
    for xs in progress_bar(batches, batches.num_batches, "Calibrating", enabled=progress):
        for values in values_of(xs):
            for name in names:
                reservoirs[name].add(values[name])
                if name in by_channel:
                    by_channel[name].add(values[name])
            for name, parts in heads.items():
                parts.append(values[name][:keep - sum(len(p) for p in parts)])
        seen += len(xs[0])
    if seen == 0:
        raise ValueError("The calibration data is empty.")
    stats = {n: r.result() for n, r in reservoirs.items()}
    for name, channel in by_channel.items():
        stats[name] = stats[name]._replace(channel_max=channel.max, channel_rows=channel.rows)
    for name, parts in heads.items():
        stats[name] = stats[name]._replace(head=np.concatenate(parts))
    for name in mapped.inputs:
        if name in stats and not signed_input and stats[name].min < 0:
            warnings.warn(f"Input '{name}' has negative values (min {stats[name].min:.3g}) "
                          f"in the calibration data, which unsigned input neurons cannot "
                          f"represent; pass signed_input=True.", UserWarning, stacklevel=3)
    return stats


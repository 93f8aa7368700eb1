"""The ANN's value of every population, per example: what the SNN must reproduce.

The value of a population is the one calibration uses (:mod:`ml_genn_tf.calibration`):
the output of a ReLU or max-pool population, the logits (pre-activation) of an output
population, and ``x * scale + offset`` (folded preprocessing) for an input. One
multi-output Keras model returns every value with a public Keras tensor; the others are
computed from their sources by the mapping's exact NumPy evaluation.
"""
from __future__ import annotations

from typing import Any

import keras
import numpy as np

from ..calibration import needed_populations
from ..graph.mapping import MappedModel, PopulationSpec
from ..graph.ops import ActivationOp, apply_activation, apply_op

#: Examples per Keras call.
BATCH = 256


def derive(mapped: MappedModel, spec: PopulationSpec, values: dict) -> np.ndarray:
    """The ANN value of ``spec`` computed from its sources' ``values`` (by name, batch
    first, Keras shapes) with the mapping's exact NumPy evaluation."""
    graph = mapped.graph
    if spec.kind == "max_pool":
        return apply_op(graph[spec.name].op, [values[graph[spec.name].inputs[0]]])
    cache = {c.source: values[c.source] for c in spec.chains}

    def value(name: str) -> np.ndarray:
        if name not in cache:
            node = graph[name]
            cache[name] = apply_op(node.op, [value(i) for i in node.inputs])
        return cache[name]
    if spec.sink is None:
        raise ValueError(f"Population '{spec.name}' ({spec.kind}) has no input node to "
                         f"evaluate; only non-input populations can be derived.")
    pre = value(spec.sink)
    if spec.kind == "relu":
        return apply_activation(ActivationOp("relu", spec.max_value), pre)
    return pre


def population_values(model: Any, mapped: MappedModel, xs: list[np.ndarray]) -> dict:
    """The ANN value of every population of ``mapped`` for the inputs ``xs`` (one array
    per model input, in ``mapped.inputs`` order): ``{population name: (N, *keras_shape)}``
    in float64."""
    specs = needed_populations(mapped, list(mapped.populations))
    probed = [s for s in specs if s.kind != "input" and s.keras_tensor is not None]
    probe = None
    if probed:
        try:
            probe = keras.Model(model.inputs, [s.keras_tensor for s in probed])
        except (ValueError, TypeError, KeyError):
            probed = []
    values: dict = {}
    for name, x in zip(mapped.inputs, xs, strict=True):
        op = mapped[name].input_op
        if op is None:
            raise ValueError(f"Input population '{name}' has no input op in the mapping.")
        x = np.asarray(x, np.float64).reshape((len(x),) + tuple(mapped[name].keras_shape))
        values[name] = x * op.scale + op.offset
    if probe is not None:
        batches = []
        for start in range(0, len(xs[0]), BATCH):
            chunk = [np.asarray(x[start:start + BATCH], np.float32) for x in xs]
            out = probe(chunk, training=False)
            out = out if isinstance(out, (list, tuple)) else [out]
            batches.append([keras.ops.convert_to_numpy(o) for o in out])
        for j, spec in enumerate(probed):
            values[spec.name] = np.concatenate([np.asarray(b[j], np.float64) for b in batches])
    for spec in specs:
        if spec.name not in values:
            values[spec.name] = derive(mapped, spec, values)
    return values

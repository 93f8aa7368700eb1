"""The ANN's value of every population, per example: what the SNN must reproduce.

The value of a population is the one calibration uses (:mod:`ml_genn_tf.calibration`):
the output of a ReLU or max-pool population, the logits (pre-activation) of an output
population, and ``x * scale + offset`` (folded preprocessing) for an input. One
multi-output Keras model returns every value with a public Keras tensor; the others are
computed from their sources by the mapping's exact NumPy evaluation.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ..calibration import PopulationValues, derive
from ..graph.mapping import MappedModel

__all__ = ["derive", "population_values"]


def population_values(model: Any, mapped: MappedModel, xs: list[np.ndarray]) -> dict:
    """The ANN value of every population of ``mapped`` for the inputs ``xs`` (one array
    per model input, in ``mapped.inputs`` order): ``{population name: (N, *keras_shape)}``
    in float64."""
    for name in mapped.inputs:
        if mapped[name].input_op is None:
            raise ValueError(f"Input population '{name}' has no input op in the mapping.")
    chunks = list(PopulationValues(model, mapped, list(mapped.populations))(xs))
    return {name: np.concatenate([np.asarray(c[name], np.float64) for c in chunks])
            for name in mapped.populations}

"""Inputs given to ``diagnose``/``spike_raster``, one float32 array per input."""
from __future__ import annotations

from typing import Any

import numpy as np


def input_arrays(converted: Any, x: Any) -> list[np.ndarray]:
    """``x`` (an array; a list, or a dict by input name, for several inputs) as one float32
    array per input population of ``converted``."""
    if isinstance(x, dict):
        missing = [p.name for p in converted.inputs if p.name not in x]
        if missing:
            raise ValueError(f"Inputs given as a dict lack {missing}; keys: {sorted(x)}.")
        xs = [x[p.name] for p in converted.inputs]
    else:
        xs = list(x) if isinstance(x, (list, tuple)) and len(converted.inputs) > 1 else [x]
    if len(xs) != len(converted.inputs):
        raise ValueError(f"The model has {len(converted.inputs)} inputs; pass a list of "
                         f"{len(converted.inputs)} arrays, received {len(xs)}.")
    arrays = [np.asarray(a, np.float32) for a in xs]
    for pop, array in zip(converted.inputs, arrays, strict=True):
        size = int(np.prod(pop.shape))
        if array.ndim == 0 or int(np.prod(array.shape[1:])) != size:
            raise ValueError(f"Input for '{pop.name}' has shape {array.shape}; expected "
                             f"(num_examples, ...) with {size} values per example "
                             f"(population shape {pop.shape}).")
    return arrays


def input_data(converted: Any, xs: list[np.ndarray]) -> dict:
    """``{input population: array (N, *population shape)}`` for a compiled network."""
    return {pop: a.reshape((len(a),) + tuple(pop.shape)) for pop, a in
            zip(converted.inputs, xs, strict=True)}

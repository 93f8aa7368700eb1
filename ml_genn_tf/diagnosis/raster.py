"""Spike rasters of a few examples, for plots (``results.json``'s ``raster``)."""
from __future__ import annotations

from typing import Any

import numpy as np

from ml_genn.callbacks import SpikeRecorder
from ml_genn.utils.activity import pipeline_depths

from .inputs import input_arrays, input_data
from .recording import run_recorded


def spike_raster(converted: Any, x: Any, neurons: int = 48) -> dict:
    """The spikes of every population for the examples ``x`` (keep it to a few).

    Per population, the ``neurons`` that fired most over these examples are shown (in
    increasing index). Few-spike populations run one pipeline stage each, so their times
    are shifted by ``depth * k``: the raster shows the pipeline.

    Returns:
        ``{"examples": N, "timesteps": steps per example (per stage for few-spike),
        "duration": last time + 1, "populations": [{"population", "neurons", "shown",
        "offset", "times": [per example: list], "rows": [per example: list]}]}``, times
        in timesteps and ``rows`` the shown neuron's rank (0 = lowest index shown).
    """
    xs = input_arrays(converted, x)
    data = input_data(converted, xs)
    callbacks = raster_recorders(converted, len(xs[0]))
    _, recorded = run_recorded(converted, data, callbacks, max(1, len(xs[0])))
    return raster_data(converted, recorded, neurons)


def raster_recorders(converted: Any, examples: int) -> list:
    """Spike recorders of every population for the first ``examples`` examples."""
    return [SpikeRecorder(pop, key=("raster", pop.name), example_filter=slice(0, examples))
            for pop in converted.network.populations]


def raster_data(converted: Any, recorded: dict, neurons: int = 48) -> dict:
    """:func:`spike_raster`'s result from the data of :func:`raster_recorders`."""
    network = converted.network
    k = converted.k
    steps = k if k is not None else converted.evaluate_timesteps
    depth = pipeline_depths(network) if k is not None else {}
    populations = []
    for pop in network.populations:
        times, ids = recorded[("raster", pop.name)]
        counts = np.bincount(np.concatenate(ids).astype(np.int64) if ids else
                             np.zeros(0, np.int64), minlength=pop.num_neurons)
        active = np.flatnonzero(counts)
        shown = np.sort(active[np.argsort(-counts[active], kind="stable")][:neurons])
        rank = {int(n): r for r, n in enumerate(shown)}
        offset = depth.get(pop.name, 0) * steps
        keep = [np.isin(i, shown) for i in ids]
        populations.append({
            "population": pop.name, "neurons": pop.num_neurons, "shown": int(len(shown)),
            "offset": int(offset),
            "times": [(np.asarray(t)[m] / converted.compiler.dt + offset).astype(int).tolist()
                      for t, m in zip(times, keep, strict=True)],
            "rows": [[rank[int(n)] for n in np.asarray(i)[m]] for i, m in
                     zip(ids, keep, strict=True)]})
    duration = steps + max((p["offset"] for p in populations), default=0)
    examples = len(populations[0]["times"]) if populations else 0
    return {"examples": examples, "timesteps": steps, "duration": duration,
            "populations": populations}

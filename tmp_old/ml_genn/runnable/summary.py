"""The text of :meth:`RunnableModel.summary`, laid out like Keras' ``model.summary()``."""
from __future__ import annotations

from typing import Any

import numpy as np

from ..utils.activity import count_synapses

#: Thresholds at or above this never fire (the converters use float32's max).
NEVER_FIRES = 1e30


def _number(value: float) -> str:
    return f"{value:.4g}"


def _range(value: Any) -> str:
    array = np.asarray(value, np.float64)
    if array.ndim == 0 or np.all(array == array.flat[0]):
        return _number(float(array.flat[0]))
    return f"{_number(float(array.min()))}..{_number(float(array.max()))}"


def effective_threshold(pop: Any, scale: float) -> str:
    """The population's threshold in the ANN's units (``v_thresh`` times the scale the
    weights were divided by), ``alpha=..`` for few-spike neurons, ``none`` for neurons
    that never fire, ``-`` where there is none."""
    neuron = pop.neuron
    if hasattr(neuron, "alpha") and hasattr(neuron, "k"):
        return f"alpha={_range(np.asarray(neuron.alpha, np.float64) * scale)}"
    if not hasattr(neuron, "v_thresh"):
        return "-"
    v_thresh = np.asarray(neuron.v_thresh, np.float64)
    if np.all(v_thresh >= NEVER_FIRES):
        return "none"
    return _range(v_thresh * scale)


def _table(rows: list[list[str]], header: list[str]) -> list[str]:
    widths = [max(len(r[i]) for r in rows + [header]) for i in range(len(header))]

    def line(cells: list[str]) -> str:
        return " " + "  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)).rstrip()
    rule = "_" * (sum(widths) + 2 * len(widths))
    out = [rule, line(header), "=" * len(rule)]
    for row in rows:
        out.append(line(row))
    out.append(rule)
    return out


def format_summary(model: Any) -> list[str]:
    """The summary's lines."""
    network = model.network
    scales = model.metadata.get("population_scales", {})
    layers: dict[str, list[str]] = {}
    for layer, pop in model.layer_populations.items():
        layers.setdefault(pop.name, []).append(layer)
    sources: dict[str, list[str]] = {p.name: [] for p in network.populations}
    for conn in network.connections:
        sources[conn.target().name].append(
            f"{conn.source().name} ({type(conn.connectivity).__name__})")
    roles = {p.name: "input" for p in model.inputs}
    roles.update({p.name: "output" for p in model.outputs})
    rows = []
    for pop in network.populations:
        name = f"{pop.name} ({type(pop.neuron).__name__})"
        if pop.name in roles:
            name += f" [{roles[pop.name]}]"
        rows.append([name, str(tuple(pop.shape)), f"{pop.num_neurons:,}",
                     effective_threshold(pop, float(scales.get(pop.name, 1.0))),
                     ", ".join(sources[pop.name]) or "-",
                     ", ".join(layers.get(pop.name, [])) or "-"])
    method = model.metadata.get("method")
    title = f'Model: "{model.name}"' + (f" ({method})" if method else "")
    lines = [title] + _table(rows, ["Population (neuron)", "Shape", "Neurons", "Threshold",
                                    "Inputs from", "Keras layers"])
    neurons = sum(p.num_neurons for p in network.populations if not p.neuron.is_input)
    counts = [count_synapses(c.connectivity) for c in network.connections]
    synapses = "n/a" if any(c is None for c in counts) else \
        f"{int(sum(c or 0.0 for c in counts)):,}"
    latency = model.latency_timesteps
    how = f" (pipeline depth x k={model.k})" if model.k is not None else ""
    lines += [f" Neurons (non-input): {neurons:,}",
              f" Synapses: {synapses}",
              f" Latency: {latency} timesteps{how}",
              " Compile options: " + ", ".join(f"{k}={v}" for k, v in
                                              model.compile_options.items())]
    if scales:
        lines.append(" Thresholds are in the ANN's units (the normalisation scale "
                     "folded into the weights).")
    return lines

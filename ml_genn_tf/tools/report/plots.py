"""The report's three plots, as inline PNG (matplotlib's object API, no pyplot state)."""
from __future__ import annotations

import base64
import io
from typing import Any

from matplotlib.figure import Figure


def _png(fig: Figure) -> str:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=100, bbox_inches="tight")
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def _ok(rows: list[dict]) -> list[dict]:
    return [r for r in rows if not r.get("error")]


def accuracy_bars(rows: list[dict]) -> str:
    """ANN against SNN accuracy, one pair of bars per model x method."""
    rows = _ok(rows)
    fig = Figure(figsize=(max(4.0, 1.2 * len(rows) + 2), 3.5))
    ax = fig.subplots()
    labels = [f"{r['model']}\n{r['method']}" for r in rows]
    positions = range(len(rows))
    ax.bar([p - 0.2 for p in positions], [100 * (r["ann_accuracy"] or 0) for r in rows],
           0.4, label="ANN")
    ax.bar([p + 0.2 for p in positions], [100 * (r["snn_accuracy"] or 0) for r in rows],
           0.4, label="SNN")
    ax.set_xticks(list(positions), labels, fontsize=8)
    ax.set_ylabel("accuracy [%]")
    ax.set_title("ANN vs SNN accuracy")
    ax.legend(loc="lower right")
    return _png(fig)


def accuracy_sweeps(rows: list[dict]) -> str:
    """Accuracy against T or k: each sweep as a line, else the single run as a point."""
    fig = Figure(figsize=(8.0, 3.5), layout="constrained")
    axes: dict[str, Any] = {"timesteps": None, "k": None}
    used = [r for r in _ok(rows)]
    kinds = sorted({(r.get("sweep") or {}).get("parameter")
                    or ("k" if r.get("k") is not None else "timesteps") for r in used})
    grid = fig.subplots(1, max(len(kinds), 1), squeeze=False)[0]
    for ax, kind in zip(grid, kinds, strict=False):
        axes[kind] = ax
        ax.set_xlabel("timesteps T" if kind == "timesteps" else "k (steps per stage)")
        ax.set_ylabel("SNN accuracy [%]")
        if kind == "timesteps":
            ax.set_xscale("log", base=2)
    for r in used:
        sweep = r.get("sweep")
        label = f"{r['model']} {r['method']}"
        if sweep:
            ax = axes[sweep["parameter"]]
            xs = [row[sweep["parameter"]] for row in sweep["rows"]]
            ys = [100 * row["accuracy"] for row in sweep["rows"]]
            ax.plot(xs, ys, marker="o", label=label)
        else:
            kind = "k" if r.get("k") is not None else "timesteps"
            ax = axes[kind]
            ax.plot([r[kind]], [100 * (r["snn_accuracy"] or 0)], marker="s", label=label)
    for ax in grid:
        if ax.lines:
            ax.legend(fontsize=7)
    fig.suptitle("Accuracy against T or k")
    return _png(fig)


def spikes_per_layer(rows: list[dict]) -> str:
    """Spikes per neuron per population, one line per model x method."""
    fig = Figure(figsize=(6.0, 3.5))
    ax = fig.subplots()
    for r in _ok(rows):
        layers = r.get("layers") or []
        ax.plot(range(len(layers)), [layer["spikes_per_neuron"] for layer in layers],
                marker="o", label=f"{r['model']} {r['method']}")
    ax.set_xlabel("population (network order)")
    ax.set_ylabel("spikes per neuron per example")
    ax.set_title("Spikes per neuron per layer")
    if ax.lines:
        ax.legend(fontsize=7)
    return _png(fig)

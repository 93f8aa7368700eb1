"""The report's plots, as base64 PNG for inline ``<img>`` (matplotlib's object API, no
pyplot state, so nothing is shown or kept between calls). Each function takes rows of
``results.json`` (see :mod:`ml_genn_tf.tools.results`)."""
from __future__ import annotations

import base64
import io

import numpy as np
from matplotlib.figure import Figure


def _png(fig: Figure) -> str:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=100, bbox_inches="tight")
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def _ok(rows: list[dict]) -> list[dict]:
    return [r for r in rows if not r.get("error")]


def _label(row: dict, with_model: bool = True) -> str:
    steps = f"T={row['timesteps']}" if row.get("k") is None else f"k={row['k']}"
    return (f"{row['model']} " if with_model else "") + f"{row['method']} {steps}"


def accuracy_bars(rows: list[dict], with_model: bool = True) -> str:
    """ANN against SNN accuracy, one pair of bars per row, the difference written above."""
    rows = _ok(rows)
    fig = Figure(figsize=(max(4.0, 1.3 * len(rows) + 2), 3.5))
    ax = fig.subplots()
    positions = np.arange(len(rows))
    ann = [100 * (r["ann_accuracy"] or 0) for r in rows]
    snn = [100 * (r["snn_accuracy"] or 0) for r in rows]
    ax.bar(positions - 0.2, ann, 0.4, label="ANN", color="#4c72b0")
    ax.bar(positions + 0.2, snn, 0.4, label="SNN", color="#dd8452")
    for p, a, s in zip(positions, ann, snn, strict=True):
        ax.annotate(f"{s - a:+.2f}", (p + 0.2, s), ha="center", va="bottom", fontsize=8)
    ax.set_xticks(list(positions), [_label(r, with_model).replace(" ", "\n", 1) for r in rows],
                  fontsize=8)
    low = min(ann + snn, default=0)
    ax.set_ylim(max(0.0, low - 5), 100.5)
    ax.set_ylabel("accuracy [%]")
    ax.legend(loc="lower right")
    return _png(fig)


def has_sweeps(rows: list[dict]) -> bool:
    return any(r.get("sweep") for r in _ok(rows))


def accuracy_sweeps(rows: list[dict]) -> str:
    """SNN accuracy against T (rate methods) and k (few-spike), one line per sweep, the
    ANN's accuracy as a dashed line."""
    used = [r for r in _ok(rows) if r.get("sweep")]
    kinds = sorted({r["sweep"]["parameter"] for r in used})
    fig = Figure(figsize=(4.5 * max(len(kinds), 1) + 1.0, 3.5), layout="constrained")
    grid = fig.subplots(1, max(len(kinds), 1), squeeze=False)[0]
    axes = dict(zip(kinds, grid, strict=True))
    for kind, ax in axes.items():
        ax.set_xlabel("timesteps T" if kind == "timesteps" else "k (timesteps per stage)")
        ax.set_ylabel("accuracy [%]")
        if kind == "timesteps":       # T spans decades; k a few small integers
            ax.set_xscale("log", base=2)
    for r in used:
        sweep = r["sweep"]
        ax = axes[sweep["parameter"]]
        xs = [row[sweep["parameter"]] for row in sweep["rows"]]
        ys = [100 * row["accuracy"] for row in sweep["rows"]]
        line, = ax.plot(xs, ys, marker="o", label=f"{r['model']} {r['method']}")
        if r.get("ann_accuracy") is not None:
            ax.axhline(100 * r["ann_accuracy"], color=line.get_color(), ls="--", lw=0.8)
    for ax in grid:
        if ax.lines:
            ax.legend(fontsize=7)
    return _png(fig)


def layer_activity(rows: list[dict]) -> str:
    """Per population: firing rate [Hz] and spikes per neuron per example, one line per
    method."""
    fig = Figure(figsize=(10.0, 3.6))
    rate_ax, spikes_ax = fig.subplots(1, 2)
    names: list[str] = []
    for r in _ok(rows):
        layers = r.get("layers") or []
        names = names if len(names) >= len(layers) else [layer["population"] for layer in layers]
        x = range(len(layers))
        rate_ax.plot(x, [layer["firing_rate_hz"] or 0 for layer in layers], marker="o",
                     label=_label(r, False))
        spikes_ax.plot(x, [layer["spikes_per_neuron"] or 0 for layer in layers], marker="o",
                       label=_label(r, False))
    for ax, title in ((rate_ax, "firing rate [Hz] (dt = 1 ms)"),
                      (spikes_ax, "spikes per neuron per example")):
        ax.set_xticks(range(len(names)), names, rotation=30, ha="right", fontsize=8)
        ax.set_ylabel(title)
        if ax.lines:
            ax.legend(fontsize=7)
    return _png(fig)


def operations(rows: list[dict]) -> str:
    """Per population: the ANN's multiply-accumulates and each SNN's synaptic operations
    per example (log scale)."""
    rows = [r for r in _ok(rows) if r.get("layers")]
    fig = Figure(figsize=(10.0, 3.6))
    ax = fig.subplots()
    layers = [layer for layer in rows[0]["layers"] if layer.get("ann_macs")] if rows else []
    names = [layer["population"] for layer in layers]
    width = 0.8 / (len(rows) + 1)
    x = np.arange(len(names))
    ax.bar(x, [layer["ann_macs"] for layer in layers], width, label="ANN MACs", color="#555")
    for i, r in enumerate(rows, start=1):
        synops = {layer["population"]: layer.get("synaptic_operations") or 0
                  for layer in r["layers"]}
        ax.bar(x + i * width, [synops.get(n, 0) for n in names], width,
               label=f"SNN SynOps, {_label(r, False)}")
    ax.set_yscale("log")
    ax.set_xticks(x + 0.4 - width / 2, names, rotation=30, ha="right", fontsize=8)
    ax.set_ylabel("operations per example")
    ax.legend(fontsize=7)
    return _png(fig)


def raster(data: dict, example: int = 0) -> str:
    """The spikes of one example, populations stacked (input at the bottom), each
    showing its most active neurons."""
    pops = data["populations"]
    fig = Figure(figsize=(6.4, 4.2))
    ax = fig.subplots()
    base, ticks, labels = 0, [], []
    for i, pop in enumerate(pops):
        height = max(pop["shown"], 1)
        times = pop["times"][example] if example < len(pop["times"]) else []
        rows = pop["rows"][example] if example < len(pop["rows"]) else []
        ax.scatter(times, [base + r for r in rows], s=2, marker="|", color=f"C{i % 10}")
        ticks.append(base + height / 2)
        labels.append(f"{pop['population']}\n({pop['shown']} of {pop['neurons']})")
        base += height + 2
        ax.axhline(base - 1, color="#ccc", lw=0.5)
    ax.set_yticks(ticks, labels, fontsize=7)
    ax.set_xlim(-0.5, data["duration"] - 0.5)
    ax.set_ylim(-1, base)
    ax.set_xlabel("timestep")
    return _png(fig)


def confusion(matrix: list[list[int]]) -> str:
    """Counts of (ANN class, SNN class) pairs; the diagonal is where they agree."""
    counts = np.asarray(matrix)
    fig = Figure(figsize=(3.9, 3.5))
    ax = fig.subplots()
    image = ax.imshow(counts, cmap="Blues")
    size = counts.shape[0]
    if size <= 20:
        for (i, j), value in np.ndenumerate(counts):
            if value:
                ax.text(j, i, str(value), ha="center", va="center", fontsize=7,
                        color="white" if value > counts.max() / 2 else "black")
    ax.set_xlabel("SNN prediction")
    ax.set_ylabel("ANN prediction")
    ax.set_xticks(range(size))
    ax.set_yticks(range(size))
    ax.tick_params(labelsize=7)
    fig.colorbar(image, ax=ax, shrink=0.8)
    return _png(fig)

"""The accuracy comparison report: one self-contained HTML page from ``results.json``.

A summary table comes first (every model x method: accuracies, their difference,
ANN/SNN agreement, latency, activity, operations, the energy estimate and the culprit of
the diagnosis), then one section per model: accuracy per method, accuracy against T or
k (from the sweeps), firing rates and spikes per neuron per layer, the diagnosis tables
with their hints, synaptic operations against the ANN's MACs with the energy estimate,
and per method a spike raster and the confusion of ANN and SNN predictions. Plots are
matplotlib PNGs embedded as ``data:`` URIs; the page loads nothing else.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import jinja2

from ..results import read_results, write_atomic
from . import plots
from .energy import COSTS, estimate
from .template import PAGE, STYLE

TITLE = "ANN vs SNN: accuracy and per-layer diagnosis"
#: Number formats of the diagnosis table's columns.
DIAGNOSIS_FORMATS = {"correlation": "{:.3f}", "relative_error": "{:.3f}",
                     "local_error": "{:.3f}", "gain": "{:.2f}", "local_gain": "{:.2f}",
                     "residual": "{:.2f}", "spikes_per_neuron": "{:.2f}",
                     "saturated": "pct0", "silent": "pct0"}


def _fmt(value: Any, fmt: str) -> str:
    if value is None:
        return "-"
    if fmt == "pct":
        return f"{100 * value:.2f}"
    if fmt == "pct0":
        return f"{100 * value:.0f}%"
    try:
        return fmt.format(value)
    except (ValueError, TypeError):
        return str(value)


def _steps(row: dict) -> str:
    if row.get("k") is not None:
        return f"k={row['k']}"
    return "-" if row.get("timesteps") is None else f"T={row['timesteps']}"


def _energy_ratio(row: dict) -> str:
    macs, synops = row.get("ann_macs"), row.get("synaptic_operations")
    if not macs or synops is None:
        return "-"
    costs = {(c["network"], c["picojoules"]): c["microjoules"] for c in estimate(macs, synops)}
    return f"{costs[('SNN', 0.9)] / costs[('ANN', 4.6)]:.3f}"


def _summary(row: dict) -> dict:
    diagnosis = row.get("diagnosis") or {}
    ok = not row.get("error")
    diff = None if not ok or row.get("snn_accuracy") is None or row.get("ann_accuracy") is None \
        else 100 * (row["snn_accuracy"] - row["ann_accuracy"])
    return {"model": row["model"], "method": row["method"], "steps": _steps(row),
            "ann": _fmt(row.get("ann_accuracy"), "pct"),
            "snn": _fmt(row.get("snn_accuracy"), "pct"),
            "diff": _fmt(diff, "{:+.2f}"), "agreement": _fmt(diagnosis.get("agreement"), "pct"),
            "latency": _fmt(row.get("latency_timesteps"), "{}"),
            "spikes": _fmt(row.get("spikes_per_neuron"), "{:.3g}"),
            "synops": _fmt(row.get("synaptic_operations"), "{:.3g}"),
            "macs": _fmt(row.get("ann_macs"), "{:.3g}"),
            "energy_ratio": _energy_ratio(row) if ok else "-",
            "culprit": "-" if not diagnosis else (diagnosis.get("culprit") or "none"),
            "error": row.get("error")}


def _diagnosis(row: dict) -> dict | None:
    d = row.get("diagnosis")
    if not d:
        return None
    rows = [{**r, **{k: _fmt(r.get(k), f) for k, f in DIAGNOSIS_FORMATS.items()}}
            for r in d["rows"]]
    culprit = d.get("culprit")
    hint = next((r["hint"] for r in d["rows"] if r["layer"] == culprit), "")
    text = f"Culprit: {culprit}" + (f" ({hint})" if hint else "") if culprit else \
        f"Culprit: none ({d.get('note') or 'no population adds a large error of its own'})"
    return {"label": f"{row['method']} {_steps(row)}", "culprit": culprit,
            "culprit_text": text, "rows": rows, "num_examples": d.get("num_examples"),
            "agreement": _fmt(d.get("agreement"), "pct")}


def _energy_entry(label: str, entry: dict, reference: float) -> dict:
    energy = entry["microjoules"]
    return {"method": label, "platform": entry["platform"], "picojoules": entry["picojoules"],
            "operations": _fmt(entry["operations"], "{:.3g}"),
            "microjoules": _fmt(energy, "{:.3g}"),
            "ratio": _fmt(None if energy is None or not reference else energy / reference,
                          "{:.3f}")}


def _energy(rows: list[dict]) -> list[dict]:
    """The ANN's estimates (from the first row's MACs), then every SNN's, each with its
    ratio to the ANN's 32-bit float MACs."""
    counted = [r for r in rows if r.get("ann_macs")]
    if not counted:
        return []
    ann = [e for e in estimate(counted[0]["ann_macs"], None) if e["network"] == "ANN"]
    reference = ann[0]["microjoules"]
    result = [_energy_entry("ANN", e, reference) for e in ann]
    for row in counted:
        result += [_energy_entry(f"{row['method']} {_steps(row)}", e, reference)
                   for e in estimate(row["ann_macs"], row.get("synaptic_operations"))
                   if e["network"] == "SNN"]
    return result


def _pictures(row: dict) -> dict | None:
    raster, diagnosis = row.get("raster"), row.get("diagnosis")
    if not raster and not diagnosis:
        return None
    note = ("few-spike populations run one pipeline stage each, so population at depth d "
            "spikes in steps d*k to d*k + k - 1." if row.get("k") is not None else
            "rate-coded populations spike over all the timesteps.")
    return {"label": f"{row['method']} {_steps(row)}",
            "raster": plots.raster(raster) if raster and raster.get("populations") else None,
            "raster_note": note,
            "confusion": plots.confusion(diagnosis["confusion"])
            if diagnosis and diagnosis.get("confusion") else None,
            "num_examples": (diagnosis or {}).get("num_examples"),
            "agreement": _fmt((diagnosis or {}).get("agreement"), "pct")}


def _model_section(name: str, rows: list[dict]) -> dict:
    ok = [r for r in rows if not r.get("error")]
    return {"name": name, "dataset": rows[0].get("dataset"),
            "num_test": rows[0].get("num_test_samples"),
            "methods": [f"{r['method']} {_steps(r)}" for r in rows],
            "accuracy_plot": plots.accuracy_bars(rows, with_model=False),
            "sweep_plot": plots.accuracy_sweeps(rows) if plots.has_sweeps(rows) else None,
            "activity_plot": plots.layer_activity(rows),
            "diagnoses": [d for d in map(_diagnosis, ok) if d],
            "operations_plot": plots.operations(ok)
            if any(r.get("layers") and any(layer.get("ann_macs") for layer in r["layers"])
                   for r in ok) else None,
            "energy": _energy(ok),
            "pictures": [p for p in map(_pictures, ok) if p]}


def report_html(rows: list[dict], title: str = TITLE) -> str:
    """The report of ``rows`` (the rows of ``results.json``) as one HTML page."""
    models: dict[str, list[dict]] = {}
    for row in rows:
        models.setdefault(row["model"], []).append(row)
    env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)
    return env.from_string(PAGE).render(
        title=title, style=STYLE, rows=[_summary(r) for r in rows],
        summary_plot=plots.accuracy_bars(rows),
        models=[_model_section(name, model_rows) for name, model_rows in models.items()],
        costs=[c._asdict() for c in COSTS])


def write_report(results: Any, path: str | os.PathLike) -> Path:
    """Write the HTML report of ``results`` (the rows of ``results.json``, or its path)
    to ``path`` (atomically); returns the path. Also ``ml_genn_tf.report``."""
    rows = read_results(results)
    write_atomic(path, report_html(rows))
    return Path(path)

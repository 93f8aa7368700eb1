"""A minimal HTML report: the results table and three plots."""
from __future__ import annotations

import html
import os
from pathlib import Path
from typing import Any

from ..results import read_results, write_atomic
from .plots import accuracy_bars, accuracy_sweeps, spikes_per_layer

#: Columns of the report's table: (results key, heading, format).
TABLE = (("model", "model", "{}"), ("method", "method", "{}"),
         ("timesteps", "T", "{}"), ("k", "k", "{}"),
         ("ann_accuracy", "ANN %", "pct"), ("snn_accuracy", "SNN %", "pct"),
         ("latency_timesteps", "latency [steps]", "{}"),
         ("spikes_per_neuron", "spikes/neuron", "{:.3g}"),
         ("synaptic_operations", "SynOps/example", "{:.3g}"),
         ("ann_macs", "ANN MACs/example", "{:.3g}"),
         ("wall_time_s", "wall time [s]", "{:.1f}"), ("error", "error", "{}"))

_STYLE = ("body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}"
          "td,th{border:1px solid #bbb;padding:3px 8px;text-align:right}"
          "td:first-child,td:nth-child(2){text-align:left}.error{color:#b00}")


def _cell(value: Any, fmt: str) -> str:
    if value is None:
        return ""
    if fmt == "pct":
        return f"{100 * value:.2f}"
    try:
        return html.escape(fmt.format(value))
    except (ValueError, TypeError):
        return html.escape(str(value))


def report_html(rows: list[dict], title: str = "ANN vs SNN accuracy") -> str:
    """The report as one self-contained HTML page."""
    head = "".join(f"<th>{html.escape(h)}</th>" for _, h, _ in TABLE)
    body = "".join("<tr>" + "".join(
        f"<td{' class=error' if key == 'error' and row.get(key) else ''}>"
        f"{_cell(row.get(key), fmt)}</td>" for key, _, fmt in TABLE) + "</tr>" for row in rows)
    plots = [("ANN vs SNN accuracy", accuracy_bars(rows)),
             ("Accuracy against T or k", accuracy_sweeps(rows)),
             ("Spikes per neuron per layer", spikes_per_layer(rows))]
    figures = "".join(f'<h2>{html.escape(name)}</h2><img alt="{html.escape(name)}" '
                      f'src="data:image/png;base64,{data}">' for name, data in plots)
    return (f"<!DOCTYPE html><html><head><meta charset=utf-8><title>{html.escape(title)}"
            f"</title><style>{_STYLE}</style></head><body><h1>{html.escape(title)}</h1>"
            f"<table><tr>{head}</tr>{body}</table>{figures}</body></html>\n")


def write_report(results: Any, path: str | os.PathLike) -> Path:
    """Write the HTML report of ``results`` (the rows of ``results.json``, or its path)
    to ``path`` (atomically); returns the path."""
    rows = read_results(results)
    write_atomic(path, report_html(rows))
    return Path(path)

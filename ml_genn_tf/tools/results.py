"""The results of a batch conversion: ``results.json`` and ``results.csv``.

``results.json`` holds a JSON object ``{"schema_version": 1, "results": [row, ...]}``
with one row per model x method. Every row has these keys (``null`` where not
applicable or not measured):

========================  ==============================================================
key                       meaning
========================  ==============================================================
``model``                 the model's name (file name without extension)
``model_path``            the Keras model file
``method``                ``few_spike``, ``data_norm``, ``simple`` or ``spike_norm``
``options``               the conversion and compile options used (dict)
``dataset``               the data set name or file
``num_test_samples``      test examples evaluated
``num_calib_samples``     calibration examples (methods that calibrate)
``ann_accuracy``          the Keras model's accuracy on the same test examples
``snn_accuracy``          the SNN's accuracy
``timesteps``             timesteps per example (rate methods)
``k``                     timesteps per few-spike stage
``latency_timesteps``     timesteps from input to readout
``spikes_per_neuron``     mean spikes per non-input neuron per example
``synaptic_operations``   spikes delivered over synapses, per example
``ann_macs``              the ANN's multiply-accumulates per example
``wall_time_s``           conversion + evaluation wall time [s]
``snn_time_s``            SNN evaluation wall time [s]
``device``                what the SNN ran on
``snn_file``              the saved SNN (``<model>-<method>.h5``), relative to the folder
``error``                 the error text if loading/conversion/evaluation failed
``layers``                per population: ``population``, ``neuron``, ``neurons``,
                          ``spikes_per_neuron``, ``firing_rate_hz`` (spikes per neuron
                          per second of simulated time, ``dt`` in ms) and
                          ``synaptic_operations`` (into the population, per example),
                          ``ann_macs`` (the ANN's multiply-accumulates into it)
``sweep``                 ``{"parameter": "timesteps" | "k", "rows": [...]}``: rows of
                          the parameter, ``accuracy``, ``spikes_per_neuron``,
                          ``synaptic_operations``, ``latency_timesteps``
``diagnosis``             the per-population diagnosis of the first ``diagnose_samples``
                          test examples (:meth:`ml_genn_tf.diagnosis.Diagnosis.to_dict`):
                          ``method``, ``steps``, ``num_examples``, ``culprit`` (a layer
                          name or null), ``note`` (text or null), ``ann_accuracy``,
                          ``snn_accuracy``, ``agreement`` (same class predicted),
                          ``confusion`` (ANN class x SNN class counts) and ``rows`` (per
                          population: ``layer``, ``population``, ``kind``, ``neurons``,
                          ``sources``, ``correlation``, ``relative_error``,
                          ``local_error``, ``gain``, ``local_gain``, ``saturated``,
                          ``silent``, ``residual``, ``spikes_per_neuron``,
                          ``threshold``, ``hint``)
``raster``                spikes of the first ``raster_examples`` test examples
                          (:func:`ml_genn_tf.diagnosis.spike_raster`): ``examples``,
                          ``timesteps``, ``duration`` and per population ``population``,
                          ``neurons``, ``shown``, ``offset``, ``times`` and ``rows`` (one
                          list per example)
========================  ==============================================================

``results.csv`` has the scalar columns of :data:`CSV_COLUMNS` (``options`` as JSON).
Both files are written atomically. ``results.json`` is strict JSON: a value that is not
a finite number (NaN, infinity: an accuracy over no examples, say) is written as
``null``, so that every JSON reader (a browser's ``JSON.parse`` too) accepts the file.
"""
from __future__ import annotations

import csv
import io
import json
import math
import os
import tempfile
from pathlib import Path
from typing import Any

SCHEMA_VERSION = 1

#: Keys of every row, in order.
ROW_KEYS = ("model", "model_path", "method", "options", "dataset", "num_test_samples",
            "num_calib_samples", "ann_accuracy", "snn_accuracy", "timesteps", "k",
            "latency_timesteps", "spikes_per_neuron", "synaptic_operations", "ann_macs",
            "wall_time_s", "snn_time_s", "device", "snn_file", "error", "layers", "sweep",
            "diagnosis", "raster")

#: Columns of ``results.csv``.
CSV_COLUMNS = ("model", "method", "options", "ann_accuracy", "snn_accuracy", "timesteps",
               "k", "latency_timesteps", "spikes_per_neuron", "synaptic_operations",
               "ann_macs", "wall_time_s", "device", "error")


def new_row(**values: Any) -> dict:
    """A row with every key of :data:`ROW_KEYS` (``None`` unless given)."""
    unknown = set(values) - set(ROW_KEYS)
    if unknown:
        raise KeyError(f"Unknown results keys {sorted(unknown)}; keys: {ROW_KEYS}.")
    return {key: values.get(key) for key in ROW_KEYS}


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_atomic(path: str | os.PathLike, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file in the same folder."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=path.suffix)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
            f.write(text)
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def csv_text(rows: list[dict]) -> str:
    """``results.csv``'s content."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    for row in rows:
        writer.writerow(["" if row.get(c) is None else
                         json.dumps(row[c], sort_keys=True) if c == "options" else row[c]
                         for c in CSV_COLUMNS])
    return buffer.getvalue()


def finite_or_null(value: Any) -> Any:
    """``value`` with every float that is NaN or infinite, at any depth of its dicts,
    lists and tuples, replaced by None (JSON's ``null``)."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: finite_or_null(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [finite_or_null(v) for v in value]
    return value


def write_results(rows: list[dict], folder: str | os.PathLike) -> tuple[Path, Path]:
    """Write ``results.json`` and ``results.csv`` into ``folder``; returns their paths."""
    folder = Path(folder)
    json_path, csv_path = folder / "results.json", folder / "results.csv"
    write_atomic(json_path, json.dumps({"schema_version": SCHEMA_VERSION,
                                        "results": finite_or_null(rows)},
                                       indent=2, allow_nan=False) + "\n")
    write_atomic(csv_path, csv_text(rows))
    return json_path, csv_path


def read_results(source: Any) -> list[dict]:
    """The rows of a ``results.json`` file (a path), or ``source`` itself if it is
    already a list of rows.

    Raises:
        ValueError: the file is not a results file, or from a newer schema.
    """
    if isinstance(source, list):
        return source
    path = Path(source)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as err:
        raise ValueError(f"'{path}' is not a results.json file (invalid JSON: {err}).") \
            from None
    if not isinstance(data, dict) or "results" not in data:
        raise ValueError(f"'{path}' is not a results.json file (no 'results' list); "
                         f"write one with `ml-genn-tf convert`.")
    if int(data.get("schema_version", 0)) > SCHEMA_VERSION:
        raise ValueError(f"'{path}' uses results schema {data['schema_version']}, newer "
                         f"than this version reads ({SCHEMA_VERSION}); upgrade ml_genn_tf.")
    return list(data["results"])

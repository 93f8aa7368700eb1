"""Batch conversion: every model x method converted, evaluated against its ANN, saved,
and recorded in ``results.json`` / ``results.csv`` (see :mod:`.results`)."""
from __future__ import annotations

import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from tqdm.auto import tqdm

from .datasets import load_dataset
from .results import new_row, write_results

#: Conversion methods (the names of :data:`ml_genn_tf.METHODS`, without importing Keras).
METHOD_NAMES = ("few_spike", "data_norm", "simple", "spike_norm")
#: Methods that need calibration data.
CALIBRATED = ("few_spike", "data_norm", "spike_norm")


@dataclass
class BatchOptions:
    """The options of a batch conversion (the command line's and the TOML file's).

    Attributes:
        methods: conversion methods to run on every model.
        dataset: data set name or ``.npz`` file.
        out: output folder.
        timesteps: timesteps of the rate methods.
        k: few-spike timesteps per stage (None: the converter's default).
        calib_samples: calibration examples (from the training split).
        test_samples: test examples evaluated (None: all).
        batch_size: compiled batch size.
        precision: matrix precision of the compiled network.
        sweep: values of T to sweep for the rate methods, or None.
        sweep_k: values of k to sweep for few-spike, or None.
        scale: scale ``uint8`` images to [0, 1] float32 with a channel axis.
        method_options: extra ``convert_model`` options per method.

    Example:
        >>> options = BatchOptions(methods=["data_norm"], sweep=[16, 64])
        >>> convert_options("data_norm", options)
        {'batch_size': 128, 'precision': 'highest', 'evaluate_timesteps': 500}
    """

    methods: list = field(default_factory=lambda: ["few_spike"])
    dataset: str = "mnist"
    out: str = "snn-results"
    timesteps: int = 500
    k: int | None = None
    calib_samples: int = 1000
    test_samples: int | None = None
    batch_size: int = 128
    precision: str = "highest"
    sweep: list | None = None
    sweep_k: list | None = None
    scale: bool = True
    method_options: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        return asdict(self)


def convert_options(method: str, options: BatchOptions) -> dict:
    """``convert_model`` options of one method."""
    opts: dict[str, Any] = {"batch_size": options.batch_size, "precision": options.precision}
    if method == "few_spike":
        if options.k is not None:
            opts["k"] = options.k
    else:
        opts["evaluate_timesteps"] = options.timesteps
    opts.update(options.method_options.get(method, {}))
    return opts


def layer_statistics(snn: Any, results: dict) -> list[dict]:
    """Per population: spikes per neuron, firing rate [Hz] and synaptic operations."""
    steps = snn.k if snn.k is not None else snn.evaluate_timesteps
    seconds = steps * snn.compiler.dt / 1000.0
    spikes = results.get("spikes_per_population", {})
    synops = results.get("synaptic_operations_per_population", {})
    return [{"population": p.name, "neuron": type(p.neuron).__name__,
             "neurons": p.num_neurons, "spikes_per_neuron": spikes.get(p.name),
             "firing_rate_hz": None if spikes.get(p.name) is None
             else spikes[p.name] / seconds,
             "synaptic_operations": synops.get(p.name)} for p in snn.network.populations]


def _ann_accuracy(keras_model: Any, x: np.ndarray, y: np.ndarray, batch_size: int) -> float:
    out = keras_model.predict(x, batch_size=batch_size, verbose=0)
    out = out[0] if isinstance(out, list) else out
    return float(np.mean(np.asarray(out).reshape(len(y), -1).argmax(1) == y.reshape(-1)))


def convert_one(keras_model: Any, name: str, method: str, data: tuple, ann_accuracy: float,
                options: BatchOptions, progress: bool) -> dict:
    """Convert, evaluate, sweep and save one model x method; returns its results row."""
    from ml_genn.utils.activity import multiply_accumulates

    from ..convert import convert_model
    x_calib, x_test, y_test = data
    start = time.perf_counter()
    opts = convert_options(method, options)
    snn = convert_model(keras_model, method, data=x_calib if method in CALIBRATED else None,
                        progress=progress, **opts)
    snn.metadata["ann_accuracy"] = {"accuracy": ann_accuracy, "num_examples": len(y_test),
                                    "dataset": options.dataset}
    results = snn.evaluate(x_test, y_test, progress=progress)
    sweep = None
    parameter, values = ("k", options.sweep_k) if method == "few_spike" else \
        ("timesteps", options.sweep)
    if values:
        table = snn.sweep(x_test, y_test, **{parameter: values})
        sweep = {"parameter": parameter, "rows": list(table)}
    snn_file = f"{name}-{method}.h5"
    snn.save(Path(options.out) / snn_file)
    return new_row(model=name, method=method,
                   options={**snn.metadata["options"], **snn.compile_options},
                   dataset=options.dataset, num_test_samples=len(y_test),
                   num_calib_samples=len(x_calib) if method in CALIBRATED else None,
                   ann_accuracy=ann_accuracy, snn_accuracy=results["accuracy"],
                   timesteps=snn.evaluate_timesteps, k=snn.k,
                   latency_timesteps=results["latency_timesteps"],
                   spikes_per_neuron=results.get("spikes_per_neuron"),
                   synaptic_operations=results.get("synaptic_operations"),
                   ann_macs=multiply_accumulates(snn.network),
                   wall_time_s=time.perf_counter() - start, snn_time_s=results["time_s"],
                   snn_file=snn_file, layers=layer_statistics(snn, results), sweep=sweep)


def _failed(row: dict, stage: str, err: BaseException) -> dict:
    row["error"] = f"{stage}: {type(err).__name__}: {err}"
    print(f"ml-genn-tf: {row['model']} x {row['method']} failed: {row['error']}",
          file=sys.stderr)
    return row


def run_batch(models: list[str], options: BatchOptions, progress: bool = True) -> list[dict]:
    """Convert every model with every method; write the results after each row.

    A model that fails to load or convert is recorded with its error (also printed on
    stderr) and the others still run.
    """
    from ml_genn.backend.device import describe_devices

    from ..converters.converter import load_keras_model
    (x_train, _), (x_test, y_test) = load_dataset(options.dataset, scale=options.scale)
    x_calib = x_train[:options.calib_samples]
    x_test, y_test = x_test[:options.test_samples], y_test[:options.test_samples]
    device = describe_devices()
    rows: list[dict] = []
    bar = tqdm(total=len(models) * len(options.methods), desc="models x methods",
               disable=not progress)
    for path in models:
        name = Path(path).stem
        try:
            keras_model = load_keras_model(path)
            ann_accuracy = _ann_accuracy(keras_model, x_test, y_test, options.batch_size)
        except Exception as err:  # one bad model must not stop the batch
            for method in options.methods:
                rows.append(_failed(new_row(model=name, model_path=str(path), method=method,
                                            dataset=options.dataset, device=device),
                                    "loading the model", err))
                bar.update()
            write_results(rows, options.out)
            continue
        for method in options.methods:
            bar.set_postfix_str(f"{name} {method}")
            try:
                row = convert_one(keras_model, name, method, (x_calib, x_test, y_test),
                                  ann_accuracy, options, progress)
            except Exception as err:  # recorded in the results, the batch goes on
                row = _failed(new_row(model=name, method=method, dataset=options.dataset,
                                      ann_accuracy=ann_accuracy), "conversion", err)
            row.update(model_path=str(path), device=device)
            rows.append(row)
            write_results(rows, options.out)
            bar.update()
    bar.close()
    if not rows:
        write_results(rows, options.out)
    return rows

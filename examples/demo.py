"""Demo: turn the shipped MNIST CNN into spiking networks and compare their accuracy.

For each conversion method the trained Keras model (``models/mnist_cnn.keras``) is
converted with :func:`ml_genn_tf.convert_model`, run on the MNIST test set, and one
table compares the spiking network (SNN) with the original network (ANN):

* ``few_spike`` (Stöckl & Maass 2021): each neuron sends its value in ``k`` binary
  weighted spikes; alphas come from the calibration images.
* ``data_norm`` (Diehl et al. 2015, Rueckauer et al. 2017): rate coding over ``T``
  timesteps, weights normalised by activation statistics of the calibration images.
* ``simple``: rate coding with the Keras weights unchanged (threshold 1).
* ``spike_norm`` (Sengupta et al. 2019): rate coding, thresholds found layer by layer
  by running the SNN itself on calibration images.

Calibration images are taken from the *training* set; the test set is only evaluated.
Next to each accuracy, the diagnosis (``snn.diagnose`` on the first ``--diagnose``
test images) names the layer that loses accuracy, or "none".

Usage (``make demo`` runs the first line)::

    python examples/demo.py                    # full 10k test set, a few minutes on 2 CPU cores
    python examples/demo.py --limit 1000       # first 1000 test images
    python examples/demo.py --timesteps 500 --methods data_norm
"""
import argparse
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")  # silence TensorFlow's start-up log

import keras  # noqa: E402
import numpy as np  # noqa: E402

from ml_genn_tf import convert_model  # noqa: E402
from ml_genn_tf.datasets import load_mnist  # noqa: E402

MODEL = Path(__file__).resolve().parents[1] / "models" / "mnist_cnn.keras"
METHODS = ["few_spike", "data_norm", "simple", "spike_norm"]


def main() -> None:
    parser = argparse.ArgumentParser(description="Convert the MNIST CNN with every method.")
    parser.add_argument("--limit", type=int, default=None,
                        help="evaluate the first N test images (default: all 10,000)")
    parser.add_argument("--methods", nargs="+", choices=METHODS, default=METHODS)
    parser.add_argument("--k", type=int, default=8, help="few-spike timesteps K (8)")
    parser.add_argument("--timesteps", type=int, default=64,
                        help="timesteps T of the rate-coded methods (64; the full test set "
                             "takes about a minute per rate method and 100 steps on 2 CPU "
                             "cores, so T=500 takes about 8 minutes per method)")
    parser.add_argument("--calibration", type=int, default=10000,
                        help="training images used to calibrate (10,000; spike_norm uses "
                             "at most 500, as it runs the SNN once per layer)")
    parser.add_argument("--diagnose", type=int, default=256,
                        help="test images the per-layer diagnosis compares ANN and SNN on "
                             "(256; 0: skip it)")
    args = parser.parse_args()

    # Data: uint8 images (N, 28, 28) -> float32 (N, 28, 28, 1) in [0, 1], as the model expects.
    (x_train, _), (x_test, y_test) = load_mnist()
    x_test = x_test[:args.limit, ..., None].astype("float32") / 255.0
    y_test = y_test[:args.limit]
    x_calib = x_train[:args.calibration, ..., None].astype("float32") / 255.0

    ann = keras.saving.load_model(MODEL)
    ann_accuracy = float(np.mean(np.argmax(ann.predict(x_test, verbose=0), axis=1) == y_test))
    print(f"MNIST CNN ({MODEL.name}): ANN accuracy {100 * ann_accuracy:.2f}% "
          f"on {len(x_test)} test images\n", flush=True)

    rows = []
    for method in args.methods:
        if method == "few_spike":
            options, steps = {"k": args.k}, f"k={args.k}"
        else:
            options, steps = {"evaluate_timesteps": args.timesteps}, f"T={args.timesteps}"
        data = {"simple": None, "spike_norm": x_calib[:500]}.get(method, x_calib)

        start = time.perf_counter()
        snn = convert_model(ann, method, data=data, **options)
        result = snn.evaluate(x_test, y_test)
        elapsed = time.perf_counter() - start
        culprit = "-"
        if args.diagnose > 0:
            diagnosis = snn.diagnose(x_test[:args.diagnose], y_test[:args.diagnose])
            culprit = diagnosis.culprit or "none"

        rows.append((method, steps, 100 * ann_accuracy, 100 * result["accuracy"],
                     result["spikes_per_neuron"], elapsed, culprit))
        print(f"  {method}: done in {elapsed:.0f} s", file=sys.stderr, flush=True)

    print(f"{'method':<11} {'timesteps':>9} {'ANN %':>7} {'SNN %':>7} "
          f"{'spikes/neuron':>13} {'time s':>7}  culprit")
    for method, steps, ann_acc, snn_acc, spikes, seconds, culprit in rows:
        print(f"{method:<11} {steps:>9} {ann_acc:>7.2f} {snn_acc:>7.2f} "
              f"{spikes:>13.2f} {seconds:>7.1f}  {culprit}")
    print("\n(culprit: the first layer that adds a large error of its own, from "
          "snn.diagnose(), or none; time: conversion, calibration and simulation on this "
          "machine; spikes per neuron: mean over the non-input neurons, per test image)")


if __name__ == "__main__":
    main()

"""Accuracy of the converted SNNs against their ANNs on the full MNIST/Fashion-MNIST test sets.

For each row the shipped Keras model is converted with :func:`ml_genn_tf.convert_model`,
calibrated on a fixed slice of the **training** set (never on test images), and evaluated
on the test set. One table is printed: model, method, timesteps (``T`` for rate coding,
``k`` for few-spike), ANN accuracy, SNN accuracy, difference in points (SNN - ANN),
spikes per neuron (mean over non-input neurons, per image), conversion + calibration time,
simulation time and the diagnosis's culprit (``snn.diagnose`` on the first ``--diagnose``
test images: the first layer adding a large error of its own, or "none"); then PASS/FAIL
for the targets of issue 3:

* MNIST CNN, FewSpike (k=8): within 0.2 points of the ANN.
* MNIST CNN, DataNorm (T=500): within 0.5 points of the ANN.
* Fashion-MNIST ResNet, FewSpike (k=10): within 0.5 points of the ANN.
* Fashion-MNIST ResNets fine-tuned with QuantisedReLU (L = 4, 8), QCFS at T = L and 2L:
  within 1 point of the fine-tuned ANN (issue 15).

Reference rows (no target): MNIST DataNorm at T=64, Simple (T=200, Keras weights,
threshold 1), SpikeNorm (T=200, thresholds from 1,000 training images, 200 steps each);
Fashion DataNorm (T=500) with ``max_pool="spike_gate"`` (the documented opt-in
approximation of MaxPooling2D for rate coding; FewSpike's max pooling is exact).

Every method runs with ``convert_model``'s defaults apart from the options shown (rate
methods: current input, reset by subtraction, the default output readout; DataNorm also
99.9th-percentile normalisation, half-threshold initial potentials, layer-wise
potential calibration and the automatic readout delay; ``rng_seed=0``, batch size 128). The
latency curves of each calibration option are ``bench/latency.py``'s. With these defaults
the layer-wise calibration runs the SNN once per population for T steps, so the T=500
rows cost far more than they did with the converters' old defaults (~35 min for every
row then): the four MNIST rate rows took 1,529 s on the first 1,000 test images alone
(``--models mnist --methods data_norm simple spike_norm --limit 1000 --diagnose 0``, 2
shared CPU cores at load 7-8).

Usage::

    python bench/accuracy.py                         # all rows, full test sets (hours, 2 CPUs)
    python bench/accuracy.py --limit 1000            # first 1000 test images of each set
    python bench/accuracy.py --methods few_spike     # only some methods
    python bench/accuracy.py --models mnist --methods few_spike data_norm
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402
import numpy as np  # noqa: E402

from ml_genn_tf import convert_model  # noqa: E402
from ml_genn_tf.datasets import load_fashion_mnist, load_mnist  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
#: Images of the training set used to calibrate (the first ones; fixed).
CALIBRATION = 10000
#: SpikeNorm runs the SNN once per layer, so it calibrates on fewer images.
SPIKE_NORM_CALIBRATION = 1000


@dataclass
class Row:
    """One line of the table."""

    model: str
    method: str
    options: dict
    target: float | None = None  # largest allowed loss in points (ANN - SNN)
    results: dict = field(default_factory=dict)

    @property
    def steps(self) -> str:
        if "k" in self.options:
            return f"k={self.options['k']}"
        return f"T={self.options['evaluate_timesteps']}"

    @property
    def label(self) -> str:
        extra = ", ".join(f"{k}={v}" for k, v in self.options.items()
                          if k not in ("k", "evaluate_timesteps"))
        return self.method + (f" ({extra})" if extra else "")


ROWS = [
    Row("mnist", "few_spike", {"k": 8}, target=0.2),
    Row("mnist", "data_norm", {"evaluate_timesteps": 500}, target=0.5),
    Row("mnist", "data_norm", {"evaluate_timesteps": 64}),
    Row("mnist", "simple", {"evaluate_timesteps": 200}),
    Row("mnist", "spike_norm", {"evaluate_timesteps": 200}),
    Row("fashion", "few_spike", {"k": 10}, target=0.5),
    Row("fashion", "data_norm", {"evaluate_timesteps": 500, "max_pool": "spike_gate"}),
    # issue 15: QuantisedReLU fine-tuned ResNets (models/finetune_quantised.py), T = L, 2L
    Row("fashion_q4", "qcfs", {"evaluate_timesteps": 4}, target=1.0),
    Row("fashion_q4", "qcfs", {"evaluate_timesteps": 8}, target=1.0),
    Row("fashion_q8", "qcfs", {"evaluate_timesteps": 8}, target=1.0),
    Row("fashion_q8", "qcfs", {"evaluate_timesteps": 16}, target=1.0),
]

MODELS = {
    # name: (Keras file, loader, input divisor: the MNIST CNN takes x/255, the Fashion
    # ResNet raw pixels (it has a Rescaling layer))
    "mnist": ("mnist_cnn.keras", load_mnist, 255.0, "MNIST CNN"),
    "fashion": ("fashion_resnet.keras", load_fashion_mnist, 1.0, "Fashion ResNet"),
    "fashion_q4": ("fashion_resnet_q4.keras", load_fashion_mnist, 1.0, "Fashion ResNet Q4"),
    "fashion_q8": ("fashion_resnet_q8.keras", load_fashion_mnist, 1.0, "Fashion ResNet Q8"),
}


def load(model: str, limit: int | None, calibration: int) -> tuple:
    """The Keras model, test images/labels (first ``limit``) and calibration images."""
    filename, loader, divisor, _ = MODELS[model]
    (x_train, _), (x_test, y_test) = loader()
    x_test = x_test[:limit, ..., None].astype(np.float32) / divisor
    x_calib = x_train[:calibration, ..., None].astype(np.float32) / divisor
    ann = keras.saving.load_model(ROOT / "models" / filename)
    return ann, x_test, y_test[:limit], x_calib


def ann_accuracy(ann, x: np.ndarray, y: np.ndarray) -> float:
    return float(np.mean(np.argmax(ann.predict(x, batch_size=500, verbose=0), axis=1) == y))


def run_row(row: Row, ann, x, y, x_calib, batch_size: int, diagnose: int) -> dict:
    data = {"simple": None, "spike_norm": x_calib[:SPIKE_NORM_CALIBRATION]}.get(row.method,
                                                                                 x_calib)
    start = time.perf_counter()
    snn = convert_model(ann, row.method, data=data, batch_size=batch_size, **row.options)
    convert_s = time.perf_counter() - start
    result = snn.evaluate(x, y)
    run_s = time.perf_counter() - start - convert_s
    culprit = "-"
    if diagnose > 0:
        try:
            culprit = snn.diagnose(x[:diagnose], y[:diagnose]).culprit or "none"
        except NotImplementedError:  # a method without a decoder yet (qcfs)
            culprit = "-"
    return {"accuracy": result["accuracy"], "spikes_per_neuron": result["spikes_per_neuron"],
            "convert_s": convert_s, "run_s": run_s, "num_examples": result["num_examples"],
            "culprit": culprit}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--limit", type=int, default=None,
                        help="evaluate only the first N test images (default: all 10,000)")
    parser.add_argument("--methods", nargs="+", default=None,
                        choices=sorted({r.method for r in ROWS}),
                        help="only these methods (default: all rows)")
    parser.add_argument("--models", nargs="+", default=list(MODELS), choices=list(MODELS))
    parser.add_argument("--calibration", type=int, default=CALIBRATION,
                        help=f"first N training images used to calibrate ({CALIBRATION})")
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--diagnose", type=int, default=256,
                        help="test images of the per-layer diagnosis (256; 0: skip it)")
    parser.add_argument("--json", type=Path, default=None, help="also save the rows here")
    args = parser.parse_args()

    rows = [r for r in ROWS if r.model in args.models
            and (args.methods is None or r.method in args.methods)]
    if not rows:
        parser.error("no row matches --models/--methods")
    total_start = time.perf_counter()
    ann_acc, counts = {}, {}
    for model in args.models:
        model_rows = [r for r in rows if r.model == model]
        if not model_rows:
            continue
        ann, x, y, x_calib = load(model, args.limit, args.calibration)
        ann_acc[model] = ann_accuracy(ann, x, y)
        counts[model] = len(x)
        print(f"{MODELS[model][3]}: ANN {100 * ann_acc[model]:.2f}% on {len(x)} test images; "
              f"calibration: first {len(x_calib)} training images", file=sys.stderr, flush=True)
        for row in model_rows:
            row.results = run_row(row, ann, x, y, x_calib, args.batch_size, args.diagnose)
            print(f"  {row.label} {row.steps}: SNN {100 * row.results['accuracy']:.2f}% "
                  f"({row.results['convert_s'] + row.results['run_s']:.0f} s)",
                  file=sys.stderr, flush=True)

    header = (f"{'model':<15} {'method':<34} {'steps':>6} {'images':>6} {'ANN %':>6} "
              f"{'SNN %':>6} {'diff':>6} {'spk/neuron':>10} {'convert s':>9} {'run s':>7}"
              "  culprit")
    print(header)
    print("-" * len(header))
    for row in rows:
        res = row.results
        diff = 100 * (res["accuracy"] - ann_acc[row.model]) + 0.0
        print(f"{MODELS[row.model][3]:<15} {row.label:<34} {row.steps:>6} "
              f"{res['num_examples']:>6} {100 * ann_acc[row.model]:>6.2f} "
              f"{100 * res['accuracy']:>6.2f} {diff:>+6.2f} {res['spikes_per_neuron']:>10.3f} "
              f"{res['convert_s']:>9.1f} {res['run_s']:>7.1f}  {res['culprit']}")
    print()
    failed = 0
    for row in rows:
        if row.target is None:
            continue
        loss = 100 * (ann_acc[row.model] - row.results["accuracy"])
        ok = loss <= row.target + 1e-9
        failed += not ok
        subset = "" if counts[row.model] == 10000 else f" [{counts[row.model]} images only]"
        print(f"{'PASS' if ok else 'FAIL'}  {MODELS[row.model][3]} {row.method} {row.steps}: "
              f"SNN - ANN = {0.0 - loss:+.2f} points (target: within {row.target} points of "
              f"the ANN){subset}")
    print(f"\nTotal wall time: {time.perf_counter() - total_start:.0f} s")
    if args.json is not None:
        args.json.write_text(json.dumps(
            [{"model": r.model, "method": r.method, "options": r.options, "target": r.target,
              "ann_accuracy": ann_acc[r.model], **r.results} for r in rows], indent=1))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

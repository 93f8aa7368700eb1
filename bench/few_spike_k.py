"""Few-spike at small k: accuracy of the shipped models for k = 2 ... 10, with both
roundings of the hidden layers' K-bit code (``floor``: mlGeNN's truncation; ``nearest``),
and the agreement of the SNN's predictions with the ANN's on the calibration data that
the low-k warning of :class:`~ml_genn_tf.converters.FewSpike` computes.

Each model is calibrated once per rounding on the first ``--calibration`` training
images (never test images) and swept over k (``ConvertedModel.sweep(k=...)`` reuses the
calibration); accuracy is on the first ``--limit`` test images.

Usage::

    python bench/few_spike_k.py                          # both models, 2,000 test images
    python bench/few_spike_k.py --models mnist --limit 500
    python bench/few_spike_k.py --agreement-only          # the warning's measure only (fast)
"""
from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402
import numpy as np  # noqa: E402

from ml_genn_tf import convert_model  # noqa: E402
from ml_genn_tf.converters.few_spike_k import agreement_by_k  # noqa: E402
from ml_genn_tf.datasets import load_fashion_mnist, load_mnist  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
#: name: (Keras file, loader, input divisor (the Fashion ResNet rescales raw pixels itself))
MODELS = {"mnist": ("mnist_cnn.keras", load_mnist, 255.0),
          "fashion": ("fashion_resnet.keras", load_fashion_mnist, 1.0)}
KS = list(range(2, 11))


def load(name: str, limit: int, calibration: int) -> tuple:
    filename, loader, divisor = MODELS[name]
    (x_train, _), (x_test, y_test) = loader()
    x_test = x_test[:limit, ..., None].astype(np.float32) / divisor
    x_calib = x_train[:calibration, ..., None].astype(np.float32) / divisor
    return keras.saving.load_model(ROOT / "models" / filename), x_test, y_test[:limit], x_calib


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--models", nargs="+", default=list(MODELS), choices=list(MODELS))
    parser.add_argument("--limit", type=int, default=2000, help="test images")
    parser.add_argument("--calibration", type=int, default=10000, help="training images")
    parser.add_argument("--agreement-only", action="store_true",
                        help="only the agreement on the calibration data (no simulation)")
    args = parser.parse_args()
    print("| model | rounding | k | ANN acc. | SNN acc. | SNN - ANN [points] | "
          "spikes/neuron | agreement on calibration data |")
    print("|---|---|---|---|---|---|---|---|")
    for name in args.models:
        ann, x, y, x_calib = load(name, args.limit, args.calibration)
        ann_acc = float(np.mean(ann.predict(x, batch_size=500, verbose=0).argmax(1) == y))
        for rounding in ("floor", "nearest"):
            start = time.perf_counter()
            snn = convert_model(ann, "few_spike", data=x_calib, k=max(KS), rounding=rounding,
                                progress=False)
            agreement = agreement_by_k(snn.converter, KS + [16])
            rows = {k: {} for k in KS}
            if not args.agreement_only:
                rows = {r["k"]: r for r in snn.sweep(x, y, k=KS)}
            for k in KS:
                acc = rows[k].get("accuracy")
                shown = "-" if acc is None else f"{100 * acc:.2f}"
                diff = "-" if acc is None else f"{100 * (acc - ann_acc):+.2f}"
                spikes = rows[k].get("spikes_per_neuron")
                print(f"| {name} | {rounding} | {k} | {100 * ann_acc:.2f} | {shown} | {diff} | "
                      f"{'-' if spikes is None else f'{spikes:.2f}'} | "
                      f"{agreement[k]:.4f} |", flush=True)
            print(f"<!-- {name} {rounding}: agreement at k=16 {agreement[16]:.4f}; "
                  f"{time.perf_counter() - start:.0f} s -->", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

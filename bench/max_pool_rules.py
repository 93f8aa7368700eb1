"""Rate-coded approximations of MaxPooling2D, compared on the shipped Fashion-MNIST ResNet.

MaxPooling2D has no exact rate-coded equivalent (FewSpike's is exact). This script
converts ``models/fashion_resnet.keras`` with DataNorm (Poisson input, the converters'
defaults otherwise), calibrated on the first 10,000 training images, once per rule of
:class:`~ml_genn.connectivity.MaxPool2D` (``max_pool=`` of the rate converters), and
prints the accuracy on the first ``--limit`` test images and the agreement of the SNN's
argmax with the ANN's, next to the ANN's accuracy.

Usage::

    python bench/max_pool_rules.py --limit 1000 --timesteps 100 500
"""
from __future__ import annotations

import argparse
import os
import time
import warnings
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402
import numpy as np  # noqa: E402

from ml_genn.connectivity.max_pool_2d import RATE_RULES  # noqa: E402
from ml_genn_tf import convert_model  # noqa: E402
from ml_genn_tf.datasets import load_fashion_mnist  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--limit", type=int, default=1000)
    parser.add_argument("--timesteps", type=int, nargs="+", default=[500])
    parser.add_argument("--rules", nargs="+", default=list(RATE_RULES))
    parser.add_argument("--batch-size", type=int, default=250)
    parser.add_argument("--data", default=None,
                        help="an .npz with x_train, x_test, y_test (default: the installed "
                             "Fashion-MNIST)")
    args = parser.parse_args()
    if args.data:
        arrays = np.load(args.data)
        x_train, x_test, y_test = arrays["x_train"], arrays["x_test"], arrays["y_test"]
    else:
        (x_train, _), (x_test, y_test) = load_fashion_mnist()
    x = x_test[:args.limit, ..., None].astype(np.float32)
    y = y_test[:args.limit]
    calib = x_train[:10000, ..., None].astype(np.float32)
    ann = keras.saving.load_model(ROOT / "models" / "fashion_resnet.keras")
    ann_pred = ann.predict(x, batch_size=500, verbose=0).argmax(1)
    print(f"ANN accuracy on {len(x)} test images: {np.mean(ann_pred == y):.4f}")
    print("| rule | T | accuracy | agreement with ANN | time [s] |")
    print("|---|---|---|---|---|")
    for steps in args.timesteps:
        for rule in args.rules:
            start = time.perf_counter()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", UserWarning)
                snn = convert_model(ann, "data_norm", data=calib, evaluate_timesteps=steps,
                                    max_pool=rule, batch_size=args.batch_size)
            pred = snn.predict(x).argmax(1)
            print(f"| {rule} | {steps} | {np.mean(pred == y):.4f} | "
                  f"{np.mean(pred == ann_pred):.4f} | {time.perf_counter() - start:.0f} |",
                  flush=True)


if __name__ == "__main__":
    main()

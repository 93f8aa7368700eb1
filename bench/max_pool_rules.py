"""Rate-coded approximations of MaxPooling2D, compared on the shipped Fashion-MNIST ResNet.

MaxPooling2D has no exact rate-coded equivalent (FewSpike's is exact). This script
converts ``models/fashion_resnet.keras`` with DataNorm (Poisson input, the converters'
defaults otherwise), calibrated on the first 10,000 training images, once per rule of
:class:`~ml_genn.connectivity.MaxPool2D` (``max_pool=`` of the rate converters), and
prints the accuracy on ``--limit`` test images (from ``--offset``) and the agreement of
the SNN's argmax with the ANN's, next to the ANN's accuracy. The rules see the same
Poisson input (one ``rng_seed``), so each pair of rules is compared image by image too:
how many images only one of them classifies correctly (a sign test of these counts says
whether the difference is more than chance).

Usage::

    python bench/max_pool_rules.py --limit 1000 --timesteps 200 500
"""
from __future__ import annotations

import argparse
import math
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
    parser.add_argument("--offset", type=int, default=0, help="first test image")
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
    window = slice(args.offset, args.offset + args.limit)
    x = x_test[window, ..., None].astype(np.float32)
    y = y_test[window]
    calib = x_train[:10000, ..., None].astype(np.float32)
    ann = keras.saving.load_model(ROOT / "models" / "fashion_resnet.keras")
    ann_pred = ann.predict(x, batch_size=500, verbose=0).argmax(1)
    print(f"ANN accuracy on test images {args.offset}-{args.offset + len(x) - 1}: "
          f"{np.mean(ann_pred == y):.4f}")
    print("| rule | T | accuracy | agreement with ANN | time [s] |")
    print("|---|---|---|---|---|")
    right = {}
    for steps in args.timesteps:
        for rule in args.rules:
            start = time.perf_counter()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", UserWarning)
                snn = convert_model(ann, "data_norm", data=calib, evaluate_timesteps=steps,
                                    max_pool=rule, batch_size=args.batch_size,
                                    progress=False)
            pred = snn.predict(x).argmax(1)
            right[rule, steps] = pred == y
            print(f"| {rule} | {steps} | {np.mean(pred == y):.4f} | "
                  f"{np.mean(pred == ann_pred):.4f} | {time.perf_counter() - start:.0f} |",
                  flush=True)
    for steps in args.timesteps:
        for i, a in enumerate(args.rules):
            for b in args.rules[i + 1:]:
                only_a = int(np.sum(right[a, steps] & ~right[b, steps]))
                only_b = int(np.sum(right[b, steps] & ~right[a, steps]))
                print(f"T={steps}: only {a} right on {only_a} images, only {b} on "
                      f"{only_b} (two-sided sign test p={sign_test(only_a, only_b):.3f})")


def sign_test(a: int, b: int) -> float:
    """Two-sided p-value of ``a`` successes in ``a + b`` fair coin flips."""
    n = a + b
    if n == 0:
        return 1.0
    tail = sum(math.comb(n, i) for i in range(min(a, b) + 1)) / 2.0 ** n
    return min(1.0, 2.0 * tail)


if __name__ == "__main__":
    main()

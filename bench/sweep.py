"""Cost of an 8-value accuracy sweep: one sweep call against reconverting for each value.

For the shipped MNIST CNN, on the first ``--limit`` test images (calibration on the first
``--calib`` training images):

* DataNorm, 8 values of T: ``snn.sweep(x, y, timesteps=[...])`` simulates once to the
  largest T and reads every checkpoint, against ``convert_model(..., evaluate_timesteps=T)``
  plus ``evaluate`` for each T (a calibration pass and a compilation each).
* FewSpike, 8 values of k: ``snn.sweep(x, y, k=[...])`` reuses the conversion's
  calibration, against ``convert_model(..., k=k)`` plus ``evaluate`` for each k.

The swept and reconverted accuracies are printed side by side (they are equal: the
sweep is exact, tested in ``tests/ml_genn_tf/tools/test_sweep.py``).

Usage::

    python bench/sweep.py                       # 200 test images, CPU-sized T values
    python bench/sweep.py --limit 1000 --timesteps 16 32 64 128 256 384 512 1024
    python bench/sweep.py --methods few_spike --calib 10000
"""
from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from ml_genn.backend.device import describe_devices  # noqa: E402
from ml_genn_tf import convert_model  # noqa: E402
from ml_genn_tf.datasets import load_mnist  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


def timed(fn):
    start = time.perf_counter()
    value = fn()
    return value, time.perf_counter() - start


def compare(name: str, method: str, key: str, values: list, x, y, calib, options: dict):
    """Print the one-call sweep and the reconverting loop, with their times."""
    model = str(ROOT / "models" / "mnist_cnn.keras")
    top = {key: max(values)} if key == "evaluate_timesteps" else {key: values[-1]}
    sweep_key = "timesteps" if key == "evaluate_timesteps" else "k"

    def one_sweep():
        snn = convert_model(model, method, data=calib, **options, **top)
        return snn.sweep(x, y, **{sweep_key: values})
    table, sweep_s = timed(one_sweep)

    def reconvert():
        return [convert_model(model, method, data=calib, **options, **{key: v})
                .evaluate(x, y)["accuracy"] for v in values]
    accuracies, loop_s = timed(reconvert)
    print(f"\n{name}: {len(values)} values of {sweep_key} on {len(x)} test images")
    print(f"  {sweep_key:>9}  sweep acc %  reconverted acc %")
    for row, accuracy in zip(table, accuracies, strict=True):
        print(f"  {row[sweep_key]:>9}  {100 * row['accuracy']:>11.2f}  {100 * accuracy:>17.2f}")
    print(f"  one sweep (convert once + sweep): {sweep_s:7.1f} s")
    print(f"  reconverting for every value:     {loop_s:7.1f} s   ({loop_s / sweep_s:.1f}x)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--limit", type=int, default=200, help="test images")
    parser.add_argument("--calib", type=int, default=1000, help="calibration images")
    parser.add_argument("--timesteps", type=int, nargs=8,
                        default=[8, 16, 24, 32, 48, 64, 96, 128])
    parser.add_argument("--k", type=int, nargs=8, default=[2, 4, 6, 8, 10, 12, 14, 16])
    parser.add_argument("--methods", nargs="+", choices=["data_norm", "few_spike"],
                        default=["data_norm", "few_spike"])
    args = parser.parse_args()
    (x_train, _), (x_test, y_test) = load_mnist()
    x = x_test[:args.limit, ..., None] / 255.0
    y = y_test[:args.limit]
    calib = x_train[:args.calib, ..., None] / 255.0
    print(f"Device: {describe_devices()}")
    options = {"batch_size": 128}
    if "data_norm" in args.methods:
        compare("DataNorm (Poisson input)", "data_norm", "evaluate_timesteps",
                args.timesteps, x, y, calib, options)
    if "few_spike" in args.methods:
        compare("FewSpike", "few_spike", "k", args.k, x, y, calib, options)


if __name__ == "__main__":
    main()

"""The few-spike k check's parts side by side in one process, for keras.applications
members (bench/applications.py's models): the ANN reference taken from the outputs the
calibration pass kept against a second Keras pass over the check's 256 images, and the
quantised forward pass with its float32 convolutions run by Keras' ops against NumPy's
window-and-tensordot evaluation. Prints the seconds of each (best of ``--repeat``) and
the ratios.

Usage::

    python bench/k_check_parts.py ResNet50 Xception
"""
from __future__ import annotations

import argparse
import os
import sys
import time
import warnings
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
sys.path.insert(0, str(Path(__file__).resolve().parent))

from applications import build, images, raw_pixels  # noqa: E402

import ml_genn_tf.converters.few_spike_k as few_spike_k  # noqa: E402
from ml_genn_tf import convert_model  # noqa: E402
from ml_genn_tf.graph.keras_ops import apply_op_float32  # noqa: E402
from ml_genn_tf.graph.ops import apply_op  # noqa: E402


def best(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("members", nargs="+")
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()
    print(f"load average at start: {os.getloadavg()[0]:.1f}")
    print("| member | reference: Keras pass s | kept by calibration s | ratio | "
          "quantised pass, NumPy convs s | Keras convs s | ratio |")
    print("|---|---|---|---|---|---|---|")
    for member in args.members:
        print(row(member, args.repeat), flush=True)


def row(member: str, repeat: int) -> str:
    """The table row of ``member``."""
    model = build(member)
    x = images(model, few_spike_k.SAMPLE, 10)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        snn = convert_model(model, "few_spike", data=x, signed_input=raw_pixels(model),
                            progress=False)
    converter = snn.converter
    mapped = few_spike_k.float32_model(converter.mapped)
    xs = few_spike_k.calibration_sample(converter)
    keras_pass = best(lambda: few_spike_k.ann_outputs(model, mapped, xs), repeat)
    kept = best(lambda: few_spike_k.calibration_outputs(converter, xs), repeat)
    passes = {}
    for name, evaluate in (("numpy", apply_op), ("keras", apply_op_float32)):
        few_spike_k.apply_op_float32 = evaluate   # the pass's evaluator, swapped
        passes[name] = best(lambda: few_spike_k.predictions(converter, xs, converter.k,
                                                            mapped), repeat)
    few_spike_k.apply_op_float32 = apply_op_float32
    return (f"| {member} | {keras_pass:.2f} | {kept:.3f} | {keras_pass / kept:.0f} | "
            f"{passes['numpy']:.2f} | {passes['keras']:.2f} | "
            f"{passes['numpy'] / passes['keras']:.1f} |")

if __name__ == "__main__":
    main()

"""SpikeNorm: one compiled network read level by level, against the definition re-stated
population by population (one network, hence one compilation, per population, as
mlGeNN and this project's SpikeNorm before did), side by side in one run.

For each keras.applications member (bench/applications.py: random weights, BatchNorm
statistics from training-mode passes, smallest input size), ``SpikeNorm`` converts with
``--images`` calibration images at T=``--timesteps`` (integrate-and-fire input, so both
runs see the same input spikes); then the reference finds every threshold again. Prints
both times, their ratio and the largest relative difference of the thresholds.

Usage::

    python bench/spike_norm.py MobileNet_0.25 ResNet50
"""
from __future__ import annotations

import argparse
import os
import time
import warnings

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402
from applications import build, images, raw_pixels  # noqa: E402

from ml_genn.compilers import InferenceCompiler  # noqa: E402
from ml_genn.neurons import LeakyIntegrate  # noqa: E402
from ml_genn_tf.converters import SpikeNorm  # noqa: E402


def reference_threshold(converter: SpikeNorm, name: str, thresholds: dict, x: np.ndarray,
                        steps: int) -> float:
    """Threshold of population ``name`` by the definition: the network of its ancestors
    (with ``thresholds``), ``name`` replaced by a probe of its single-step input (and
    bias), run on ``x``; the probe's largest value."""
    mapped = converter.mapped
    net, *_ = converter.build_network(mapped, None, only=mapped.ancestors(name))
    pops = {p.name: p for p in net.populations}
    for other, value in thresholds.items():
        if other in pops:
            pops[other].neuron.v_thresh = value
    spec = mapped[name]
    bias = 0.0 if spec.bias is None else spec.bias.reshape(spec.shape).astype(np.float32)
    pops[name].neuron = LeakyIntegrate(tau_mem=1e-6, bias=bias, readout="max_var")
    inputs = [pops[n] for n in mapped.inputs]
    compiled = InferenceCompiler(evaluate_timesteps=steps, batch_size=len(x)).compile(net)
    with compiled:
        out, _ = compiled.predict({inputs[0]: x}, [pops[name]], callbacks=[])
    value = float(np.max(out[pops[name]]))
    return value if value > 0 else 1.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("members", nargs="+")
    parser.add_argument("--images", type=int, default=4)
    parser.add_argument("--timesteps", type=int, default=8)
    args = parser.parse_args()
    print("| member | populations | SpikeNorm s | population by population s | ratio | "
          "largest relative threshold difference |")
    print("|---|---|---|---|---|---|")
    for member in args.members:
        model = build(member)
        x = images(model, args.images, 10)
        converter = SpikeNorm(args.timesteps, norm_data=x, input_type="if",
                              signed_input=raw_pixels(model))
        converter.progress = False
        start = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            converter.convert(model)
        fast = time.perf_counter() - start
        found = converter.thresholds
        start = time.perf_counter()
        reference = {}
        for name in found:                                  # DAG order
            reference[name] = reference_threshold(converter, name, reference, x,
                                                  args.timesteps)
        slow = time.perf_counter() - start
        diff = max(abs(found[n] - reference[n]) / reference[n] for n in found)
        print(f"| {member} | {len(converter.mapped.populations)} | {fast:.1f} | {slow:.1f} | "
              f"{slow / fast:.1f} | {diff:.2g} |", flush=True)


if __name__ == "__main__":
    main()

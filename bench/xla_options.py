"""What the XLA options of a network's programs change, side by side in one run.

Per network (mlGeNN's VGG-16 and ResNet-20 examples as few-spike SNNs, CIFAR-10
shapes, random weights, k=10) and batch size, the same network compiled with each set
of options (``Simulator.compiler_options``, set before any program is built):

* ``xla``: XLA's own defaults (command buffers for its default kinds only);
* ``ours``: what ``ml_genn`` uses (``ml_genn/backend/xla_options.py``: cuDNN
  convolutions in command buffers too, on a CUDA GPU);
* ``conv_fusion``: ours plus cuDNN's runtime-fused convolutions
  (``xla_gpu_experimental_enable_conv_fusion``), not a default.

Columns: device-only images/s (``throughput.device_only_rate``, compiled with the same
options), ``evaluate()`` and ``predict()`` images/s and their ratio to device-only,
the host's median time to dispatch one transfer group's program (the time XLA takes to
launch its work), and the largest difference of the readouts from ``xla``'s.

Usage::

    python bench/xla_options.py                          # both networks, batch 256
    python bench/xla_options.py --nets resnet20 --batch-sizes 256 512
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import jax
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from throughput import (  # noqa: E402
    NETWORKS,
    add_network_arguments,
    ann_activations,
    best_time,
    device_only_rate,
    few_spike_network,
)

from ml_genn.backend.xla_options import program_options  # noqa: E402
from ml_genn.compilers import FewSpikeCompiler  # noqa: E402


def option_sets(device) -> dict:
    ours = program_options(device) or {}
    return {"xla": None, "ours": ours or None,
            "conv_fusion": {**ours, "xla_gpu_experimental_enable_conv_fusion": True}}


def timed_dispatches(sim, times: list) -> None:
    """Record the host's time in each dispatch of a transfer group's program."""
    jit = sim.jit

    def timing_jit(key, builder):
        fn = jit(key, builder)
        if not (isinstance(key, tuple) and key and key[0] == "group"):
            return fn

        def timed(*args):
            start = time.perf_counter()
            out = fn(*args)
            times.append(time.perf_counter() - start)
            return out
        return timed
    sim.jit = timing_jit


def row(name, batch, label, options, net, inp, out, x, y, reference, args):
    """Compile ``net`` with ``options``, print its row and return its readouts (the
    first row's are the ``reference`` of the others)."""
    n = len(x)
    compiled = FewSpikeCompiler(k=args.k, batch_size=batch, precision="default").compile(net)
    sim = compiled.simulator
    sim.compiler_options = options
    times: list = []
    timed_dispatches(sim, times)
    readouts = compiled.predict({inp: x}, out, callbacks=[])[0][out]
    reference = readouts if reference is None else reference
    dev = device_only_rate(compiled, x, args.eval_batches)
    compiled.evaluate({inp: x}, {out: y}, callbacks=[])
    times.clear()
    ev = n / best_time(lambda: compiled.evaluate({inp: x}, {out: y}, callbacks=[]), 5)
    dispatch = float(np.median(times)) * 1e3
    pr = n / best_time(lambda: compiled.predict({inp: x}, out, callbacks=[]), 5)
    diff = float(np.max(np.abs(readouts - reference)))
    print(f"{name:8s} {batch:5d} {label:12s} {dev:9.0f} {ev:9.0f} {ev / dev:5.2f} "
          f"{pr:9.0f} {pr / dev:5.2f} {dispatch:7.2f} {diff:9.2e}", flush=True)
    return reference


def main() -> None:
    on_gpu = jax.default_backend() == "gpu"
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_network_arguments(parser, 1.0 if on_gpu else 0.125)
    parser.add_argument("--k", type=int, default=10)
    parser.add_argument("--eval-batches", type=int, default=64 if on_gpu else 4)
    args = parser.parse_args()
    device = jax.devices()[0]
    print(f"device: {device.device_kind} ({jax.default_backend()}), jax {jax.__version__}, "
          f"width x{args.width}, k={args.k}, {args.eval_batches} batches per call; ours: "
          f"{program_options(device)}", flush=True)
    print(f"{'net':8s} {'batch':>5s} {'options':12s} {'dev':>9s} {'eval':>9s} {'e/d':>5s} "
          f"{'predict':>9s} {'p/d':>5s} {'disp ms':>7s} {'max|diff|':>9s}", flush=True)
    rng = np.random.default_rng(0)
    for name in args.nets:
        nodes = NETWORKS[name](args.width, rng)
        acts = ann_activations(nodes, rng)
        for batch in args.batch_sizes:
            n = args.eval_batches * batch
            x = rng.uniform(0, 1, (n, 32, 32, 3)).astype(np.float32)
            y = rng.integers(0, 10, n).astype(np.int32)
            net, inp, out = few_spike_network(nodes, acts, 1.0, args.k)
            reference = None
            for label, options in option_sets(device).items():
                reference = row(name, batch, label, options, net, inp, out, x, y, reference,
                                args)
    print("images/s; e/d, p/d: evaluate() and predict() over device-only; disp ms: the "
          "host's median time in one group program's dispatch.")


if __name__ == "__main__":
    main()

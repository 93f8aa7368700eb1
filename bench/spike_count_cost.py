"""What the default spike statistics of ``RunnableModel.evaluate`` (the path of
``ml_genn_tf.ConvertedModel.evaluate``) cost on the device, and how much of the
user's path is lost around them.

Per network (mlGeNN's VGG-16 and ResNet-20 examples as few-spike SNNs, CIFAR-10
shapes, random weights, k=10) and batch size it prints, side by side from one run:

* ``dev``: the batch program, no recordings, scanned over ``--batches`` device-resident
  batches in one program (``throughput.scanned_rate``: no dispatch per batch);
* ``dev+cnt``: the same program with every population's spike count per example
  (``SPIKE_COUNT``: the set bits of its codes), which is what the statistics ask for;
* ``model ev``: ``RunnableModel.evaluate`` with its default spike statistics, and its
  ratio to ``dev+cnt`` (the user's path over the device program that computes the same)
  and to ``dev``;
* with ``--profile N``: the kernels of both programs (``bench/profile_kernels.py``).

Usage::

    python bench/spike_count_cost.py                         # VGG-16, ResNet-20 at 256, 512
    python bench/spike_count_cost.py --nets vgg16 --batch-sizes 256 --profile 3
"""
from __future__ import annotations

import argparse
import sys
from functools import partial
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from profile_kernels import print_table, profile  # noqa: E402
from throughput import (  # noqa: E402
    NETWORKS,
    ann_activations,
    best_time,
    few_spike_network,
    scanned_rate,
    stacked_batches,
)

from ml_genn import RunnableModel  # noqa: E402
from ml_genn.backend.schedules.few_spike import program as few_spike_program  # noqa: E402
from ml_genn.compilers import FewSpikeCompiler  # noqa: E402
from ml_genn.utils.recording import SPIKE_COUNT  # noqa: E402


def counting_program(sim, populations):
    """The few-spike batch program with ``SPIKE_COUNT`` recorded for ``populations``."""
    record = tuple((i, SPIKE_COUNT) for i in populations)
    return jax.jit(partial(few_spike_program, sim, record=record),
                   compiler_options=sim.compiler_options)


def measure(name, nodes, acts, batch, args, rng) -> None:
    """Print one row (and with ``--profile`` the kernel tables) for ``name`` at ``batch``."""
    net, inp, out = few_spike_network(nodes, acts, 1.0, args.k)
    model = RunnableModel(net, [inp], [out], FewSpikeCompiler(k=args.k, batch_size=batch,
                                                                precision=args.precision))
    n = args.batches * batch
    x_host = rng.uniform(0, 1, (n, 32, 32, 3)).astype(np.float32)
    y_host = rng.integers(0, 10, n)
    model.evaluate(x_host, y_host)  # compiles every program the timed call runs
    ev = n / best_time(lambda: model.evaluate(x_host, y_host))
    sim = model.compiled().simulator
    inputs = {0: jnp.asarray(x_host[:batch])[:, None]}
    first = sim.placement.scalar(0)
    plain = jax.jit(partial(few_spike_program, sim, record=()),
                    compiler_options=sim.compiler_options)
    counting = counting_program(sim, range(len(sim.plan.populations)))
    xs = stacked_batches(x_host, args.batches, batch)
    dev = scanned_rate(partial(few_spike_program, sim, record=()), sim, xs, first)
    cnt = scanned_rate(partial(few_spike_program, sim, record=tuple(
        (i, SPIKE_COUNT) for i in range(len(sim.plan.populations)))), sim, xs, first)
    print(f"{name:8s} {batch:5d} {dev:9.0f} {cnt:9.0f} {cnt / dev:7.2f} {ev:9.0f} "
          f"{ev / cnt:12.2f} {ev / dev:6.2f}", flush=True)
    if args.profile:
        base = profile(lambda: plain(sim.params, inputs, first), args.profile)
        counted = profile(lambda: counting(sim.params, inputs, first), args.profile)
        print_table(f"{name} b{batch} no counts", base, args.profile_top)
        print_table(f"{name} b{batch} with counts", counted, args.profile_top)


def main() -> None:
    on_gpu = jax.default_backend() == "gpu"
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--nets", nargs="+", default=["vgg16", "resnet20"],
                        choices=list(NETWORKS))
    parser.add_argument("--batch-sizes", type=int, nargs="+",
                        default=[256, 512] if on_gpu else [16])
    parser.add_argument("--width", type=float, default=1.0 if on_gpu else 0.125)
    parser.add_argument("--k", type=int, default=10)
    parser.add_argument("--batches", type=int, default=64 if on_gpu else 4,
                        help="batches per timed call")
    parser.add_argument("--precision", default="default",
                        help="the SNN's matrix precision ('default', as bench/throughput.py)")
    parser.add_argument("--profile", type=int, default=0, metavar="CALLS")
    parser.add_argument("--profile-top", type=int, default=8)
    args = parser.parse_args()
    print(f"device: {jax.devices()[0].device_kind} ({jax.default_backend()}), jax "
          f"{jax.__version__}, width x{args.width}, k={args.k}, precision {args.precision!r}",
          flush=True)
    print(f"{'net':8s} {'batch':>5s} {'dev':>9s} {'dev+cnt':>9s} {'cnt/dev':>7s} "
          f"{'model ev':>9s} {'ev/(dev+cnt)':>12s} {'ev/dev':>6s}", flush=True)
    rng = np.random.default_rng(0)
    for name in args.nets:
        nodes = NETWORKS[name](args.width, rng)
        acts = ann_activations(nodes, rng)
        for batch in args.batch_sizes:
            measure(name, nodes, acts, batch, args, rng)
    print("img/s. cnt/dev: the device program with spike counts over the one without; "
          "ev/(dev+cnt): RunnableModel.evaluate (spike statistics on) over the device "
          "program that computes the same (the user's path); ev/dev: over the program "
          "without counts.", flush=True)


if __name__ == "__main__":
    main()

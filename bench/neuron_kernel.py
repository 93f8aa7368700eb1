"""The layer schedule's neuron update over a chunk: one Pallas kernel against XLA's
fusion of the unrolled steps, side by side in one run.

1. One population (integrate-and-fire, ``--shape``, batch ``--batch``, a chunk of
   ``--steps`` steps of float16 input with a float32 tail): the time of
   ``neuron_steps`` (``ml_genn/backend/schedules/neuron_kernel.py``) and of the same
   ``step`` scanned and unrolled in XLA (as the layer schedule does without kernels),
   the bytes each must move per second, whether they agree bitwise, and a float16
   copy of the input for scale.
2. With ``--nets``: the rate-coded network (``bench/throughput.py``'s, random weights,
   T=``--timesteps``, ``--precision``) device-only with the kernels for each
   ``--chunks`` and without them (``fuse_neuron_steps=False``) at the default chunk.

Usage (GPU; on a CPU the kernel runs in Pallas' interpreter, slowly)::

    python bench/neuron_kernel.py
    python bench/neuron_kernel.py --nets vgg16 resnet20 --chunks 10 20 25 50
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from low_precision import batch_program  # noqa: E402
from throughput import NETWORKS, ann_activations, best_time, device_rate, rate_network  # noqa: E402

from ml_genn.backend.neurons import build_dynamics  # noqa: E402
from ml_genn.backend.schedules.neuron_kernel import neuron_steps  # noqa: E402
from ml_genn.compilers import InferenceCompiler  # noqa: E402
from ml_genn.neurons import IntegrateFire  # noqa: E402


def one_population(neuron, shape, batch, steps, interpret) -> None:
    rng = np.random.default_rng(0)
    dyn = build_dynamics(neuron, shape, 1.0)
    p = dyn.params(rng)
    state = dyn.initial_state(p, batch, None)
    tail = jnp.asarray(rng.uniform(0, 0.5, (1, batch) + shape).astype(np.float32))
    sums = jnp.asarray(rng.uniform(-0.2, 0.6, (steps, batch) + shape).astype(np.float16))

    def xla(state, tail, sums):
        drive = jnp.concatenate([tail, sums.astype(jnp.float32)])[:steps]
        state, events = jax.lax.scan(lambda s, d: dyn.step(p, s, d, None), state, drive,
                                     unroll=steps)
        return state, events.astype(jnp.float16)

    def kernel(state, tail, sums):
        return neuron_steps(dyn, p, state, [[(tail, sums, None)]], jnp.float16,
                            interpret=interpret)

    copy = jax.jit(lambda sums: sums * jnp.float16(2))

    runs = {"xla": jax.jit(xla), "kernel": jax.jit(kernel)}
    outs = {k: jax.block_until_ready(f(state, tail, sums)) for k, f in runs.items()}
    same = all(bool(jnp.array_equal(a, b)) for a, b in
               zip(jax.tree_util.tree_leaves(outs["xla"]),
                   jax.tree_util.tree_leaves(outs["kernel"]), strict=True))
    moved = sums.size * 4 + state.v.size * 8   # float16 in and out, v in and out
    times = {k: best_time(lambda f=f: jax.block_until_ready(
        [f(state, tail, sums) for _ in range(10)]), 3) / 10 for k, f in runs.items()}
    t_copy = best_time(lambda: jax.block_until_ready(
        [copy(sums) for _ in range(10)]), 3) / 10
    print(f"{type(neuron).__name__} {shape} batch {batch}, {steps} steps: XLA "
          f"{1e3 * times['xla']:.3f} ms "
          f"({moved / times['xla'] / 1e12:.2f} TB/s), kernel {1e3 * times['kernel']:.3f} "
          f"ms ({moved / times['kernel'] / 1e12:.2f} TB/s), kernel "
          f"{times['xla'] / times['kernel']:.2f}x XLA, bitwise equal {same}; float16 copy "
          f"{1e3 * t_copy:.3f} ms ({sums.size * 4 / t_copy / 1e12:.2f} TB/s)", flush=True)


def networks(names, batch, timesteps, precision, chunks) -> None:
    rng = np.random.default_rng(0)
    for name in names:
        nodes = NETWORKS[name](1.0, rng)
        acts = ann_activations(nodes, rng)
        x_dev = jax.device_put(rng.uniform(0, 1, (batch, 32, 32, 3)).astype(np.float32))
        for chunk, fuse in [(None, False)] + [(c, None) for c in chunks]:
            start = time.perf_counter()
            net, _, _ = rate_network(nodes, acts)
            with InferenceCompiler(evaluate_timesteps=timesteps, batch_size=batch,
                                   precision=precision, time_chunk=chunk,
                                   fuse_neuron_steps=fuse).compile(net) as compiled:
                rate = max(device_rate(batch_program(compiled, x_dev, (0, 0)), 4, batch)
                           for _ in range(2))
            label = "XLA's fusion, default chunk" if fuse is False else \
                f"kernels, chunk {chunk or 'default'}"
            print(f"{name} rate T={timesteps} b{batch} {precision}: {label}: {rate:.0f} "
                  f"images/s device-only ({time.perf_counter() - start:.0f} s with "
                  f"compilation)", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--shape", type=int, nargs="+", default=[32, 32, 64])
    parser.add_argument("--batch", type=int, default=256)
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--nets", nargs="*", default=[], choices=list(NETWORKS))
    parser.add_argument("--timesteps", type=int, default=100)
    parser.add_argument("--precision", default="fp16")
    parser.add_argument("--chunks", type=int, nargs="+", default=[10, 25])
    args = parser.parse_args()
    on_gpu = jax.default_backend() == "gpu"
    print(f"device: {jax.devices()[0].device_kind}, jax {jax.__version__}", flush=True)
    one_population(IntegrateFire(v_thresh=1.0, relative_reset=True), tuple(args.shape),
                   args.batch, args.steps, interpret=not on_gpu)
    networks(args.nets, args.batch, args.timesteps, args.precision, args.chunks)


if __name__ == "__main__":
    main()

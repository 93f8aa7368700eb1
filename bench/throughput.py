"""Throughput of a VGG-16 (CIFAR-10 shapes) as an ANN in pure JAX and as SNNs.

Builds mlGeNN's VGG-16 example layout (13 convolutions, 3 dense layers, average
pooling) with random He-initialised weights, then runs, side by side in one process:

* the ANN (``jax.jit`` of convolutions + ReLU),
* a few-spike SNN (``FewSpikeCompiler``, k=10, alphas from the ANN's activations),
* a rate SNN (``InferenceCompiler``, T=100, data-normalised weights so that spike
  rates are realistic),

and prints images per second, the SNN/ANN ratios and spikes per neuron. SNN timings are
of the jitted batch program on device-resident inputs, like the ANN's; the end-to-end
``predict()`` figure includes host transfers and batching.

Usage::

    python bench/throughput.py                # full sizes on a GPU, small ones on a CPU
    python bench/throughput.py --batch-sizes 64 512 --precisions default highest
"""
from __future__ import annotations

import argparse
import time

import jax
import jax.numpy as jnp
import numpy as np

from ml_genn import Connection, Network, Population
from ml_genn.compilers import FewSpikeCompiler, InferenceCompiler
from ml_genn.connectivity import AvgPoolConv2D, AvgPoolDense2D, Conv2D, Dense
from ml_genn.neurons import FewSpikeRelu, FewSpikeReluInput, IntegrateFire, PoissonInput
from ml_genn.utils.recording import SPIKE_TOTAL

#: mlGeNN's VGG-16 example: conv widths, "P" = 2x2 average pooling, then dense widths.
VGG16 = [64, 64, "P", 128, 128, "P", 256, 256, 256, "P", 512, 512, 512, "P",
         512, 512, 512, "P"]
DENSE = [4096, 4096, 10]


def build_weights(width: float, rng: np.random.Generator) -> list[tuple[str, np.ndarray, bool]]:
    """``(kind, weight, pooled_before)`` per weighted layer, He-normal initialised."""
    layers, cin, pooled, size = [], 3, False, 32
    for item in VGG16:
        if item == "P":
            pooled, size = True, size // 2
            continue
        cout = max(1, int(item * width))
        w = rng.normal(0, np.sqrt(2.0 / (9 * cin)), (3, 3, cin, cout)).astype(np.float32)
        layers.append(("conv", w, pooled))
        cin, pooled = cout, False
    n_in = size * size * cin
    for i, units in enumerate(DENSE):
        units = units if i == len(DENSE) - 1 else max(1, int(units * width))
        w = rng.normal(0, np.sqrt(2.0 / n_in), (n_in, units)).astype(np.float32)
        layers.append(("dense", w, pooled))
        n_in, pooled = units, False
    return layers


def ann_forward(weights, x, precision):
    """The ANN: returns the logits and every hidden layer's activation."""
    acts, h = [], x
    for i, (kind, w, pooled) in enumerate(weights):
        if pooled:
            h = jax.lax.reduce_window(h, 0.0, jax.lax.add, (1, 2, 2, 1), (1, 2, 2, 1), "VALID") / 4
        if kind == "conv":
            h = jax.lax.conv_general_dilated(h, w, (1, 1), "SAME",
                                             dimension_numbers=("NHWC", "HWIO", "NHWC"),
                                             precision=precision)
        else:
            h = jnp.dot(h.reshape(h.shape[0], -1), w, precision=precision)
        if i < len(weights) - 1:
            h = jax.nn.relu(h)
            acts.append(h)
    return h, acts


def connectivity(kind, w, pooled):
    if kind == "conv":
        if pooled:
            return AvgPoolConv2D(w, w.shape[-1], 2, 3, conv_padding="same")
        return Conv2D(w, w.shape[-1], 3, conv_padding="same")
    return AvgPoolDense2D(w, 2) if pooled else Dense(w)


def build_snn(weights, input_neuron, hidden_neuron, output_neuron):
    """The SNN with the ANN's layout; ``hidden_neuron(i)`` makes layer i's neuron."""
    net = Network()
    with net:
        prev = inp = Population(input_neuron, (32, 32, 3), name="input")
        for i, (kind, w, pooled) in enumerate(weights):
            last = i == len(weights) - 1
            neuron = output_neuron if last else hidden_neuron(i)
            pop = Population(neuron, None, name=f"layer{i}")
            Connection(prev, pop, connectivity(kind, w, pooled))
            prev = pop
    return net, inp, prev


def few_spike_network(weights, calib_acts, x_max, k):
    alphas = [float(np.max(a)) / (1 - 2.0 ** -k) for a in calib_acts]
    return build_snn(weights, FewSpikeReluInput(k=k, alpha=x_max / (1 - 2.0 ** -k)),
                     lambda i: FewSpikeRelu(k=k, alpha=alphas[i]),
                     FewSpikeRelu(k=k, alpha=25.0, readout="var"))


def rate_network(weights, calib_acts, percentile=99.9):
    """Data-normalised weights: ``W * lambda_prev / lambda_l``, thresholds 1."""
    lambdas = [1.0] + [float(np.percentile(a, percentile)) for a in calib_acts]
    scaled = [(kind, w * lambdas[i] / (lambdas[i + 1] if i + 1 < len(lambdas) else 1.0), p)
              for i, (kind, w, p) in enumerate(weights)]
    return build_snn(scaled, PoissonInput(),
                     lambda i: IntegrateFire(v_thresh=1.0, relative_reset=True),
                     IntegrateFire(v_thresh=1.0, relative_reset=True, readout="spike_count"))


def time_fn(fn, repeats):
    """Best-of mean seconds per call of ``fn()`` after one warm-up call (compilation)."""
    jax.block_until_ready(fn())
    best = np.inf
    for _ in range(3):
        start = time.perf_counter()
        for _ in range(repeats):
            out = fn()
        jax.block_until_ready(out)
        best = min(best, (time.perf_counter() - start) / repeats)
    return best


def spikes_per_neuron(sim, run, n_pops):
    """Mean spikes per neuron and example over all non-input populations."""
    record = tuple((i, SPIKE_TOTAL) for i in range(1, n_pops))
    recs = run(record)
    total = sum(float(np.sum(r)) for r in recs)
    neurons = sum(int(np.prod(p.shape)) for p in sim.plan.populations[1:])
    return total / (neurons * recs[0].shape[1])


def main() -> None:
    on_gpu = jax.default_backend() == "gpu"
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--batch-sizes", type=int, nargs="+", default=[64, 512] if on_gpu else [8, 32])
    parser.add_argument("--width", type=float, default=1.0 if on_gpu else 0.125,
                        help="channel/unit multiplier (1.0 = full VGG-16)")
    parser.add_argument("--timesteps", type=int, default=100)
    parser.add_argument("--k", type=int, default=10)
    parser.add_argument("--precisions", nargs="+", default=["default", "highest"] if on_gpu else ["highest"])
    parser.add_argument("--repeats", type=int, default=10 if on_gpu else 2)
    parser.add_argument("--skip-rate", action="store_true")
    args = parser.parse_args()

    rng = np.random.default_rng(0)
    weights = build_weights(args.width, rng)
    calib = rng.uniform(0, 1, (64, 32, 32, 3)).astype(np.float32)
    _, acts = jax.jit(lambda x: ann_forward(weights, x, "highest"))(calib)
    acts = [np.asarray(a) for a in acts]
    print(f"device: {jax.devices()[0].device_kind} ({jax.default_backend()}), "
          f"VGG-16 width x{args.width}, k={args.k}, T={args.timesteps}")
    header = (f"{'precision':>9} {'batch':>5} {'ANN img/s':>11} {'FS img/s':>10} {'FS/ANN':>7} "
              f"{'FS e2e':>8} {'rate img/s':>10} {'rate/ANN':>9} {'step/ANN':>9} "
              f"{'FS spk/n':>8} {'rate spk/n':>10}")
    print(header)
    for precision in args.precisions:
        for batch in args.batch_sizes:
            x = jnp.asarray(rng.uniform(0, 1, (batch, 32, 32, 3)).astype(np.float32))
            ann = jax.jit(lambda x, p=precision: ann_forward(weights, x, p)[0])
            t_ann = time_fn(lambda: ann(x), args.repeats)

            net, inp, out = few_spike_network(weights, acts, float(calib.max()), args.k)
            compiled = FewSpikeCompiler(k=args.k, batch_size=batch, precision=precision).compile(net)
            sim = compiled.simulator
            keys = sim.example_keys(0, batch)
            inputs = {0: x[:, None]}
            t_fs = time_fn(lambda: sim.run_few_spike_fast(keys, inputs)[0], args.repeats)
            fs_spikes = spikes_per_neuron(
                sim, lambda rec: sim.run_few_spike_fast(keys, inputs, rec)[1], len(sim.plan.populations))
            host_x = np.asarray(x)
            n_e2e = 4 * batch
            start = time.perf_counter()
            compiled.predict({inp: np.concatenate([host_x] * 4)}, [out], callbacks=[])
            t_e2e = (time.perf_counter() - start) / n_e2e

            rate_ips = rate_ratio = step_ratio = rate_spikes = float("nan")
            if not args.skip_rate:
                net, inp, out = rate_network(weights, acts)
                compiled = InferenceCompiler(evaluate_timesteps=args.timesteps, batch_size=batch,
                                             precision=precision).compile(net)
                sim_r = compiled.simulator
                t_rate = time_fn(lambda: sim_r.run_layers(keys, inputs, 0, args.timesteps)[1],
                                 max(1, args.repeats // 5))
                rate_spikes = spikes_per_neuron(
                    sim_r, lambda rec: sim_r.run_layers(keys, inputs, 0, args.timesteps, rec)[2],
                    len(sim_r.plan.populations))
                rate_ips, rate_ratio = batch / t_rate, t_ann / t_rate
                step_ratio = (t_rate / args.timesteps) / t_ann
            print(f"{precision:>9} {batch:>5} {batch / t_ann:>11.0f} {batch / t_fs:>10.0f} "
                  f"{t_ann / t_fs:>7.2f} {1 / t_e2e:>8.0f} {rate_ips:>10.1f} {rate_ratio:>9.4f} "
                  f"{step_ratio:>9.2f} {fs_spikes:>8.2f} {rate_spikes:>10.2f}", flush=True)
    print("FS/ANN: few-spike throughput / ANN throughput (target >= 0.5). step/ANN: rate SNN "
          "time per timestep / ANN time per forward pass (target <= 1). FS e2e: few-spike "
          "images/s through compiled.predict() including host transfers. spk/n: spikes per "
          "neuron per example.")


if __name__ == "__main__":
    main()

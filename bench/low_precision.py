"""Few-spike low-precision modes: speed and precision side by side, in one run.

mlGeNN's VGG-16 (k=10) and ResNet-20 (k=8) examples with random weights (the networks
of ``bench/throughput.py``), as few-spike SNNs at each compiler precision. Per network,
batch size and mode it prints:

* ``dev``: the batch program on device-resident inputs (images/s), ``eval``: through
  ``compiled.evaluate()`` on host arrays (``callbacks=[]``);
* their ratios to the ANN in ``jax.jit`` at "default" (TF32 on recent GPUs) and at
  "highest" (true float32) precision, measured in the same run (the ANN line also gives
  the ANN with float16 operands and float32 or float16 sums: the convolutions of the
  SNN modes without their quantisation, a ceiling for them);
* ``codes``: the fraction of hidden few-spike codes that differ from the same SNN at
  "highest", and ``logits``: the output's relative error (first batch; ``--precision-
  batch`` images);
* the class of the mode: ``TF32`` when both figures are within 1.2x those of the SNN at
  "default" (TF32 on a GPU; on a CPU "default" is float32 and there is no such class),
  ``fp32`` within 2x those of ``halves``: the float32 SNN whose weighted sums add the
  input channels in two halves (another summation order, the measure's floor);
* with ``--profile CALLS``: after each line of the first batch size, the device time
  per kernel of that program (``bench/profile_kernels.py``: by kind, top kernels, share);
* with ``--rate-modes``: the data-normalised rate-coded SNN (T steps, first batch size)
  in those modes, speed as above and, against "highest", the output spike counts'
  relative error and the fraction of examples whose class changes; with
  ``--rate-paths`` also the program as it was before the delay moved from the events
  to the drive (``bench/rate_paths.py``), device-only, and the ratio of today's to it;
  with ``--rate-xla`` also the program whose neuron update is XLA's fusion instead of
  one Pallas kernel per population and chunk (``fuse_neuron_steps=False``).

Usage::

    python bench/low_precision.py                                  # GPU: full networks
    python bench/low_precision.py --precision-only --nets resnet20  # CPU precision check
    python bench/low_precision.py --probe                          # + one-conv dtype probe
    python bench/low_precision.py --rate-modes default fp16         # + rate-coded, T=100
    python bench/low_precision.py --rate-modes fp16 --rate-paths    # + the old rate program
    python bench/low_precision.py --profile 3 --profile-csv k.csv  # + kernel tables
"""
from __future__ import annotations

import argparse
import sys
import time
from functools import partial
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from profile_kernels import print_table, profile, write_csv  # noqa: E402
from rate_paths import events_program  # noqa: E402
from throughput import (  # noqa: E402
    NETWORKS,
    add_network_arguments,
    ann_activations,
    ann_logits,
    best_time,
    device_rate,
    few_spike_network,
    rate_network,
)

from ml_genn.backend.connectivity import OPS, conv_kernel, register_op  # noqa: E402
from ml_genn.backend.schedules import SCHEDULES  # noqa: E402
from ml_genn.backend.schedules.few_spike import code_differences  # noqa: E402
from ml_genn.compilers import FewSpikeCompiler, InferenceCompiler  # noqa: E402
from ml_genn.connectivity import AvgPoolConv2D, AvgPoolDense2D, Conv2D, Dense  # noqa: E402

K = {"vgg16": 10, "resnet20": 8}
#: speed at every batch size; precision-only modes only at the first
SPEED_MODES = ("default", "fp16", "fp16x1", "fp16x2", "bf16x2")
PRECISION_MODES = ("halves", "default", "fp16", "fp16x1", "fp16x2", "fp16x3", "bf16x2",
                   "bf16x3")


def _halves_op(op_cls: type) -> type:
    """The op summing the source's channels (last axis) in two halves: ``op(x_a) +
    op(x_b)`` with the other half zeroed (exact zeros, so each sum runs over one half)."""
    def apply(self, weights, events):
        n = events.shape[-1]
        first = jnp.arange(n) < n // 2
        return (op_cls.apply(self, weights, jnp.where(first, events, 0.0))
                + op_cls.apply(self, weights, jnp.where(first, 0.0, events)))
    return type("Halves" + op_cls.__name__, (op_cls,), {"apply": apply})


HALVES: dict[type, type] = {}
for _cls in (Conv2D, AvgPoolConv2D, AvgPoolDense2D, Dense):
    HALVES[_cls] = type("Halves" + _cls.__name__, (_cls,), {})
    register_op(HALVES[_cls])(_halves_op(OPS[_cls]))


def ann_half(nodes, x, result):
    """The ANN with float16 operands (pooling in float32 first) and ``result`` sums: the
    convolutions an SNN mode runs, without its quantisation (a ceiling for its speed)."""
    def apply(op, h):
        if op[0] == "identity":
            return h
        w = jnp.asarray(op[1], jnp.float16)
        if op[0] == "conv":
            _, _, stride, pooled = op
            if pooled:
                h = jax.lax.reduce_window(h, 0.0, jax.lax.add, (1, 2, 2, 1), (1, 2, 2, 1),
                                          "VALID") / 4
            out = jax.lax.conv_general_dilated(h.astype(jnp.float16), w, (stride, stride),
                                               "SAME", dimension_numbers=("NHWC", "HWIO",
                                                                          "NHWC"),
                                               preferred_element_type=result)
            return out.astype(jnp.float32)
        pool = op[2]
        if pool > 1:
            h = jax.lax.reduce_window(h, 0.0, jax.lax.add, (1, pool, pool, 1),
                                      (1, pool, pool, 1), "VALID") / (pool * pool)
        flat = h.reshape(h.shape[0], -1).astype(jnp.float16)
        return jnp.dot(flat, w, preferred_element_type=result).astype(jnp.float32)
    values = [x]
    for n, edges in enumerate(nodes):
        total = sum(apply(op, values[src]) for src, op in edges)
        values.append(total if n == len(nodes) - 1 else jax.nn.relu(total))
    return values[-1]


def compile_snn(nodes, acts, k, batch, mode):
    net, inp, out = few_spike_network(nodes, acts, 1.0, k)
    if mode == "halves":
        for c in net.connections:
            if type(c.connectivity) in HALVES:
                c.connectivity.__class__ = HALVES[type(c.connectivity)]
    precision = "highest" if mode == "halves" else mode
    return FewSpikeCompiler(k=k, batch_size=batch, precision=precision).compile(net), inp, out


def batch_program(compiled, x_dev, args=(0,)):
    """The compiled network's batch program on device-resident ``x_dev``, as a
    no-argument call; ``args`` follow the program's inputs."""
    sim = compiled.simulator
    program = SCHEDULES[compiled.schedule].jitted(sim)
    inputs = {0: x_dev[:, None]}
    return lambda: program(sim.params, inputs, *args)[0]


def profiled(label, fn, calls, opts):
    """Print ``label``'s kernel table when ``--profile`` asks for one."""
    if not calls:
        return
    trace_dir = None if opts.trace_dir is None else \
        Path(opts.trace_dir) / label.replace(" ", "_").replace("/", "-")
    try:
        times = profile(fn, calls, trace_dir)
    except Exception as err:  # a profiler problem must not end the speed run
        print(f"  profile {label} failed: {type(err).__name__}: {err}", flush=True)
        return
    print_table(label, times, opts.profile_top)
    if opts.profile_csv:
        write_csv(opts.profile_csv, label, times)


def speed(compiled, inp, out, x_dev, x_host, y_host, n_dev, args=(0,), repeats=3):
    """(device-only, evaluate()) images/s; ``args`` follow the program's inputs."""
    batch = compiled.batch_size
    dev = device_rate(batch_program(compiled, x_dev, args), n_dev, batch)
    # the timed call once first: every program it runs (one per transfer group size) is
    # compiled outside the timed region
    compiled.evaluate({inp: x_host}, {out: y_host}, callbacks=[])
    t = best_time(lambda: compiled.evaluate({inp: x_host}, {out: y_host}, callbacks=[]),
                  repeats)
    return dev, len(x_host) / t


def rate_rows(name, nodes, acts, batch, timesteps, modes, x_dev, rng, ann, opts) -> None:
    """The data-normalised rate-coded SNN (Poisson input, T steps) in each mode: device-
    only and evaluate() images/s (``--eval-batches`` batches a call), and against
    "highest" on one batch the output spike counts' relative error and the fraction of
    examples whose class changes."""
    x_host = rng.uniform(0, 1, (opts.eval_batches * batch, 32, 32, 3)).astype(np.float32)
    y_host = np.zeros(len(x_host), np.int64)
    ref_counts = None
    for mode in ("highest",) + tuple(modes):
        start = time.perf_counter()
        net, inp, out = rate_network(nodes, acts)
        compiled = InferenceCompiler(evaluate_timesteps=timesteps, batch_size=batch,
                                     precision=mode).compile(net)
        with compiled:
            counts = compiled.predict({inp: x_host[:batch]}, [out], callbacks=[])[0][out]
            dev, ev = (float("nan"),) * 2 if mode == "highest" else \
                speed(compiled, inp, out, x_dev, x_host, y_host, 3, (0, 0), repeats=2)
            if mode != "highest":
                profiled(f"{name} rate T={timesteps} b{batch} {mode}",
                         batch_program(compiled, x_dev, (0, 0)), min(opts.profile, 1), opts)
            before = ""
            if opts.rate_xla and mode != "highest":
                net_x, inp_x, out_x = rate_network(nodes, acts)
                with InferenceCompiler(evaluate_timesteps=timesteps, batch_size=batch,
                                       precision=mode, fuse_neuron_steps=False
                                       ).compile(net_x) as xla:
                    xla_counts = xla.predict({inp_x: x_host[:batch]}, [out_x],
                                             callbacks=[])[0][out_x]
                    xla_dev = device_rate(batch_program(xla, x_dev, (0, 0)), 3, batch)
                before += f"; XLA's neuron fusion: {xla_dev:.0f} dev, kernels " \
                          f"{dev / xla_dev:.2f}x, same counts " \
                          f"{bool(np.array_equal(counts, xla_counts))}"
            if opts.rate_paths and mode != "highest":
                sim, old = compiled.simulator, events_program(compiled.simulator)
                x_old = {0: x_dev[:, None]}

                def old_batch(sim=sim, old=old, x_old=x_old):
                    return old(sim.params, x_old, 0, 0)[0]
                old_dev = device_rate(old_batch, 3, batch)
                before += f"; delay on the events (before): {old_dev:.0f} dev, " \
                         f"now {dev / old_dev:.2f}x"
                profiled(f"{name} rate T={timesteps} b{batch} {mode} events-delay",
                         old_batch, min(opts.profile, 1), opts)
        if ref_counts is None:
            ref_counts = counts
            continue
        norm = float(np.linalg.norm(ref_counts))
        rel = float(np.linalg.norm(counts - ref_counts)) / norm if norm else float("nan")
        flips = float(np.mean(counts.argmax(1) != ref_counts.argmax(1)))
        print(f"{name:8s} T={timesteps:3d} {batch:5d} {mode:8s} {dev:9.0f} {ev:9.0f} "
              f"{dev / ann.get('default', np.nan):8.2f} {ev / ann.get('default', np.nan):9.2f} "
              f"counts rel. error {rel:.1e}, classes changed {100 * flips:.1f}%{before}"
              f"   ({time.perf_counter() - start:.0f} s)", flush=True)


def classify(row, ref_default, ref_halves, on_gpu):
    cls = []
    if on_gpu and ref_default and all(row[i] <= 1.2 * ref_default[i] for i in (0, 1)):
        cls.append("TF32")
    if ref_halves and all(row[i] <= 2.0 * ref_halves[i] for i in (0, 1)):
        cls.append("fp32")
    return "+".join(cls) or "-"


def conv_probe(batch: int) -> None:
    """One VGG-16 convolution (16x16x256 -> 256, 3x3) in each operand/result type."""
    rng = np.random.default_rng(1)
    x = jnp.asarray(rng.integers(0, 1024, (batch, 16, 16, 256)).astype(np.float32))
    w = jnp.asarray(rng.normal(0, 0.03, (3, 3, 256, 256)).astype(np.float32))

    def conv(x, w, precision=None, out=None):
        return jax.lax.conv_general_dilated(x, w, (1, 1), "SAME",
                                            dimension_numbers=("NHWC", "HWIO", "NHWC"),
                                            precision=precision, preferred_element_type=out)
    cases = {"f32 highest": (jnp.float32, "highest", None),
             "f32 default": (jnp.float32, "default", None),
             "f16 -> f32": (jnp.float16, None, jnp.float32),
             "f16 -> f16": (jnp.float16, None, None),
             "bf16 -> f32": (jnp.bfloat16, None, jnp.float32)}
    flops = 2 * batch * 16 * 16 * 256 * 256 * 9
    for name, (dtype, precision, out) in cases.items():
        fn = jax.jit(partial(conv, precision=precision, out=out))
        xd, wd = x.astype(dtype), w.astype(dtype)
        t = best_time(lambda fn=fn, xd=xd, wd=wd: jax.block_until_ready(
            [fn(xd, wd) for _ in range(20)]), repeats=3) / 20
        hlo = fn.lower(xd, wd).compile().as_text()
        kinds = sorted({line.split("custom_call_target=")[1].split(",")[0]
                        for line in hlo.splitlines() if "custom_call_target=" in line})
        print(f"  probe conv {name:12s} {t * 1e6:8.1f} us  {flops / t / 1e12:6.1f} TFLOP/s  "
              f"{' '.join(kinds)}", flush=True)


def main() -> None:
    on_gpu = jax.default_backend() == "gpu"
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_network_arguments(parser, 1.0)
    parser.add_argument("--speed-modes", nargs="*", default=list(SPEED_MODES))
    parser.add_argument("--precision-modes", nargs="*", default=list(PRECISION_MODES))
    parser.add_argument("--precision-batch", type=int, default=None,
                        help="images of the precision measure (default: the first batch)")
    parser.add_argument("--precision-only", action="store_true")
    parser.add_argument("--eval-batches", type=int, default=16 if on_gpu else 2)
    parser.add_argument("--probe", action="store_true", help="one-conv dtype probe first")
    parser.add_argument("--rate-modes", nargs="*", default=[],
                        help="rate-coded SNN in these modes (first batch size; vs 'highest')")
    parser.add_argument("--rate-nets", nargs="+", default=list(NETWORKS),
                        choices=list(NETWORKS))
    parser.add_argument("--timesteps", type=int, default=100)
    parser.add_argument("--rate-paths", action="store_true",
                        help="also the rate-coded program as it was, with the delay on the "
                             "events (bench/rate_paths.py), device-only, side by side")
    parser.add_argument("--rate-xla", action="store_true",
                        help="also the rate-coded program with XLA's fusion of the neuron "
                             "update (fuse_neuron_steps=False), device-only, side by side, "
                             "and whether its output counts are the same")
    parser.add_argument("--profile", type=int, default=0, metavar="CALLS",
                        help="at the first batch size, device time per kernel of the ANN "
                             "and of each mode over CALLS batch programs (rate: 1)")
    parser.add_argument("--profile-top", type=int, default=8, help="kernels listed")
    parser.add_argument("--profile-csv", default=None,
                        help="append every profiled kernel to this CSV file (small)")
    parser.add_argument("--trace-dir", default=None,
                        help="keep the profiles' traces here (large: a rate-coded "
                             "VGG-16's is hundreds of MB)")
    parser.add_argument("--no-conv-kernel", action="store_true",
                        help="two-piece convolutions in XLA (cuDNN) only, not in "
                             "connectivity/conv_kernel.py's kernel (conv_kernel.USE=False)")
    args = parser.parse_args()
    if args.no_conv_kernel:
        conv_kernel.USE = False

    print(f"device: {jax.devices()[0].device_kind} ({jax.default_backend()}), jax "
          f"{jax.__version__}, width x{args.width}", flush=True)
    if args.probe:
        conv_probe(args.batch_sizes[0])
    head = (f"{'net':8s} {'k':>2s} {'batch':>5s} {'mode':8s} {'dev':>9s} {'eval':>9s} "
            f"{'dev/ANNd':>8s} {'eval/ANNd':>9s} {'dev/ANNh':>8s} {'eval/ANNh':>9s} "
            f"{'codes%':>7s} {'logits':>8s} class")
    print(head, flush=True)
    rng = np.random.default_rng(0)
    for name in args.nets:
        k = K[name]
        nodes = NETWORKS[name](args.width, rng)
        acts = ann_activations(nodes, rng)
        for bi, batch in enumerate(args.batch_sizes):
            x_dev = jnp.asarray(rng.uniform(0, 1, (batch, 32, 32, 3)).astype(np.float32))
            ann = {}
            if not args.precision_only:
                calls = args.profile if bi == 0 else 0
                for p in ("default", "highest"):
                    fn = jax.jit(partial(ann_logits, nodes, precision=p))
                    ann[p] = device_rate(partial(fn, x_dev), 20, batch)
                    profiled(f"{name} b{batch} ANN {p}", partial(fn, x_dev), calls, args)
                for label, result in (("f16>f32", jnp.float32), ("f16>f16", None)):
                    fn = jax.jit(partial(ann_half, nodes, result=result))
                    ann[label] = device_rate(partial(fn, x_dev), 20, batch)
                    profiled(f"{name} b{batch} ANN {label}", partial(fn, x_dev), calls, args)
                print(f"{name:8s} {k:2d} {batch:5d} {'ANN':8s} ANN default {ann['default']:.0f}"
                      f" img/s, highest {ann['highest']:.0f}; float16 operands with float32 "
                      f"sums {ann['f16>f32']:.0f}, float16 sums {ann['f16>f16']:.0f}",
                      flush=True)
            n = args.eval_batches * batch
            x_host = rng.uniform(0, 1, (n, 32, 32, 3)).astype(np.float32)
            logits = jax.jit(partial(ann_logits, nodes, precision="highest"))
            y_host = np.concatenate([np.asarray(logits(x_host[s:s + batch])).argmax(1)
                                     for s in range(0, n, batch)])
            measure = bi == 0
            modes = list(dict.fromkeys(
                (args.precision_modes if measure else []) +
                ([] if args.precision_only else args.speed_modes)))
            ref = None
            if measure:
                pb = args.precision_batch or batch
                ref, _, _ = compile_snn(nodes, acts, k, pb, "highest")
                x_prec = {0: jnp.asarray(rng.uniform(0, 1, (pb, 32, 32, 3)).astype(
                    np.float32))[:, None]}
            figures: dict[str, tuple[float, float]] = {}
            for mode in modes:
                start = time.perf_counter()
                prec = (float("nan"), float("nan"))
                if measure and mode in args.precision_modes:
                    c, _, _ = compile_snn(nodes, acts, k, pb, mode)
                    prec = code_differences(ref.simulator, c.simulator, x_prec)
                    figures[mode] = prec
                dev = ev = float("nan")
                if not args.precision_only and mode in args.speed_modes:
                    c, inp, out = compile_snn(nodes, acts, k, batch, mode)
                    dev, ev = speed(c, inp, out, x_dev, x_host, y_host, 20)
                    if bi == 0:
                        profiled(f"{name} b{batch} SNN {mode}", batch_program(c, x_dev),
                                 args.profile, args)
                cls = classify(prec, figures.get("default"), figures.get("halves"), on_gpu) \
                    if mode in figures else ""
                r = [dev / ann.get("default", np.nan), ev / ann.get("default", np.nan),
                     dev / ann.get("highest", np.nan), ev / ann.get("highest", np.nan)]
                print(f"{name:8s} {k:2d} {batch:5d} {mode:8s} {dev:9.0f} {ev:9.0f} "
                      f"{r[0]:8.2f} {r[1]:9.2f} {r[2]:8.2f} {r[3]:9.2f} "
                      f"{100 * prec[0]:7.2f} {prec[1]:8.1e} {cls}"
                      f"   ({time.perf_counter() - start:.0f} s)", flush=True)
            if measure and args.rate_modes and name in args.rate_nets:
                rate_rows(name, nodes, acts, batch, args.timesteps, args.rate_modes, x_dev,
                          rng, ann, args)
    print("images/s; ANNd/ANNh: the ANN in jax.jit at precision 'default'/'highest' in this "
          "run; codes%: hidden codes differing from the SNN at 'highest'; logits: relative "
          "error of the output; class: TF32 = within 1.2x the SNN at 'default' (GPU), fp32 = "
          "within 2x 'halves' (float32, channels summed in two halves).", flush=True)


if __name__ == "__main__":
    main()

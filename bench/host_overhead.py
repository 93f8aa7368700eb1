"""Host overhead of the user's paths, per batch and per call, side by side in one run.

A tiny few-spike network (an 8x8x3 input, 32 hidden neurons, 10 outputs; k=10) takes
almost no device time, so what each path costs beyond dispatching its batch program
on device-resident inputs is the host's work: per batch (the slope between calls of
``--short`` and ``--long`` batches) and per call (what is left at ``--short``), as wall
time and as the dispatching thread's CPU time (which other jobs on a shared CPU do not
inflate; on a CPU, the "device" is the CPU too, so wall time includes its work). At the
device speed of the real networks (a batch of 256 takes 0.7-1.4 ms on an H200), the
per-batch overhead must stay well under 0.1 ms and the per-call overhead under a
millisecond or two for a call of 16 batches to run at >= 0.9x device-only.

Paths: ``evaluate``, ``predict``, ``evaluate_batch_iter`` and ``predict_batch_iter``
(generators of batches) of the compiled network, and ``RunnableModel.evaluate`` with
and without its default spike statistics (the path of ``ConvertedModel.evaluate``).

Usage::

    python bench/host_overhead.py                      # batch 256, 16 and 64 batches
    python bench/host_overhead.py --group-mib 2 --repeats 7
"""
from __future__ import annotations

import argparse
import time

import jax
import jax.numpy as jnp
import numpy as np

from ml_genn import Connection, Network, Population, RunnableModel
from ml_genn.backend import transfer
from ml_genn.backend.schedules import SCHEDULES
from ml_genn.compilers import FewSpikeCompiler
from ml_genn.connectivity import Dense
from ml_genn.neurons import FewSpikeRelu, FewSpikeReluInput

SHAPE = (8, 8, 3)


def tiny_network(k: int, rng):
    with Network() as net:
        inp = Population(FewSpikeReluInput(k=k, alpha=1.0), SHAPE, name="input")
        hid = Population(FewSpikeRelu(k=k, alpha=4.0), 32, name="hidden")
        out = Population(FewSpikeRelu(k=k, alpha=4.0, readout="var"), 10, name="output")
        n_in = int(np.prod(SHAPE))
        Connection(inp, hid, Dense(rng.normal(0, 0.2, (n_in, 32)).astype(np.float32)))
        Connection(hid, out, Dense(rng.normal(0, 0.3, (32, 10)).astype(np.float32)))
    return net, inp, out


def best_time(fn, repeats: int) -> tuple[float, float]:
    """Best wall time of ``fn()`` and best CPU time of this (the dispatching) thread,
    which other jobs sharing the CPU do not inflate."""
    best, cpu = np.inf, np.inf
    for _ in range(repeats):
        start, start_cpu = time.perf_counter(), time.thread_time()
        fn()
        cpu = min(cpu, time.thread_time() - start_cpu)
        best = min(best, time.perf_counter() - start)
    return best, cpu


def paths(compiled, model, inp, out, x, y, batch):
    """name -> callable running the path over all of ``x``."""
    def gen(labelled):
        for s in range(0, len(x), batch):
            yield (x[s:s + batch], y[s:s + batch]) if labelled else x[s:s + batch]
    return {
        "evaluate": lambda: compiled.evaluate({inp: x}, {out: y}, callbacks=[]),
        "predict": lambda: compiled.predict({inp: x}, out, callbacks=[]),
        "eval_iter": lambda: compiled.evaluate_batch_iter(inp, out, gen(True), callbacks=[]),
        "pred_iter": lambda: compiled.predict_batch_iter(inp, out, gen(False), callbacks=[]),
        "model_ev": lambda: model.evaluate(x, y),
        "model_ev_nospk": lambda: model.evaluate(x, y, spikes=False),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--batch", type=int, default=256)
    parser.add_argument("--k", type=int, default=10)
    parser.add_argument("--short", type=int, default=16, help="batches in a short call")
    parser.add_argument("--long", type=int, default=64, help="batches in a long call")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--group-mib", type=float, default=None,
                        help="transfer.GROUP_BYTES in MiB (default: the library's)")
    args = parser.parse_args()
    if args.group_mib is not None:
        transfer.GROUP_BYTES = int(args.group_mib * 2 ** 20)
    rng = np.random.default_rng(0)
    net, inp, out = tiny_network(args.k, rng)
    compiler = FewSpikeCompiler(k=args.k, batch_size=args.batch)
    compiled = compiler.compile(net)
    model = RunnableModel(net, [inp], [out], compiler)
    sim = compiled.simulator
    program = SCHEDULES[compiled.schedule].jitted(sim)
    x_dev = {0: jnp.asarray(rng.uniform(0, 1, (args.batch, 1) + SHAPE).astype(np.float32))}
    first = sim.placement.scalar(0)
    print(f"device: {jax.devices()[0].device_kind} ({jax.default_backend()}), batch "
          f"{args.batch}, k={args.k}, calls of {args.short} and {args.long} batches, best "
          f"of {args.repeats}", flush=True)

    def device_only(n):
        def loop():
            r = None
            for _ in range(n):
                r = program(sim.params, x_dev, first)
            jax.block_until_ready(r)
        loop()
        return best_time(loop, args.repeats)

    times = {}
    for n in (args.short, args.long):
        x = rng.uniform(0, 1, (n * args.batch,) + SHAPE).astype(np.float32)
        y = rng.integers(0, 10, n * args.batch)
        runs = paths(compiled, model, inp, out, x, y, args.batch)
        times[("device", n)] = device_only(n)
        for name, fn in runs.items():
            fn()  # compile and warm every program this call size uses
            times[(name, n)] = best_time(fn, args.repeats)
    def per_batch(name, k):
        return (times[(name, args.long)][k] - times[(name, args.short)][k]) / \
            (args.long - args.short)
    dev_per, dev_cpu = per_batch("device", 0), per_batch("device", 1)
    print(f"device-only: {1e6 * dev_per:8.1f} us per batch (wall), dispatching thread "
          f"{1e6 * dev_cpu:.1f} us CPU per batch", flush=True)
    print(f"{'path':<16} {'host us/batch':>13} {'fixed ms/call':>13} {'CPU us/batch':>12} "
          f"{'CPU ms/call':>11} {'ms/' + str(args.short):>9} {'ms/' + str(args.long):>9}")
    for name in paths(compiled, model, inp, out, np.zeros((0,) + SHAPE), np.zeros(0),
                      args.batch):
        (short, short_cpu), (long, _) = times[(name, args.short)], times[(name, args.long)]
        per, cpu = per_batch(name, 0), per_batch(name, 1)
        fixed = short - args.short * per - (times[("device", args.short)][0]
                                            - args.short * dev_per)
        fixed_cpu = short_cpu - args.short * cpu
        print(f"{name:<16} {1e6 * (per - dev_per):13.1f} {1e3 * fixed:13.2f} "
              f"{1e6 * cpu:12.1f} {1e3 * fixed_cpu:11.2f} {1e3 * short:9.2f} "
              f"{1e3 * long:9.2f}", flush=True)
    print("host us/batch: the path's wall time per batch over device-only's; fixed "
          "ms/call: the rest of a short call's wall time over device-only's; CPU: the "
          "dispatching thread's CPU time per batch and per call (robust to other jobs).")


if __name__ == "__main__":
    main()

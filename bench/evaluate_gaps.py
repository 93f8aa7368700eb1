"""Where ``evaluate()`` loses time against the device-only program, in one run.

Per network and batch size (mlGeNN's VGG-16 and ResNet-20 examples, few-spike, as in
``bench/throughput.py``) it prints, side by side:

Rows per ``--input-dtypes``: the images as float32 in [0, 1] or as uint8 (their 8-bit
values, which travel as they are and are scaled by the input population on the device).

* ``dev``: the device-only reference of ``bench/throughput.py`` (the batch program
  scanned over device-resident batches, one dispatch);
* ``eval``: ``compiled.evaluate()`` on host NumPy arrays (``callbacks=[]``), timed
  right after the first call and again after every other measurement;
* ``resident``: the same call with its transfer groups already on the device (the
  groups of the first call kept and handed back by ``device_groups``): everything
  ``evaluate()`` does but the host-to-device copies;
* ``eval xM``: ``evaluate()`` on ``M`` times as many batches: a per-call cost shrinks
  with ``M``, a per-batch one does not;
* ``copies alone``: ``evaluate()``'s transfer groups moved to the device with no compute
  (the copy path's capacity, also in GB/s);
* from a ``jax.profiler`` trace of one ``evaluate()`` call: the call's wall time, the
  device's compute-busy share of it (union of kernel intervals), the time to the first
  kernel and after the last one, the host-to-device copies' busy time, and the gaps of
  more than 20 us between kernels (count, total, the largest with the kernels around it).

Usage::

    python bench/evaluate_gaps.py                          # both networks, b256 and b512
    python bench/evaluate_gaps.py --nets resnet20 --batch-sizes 256 --more 4
    python bench/evaluate_gaps.py --input-dtypes float32 uint8
    python bench/evaluate_gaps.py --nets resnet20 --batch-sizes 256 --save-traces out/
    python bench/evaluate_gaps.py --group-mib 64           # larger transfer groups

A kept trace (``--save-traces``) opens in Perfetto; it holds the Python frames of the
host threads too (the dispatching thread, the transfer worker), so a gap on the device
can be matched with what the host did meanwhile.
"""
from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

import jax
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from profile_kernels import _load, latest_trace, trace_layout  # noqa: E402
from throughput import (  # noqa: E402
    NETWORKS,
    add_network_arguments,
    ann_activations,
    best_time,
    device_only_rate,
    few_spike_network,
)

from ml_genn.backend import transfer  # noqa: E402
from ml_genn.compilers import FewSpikeCompiler, compiled_network  # noqa: E402

GAP_US = 20.0


class ResidentGroups:
    """Stands in for ``transfer.device_groups``: the first call's groups are moved to the
    device and kept; later calls hand the same device groups back (no copies)."""

    def __init__(self):
        self.groups: list | None = None

    def __call__(self, groups, placement, **kwargs):
        if self.groups is None:
            self.groups = list(transfer.device_groups(groups, placement, **kwargs))
            jax.block_until_ready([(g.x, g.y, g.meta) for g in self.groups])
        return iter(self.groups)


def resident_rate(compiled, inp, out, x_host, y_host) -> float:
    """Images/s of ``evaluate()`` with its groups already on the device."""
    resident = ResidentGroups()
    saved = compiled_network.device_groups
    compiled_network.device_groups = resident
    try:
        compiled.evaluate({inp: x_host}, {out: y_host}, callbacks=[])
        return len(x_host) / best_time(
            lambda: compiled.evaluate({inp: x_host}, {out: y_host}, callbacks=[]))
    finally:
        compiled_network.device_groups = saved


def stream_rate(compiled, xs: np.ndarray, ys: np.ndarray) -> float:
    """Images/s of the transfer groups alone: ``evaluate()``'s groups of ``xs``/``ys``
    moved to the device (``transfer.device_groups``, its default settings) with no
    compute, all waited for at the end: the capacity of the copy path."""
    batch = compiled.batch_size
    size = transfer.group_size(transfer.example_bytes({0: xs}), batch)

    def copy_all():
        groups = transfer.array_groups({0: xs}, {0: ys}, len(xs), batch, batch, size)
        jax.block_until_ready([(g.x, g.y, g.meta) for g in transfer.device_groups(
            groups, compiled.simulator.placement)])
    copy_all()
    return len(xs) / best_time(copy_all)


def _union(intervals: list[tuple[float, float]]) -> list[tuple[float, float]]:
    merged: list[list[float]] = []
    for start, end in sorted(intervals):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return [(a, b) for a, b in merged]


def timeline(fn, keep: Path | None = None) -> str:
    """One traced call of ``fn`` (annotated ``evaluate``), summarised; the trace is
    copied to ``keep`` if given."""
    with tempfile.TemporaryDirectory() as tmp:
        with jax.profiler.trace(tmp, create_perfetto_trace=True):
            with jax.profiler.TraceAnnotation("evaluate-call"):
                fn()
        trace = latest_trace(Path(tmp))
        if keep is not None:
            shutil.copyfile(trace, keep)
        events = _load(trace)
    devices, threads = trace_layout(events)
    call = [e for e in events if e.get("ph") == "X" and e.get("name") == "evaluate-call"]
    if not call or not devices:
        return "no device trace"
    t0, t1 = call[0]["ts"], call[0]["ts"] + call[0]["dur"]
    kernels, copies = [], []
    for e in events:
        key = (e.get("pid"), e.get("tid"))
        if e.get("ph") != "X" or key[0] not in devices or \
                not threads.get(key, "").lower().startswith("stream"):
            continue
        span = (float(e["ts"]), float(e["ts"]) + float(e.get("dur", 0.0)), e["name"])
        (copies if "memcpyh2d" in e["name"].lower().replace(" ", "") or "htod" in
         e["name"].lower() else kernels).append(span)
    if not kernels:
        return "no kernels traced"
    launches: dict[str, int] = {}
    for e in events:
        if e.get("ph") == "X" and e.get("pid") not in devices and "launch" in \
                e.get("name", "").lower():
            launches[e["name"]] = launches.get(e["name"], 0) + 1
    busy = _union([(a, b) for a, b, _ in kernels])
    h2d = _union([(a, b) for a, b, _ in copies])
    ordered = sorted(kernels)
    gaps = []
    for (_, b0), (a1, _) in zip(busy, busy[1:], strict=False):
        if a1 - b0 > GAP_US:
            before = max((k for k in ordered if k[1] <= a1), key=lambda k: k[1])[2]
            after = min((k for k in ordered if k[0] >= a1), key=lambda k: k[0])[2]
            gaps.append((a1 - b0, b0 - t0, before[:40], after[:40]))
    gaps.sort(reverse=True)
    wall = t1 - t0
    busy_us = sum(b - a for a, b in busy)
    text = (f"call {wall / 1e3:.2f} ms, kernels busy {busy_us / wall:.2f} of it, first "
            f"kernel at +{(busy[0][0] - t0) / 1e3:.2f} ms, last ends "
            f"{(t1 - busy[-1][1]) / 1e3:.2f} ms before the call returns; H2D busy "
            f"{sum(b - a for a, b in h2d) / 1e3:.2f} ms in {len(copies)} copies; "
            f"{len(gaps)} gaps > {GAP_US:.0f} us totalling "
            f"{sum(g[0] for g in gaps) / 1e3:.2f} ms; {len(kernels)} kernels; host "
            f"launch calls: " + ", ".join(f"{k[:30]} x{v}" for k, v in sorted(
                launches.items(), key=lambda kv: -kv[1])[:3]))
    for size, at, before, after in gaps[:5]:
        text += f"\n      gap {size:7.0f} us at +{at / 1e3:6.2f} ms: {before} -> {after}"
    return text


def measure(name: str, nodes, acts, batch: int, dtype: str, args, rng) -> None:
    """One row: the rates side by side and the trace of one call."""
    n = args.eval_batches * batch
    pixels = rng.integers(0, 256, (n * args.more, 32, 32, 3)).astype(np.uint8)
    x_host = pixels if dtype == "uint8" else (pixels / np.float32(255)).astype(np.float32)
    y_host = rng.integers(0, 10, n * args.more).astype(np.int32)
    net, inp, out = few_spike_network(nodes, acts, 1.0, args.k)
    if dtype == "uint8":    # the same network on 8-bit images: scaled on the device
        inp.neuron.input_scale = 1 / 255
    compiled = FewSpikeCompiler(k=args.k, batch_size=batch, precision="default").compile(net)
    dev = device_only_rate(compiled, x_host, args.eval_batches)
    xs, ys = x_host[:n], y_host[:n]

    def call():
        return compiled.evaluate({inp: xs}, {out: ys}, callbacks=[])

    def call_more():
        return compiled.evaluate({inp: x_host}, {out: y_host}, callbacks=[])
    started = time.perf_counter()
    call()
    first = time.perf_counter() - started
    evaluate = n / best_time(call)
    resident = resident_rate(compiled, inp, out, xs, ys)
    call_more()
    more = len(x_host) / best_time(call_more)
    stream = stream_rate(compiled, xs, ys)
    again = n / best_time(call)  # the first column again, after every other call
    print(f"{name} b{batch} {dtype}: dev {dev:9.0f}  eval {evaluate:9.0f} ({evaluate / dev:.2f}; "
          f"again at the end {again:9.0f} ({again / dev:.2f}))  "
          f"resident {resident:9.0f} ({resident / dev:.2f})  eval x{args.more} {more:9.0f} "
          f"({more / dev:.2f})  copies alone {stream:9.0f} ({stream / dev:.2f}, "
          f"{stream * xs[0].nbytes / 1e9:.1f} GB/s) img/s; first call {first:.1f} s "
          f"(compiles)", flush=True)
    started = time.perf_counter()
    keep = None if args.save_traces is None else \
        Path(args.save_traces) / f"{name}_b{batch}_{dtype}.json.gz"
    trace = timeline(call, keep)
    print(f"   trace ({time.perf_counter() - started:.0f} s): {trace}", flush=True)


def main() -> None:
    on_gpu = jax.default_backend() == "gpu"
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_network_arguments(parser, 1.0 if on_gpu else 0.125)
    parser.add_argument("--k", type=int, default=10)
    parser.add_argument("--eval-batches", type=int, default=64 if on_gpu else 4)
    parser.add_argument("--more", type=int, default=4, help="M of the eval xM column")
    parser.add_argument("--input-dtypes", nargs="+", default=["float32"],
                        choices=["float32", "uint8"],
                        help="the images as float32 in [0, 1], or as uint8 (a quarter of "
                             "the bytes to copy; the network scales them on the device)")
    parser.add_argument("--group-mib", type=float,
                        help="input bytes per transfer group (transfer.GROUP_BYTES), MiB")
    parser.add_argument("--save-traces", metavar="DIR",
                        help="keep each row's traced call as DIR/<net>_b<batch>_<dtype>.json.gz")
    args = parser.parse_args()
    if args.group_mib:
        transfer.GROUP_BYTES = int(args.group_mib * 2 ** 20)
    print(f"device: {jax.devices()[0].device_kind} ({jax.default_backend()}), jax "
          f"{jax.__version__}, width x{args.width}, k={args.k}, {args.eval_batches} "
          f"batches per call, transfer groups of {transfer.GROUP_BYTES or 'default'} bytes",
          flush=True)
    rng = np.random.default_rng(0)
    for name in args.nets:
        nodes = NETWORKS[name](args.width, rng)
        acts = ann_activations(nodes, rng)
        for batch in args.batch_sizes:
            for dtype in args.input_dtypes:
                measure(name, nodes, acts, batch, dtype, args, rng)


if __name__ == "__main__":
    main()

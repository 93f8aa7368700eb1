"""Device time per kernel of a jitted program, from a ``jax.profiler`` trace.

:func:`profile` runs a program a few times under ``jax.profiler.trace(dir,
create_perfetto_trace=True)`` and :func:`kernel_times` sums the device time of every
kernel name in the Perfetto JSON it writes (no TensorFlow or TensorBoard needed): on a
GPU the events of the ``/device:GPU:*`` processes' stream lines (kernels and copies;
the derived "XLA Ops"/"XLA Modules" lines would count everything twice), on a CPU the
XLA thunks (host events that name an ``hlo_op``). :func:`print_table` prints the top
kernels with their share of device time and the time per kind of kernel (convolutions
and matrix products, XLA's elementwise/reduction fusions, copies and transposes).

``bench/low_precision.py --profile N`` profiles the ANN and every SNN mode with it, in
the same run as the speed figures. Re-read a saved trace with::

    python bench/profile_kernels.py path/to/perfetto_trace.json.gz [--calls N] [--top 15]
"""
from __future__ import annotations

import argparse
import gzip
import json
import re
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any, NamedTuple

#: kinds of kernels, first match wins (names of cuDNN/cuBLAS/CUTLASS kernels and of
#: XLA's fusions and thunks; cuDNN's own operand conversions and layout transposes count
#: as copies)
KINDS = (
    ("copy/transpose", re.compile(r"transpose|copy|memcpy|memset|concatenate|"
                                  r"dynamic.update.slice|convertTensor|nhwcToNchw|"
                                  r"nchwToNhwc", re.I)),
    ("conv/gemm", re.compile(r"xmma|gemm|cutlass|cudnn|conv(?!ert)|implicit|wgmma|sm\d\d_|"
                             r"dot|triton_gemm|ynn", re.I)),
    ("reduction", re.compile(r"reduce|reduction", re.I)),
    ("elementwise", re.compile(r"fusion|loop|convert|multiply|add|select|compare", re.I)),
)


class KernelTime(NamedTuple):
    """Total device time [us] of one kernel name over the trace, its launches, and the
    XLA op that launched it (where the trace says)."""

    micros: float
    count: int
    hlo_op: str


def kind_of(name: str) -> str:
    """The kind of a kernel (:data:`KINDS`), or "other"."""
    for kind, pattern in KINDS:
        if pattern.search(name):
            return kind
    return "other"


def _load(path: Path) -> list[dict]:
    opener: Any = gzip.open if str(path).endswith(".gz") else open
    with opener(path, "rt") as f:
        data = json.load(f)
    return data["traceEvents"] if isinstance(data, dict) else data


def trace_layout(events: list[dict]) -> tuple[set, dict]:
    """The device processes (pids named ``/device:...``) of a trace's events, and every
    thread's name by ``(pid, tid)``."""
    processes = {e["pid"]: e["args"]["name"] for e in events
                 if e.get("ph") == "M" and e.get("name") == "process_name"}
    threads = {(e["pid"], e.get("tid")): e["args"]["name"] for e in events
               if e.get("ph") == "M" and e.get("name") == "thread_name"}
    return {pid for pid, name in processes.items() if name.startswith("/device:")}, threads


def kernel_times(path: str | Path) -> dict[str, KernelTime]:
    """``{kernel name: KernelTime}`` of a Perfetto/Chrome trace (``.json`` or
    ``.json.gz``): device kernels and copies where the trace has a device process, else
    the host's XLA thunks (CPU)."""
    events = _load(Path(path))
    devices, threads = trace_layout(events)
    if devices:
        streams = {key for key, name in threads.items()
                   if key[0] in devices and name.lower().startswith("stream")}

        def keep(e: dict) -> bool:
            key = (e["pid"], e.get("tid"))
            if streams:
                return key in streams
            return e["pid"] in devices and not threads.get(key, "").startswith("XLA")
    else:
        def keep(e: dict) -> bool:
            return "hlo_op" in (e.get("args") or {})
    out: dict[str, KernelTime] = {}
    for e in events:
        if e.get("ph") != "X" or not keep(e):
            continue
        name = e["name"]
        old = out.get(name, KernelTime(0.0, 0, ""))
        hlo = (e.get("args") or {}).get("hlo_op", "") or old.hlo_op
        out[name] = KernelTime(old.micros + float(e.get("dur", 0.0)), old.count + 1, hlo)
    return out


def latest_trace(log_dir: str | Path) -> Path:
    """The newest ``perfetto_trace.json.gz`` under ``log_dir``."""
    found = sorted(Path(log_dir).rglob("perfetto_trace.json.gz"),
                   key=lambda p: p.stat().st_mtime)
    if not found:
        raise FileNotFoundError(f"No perfetto_trace.json.gz under {log_dir}: did "
                                f"jax.profiler.trace(create_perfetto_trace=True) run?")
    return found[-1]


def profile(fn: Callable[[], Any], calls: int = 5, log_dir: str | Path | None = None
            ) -> dict[str, KernelTime]:
    """Kernel times of ``calls`` runs of ``fn`` (a jitted call; warmed up first, its
    results waited for), per call. ``log_dir`` keeps the trace (else a temporary one)."""
    import jax

    jax.block_until_ready(fn())
    with tempfile.TemporaryDirectory() as tmp:
        where = Path(log_dir) if log_dir is not None else Path(tmp)
        where.mkdir(parents=True, exist_ok=True)
        with jax.profiler.trace(str(where), create_perfetto_trace=True):
            out = None
            for _ in range(calls):
                out = fn()
            jax.block_until_ready(out)
        times = kernel_times(latest_trace(where))
    return {k: KernelTime(v.micros / calls, v.count // calls, v.hlo_op)
            for k, v in times.items()}


def print_table(label: str, times: dict[str, KernelTime], top: int = 10,
                file: Any = None) -> None:
    """``label``'s device time per call, by kind and its ``top`` kernels, with shares."""
    total = sum(t.micros for t in times.values())
    print(f"  profile {label}: {total:.1f} us device time per call, "
          f"{sum(t.count for t in times.values())} kernels", file=file, flush=True)
    if not total:
        return
    kinds: dict[str, float] = {}
    for name, t in times.items():
        kinds[kind_of(name)] = kinds.get(kind_of(name), 0.0) + t.micros
    print("    by kind: " + ", ".join(f"{k} {v:.0f} us ({100 * v / total:.0f}%)" for k, v in
                                     sorted(kinds.items(), key=lambda kv: -kv[1])),
          file=file, flush=True)
    for name, t in sorted(times.items(), key=lambda kv: -kv[1].micros)[:top]:
        short = name if len(name) <= 90 else name[:87] + "..."
        hlo = f" [{t.hlo_op}]" if t.hlo_op and t.hlo_op != name else ""
        print(f"    {t.micros:9.1f} us {100 * t.micros / total:5.1f}% x{t.count:<3d} "
              f"{short}{hlo}", file=file, flush=True)


def write_csv(path: str | Path, label: str, times: dict[str, KernelTime]) -> None:
    """Append ``label``'s kernels (every one, longest first) to the CSV file ``path``
    (``label,kind,us_per_call,launches,hlo_op,kernel``; a header when it is new): the
    whole table in a few kB, where the traces themselves run to hundreds of MB."""
    import csv

    path = Path(path)
    new = not path.exists()
    with path.open("a", newline="") as f:
        out = csv.writer(f)
        if new:
            out.writerow(["label", "kind", "us_per_call", "launches", "hlo_op", "kernel"])
        for name, t in sorted(times.items(), key=lambda kv: -kv[1].micros):
            out.writerow([label, kind_of(name), f"{t.micros:.2f}", t.count, t.hlo_op, name])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("trace", help="perfetto_trace.json(.gz), or a folder holding one")
    parser.add_argument("--calls", type=int, default=1, help="calls the trace holds")
    parser.add_argument("--top", type=int, default=15)
    args = parser.parse_args()
    path = Path(args.trace)
    path = latest_trace(path) if path.is_dir() else path
    times = {k: KernelTime(v.micros / args.calls, v.count // args.calls, v.hlo_op)
             for k, v in kernel_times(path).items()}
    print_table(str(path), times, args.top)


if __name__ == "__main__":
    main()

"""The layer schedule's rate-coded program as it was before the delay moved to the drive:
the baseline that ``bench/low_precision.py --rate-paths`` measures today's program
against, side by side in one run, and :func:`hlo_kernels`, the kernels of a compiled
program counted from its optimised HLO (a measure that needs no GPU).

Before (``events``): every population emitted float32 events; each connection's input
was the op applied to its source's events delayed by ``1 + delay`` steps, i.e. to the
concatenation of the previous chunk's last events and this chunk's (written out, since a
convolution consumes it), with the low-precision modes' float16 conversion in each op.
Now (``drive``, ``ml_genn/backend/schedules/layer.py``): the op runs on the chunk's
events as they are (float16 straight from the neuron update in a low-precision mode),
and the delay is applied to its output, whose concatenation with the kept tail the
neuron update reads (elementwise, fused).

Usage (CPU, no GPU needed; a narrow VGG-16, T=20)::

    python bench/rate_paths.py --width 0.25 --batch 16 --timesteps 20 --modes default fp16
"""
from __future__ import annotations

import argparse
import re
import sys
from collections import Counter
from functools import partial
from pathlib import Path
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from throughput import NETWORKS, ann_activations, best_time, rate_network  # noqa: E402

from ml_genn.backend.schedules import SCHEDULES  # noqa: E402
from ml_genn.backend.schedules.layer import time_chunk  # noqa: E402
from ml_genn.compilers import InferenceCompiler  # noqa: E402

#: HLO instructions that launch no kernel of their own
_FREE = {"parameter", "constant", "get-tuple-element", "tuple", "bitcast", "while",
         "conditional", "call", "after-all", "partition-id", "replica-id", "iota"}
_INSTRUCTION = re.compile(r"^\s*(?:ROOT\s+)?%?[\w.\-]+ = (.*?) ([a-z][a-z0-9\-]*)\(")
_CALLS = re.compile(r"calls=%?([\w.\-]+)")
_BYTES = {"pred": 1, "s8": 1, "u8": 1, "f16": 2, "bf16": 2, "s16": 2, "f32": 4, "s32": 4,
          "u32": 4, "f64": 8, "s64": 8, "u64": 8}


def _bytes(shape: str) -> int:
    """Bytes of an HLO result type (``f32[10,16,32]{2,1,0}`` or a tuple of them)."""
    total = 0
    for dtype, dims in re.findall(r"(\w+)\[([\d,]*)\]", shape):
        total += int(np.prod([int(d) for d in dims.split(",") if d])) * _BYTES.get(dtype, 4)
    return total


def hlo_kernels(hlo: str, min_bytes: int = 0) -> tuple[Counter, Counter]:
    """Kernels of an optimised HLO module (``jitted.lower(...).compile().as_text()``) by
    opcode (a fusion by its kind, ``fusion:kLoop``), and the bytes they write: every
    instruction of the entry and loop computations that launches work and writes at
    least ``min_bytes`` (the large ones are the memory traffic; the small ones are the
    random-number loops and scalars), a fusion counted once (its fused computation's
    instructions are not). A loop body counts once, however many times it runs."""
    fused = set()
    for line in hlo.splitlines():
        if " fusion(" in line:
            fused.update(_CALLS.findall(line))
    counts: Counter = Counter()
    written: Counter = Counter()
    skip = False
    for line in hlo.splitlines():
        head = re.match(r"^(?:ENTRY\s+)?%?([\w.\-]+) ", line)
        if line and not line[0].isspace() and head and line.rstrip().endswith("{"):
            skip = head.group(1) in fused
            continue
        match = _INSTRUCTION.match(line)
        if skip or not match or match.group(2) in _FREE:
            continue
        size = _bytes(match.group(1))
        if size < min_bytes:
            continue
        op = match.group(2)
        if op == "fusion":
            kind = re.search(r"kind=(k\w+)", line)
            op = f"fusion:{kind.group(1) if kind else '?'}"
        counts[op] += 1
        written[op] += size
    return counts, written


def _chunk(sim, params, carry, c_start, t0, inputs, *, size, num_steps):
    """The previous layer-schedule chunk: delays on the events (no recordings)."""
    plan = sim.plan
    neurons, tails, conn_states, accs = carry
    conn_states = list(conn_states)
    batch = sim.batch_size
    chunk_events: list = [None] * len(plan.populations)
    new_neurons, new_accs = list(neurons), list(accs)
    steps = jnp.arange(size, dtype=jnp.int32)
    for i, dyn in enumerate(sim.dynamics):
        if plan.populations[i].neuron.is_input:
            drive = jax.vmap(lambda tau, i=i: sim.frame(params, i, inputs[i], c_start + tau))(steps)
        else:
            drive = None
            for ci, c in plan.incoming(i):
                extended = jnp.concatenate([tails[c.source], chunk_events[c.source]], axis=0)
                length = sim.history_len[c.source]

                def events_at(delay, extended=extended, length=length):
                    window = jax.lax.slice_in_dim(extended, length - 1 - delay,
                                                  length - 1 - delay + size, axis=0)
                    return window.reshape((size * batch,) + window.shape[2:])
                if sim.stateful(ci):
                    window = events_at(sim.group_delays[ci][0])
                    window = window.reshape((size, batch) + window.shape[1:])
                    conn_states[ci], current = jax.lax.scan(
                        partial(sim.ops[ci].apply_step, phase=None), conn_states[ci], window)
                else:
                    current = sim.input_of(params, ci, events_at)
                    current = current.reshape((size, batch) + current.shape[1:])
                drive = current if drive is None else drive + current
            if drive is None:
                drive = sim.zeros(i, batch, (size,))

        def neuron_body(carry, xs, i=i, dyn=dyn):
            s, acc = carry
            tau, d = xs
            s, ev = dyn.step(params.neurons[i], s, d, t0 + c_start + tau)
            if sim.readouts[i] is not None:
                acc = sim.readout_update(i, acc, ev, s, c_start + tau, num_steps)
            return (s, acc), ev

        (new_neurons[i], new_accs[i]), chunk_events[i] = jax.lax.scan(
            neuron_body, (neurons[i], accs[i]), (steps, drive), unroll=size)
    new_tails = tuple(None if tails[i] is None else
                      jnp.concatenate([tails[i], chunk_events[i]], axis=0)[-sim.history_len[i]:]
                      for i in range(len(plan.populations)))
    return (tuple(new_neurons), new_tails, tuple(conn_states), tuple(new_accs)), ()


def _program(sim, params, inputs, first, t0, *, num_steps, chunk):
    state = sim.init_state(params, sim.example_keys(first))
    carry = (state.neurons, state.history, state.connections, sim.readout_init(sim.batch_size))
    n_full, rest = divmod(num_steps, chunk)
    run = partial(_chunk, sim, params, t0=t0, inputs=inputs, num_steps=num_steps)
    if n_full:
        carry, _ = jax.lax.scan(lambda cr, c: run(cr, c * chunk, size=chunk),
                                carry, jnp.arange(n_full, dtype=jnp.int32))
    if rest:
        carry, _ = run(carry, jnp.int32(n_full * chunk), size=rest)
    return sim.readout_final(carry[3], num_steps), ()


def events_program(sim: Any) -> Any:
    """The previous batch program ``(params, inputs, first, t0) -> (readouts, ())`` of a
    layer-schedule simulator, jitted (the same chunking as today's)."""
    steps = sim.plan.num_timesteps
    return jax.jit(partial(_program, sim, num_steps=steps,
                           chunk=time_chunk(sim, sim.batch_size, steps)),
                   compiler_options=sim.compiler_options)


def programs(compiled: Any) -> dict[str, Any]:
    """``{"events": before, "drive": now}``: the two batch programs of a compiled
    rate-coded network, same arguments."""
    sim = compiled.simulator
    return {"events": events_program(sim), "drive": SCHEDULES["layer"].jitted(sim)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--net", default="vgg16", choices=list(NETWORKS))
    parser.add_argument("--width", type=float, default=0.25)
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--timesteps", type=int, default=20)
    parser.add_argument("--modes", nargs="+", default=["default", "fp16"])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--min-bytes", type=int, default=2 ** 18,
                        help="count the kernels that write at least this much")
    args = parser.parse_args()
    print(f"device: {jax.devices()[0].device_kind} ({jax.default_backend()}), jax "
          f"{jax.__version__}; {args.net} x{args.width}, batch {args.batch}, "
          f"T={args.timesteps}", flush=True)
    rng = np.random.default_rng(0)
    nodes = NETWORKS[args.net](args.width, rng)
    acts = ann_activations(nodes, rng)
    x = jnp.asarray(rng.uniform(0, 1, (args.batch, 32, 32, 3)).astype(np.float32))[:, None]
    for mode in args.modes:
        net, _, _ = rate_network(nodes, acts)
        compiled = InferenceCompiler(evaluate_timesteps=args.timesteps, batch_size=args.batch,
                                     precision=mode).compile(net)
        sim = compiled.simulator
        call_args = (sim.params, {0: x}, 0, 0)
        results, rows = {}, {}
        for path, fn in programs(compiled).items():
            hlo = fn.lower(*call_args).compile().as_text()
            counts, written = hlo_kernels(hlo, args.min_bytes)
            results[path] = jax.block_until_ready(fn(*call_args)[0])
            t = best_time(partial(lambda f, a: jax.block_until_ready(f(*a)[0]), fn, call_args),
                          args.repeats)
            rows[path] = (t, counts, written)
        same = all(np.array_equal(np.asarray(a), np.asarray(b)) for a, b in
                   zip(jax.tree_util.tree_leaves(results["events"]),
                       jax.tree_util.tree_leaves(results["drive"]), strict=True))
        for path, (t, counts, written) in rows.items():
            top = ", ".join(f"{k} {v} ({written[k] / 2 ** 20:.1f})" for k, v in
                            counts.most_common())
            print(f"{mode:8s} {path:6s} {args.batch / t:8.1f} img/s; kernels writing >= "
                  f"{args.min_bytes} B: {sum(counts.values())}, "
                  f"{sum(written.values()) / 2 ** 20:.1f} MiB: {top}", flush=True)
        (t_old, _, w_old), (t_new, _, w_new) = rows["events"], rows["drive"]
        print(f"{mode:8s} drive/events: speed {t_old / t_new:.2f}x, bytes written "
              f"{sum(w_new.values()) / sum(w_old.values()):.2f}x; readouts "
              f"{'identical' if same else 'DIFFER'}", flush=True)

if __name__ == "__main__":
    main()

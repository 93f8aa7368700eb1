"""The host side of a run: dispatch ahead, accumulate on the device, read back late.

Work is dispatched without waiting (JAX dispatch is asynchronous). Where the schedule's
per-batch program allows it (:meth:`Schedule.batch_program` with ``grouped``: the
few-spike fast path), each transfer group is *one* dispatch: a program that checks the
group's inputs for NaN and infinity and scans the batch program over its batches, each
followed by the update of the metrics (a device version, ``backend/metrics.py``) and of
the spike totals (unrolled on an accelerator, :data:`GROUP_UNROLL`); the readouts,
recordings and metrics after each batch come back stacked. The program is compiled once
per group size (powers of two, so at most ``log2(transfer.MAX_GROUP) + 1``). Just before
it dispatches a group, the runner calls the group's ``dispatching()``, so that the next
group is prepared while the dispatch runs without the GIL. Where the schedule has a
per-batch program that is not grouped (the layer schedule, whose batches run long),
each batch is one such dispatch; otherwise the schedule's host loop runs the batches and
a small program queued behind each one updates them. Either way ``evaluate`` reads
nothing back per batch. Batches are *retired* (their host-side work done, in order)
only once :data:`WINDOW` newer batches have been dispatched, so the device always has
work queued while the host waits:

* with nothing to read per batch, retiring only waits for the old batch to finish
  (this bounds the memory in flight; the device stays busy with the newer ones);
* readouts (``predict``, host-only metrics) and recordings are copied to the host
  asynchronously as soon as their batch is dispatched, and read when it retires;
* ``on_batch`` (the callbacks) gets every batch, in order, when it retires.
"""
from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Iterator
from functools import partial
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
from jax.experimental import multihost_utils

from ..utils.recording import SPIKE_COUNT
from .metrics import device_metric
from .schedules import SCHEDULES, BatchProgram
from .transfer import (
    BatchInfo,
    DeviceBatch,
    DeviceGroup,
    FiniteCheck,
    device_batches_of,
    first_non_finite,
    stacked,
)

#: Batches dispatched ahead of the one being retired: the device has this many queued
#: while the host waits, so a pause of the host thread (another thread holding the
#: GIL, a garbage collection) does not leave it idle.
WINDOW = 8
#: Unrolling of a group program's scan over its batches (``lax.scan``'s ``unroll``: 1,
#: a count, or True for all); None: all on an accelerator, 1 (a loop) on a CPU.
#: Unrolled, XLA drops the loop's per-batch copies (ResNet-20 few-spike at batch 256 on
#: an H200: 98 -> 60 kernels per batch) and launches the group's kernels as CUDA graphs:
#: in a loop the host launches each iteration's kernels about as fast as the device runs
#: them, so any host pause between groups leaves the device idle. ``python
#: bench/evaluate_gaps.py``, H200, batch 256, with ``transfer.MAX_GROUP`` 4 (the
#: accelerator default; it bounds the programs' size): ``evaluate()`` over the scanned
#: device-only reference 0.86-0.95 for ResNet-20 and 0.99-1.05 for VGG-16 against
#: 0.74-0.91 and 0.92-0.96 as a loop, the first call 4.6 and 8.6 s against 4.0 and 3.5
#: s (groups of 8 unrolled: 11.7 and 18.5 s).
GROUP_UNROLL: int | bool | None = None
#: Fuse a batch's program and the update of the metrics and totals into one dispatch
#: where the schedule offers a per-batch program (the host keeps ahead of a fast
#: device).
FUSE = True
#: Run a transfer group's batches in one program (the fused batch program scanned over
#: them, one dispatch per group) where the schedule's batch program allows it
#: (``BatchProgram.grouped``: the few-spike fast path); else one dispatch per batch.
GROUP = True
#: Totals are kept as ``high * 2**LOW_BITS + low`` in int32 pairs, so they stay exact
#: past 2**31 (each batch adds less than ``2**31 - 2**LOW_BITS`` per timestep).
LOW_BITS = 24


class _Dispatched(NamedTuple):
    """Batches dispatched together (one group, or one batch): their host info, and as
    device arrays their readouts and recordings (stacked over the batches if
    ``stacked``) and the metric accumulators after each (stacked likewise)."""

    batches: list
    outs: tuple
    recs: tuple
    accs: Any
    stacked: bool


def _accumulate(metrics, batch, accs, outs, ys, count, sums, counts):
    """Inside a program: update every device metric, and the totals ``sums`` with the
    stacked counts of one batch (:func:`_counted`; both None without totals)."""
    mask = jnp.arange(batch) < count
    accs = tuple(acc if m is None else m.update(acc, ys[n], outs[n], mask)
                 for n, (m, acc) in enumerate(zip(metrics, accs, strict=True)))
    return accs, (sums if counts is None else _add_counts(sums, counts, mask))


def _add_counts(total: tuple, counts: jax.Array, mask: jax.Array) -> tuple:
    """Add counts ``(rows, batch)`` over the real examples to ``total`` ``(high, low)``."""
    high, low = total
    low = low + jnp.sum(jnp.where(mask, counts, 0), axis=1, dtype=jnp.int32)
    return high + (low >> LOW_BITS), low & ((1 << LOW_BITS) - 1)


def _counted(record: tuple, totals: tuple, recs: tuple) -> jax.Array | None:
    """The recordings of ``totals`` stacked into one int32 array ``(rows, batch)``, so
    that one update adds them all: a row per step of a ``SPIKE_TOTAL``, one row per
    ``SPIKE_COUNT`` (summed over the time axis: a schedule may give them per step or
    already summed); None without totals."""
    if not totals:
        return None
    return jnp.concatenate([jnp.sum(recs[p], axis=0, keepdims=True, dtype=jnp.int32)
                            if record[p][1] == SPIKE_COUNT else recs[p].astype(jnp.int32)
                            for p in totals])


def _split_totals(found: tuple | None, record: tuple, totals: tuple) -> dict:
    """``{position in record: int64 array}`` from the stacked totals ``(high, low)``
    read back (None if no batch ran): a row per ``SPIKE_COUNT``, the rest shared by
    the ``SPIKE_TOTAL`` requests (the same number of steps each)."""
    if found is None:
        return {p: np.zeros(0, np.int64) for p in totals}
    high, low = found
    rows = np.asarray(high, np.int64) * 2 ** LOW_BITS + np.asarray(low, np.int64)
    per_step = [p for p in totals if record[p][1] != SPIKE_COUNT]
    steps = (len(rows) - (len(totals) - len(per_step))) // max(1, len(per_step))
    out, offset = {}, 0
    for p in totals:
        n = 1 if record[p][1] == SPIKE_COUNT else steps
        out[p] = rows[offset:offset + n]
        offset += n
    return out


def _per_batch(record: tuple, totals: tuple) -> tuple:
    """Positions in ``record`` of the recordings read per batch (those not in
    ``totals``, which are summed on the device instead)."""
    return tuple(p for p in range(len(record)) if p not in totals)


def _step(program: Callable, outputs: tuple, metrics: tuple, batch: int, record: tuple,
          totals: tuple, params, x, y, first, size, accs, sums):
    """One fused program per batch: the schedule's batch program, then the update of
    the metrics and totals."""
    readouts, recs = program(params, x, first)
    outs = tuple(readouts[i] for i in outputs)
    accs, sums = _accumulate(metrics, batch, accs, outs, y, size, sums,
                             _counted(record, totals, recs))
    return outs, recs, accs, sums


def _group_step(program: Callable, outputs: tuple, metrics: tuple, batch: int, record: tuple,
                totals: tuple, unroll: int | bool, params, x, y, meta, accs, sums, bad):
    """One program per transfer group: the inputs checked for NaN and infinity, then
    :func:`_step` for each of its batches in turn (``lax.scan``); readouts, the
    recordings not in ``totals`` and the accumulators after each batch come stacked."""
    x, y = stacked(x), None if y is None else stacked(y)
    bad = first_non_finite(x, meta, bad)
    kept = _per_batch(record, totals)

    def body(carry, item):
        xb, yb, m = item
        outs, recs, accs, sums = _step(program, outputs, metrics, batch, record, totals,
                                       params, xb, yb, m[0], m[1], *carry)
        return (accs, sums), (outs, tuple(recs[p] for p in kept), accs)
    (accs, sums), (outs, recs, snaps) = jax.lax.scan(body, (accs, sums), (x, y, meta),
                                                       unroll=unroll)
    return outs, recs, snaps, accs, sums, bad


def run(sim: Any, groups: Iterable[DeviceGroup], outputs: list[int], metrics: list | None,
        record: tuple, per_batch: bool, collect: bool,
        on_batch: Callable[[Any, list | None, list | None], None],
        totals: tuple[int, ...] = ()) -> dict[int, np.ndarray]:
    """Run every batch through the plan's schedule.

    Args:
        sim: the device model.
        groups: the transfer groups, their transfers started (``transfer.device_groups``).
        outputs: population index of each output.
        metrics: one metric object per output (updated in place), or None.
        record: ``(population index, var)`` recording requests.
        per_batch: a callback wants per-batch data: metric objects are brought up to
            date before each ``on_batch``.
        collect: ``on_batch`` needs the outputs' readouts on the host.
        on_batch: called per batch, in order, with ``(batch, readouts or None,
            recordings or None)`` (``batch`` has ``index``, ``start``, ``count``);
            readouts and recordings (those of ``record`` not in ``totals``, in order)
            are trimmed to the batch's real examples.
        totals: positions in ``record`` of counts ``(timesteps, batch)`` (``SPIKE_TOTAL``)
            or ``(1, batch)`` (``SPIKE_COUNT``) to sum on the device over every real
            example instead.

    Returns:
        ``{position in record: int64 array (timesteps,) or (1,)}`` for ``totals``.

    Raises:
        NonFiniteInput: once every batch ran, if an input held NaN or infinity.
    """
    schedule = SCHEDULES[sim.plan.schedule]
    metrics = metrics or []
    device = tuple(None if m is None else device_metric(m) for m in metrics)
    host_metrics = [n for n, m in enumerate(metrics) if m is not None and device[n] is None]
    on_device = any(d is not None for d in device)
    need_readouts = collect or bool(host_metrics)
    batch_recs = _per_batch(record, totals)
    program = schedule.batch_program(sim, record) if FUSE else None
    check = FiniteCheck(sim.placement, sim.cached(("no non-finite input",),
                                                  lambda: FiniteCheck.initial(sim.placement)))
    if program is not None and program.grouped and GROUP:
        results = _grouped(sim, schedule.name, program, groups, outputs, device, record,
                           totals, check)
    else:
        batches = device_batches_of(groups, check)
        results = _dispatched(sim, schedule, batches, outputs, device, record, totals) \
            if program is None else \
            _fused(sim, schedule.name, program, batches, outputs, device, record, totals)
    window: deque = deque()

    def retire(item: _Dispatched) -> None:
        host_outs = [to_host(a) for a in item.outs] if need_readouts else None
        host_recs = [to_host(r) for r in item.recs] if batch_recs else None
        snaps = jax.device_get(item.accs) if per_batch and on_device else None
        if host_outs is None and host_recs is None and snaps is None:
            jax.block_until_ready(item.outs)  # flow control only: newer batches are queued
        for j, batch in enumerate(item.batches):
            n = batch.count

            def pick(a: Any, j: int = j) -> Any:
                return a[j] if item.stacked else a
            outs = None if host_outs is None else [pick(a)[:n] for a in host_outs]
            recs = None if host_recs is None else [pick(r)[:, :n] for r in host_recs]
            if host_metrics:
                assert outs is not None and batch.y_host is not None
                for o in host_metrics:
                    metrics[o].update(np.asarray(batch.y_host[o])[:n], outs[o])
            if snaps is not None:
                _write(metrics, device, jax.tree_util.tree_map(pick, snaps))
            on_batch(batch, outs, recs)

    accs = sums = None
    dispatched = 0
    for item, accs, sums in results:  # noqa: B007  (the last ones are kept)
        if need_readouts:
            for a in item.outs:
                a.copy_to_host_async()
        for r in item.recs:
            r.copy_to_host_async()
        window.append(item)
        dispatched += len(item.batches)
        newer = dispatched - len(window[0].batches)
        while len(window) > 1 and newer >= WINDOW:
            retire(window.popleft())
            newer -= len(window[0].batches)
    while window:
        retire(window.popleft())
    bad, accs, found = read_small((check.bad, accs, sums))  # one read at the end
    check.raise_if_bad(bad)
    if on_device and accs is not None:
        _write(metrics, device, accs)
    return _split_totals(found, record, totals)


def _initial(sim: Any, device: tuple, totals: tuple, timesteps: int, record: tuple) -> tuple:
    """Zero accumulators of the device metrics and of the totals, made once per kind of
    run (device arrays are immutable, so a run never changes them)."""
    def make() -> tuple:
        accs = tuple(None if d is None else d.init() for d in device)
        rows = sum(1 if record[p][1] == SPIKE_COUNT else timesteps for p in totals)
        sums = (jnp.zeros(rows, jnp.int32),) * 2 if totals else None
        return sim.placement.put_replicated((accs, sums))
    return sim.cached(("initial", tuple(type(d) for d in device), totals, timesteps, record),
                      make)


def _grouped(sim: Any, name: str, program: BatchProgram, groups: Iterable[DeviceGroup],
             outputs: list[int], device: tuple, record: tuple, totals: tuple,
             check: FiniteCheck) -> Iterator[tuple]:
    """``(dispatched group, accumulators, totals)`` per transfer group, one dispatch
    each (:func:`_group_step`, compiled once per group size)."""
    unroll = GROUP_UNROLL if GROUP_UNROLL is not None else \
        (1 if sim.placement.on_cpu else True)
    step = sim.jit(("group", name, record, tuple(outputs), tuple(type(d) for d in device),
                    totals, unroll),
                   lambda: partial(_group_step, program.fn, tuple(outputs), device,
                                   sim.batch_size, record, totals, unroll))
    accs, sums = _initial(sim, device, totals, program.timesteps, record)
    for g in groups:
        bad = check.start(g)
        g.dispatching()  # the next group's preparation runs while this dispatch does
        outs, recs, snaps, accs, sums, check.bad = step(sim.params, g.x, g.y, g.meta, accs,
                                                        sums, bad)
        infos = [BatchInfo(g.index + j, m.start, m.count, m.y)
                 for j, m in enumerate(g.members)]
        yield _Dispatched(infos, outs, recs, snaps, True), accs, sums


def _fused(sim: Any, name: str, program: BatchProgram, batches: Iterable[DeviceBatch],
           outputs: list[int], device: tuple, record: tuple, totals: tuple) -> Iterator[tuple]:
    """``(dispatched batch, accumulators, totals)`` per batch, one dispatch each
    (:func:`_step`)."""
    step = sim.jit(("step", name, record, tuple(outputs), tuple(type(d) for d in device),
                    totals),
                   lambda: partial(_step, program.fn, tuple(outputs), device, sim.batch_size,
                                   record, totals))
    accs, sums = _initial(sim, device, totals, program.timesteps, record)
    kept = _per_batch(record, totals)
    for b in batches:
        outs, recs, accs, sums = step(sim.params, b.x, b.y, b.first, b.size, accs, sums)
        yield _Dispatched([b], outs, tuple(recs[p] for p in kept), accs, False), accs, sums


def _dispatched(sim: Any, schedule: Any, batches: Iterable[DeviceBatch], outputs: list[int],
                device: tuple, record: tuple, totals: tuple) -> Iterator[tuple]:
    """``(dispatched batch, accumulators, totals)`` per batch from the schedule's own
    host loop, metrics and totals updated by a program of their own."""
    on_device = any(d is not None for d in device)
    accs = tuple(None if d is None else d.init() for d in device)
    sums = None
    kept = _per_batch(record, totals)
    accumulate = sim.jit(("metrics", tuple(type(d) for d in device), len(totals)),
                         lambda: partial(_accumulate, device, sim.batch_size))
    for result in schedule.run(sim, batches, record):
        batch = result.batch
        outs = tuple(result.readouts[i] for i in outputs)
        if on_device or totals:
            counted = _counted(record, totals, result.recordings)
            if sums is None and counted is not None:
                sums = (jnp.zeros(counted.shape[:1], jnp.int32),) * 2
            accs, sums = accumulate(accs, outs, batch.y, batch.size, sums, counted)
        yield (_Dispatched([batch], outs, tuple(result.recordings[p] for p in kept), accs,
                           False), accs, sums)


@jax.jit
def _pack(leaves: list) -> jax.Array:
    """Inside a program: int32 and float32 arrays as one int32 vector (bit patterns)."""
    return jnp.concatenate([jnp.ravel(a if a.dtype == jnp.int32 else
                                      jax.lax.bitcast_convert_type(a, jnp.int32))
                            for a in leaves])


def read_small(tree: Any) -> Any:
    """Host copy of a pytree of small device arrays (accumulators, totals) in one
    transfer where they are int32/float32 device arrays (a read per array costs tens of
    microseconds, and a VGG-16's spike totals are 38 arrays); else leaf by leaf."""
    leaves, structure = jax.tree_util.tree_flatten(tree)
    if not leaves or not all(isinstance(a, jax.Array) and a.is_fully_addressable and
                             a.dtype in (jnp.int32, jnp.float32) for a in leaves):
        return jax.device_get(tree)
    packed = np.asarray(_pack(leaves))
    out, offset = [], 0
    for a in leaves:
        out.append(packed[offset:offset + a.size].view(a.dtype).reshape(a.shape))
        offset += a.size
    return jax.tree_util.tree_unflatten(structure, out)


def to_host(array: jax.Array) -> np.ndarray:
    """A device array as NumPy; with several hosts (``jax.distributed``) the shards of
    the other processes are gathered first."""
    if not array.is_fully_addressable:
        array = multihost_utils.process_allgather(array, tiled=True)
    return np.asarray(array)


def _write(metrics: list, device: tuple, accs: tuple) -> None:
    """Store host copies of the accumulators in the user's metric objects."""
    for m, d, acc in zip(metrics, device, accs, strict=True):
        if d is not None:
            d.write(m, acc)

"""The host side of a run: dispatch ahead, accumulate on the device, read back late.

Batch after batch is dispatched without waiting (JAX dispatch is asynchronous). Where
the schedule offers a per-batch program (:meth:`Schedule.batch_program`: the few-spike
fast path, the layer schedule), each batch is *one* dispatch that runs it and updates
the metrics with a device version (``backend/metrics.py``) and the spike totals;
otherwise the schedule's host loop runs the batches and a small program queued behind
each one updates them. Either way ``evaluate`` reads nothing back per batch. A batch is
*retired* (its host-side work done, in order) only once :data:`WINDOW` newer batches
have been dispatched, so the device always has work queued while the host waits:

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
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from jax.experimental import multihost_utils

from .metrics import device_metric
from .schedules import SCHEDULES, BatchProgram
from .transfer import DeviceBatch

#: Batches dispatched ahead of the one being retired: the device has this many queued
#: while the host waits, so a pause of the host thread (another thread holding the
#: GIL, a garbage collection) does not leave it idle.
WINDOW = 8
#: Fuse a batch's program and the update of the metrics and totals into one dispatch
#: where the schedule offers a per-batch program (the host keeps ahead of a fast
#: device).
FUSE = True
#: Totals are kept as ``high * 2**LOW_BITS + low`` in int32 pairs, so they stay exact
#: past 2**31 (each batch adds less than ``2**31 - 2**LOW_BITS`` per timestep).
LOW_BITS = 24


def _accumulate(metrics, batch, accs, outs, ys, count, sums, recs):
    """Inside a program: update every device metric and every total with one batch."""
    mask = jnp.arange(batch) < count
    accs = tuple(acc if m is None else m.update(acc, ys[n], outs[n], mask)
                 for n, (m, acc) in enumerate(zip(metrics, accs, strict=True)))
    return accs, tuple(_add_counts(s, r, mask) for s, r in zip(sums, recs, strict=True))


def _add_counts(total: tuple, rec: jax.Array, mask: jax.Array) -> tuple:
    """Add a recording of counts ``(timesteps, batch)`` over the real examples."""
    high, low = total
    low = low + jnp.sum(jnp.where(mask, rec.astype(jnp.int32), 0), axis=1, dtype=jnp.int32)
    return high + (low >> LOW_BITS), low & ((1 << LOW_BITS) - 1)


def _step(program: Callable, outputs: tuple, metrics: tuple, batch: int, totals: tuple,
          params, x, y, first, size, accs, sums):
    """One fused program per batch: the schedule's batch program, then the update of
    the metrics and totals."""
    readouts, recs = program(params, x, first)
    outs = tuple(readouts[i] for i in outputs)
    accs, sums = _accumulate(metrics, batch, accs, outs, y, size, sums,
                             tuple(recs[p] for p in totals))
    return outs, recs, accs, sums


def run(sim: Any, batches: Iterable[DeviceBatch], outputs: list[int], metrics: list | None,
        record: tuple, per_batch: bool, collect: bool,
        on_batch: Callable[[DeviceBatch, list | None, list | None], None],
        totals: tuple[int, ...] = ()) -> dict[int, np.ndarray]:
    """Run every batch through the plan's schedule.

    Args:
        sim: the device model.
        batches: the batches, their transfers started (``transfer.device_batches``).
        outputs: population index of each output.
        metrics: one metric object per output (updated in place), or None.
        record: ``(population index, var)`` recording requests.
        per_batch: a callback wants per-batch data: metric objects are brought up to
            date before each ``on_batch``.
        collect: ``on_batch`` needs the outputs' readouts on the host.
        on_batch: called per batch, in order, with ``(batch, readouts or None,
            recordings or None)``; readouts and recordings (those of ``record`` not in
            ``totals``, in order) are trimmed to the batch's real examples.
        totals: positions in ``record`` of counts ``(timesteps, batch)``
            (``SPIKE_TOTAL``) to sum on the device over every real example instead.

    Returns:
        ``{position in record: int64 array (timesteps,)}`` for ``totals``.
    """
    schedule = SCHEDULES[sim.plan.schedule]
    metrics = metrics or []
    device = tuple(None if m is None else device_metric(m) for m in metrics)
    host_metrics = [n for n, m in enumerate(metrics) if m is not None and device[n] is None]
    on_device = any(d is not None for d in device)
    need_readouts = collect or bool(host_metrics)
    batch_recs = [p for p in range(len(record)) if p not in totals]
    program = schedule.batch_program(sim, record) if FUSE else None
    if program is None:
        results = _dispatched(sim, schedule, batches, outputs, device, record, totals)
    else:
        results = _fused(sim, schedule.name, program, batches, outputs, device, record, totals)
    window: deque = deque()

    def retire(item) -> None:
        batch, outs, recs, accs_then = item
        n = batch.count
        host_outs = [to_host(a)[:n] for a in outs] if need_readouts else None
        host_recs = [to_host(recs[p])[:, :n] for p in batch_recs] if batch_recs else None
        if host_metrics:
            assert host_outs is not None and batch.y_host is not None
            for o in host_metrics:
                metrics[o].update(np.asarray(batch.y_host[o])[:n], host_outs[o])
        if per_batch and on_device:
            _write(metrics, device, accs_then)
        if host_outs is None and host_recs is None and not (per_batch and on_device):
            jax.block_until_ready(outs)  # flow control only: newer batches are queued
        on_batch(batch, host_outs, host_recs)

    accs = sums = None
    for batch, outs, recs, accs, sums in results:  # noqa: B007  (the last ones are kept)
        if need_readouts:
            for a in outs:
                a.copy_to_host_async()
        for p in batch_recs:
            recs[p].copy_to_host_async()
        window.append((batch, outs, recs, accs))
        if len(window) > WINDOW:
            retire(window.popleft())
    while window:
        retire(window.popleft())
    if on_device and accs is not None:
        _write(metrics, device, accs)
    if sums is None:  # no batch ran
        sums = tuple((np.zeros(0, np.int32),) * 2 for _ in totals)
    found = jax.device_get(sums)
    return {p: np.asarray(high, np.int64) * 2 ** LOW_BITS + np.asarray(low, np.int64)
            for p, (high, low) in zip(totals, found, strict=True)}


def _fused(sim: Any, name: str, program: BatchProgram, batches: Iterable[DeviceBatch],
           outputs: list[int], device: tuple, record: tuple, totals: tuple) -> Iterator[tuple]:
    """``(batch, readouts, recordings, accumulators, totals)`` per batch, one dispatch
    each (:func:`_step`)."""
    step = sim.jit(("step", name, record, tuple(outputs), tuple(type(d) for d in device),
                    totals),
                   lambda: partial(_step, program.fn, tuple(outputs), device, sim.batch_size,
                                   totals))
    accs = tuple(None if d is None else d.init() for d in device)
    zeros = jnp.zeros(program.timesteps, jnp.int32)
    sums = tuple((zeros, zeros) for _ in totals)
    for b in batches:
        outs, recs, accs, sums = step(sim.params, b.x, b.y, b.first, b.size, accs, sums)
        yield b, outs, recs, accs, sums


def _dispatched(sim: Any, schedule: Any, batches: Iterable[DeviceBatch], outputs: list[int],
                device: tuple, record: tuple, totals: tuple) -> Iterator[tuple]:
    """``(batch, readouts, recordings, accumulators, totals)`` per batch from the
    schedule's own host loop, metrics and totals updated by a program of their own."""
    on_device = any(d is not None for d in device)
    accs = tuple(None if d is None else d.init() for d in device)
    sums = None
    accumulate = sim.jit(("metrics", tuple(type(d) for d in device), len(totals)),
                         lambda: partial(_accumulate, device, sim.batch_size))
    for result in schedule.run(sim, batches, record):
        batch = result.batch
        outs = tuple(result.readouts[i] for i in outputs)
        if on_device or totals:
            counted = tuple(result.recordings[p] for p in totals)
            if sums is None:
                sums = tuple((jnp.zeros(r.shape[:1], jnp.int32),) * 2 for r in counted)
            accs, sums = accumulate(accs, outs, batch.y, batch.size, sums, counted)
        yield batch, outs, result.recordings, accs, sums


def to_host(array: jax.Array) -> np.ndarray:
    """A device array as NumPy; with several hosts (``jax.distributed``) the shards of
    the other processes are gathered first."""
    if not array.is_fully_addressable:
        array = multihost_utils.process_allgather(array, tiled=True)
    return np.asarray(array)


def _write(metrics: list, device: tuple, accs: tuple) -> None:
    for m, d, acc in zip(metrics, device, accs, strict=True):
        if d is not None:
            d.write(m, jax.device_get(acc))

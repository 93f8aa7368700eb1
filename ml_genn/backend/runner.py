"""The host side of a run: dispatch ahead, accumulate on the device, read back late.

The schedule's host loop dispatches batch after batch without waiting (JAX dispatch is
asynchronous). Metrics with a device version (``backend/metrics.py``) are updated by a
small jitted program queued behind each batch, so ``evaluate`` reads nothing back per
batch. A batch is *retired* (its host-side work done, in order) only once
:data:`WINDOW` newer batches have been dispatched, so the device always has work queued
while the host waits:

* with nothing to read per batch, retiring only waits for the old batch to finish
  (this bounds the memory in flight; the device stays busy with the newer ones);
* readouts (``predict``, host-only metrics) and recordings are copied to the host
  asynchronously as soon as their batch is dispatched, and read when it retires;
* ``on_batch`` (the callbacks) gets every batch, in order, when it retires.
"""
from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable
from functools import partial
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from jax.experimental import multihost_utils

from .metrics import device_metric
from .schedules import SCHEDULES
from .transfer import DeviceBatch, take

#: Batches dispatched ahead of the one being retired.
WINDOW = 3


def _accumulate(metrics, accs, outs, ys, count):
    """Inside a program: update every device metric with one batch."""
    mask = jnp.arange(outs[0].shape[0]) < count
    return tuple(acc if m is None else m.update(acc, ys[n], out, mask)
                 for n, (m, acc, out) in enumerate(zip(metrics, accs, outs, strict=True)))


def run(sim: Any, batches: Iterable[DeviceBatch], outputs: list[int], metrics: list | None,
        record: tuple, per_batch: bool, collect: bool,
        on_batch: Callable[[DeviceBatch, list | None, list | None], None]) -> None:
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
            recordings or None)``; readouts and recordings are trimmed to the batch's
            real examples.
    """
    schedule = SCHEDULES[sim.plan.schedule]
    metrics = metrics or []
    device = [None if m is None else device_metric(m) for m in metrics]
    host_metrics = [n for n, m in enumerate(metrics) if m is not None and device[n] is None]
    on_device = any(d is not None for d in device)
    accs = tuple(None if d is None else d.init() for d in device)
    accumulate = sim.jit(("metrics", tuple(type(d) for d in device)),
                         lambda: partial(_accumulate, tuple(device)))
    need_readouts = collect or bool(host_metrics)
    window: deque = deque()

    def retire(item) -> None:
        batch, outs, recs, accs_then = item
        n = batch.count
        host_outs = [to_host(a)[:n] for a in outs] if need_readouts else None
        host_recs = [to_host(r)[:, :n] for r in recs] if record else None
        if host_metrics:
            assert host_outs is not None and batch.y_host is not None
            for o in host_metrics:
                metrics[o].update(np.asarray(batch.y_host[o])[:n], host_outs[o])
        if per_batch and on_device:
            _write(metrics, device, accs_then)
        if host_outs is None and host_recs is None and not (per_batch and on_device):
            jax.block_until_ready(outs)  # flow control only: newer batches are queued
        on_batch(batch, host_outs, host_recs)

    for result in schedule.run(sim, batches, record):
        batch = result.batch
        outs = tuple(result.readouts[i] for i in outputs)
        if on_device:
            accs = accumulate(accs, outs, take(batch.y, batch.j), batch.count)
        if need_readouts:
            for a in outs:
                a.copy_to_host_async()
        for r in result.recordings:
            r.copy_to_host_async()
        window.append((batch, outs, result.recordings, accs))
        if len(window) > WINDOW:
            retire(window.popleft())
    while window:
        retire(window.popleft())
    if on_device:
        _write(metrics, device, accs)


def to_host(array: jax.Array) -> np.ndarray:
    """A device array as NumPy; with several hosts (``jax.distributed``) the shards of
    the other processes are gathered first."""
    if not array.is_fully_addressable:
        array = multihost_utils.process_allgather(array, tiled=True)
    return np.asarray(array)


def _write(metrics: list, device: list, accs: tuple) -> None:
    for m, d, acc in zip(metrics, device, accs, strict=True):
        if d is not None:
            d.write(m, jax.device_get(acc))

"""Moving batches to the device: a few large transfers, prepared ahead of the compute.

Batches are gathered into *transfer groups* of ``G`` batches (about
:data:`GROUP_BYTES` of inputs), each one array ``(G, B, ...)`` per input and per label
set, padded with zeros. A worker thread builds the next group and starts its transfer
while the batches of the current one are dispatched, so copies overlap the compute;
programs pick their batch out of the group on the device. At most two groups are alive
at a time, so host and device memory are bounded by the batch size, never by the
number of examples.
"""
from __future__ import annotations

import itertools
import threading
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from typing import Any

import jax
import numpy as np

from .sharding import Placement

#: Input bytes per transfer group (large copies run near the bus' bandwidth).
GROUP_BYTES = 8 * 2 ** 20
#: Most batches per transfer group.
MAX_GROUP = 64
#: Threads preparing transfer groups (copies from pageable host memory run at a few
#: GB/s each, so several run side by side).
TRANSFER_WORKERS = 4


@dataclass(frozen=True)
class HostBatch:
    """One batch on the host: ``x`` {input index: (count, ...)}, ``y`` {output key:
    (count, ...)} or None, the global index of its first example and its size."""

    x: dict
    y: dict | None
    start: int
    count: int


@dataclass(frozen=True)
class DeviceBatch:
    """Batch ``j`` of a transfer group on the device (``x``/``y`` hold the group's
    arrays ``(G, B, ...)``); ``y_host`` keeps its labels on the host."""

    index: int
    start: int
    count: int
    x: dict
    y: dict | None
    j: int
    y_host: dict | None


def group_size(example_bytes: int, batch_size: int) -> int:
    """Batches per transfer group for examples of ``example_bytes`` bytes."""
    return int(max(1, min(MAX_GROUP, GROUP_BYTES // max(1, example_bytes * batch_size))))


def _padded(arrays: list[np.ndarray], counts: list[int], batch: int) -> np.ndarray:
    """Stack batches of ``counts`` rows into ``(G, batch, ...)``, zero-padded."""
    out = np.zeros((len(arrays), batch) + arrays[0].shape[1:], arrays[0].dtype)
    for g, (a, n) in enumerate(zip(arrays, counts, strict=True)):
        out[g, :n] = a[:n]
    return out


def host_groups(batches: Iterable[HostBatch], batch: int, size: int
                ) -> Iterator[tuple[dict, dict | None, list[HostBatch]]]:
    """Gather up to ``size`` consecutive batches (from any iterable) into
    ``(x, y, members)``, each array ``(G, batch, ...)``, zero-padded."""
    members: list[HostBatch] = []

    def flush():
        counts = [m.count for m in members]
        xs = {i: _padded([m.x[i] for m in members], counts, batch) for i in members[0].x}
        ys = None
        if members[0].y is not None:
            labels = [m.y or {} for m in members]
            ys = {k: _padded([np.asarray(y[k]) for y in labels], counts, batch)
                  for k in members[0].y}
        return xs, ys, list(members)

    for item in batches:
        members.append(item)
        if len(members) == size:
            yield flush()
            members = []
    if members:
        yield flush()


def _group_of(array: np.ndarray, members: list[HostBatch], batch: int,
              whole: bool) -> np.ndarray:
    """Rows of ``members`` as ``(G, batch, ...)``: a reshaped view if they are ``whole``
    batches, else a padded copy."""
    first, last = members[0], members[-1]
    if whole:
        rows = array[first.start:last.start + last.count]
        return rows.reshape((len(members), batch) + array.shape[1:])
    return _padded([array[m.start:m.start + m.count] for m in members],
                   [m.count for m in members], batch)


def array_groups(x: dict, y: dict | None, num_examples: int, batch_size: int, batch: int,
                 size: int) -> Iterator[tuple[dict, dict | None, list[HostBatch]]]:
    """Transfer groups of whole arrays ``x``/``y`` (``num_examples`` rows each), split
    into batches of ``batch_size`` padded to ``batch`` rows. Groups of full batches are
    reshaped views of the arrays (no copy); the last group is padded."""
    step = size * batch_size
    for first in range(0, num_examples, step):
        stop = min(num_examples, first + step)
        members = [HostBatch({}, None, s, min(batch_size, stop - s))
                   for s in range(first, stop, batch_size)]
        whole = stop - first == step and batch == batch_size
        xs = {i: _group_of(a, members, batch, whole) for i, a in x.items()}
        ys = None if y is None else {k: _group_of(np.asarray(a), members, batch, whole)
                                     for k, a in y.items()}
        yield xs, ys, [replace(m, y=None if y is None else
                               {k: a[m.start:m.start + m.count] for k, a in y.items()})
                       for m in members]


def device_batches(groups: Iterable[tuple[dict, dict | None, list[HostBatch]]],
                   placement: Placement, workers: int | None = None) -> Iterator[DeviceBatch]:
    """Yield every group's batches in order while ``workers`` threads prepare the next
    groups (read the batch iterator in turn, pad, copy to the device), so the host
    thread only dispatches programs and several copies can be in flight."""
    workers = TRANSFER_WORKERS if workers is None else workers
    source = iter(groups)
    lock = threading.Lock()
    numbers = itertools.count()

    def produce() -> tuple[int, tuple | None]:
        with lock:  # the iterator is read by one thread at a time, in order
            item = next(source, None)
            number = next(numbers)
        if item is None:
            return number, None
        x, y, members = item
        return number, (_put(x, placement), None if y is None else _put(y, placement),
                        members)

    index, expected, ready = 0, 0, {}
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="ml_genn-transfer") as pool:
        pending = deque(pool.submit(produce) for _ in range(workers))
        while True:
            while expected not in ready:
                number, group = pending.popleft().result()
                ready[number] = group
                pending.append(pool.submit(produce))
            group = ready.pop(expected)
            expected += 1
            if group is None:
                return
            yield from _unpack(group, index)
            index += len(group[2])


def _put(arrays: dict, placement: Placement) -> dict:
    return {k: placement.put_batched(a, axis=1) for k, a in arrays.items()}


def _unpack(group: tuple, index: int) -> Iterator[DeviceBatch]:
    x, y, members = group
    for j, m in enumerate(members):
        yield DeviceBatch(index + j, m.start, m.count, x, y, j, m.y)


def example_bytes(x: dict[Any, np.ndarray]) -> int:
    """Bytes of one example's inputs (all input populations)."""
    return int(sum(a[0].nbytes if len(a) else 0 for a in x.values()))


@jax.jit
def take(group: dict, j: Any) -> dict:
    """Batch ``j`` of a transfer group ``{key: (G, B, ...)}``, on the device."""
    return {k: jax.lax.dynamic_index_in_dim(g, j, axis=0, keepdims=False)
            for k, g in group.items()}

"""Moving batches to the device: a few large transfers, started ahead of the compute.

Batches are gathered into *transfer groups* of up to ``G`` batches (about
:data:`GROUP_BYTES` of inputs) per input and per label set, plus the batches' first
example indices and sizes: views of the caller's arrays where batches are whole (a
reshaped ``(G, B, ...)`` view, or a list of the batches a generator gave), and a
zero-padded copy of a short batch only. All transfers of a group are started by one
``jax.device_put`` call, the first group's by the thread that dispatches it. A worker
thread starts the transfers of the next :data:`GROUPS_AHEAD` groups
(``jax.device_put`` returns at once; the runtime stages the copies on its own threads)
while the batches of the current one are dispatched, so copies overlap the compute.
The runner runs a group's batches in one program that also checks the inputs for NaN
and infinity on the device (:func:`first_non_finite`, so the host makes no extra pass
over the data); where batches run one program each, one small program per group picks
them out of it (:func:`split`, the same check included). On an accelerator groups
grow from one batch (the device starts after one batch's copy) by doubling up to
``G``; on a CPU, where a copy is a memcpy and each group size is one more program to
compile, they hold ``G`` batches from the first (the first ``evaluate()`` of 10,000
MNIST-sized examples, few-spike, 2 cores: 1.8 s against 0.9 s, the same speed after).
The last batches go in groups of decreasing powers of two: every group size is a power
of two, so a program per group size is compiled at most ``log2(G) + 1`` times. At most
``max(workers, GROUPS_AHEAD) + 1`` groups are alive at a time, so host and device
memory are bounded by the batch size, never by the number of examples.

Settings (module attributes, read at the start of each run):

* :data:`STAGING`: how a group reaches the device. ``"pageable"`` (default) copies
  straight from the NumPy array (the runtime stages it through its own page-locked
  buffers); ``"pinned"`` first copies it into page-locked host memory with
  ``jax.device_put`` to the ``pinned_host`` memory kind, then to the device.
* :data:`GROUP_BYTES`, :data:`MAX_GROUP`: the size of a group (32 MiB on an
  accelerator, 8 MiB on a CPU; at most 4 batches on an accelerator, 64 on a CPU).
* :data:`TRANSFER_WORKERS`: threads preparing groups (1; started once, kept across
  runs); 0: the thread that dispatches the batches starts the transfers itself.
* :data:`SPLIT_PUTS`: a group's inputs are copied batch by batch, every copy started
  at once (the runtime stages them concurrently, so a group lands sooner than as one
  copy), and stacked on the device; False: one copy per group. Labels travel as one
  array per group either way.
* :data:`GROUPS_AHEAD`: groups whose transfers are started ahead of the one whose
  batches are being dispatched.

Measured on an H200 host (``python bench/h2d.py``): one 8 MiB ``device_put`` waited for
alone runs at about 5.2-5.6 GB/s (the runtime's staging copy, then the DMA), but a
stream of them not waited for one by one at 26-32 GB/s (the runtime stages them on
several threads), several times the 3.6-4.6 GB/s of float32 CIFAR-10 inputs that the
few-spike VGG-16 and ResNet-20 consume at device speed. Copying into page-locked
buffers registered with the client (``client.dma_map``) ourselves reached 12-19 GB/s
with 4-8 threads: no faster than the runtime's own staging.

Nothing is copied to the device per batch: the programs take only device arrays (a
group's batch indices and sizes travel with it), since every host scalar passed to a
program would be a small copy of its own, queued behind the large ones.
"""
from __future__ import annotations

import itertools
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field, replace
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from .sharding import Placement

#: Input bytes per transfer group; None: 32 MiB on an accelerator (fewer, larger
#: copies), 8 MiB on a CPU (where the "copy" is a memcpy and larger groups only cost
#: memory: peak RSS 425 MB against 889 MB over 100,000 MNIST-sized examples).
GROUP_BYTES: int | None = None
#: Most batches per transfer group; None: 4 on an accelerator (where a group's program
#: is unrolled, ``runner.GROUP_UNROLL``, and its compile time grows with the group: 4
#: keeps the first call within a few seconds of the loop's), 64 on a CPU.
MAX_GROUP: int | None = None
#: Threads preparing transfer groups; 0: the thread that dispatches the batches does it.
TRANSFER_WORKERS = 1
#: Groups whose transfers are started ahead of the one being dispatched (at least the
#: number of workers).
GROUPS_AHEAD = 2
#: ``"pageable"`` or ``"pinned"``: how groups are copied to the device.
STAGING = "pageable"
#: Copy a group to the device batch by batch, all its copies started at once (the
#: runtime stages them concurrently: ``bench/h2d.py`` measured 26-32 GB/s for a stream
#: of copies against 5.2-5.6 GB/s for one copy alone), and stack them on the device;
#: False: one copy per group.
SPLIT_PUTS = True


class NonFiniteInput(ValueError):
    """Input ``key`` holds NaN or infinity, first at value ``offset`` of example
    ``example`` (``per_example`` values each)."""

    def __init__(self, key: Any, example: int, offset: int, per_example: int):
        super().__init__(f"Input {key} contains NaN or infinite values (first at flat index "
                         f"{example * per_example + offset}).")
        self.key, self.example, self.offset, self.per_example = key, example, offset, per_example

    @property
    def flat_index(self) -> int:
        return self.example * self.per_example + self.offset


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
    """Batch ``index`` on the device: ``x`` {input index: (B, ...)}, ``y`` {output
    position: (B, ...)} or None, and as device scalars ``first`` (global index of its
    first example) and ``size`` (its real examples); ``start``/``count`` are the same
    on the host, and ``y_host`` keeps its labels on the host."""

    index: int
    start: int
    count: int
    x: dict
    y: dict | None
    first: jax.Array
    size: jax.Array
    y_host: dict | None


def group_size(example_bytes: int, batch_size: int, on_cpu: bool = False) -> int:
    """Batches per transfer group for examples of ``example_bytes`` bytes (see
    :data:`GROUP_BYTES`)."""
    group_bytes = GROUP_BYTES or (8 if on_cpu else 32) * 2 ** 20
    most = MAX_GROUP or (64 if on_cpu else 4)
    return int(max(1, min(most, group_bytes // max(1, example_bytes * batch_size))))


def _group_sizes(size: int, ramp: bool = True) -> Iterator[int]:
    """With ``ramp``, one batch in the first group (the device starts early), then twice
    as many per group up to the largest power of two <= ``size`` (each copy is ready
    before the device needs it); without, that largest size from the first group. Group
    sizes are powers of two, so a run compiles a program for at most ``log2(size) + 1``
    of them."""
    largest = _power_of_two(size)
    wanted = 1 if ramp else largest
    while wanted < largest:
        yield wanted
        wanted *= 2
    yield from itertools.repeat(largest)


def _power_of_two(n: int) -> int:
    """The largest power of two <= ``n`` (1 for ``n <= 1``)."""
    return 1 << max(0, int(n).bit_length() - 1)


_POOLS_LOCK = threading.Lock()
_TRANSFER_POOLS: dict[int, ThreadPoolExecutor] = {}


def _transfer_pool(workers: int) -> ThreadPoolExecutor:
    """The threads that prepare transfer groups, made once per number of workers (a
    thread started per run would cost about a millisecond)."""
    with _POOLS_LOCK:
        if workers not in _TRANSFER_POOLS:
            _TRANSFER_POOLS[workers] = ThreadPoolExecutor(
                max_workers=workers, thread_name_prefix="ml_genn-transfer")
        return _TRANSFER_POOLS[workers]


def _batch_list(arrays: list[np.ndarray], counts: list[int], batch: int
                ) -> list[np.ndarray]:
    """Batches of ``counts`` rows as a list of ``(batch, ...)`` arrays in one type that
    holds every batch's values (batches of a generator may differ in type): full batches
    as they are, short ones zero-padded (a copy)."""
    dtype = np.result_type(*[a.dtype for a in arrays])
    out = []
    for a, n in zip(arrays, counts, strict=True):
        if n == batch and len(a) == batch:
            out.append(a.astype(dtype, copy=False))
        else:
            padded = np.zeros((batch,) + a.shape[1:], dtype)
            padded[:n] = a[:n]
            out.append(padded)
    return out


def host_groups(batches: Iterable[HostBatch], batch: int, size: int, ramp: bool = True
                ) -> Iterator[tuple[dict, dict | None, list[HostBatch]]]:
    """Gather consecutive batches (from any iterable) into groups ``(x, y, members)``
    of one (``ramp``), then up to ``size`` batches (powers of two, :func:`_group_sizes`);
    ``x``/``y`` hold a list of ``(batch, ...)`` arrays per key, short batches
    zero-padded. Full batches are not copied: the transfers take them as they are
    (:data:`SPLIT_PUTS`), or stack them."""
    sizes = _group_sizes(size, ramp)
    members: list[HostBatch] = []
    wanted = next(sizes)

    def flush():
        counts = [m.count for m in members]
        xs = {i: _batch_list([m.x[i] for m in members], counts, batch) for i in members[0].x}
        ys = None
        if members[0].y is not None:
            labels = [m.y or {} for m in members]
            ys = {k: _batch_list([np.asarray(y[k]) for y in labels], counts, batch)
                  for k in members[0].y}
        return xs, ys, list(members)

    for item in batches:
        members.append(item)
        if len(members) == wanted:
            yield flush()
            members, wanted = [], next(sizes)
    rest = members
    while rest:  # the last batches in groups of powers of two, the largest first
        members, rest = rest[:_power_of_two(len(rest))], rest[_power_of_two(len(rest)):]
        yield flush()


def _group_of(array: np.ndarray, members: list[HostBatch], batch: int,
              whole: bool) -> np.ndarray | list[np.ndarray]:
    """Rows of ``members``: a reshaped view ``(G, batch, ...)`` if they are ``whole``
    batches, else a list of batches, short ones padded (:func:`_batch_list`)."""
    first, last = members[0], members[-1]
    if whole:
        rows = array[first.start:last.start + last.count]
        return rows.reshape((len(members), batch) + array.shape[1:])
    return _batch_list([array[m.start:m.start + m.count] for m in members],
                       [m.count for m in members], batch)


def array_groups(x: dict, y: dict | None, num_examples: int, batch_size: int, batch: int,
                 size: int, ramp: bool = True
                 ) -> Iterator[tuple[dict, dict | None, list[HostBatch]]]:
    """Transfer groups (one if ``ramp``, then up to ``size`` batches; powers of two,
    :func:`_group_sizes`) of whole arrays ``x``/``y`` (``num_examples`` rows each), split
    into batches of ``batch_size`` padded to ``batch`` rows. Groups of full batches are
    reshaped views of the arrays (no copy); any other group is a list of its batches,
    views where full and a padded copy where short (:func:`_group_of`)."""
    first, sizes = 0, _group_sizes(size, ramp)
    while first < num_examples:
        left = -(-(num_examples - first) // batch_size)  # batches left
        step = min(next(sizes), _power_of_two(left)) * batch_size
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
        first = stop


@dataclass(frozen=True)
class DeviceGroup:
    """Transfer group of batches ``index .. index + len(members) - 1`` on the device:
    ``x`` {input index: (G, B, ...)}, ``y`` {output position: (G, B, ...)} or None
    (each a tuple of ``G`` arrays ``(B, ...)`` where copied per batch: :func:`stacked`),
    ``meta`` (G, 2): each batch's first example index and size; ``members`` the
    batches on the host (their labels kept there)."""

    index: int
    x: dict
    y: dict | None
    meta: jax.Array
    members: list[HostBatch]
    dispatching: Callable[[], None] = field(default=lambda: None, compare=False, repr=False)


@dataclass(frozen=True)
class BatchInfo:
    """What the host keeps of a batch run as part of a group: its index, first example,
    real examples and host labels."""

    index: int
    start: int
    count: int
    y_host: dict | None


def device_groups(groups: Iterable[tuple[dict, dict | None, list[HostBatch]]],
                  placement: Placement, workers: int | None = None,
                  staging: str | None = None) -> Iterator[DeviceGroup]:
    """Yield every group on the device in order, the transfers of the next
    :data:`GROUPS_AHEAD` groups already started (``jax.device_put`` returns at once;
    the runtime stages the copies on its own threads).

    The group taken is replaced in that queue when the consumer calls the group's
    ``dispatching()`` just before dispatching its program (or, failing that, when it
    asks for the next group). The worker's preparation is mostly Python: started
    while the dispatch runs in XLA without the GIL, it no longer holds the GIL when
    the dispatching thread needs it back. Started as the group was taken, it did: on
    an H200 the next dispatch waited 2-3 ms for the GIL at every group, the device idle
    meanwhile (a dispatch of a few-spike ResNet-20 launches its kernels about as fast
    as the device runs them, so the device has no work queued to cover a host pause).

    Args:
        workers: threads preparing groups (read the group iterator in turn, pad, start
            the copies); 0: this thread does it, between groups (default
            :data:`TRANSFER_WORKERS`).
        staging: ``"pageable"`` or ``"pinned"`` (default :data:`STAGING`).
    """
    workers = TRANSFER_WORKERS if workers is None else workers
    staging = STAGING if staging is None else staging
    if staging not in ("pageable", "pinned"):
        raise ValueError(f"Transfer staging must be 'pageable' or 'pinned', received "
                         f"{staging!r}.")
    if workers < 0:
        raise ValueError(f"Transfer workers must be 0 (this thread) or more, received "
                         f"{workers}.")
    pinned = staging == "pinned"
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
        meta = np.array([(m.start, m.count) for m in members], np.int32)
        return number, (_put_group(x, y, meta, placement, pinned), members)

    index, expected, ready = 0, 0, {}
    pool = _transfer_pool(workers) if workers else _InThisThread()
    # the first group by this thread (nothing else to do meanwhile; no hand-over), alone,
    # so that the worker prepares no other while it is dispatched
    pending = deque([_InThisThread.submit(produce)])
    owed = [max(workers, GROUPS_AHEAD) - 1]  # preparations to start at the next dispatch

    def start_owed() -> None:
        while owed[0]:
            owed[0] -= 1
            pending.append(pool.submit(produce))
    try:
        while True:
            if expected:
                start_owed()  # the consumer did not call ``dispatching``
            while expected not in ready:
                if not pending:  # several workers: later groups came first
                    start_owed()
                number, group = pending.popleft().result()
                ready[number] = group
                owed[0] += 1
            group = ready.pop(expected)
            expected += 1
            if group is None:
                break
            (x, y, meta), members = group
            yield DeviceGroup(index, x, y, meta, members, start_owed)
            index += len(members)
    finally:  # nothing of this run is left reading the iterator
        owed[0] = 0
        for future in pending:
            future.cancel()
        wait(pending)


class FiniteCheck:
    """Looks for NaN and infinity in the inputs of every group, on the device: the
    state ``bad`` {input key: (example, offset)} keeps the first non-finite value seen
    (``(-1, -1)`` while none); :meth:`raise_if_bad` reads it once, at the end."""

    def __init__(self, placement: Placement, none: jax.Array | None = None):
        self._placement = placement
        self._none = none
        self.bad: dict | None = None
        self._per_example: dict = {}

    @staticmethod
    def initial(placement: Placement) -> jax.Array:
        """``(-1, -1)`` on the devices of ``placement``: no non-finite value seen (pass
        it as ``none`` to reuse one across runs)."""
        return placement.put_replicated(np.full(2, -1, np.int32))

    def start(self, group: DeviceGroup) -> dict:
        """The state to pass to the program checking ``group`` (made at the first)."""
        if self.bad is None:
            none = self._none if self._none is not None else self.initial(self._placement)
            self.bad = {k: none for k in group.x}  # arrays are immutable: one will do
            self._per_example = {k: _example_size(a) for k, a in group.x.items()}
        return self.bad

    def raise_if_bad(self, found: dict | None = None) -> None:
        """Raises:
            NonFiniteInput: if an input held NaN or infinity (``found``: the host copy
                of :attr:`bad`, if read already).
        """
        found = jax.device_get(self.bad) if found is None else found
        for k, (example, offset) in (found or {}).items():
            if example >= 0:
                raise NonFiniteInput(k, int(example), int(offset), self._per_example[k])


def device_batches_of(groups: Iterable[DeviceGroup], check: FiniteCheck
                      ) -> Iterator[DeviceBatch]:
    """Every batch of ``groups``, in order, picked out of its group by one small program
    per group (:func:`split`), which also updates ``check``."""
    for group in groups:
        group.dispatching()
        xs, ys, firsts, sizes, check.bad = split((group.x, group.y, group.meta),
                                                 check.start(group))
        for j, m in enumerate(group.members):
            yield DeviceBatch(group.index + j, m.start, m.count, xs[j],
                              None if ys is None else ys[j], firsts[j], sizes[j], m.y)


class _InThisThread:
    """An executor that runs each task at once, in the calling thread."""

    def __enter__(self) -> _InThisThread:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    @staticmethod
    def submit(fn: Callable[[], Any]) -> Future:
        future: Future = Future()
        future.set_result(fn())
        return future


def _stacked_host(group: np.ndarray | list) -> np.ndarray:
    """A group's batches as one ``(G, B, ...)`` array (a list of batches is stacked)."""
    return np.stack(group) if isinstance(group, list) else group


def _put_group(x: dict, y: dict | None, meta: np.ndarray, placement: Placement,
               pinned: bool) -> tuple:
    """Start every transfer of a group in one ``jax.device_put`` call: ``(x, y, meta)``
    on the device, ``x`` ``{key: (G, B, ...)}`` as a tuple of ``G`` arrays ``(B, ...)``
    each with :data:`SPLIT_PUTS` (the runtime stages them concurrently), else one array
    each; the labels ``y`` always one array each (a few kB: another copy to stage would
    only add the runtime's work per array); ``meta`` on every device. ``pinned``:
    through page-locked host memory first."""
    def pieces(arrays: dict, split: bool) -> dict:
        return {k: tuple(a) if split else _stacked_host(a) for k, a in arrays.items()}

    def shardings(arrays: dict, split: bool, memory: str | None) -> dict:
        return {k: (placement.batch_sharding(0, memory),) * len(a) if split else
                placement.batch_sharding(1, memory) for k, a in arrays.items()}

    def layout(memory: str | None) -> tuple:
        return (shardings(x, SPLIT_PUTS, memory),
                None if y is None else shardings(y, False, memory),
                placement.replicated if memory is None else
                placement.replicated.with_memory_kind(memory))
    tree = (pieces(x, SPLIT_PUTS), None if y is None else pieces(y, False), meta)
    if pinned:
        tree = jax.device_put(tree, layout("pinned_host"))
    return jax.device_put(tree, layout(None))


def stacked(arrays: dict) -> dict:
    """Inside a program: a group's arrays as ``{key: (G, B, ...)}`` (those sent per
    batch stacked on the device)."""
    return {k: jnp.stack(a) if isinstance(a, tuple) else a for k, a in arrays.items()}


def _example_size(array: Any) -> int:
    """Values per example of a group's array, sent whole or per batch."""
    shape = array[0].shape[1:] if isinstance(array, tuple) else array.shape[2:]
    return int(np.prod(shape))


def example_bytes(x: dict[Any, np.ndarray]) -> int:
    """Bytes of one example's inputs (all input populations)."""
    return int(sum(a[0].nbytes if len(a) else 0 for a in x.values()))


def first_non_finite(x: dict, meta: jax.Array, bad: dict) -> dict:
    """Inside a program: ``bad`` {input key: (example, offset)} updated with the first
    NaN or infinity of the group ``x`` ({key: (G, B, ...)}, padding rows are zeros;
    ``meta`` (G, 2) the batches' first example indices) if none was seen before."""
    found = {}
    for k, a in x.items():
        if not jnp.issubdtype(a.dtype, jnp.floating):   # integers and bools: all finite
            found[k] = bad[k]
            continue
        flat = a.reshape(a.shape[0] * a.shape[1], -1)
        # x * 0 is NaN exactly where x is NaN or infinite: one sum per row finds the rows
        # (several times faster than isfinite's reduction on a CPU), then one row is read
        rows = jnp.isnan(jnp.sum(flat * 0.0, axis=1))
        row = jnp.argmax(rows).astype(jnp.int32)
        here = jnp.stack([meta[row // a.shape[1], 0] + row % a.shape[1],
                          jnp.argmin(jnp.isfinite(flat[row])).astype(jnp.int32)])
        found[k] = jnp.where((bad[k][0] < 0) & jnp.any(rows), here, bad[k])
    return found


@jax.jit
def split(group: tuple, bad: dict) -> tuple:
    """A transfer group ``(x, y, meta)`` (``x``/``y``: ``{key: (G, B, ...)}``, ``meta``:
    ``(G, 2)`` first example and size) as ``G`` batches on the device, one program per
    group: ``(xs, ys, firsts, sizes, bad)``, a tuple of ``G`` entries each (``ys`` None
    without labels); ``bad`` as :func:`first_non_finite` leaves it."""
    x, y, meta = group
    x, y = stacked(x), None if y is None else stacked(y)
    size = meta.shape[0]
    xs = tuple({k: a[g] for k, a in x.items()} for g in range(size))
    ys = None if y is None else tuple({k: a[g] for k, a in y.items()} for g in range(size))
    return (xs, ys, tuple(meta[g, 0] for g in range(size)),
            tuple(meta[g, 1] for g in range(size)), first_non_finite(x, meta, bad))

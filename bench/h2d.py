"""Host-to-device copy levers, measured side by side in one run (GB/s, best of 5).

What bounds the user's path (``evaluate()`` on host NumPy arrays) when the engine is
fast: how quickly inputs reach the device, and whether copying slows the device.

* ``numpy->device``: ``jax.device_put`` of a NumPy array (the runtime stages it
  through its own page-locked buffer);
* ``pinned_host->device``: from a ``pinned_host`` JAX array (the DMA alone);
* ``mapped->device``: from a NumPy buffer registered with the client
  (``client.dma_map``), which the runtime copies from directly;
* ``copy xN``: ``np.copyto`` into a registered buffer by ``N`` threads (the host side
  of the staging, done by us);
* ``stream ...``: the whole path, sustained over many groups with buffers reused:
  ``pageable xN`` (``N`` threads calling ``device_put``), ``mapped copy xN`` (``N``
  threads copy each group into one of 3 registered buffers, then one DMA);
* ``map+unmap``: the cost of registering a buffer;
* ``device busy``: a few-spike VGG-16 batch program's rate alone and while a thread
  streams copies (does the copy slow the compute?).

Usage::

    python bench/h2d.py                    # sizes 8 and 32 MiB
    python bench/h2d.py --sizes 4 8 16 32 64
"""
from __future__ import annotations

import argparse
import os
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from functools import partial

import jax
import numpy as np
from throughput import best_time


def best(fn, repeats=5) -> float:
    """Best wall time of ``fn()`` after one warm-up call."""
    fn()
    return best_time(fn, repeats)


def registered(client, nbytes: int) -> tuple[np.ndarray, np.ndarray]:
    """A page-aligned uint8 buffer of ``nbytes`` registered with ``client`` (and its base)."""
    base = np.empty(nbytes + 4096, np.uint8)
    offset = (-base.ctypes.data) % 4096
    buf = base[offset:offset + nbytes]
    buf[:] = 0  # touch every page before it is locked
    client.dma_map(buf.ctypes.data, nbytes)
    return buf, base


def put(array, sharding) -> None:
    jax.device_put(array, sharding).block_until_ready()


def split_copy(pool, dst: np.ndarray, src: np.ndarray, n: int) -> None:
    rows = np.array_split(np.arange(len(src)), n)
    list(pool.map(lambda r: np.copyto(dst[r[0]:r[-1] + 1], src[r[0]:r[-1] + 1]),
                  [r for r in rows if len(r)]))


def stream_pageable(data: np.ndarray, group: int, threads: int, sharding) -> float:
    """GB/s of ``threads`` threads each calling device_put on its share of the groups."""
    starts = list(range(0, len(data) - group + 1, group))

    def run():
        def work(part):
            jax.block_until_ready([jax.device_put(data[s:s + group], sharding)
                                   for s in part])
        with ThreadPoolExecutor(threads) as pool:
            list(pool.map(work, [starts[i::threads] for i in range(threads)]))
    return len(starts) * data[:group].nbytes / best(run, 3) / 1e9


def stream_mapped(data: np.ndarray, group: int, threads: int, sharding, bufs) -> float:
    """GB/s of the mapped path: ``threads`` threads copy a group into one of the
    registered buffers (reused once its previous DMA finished), then one device_put."""
    starts = list(range(0, len(data) - group + 1, group))
    views = [b.view(data.dtype)[:group * data[0].size].reshape((group,) + data.shape[1:])
             for b in bufs]

    def run():
        pending: list = [None] * len(views)
        with ThreadPoolExecutor(threads) as pool:
            for n, s in enumerate(starts):
                slot = n % len(views)
                if pending[slot] is not None:
                    pending[slot].block_until_ready()
                split_copy(pool, views[slot], data[s:s + group], threads)
                pending[slot] = jax.device_put(views[slot], sharding)
            jax.block_until_ready(pending)
    return len(starts) * data[:group].nbytes / best(run, 3) / 1e9


def stream_user_mapped(client, data: np.ndarray, group: int, sharding) -> float:
    """GB/s of registering the caller's whole array, device_put of its groups (views,
    no host copy), unregistering."""
    starts = list(range(0, len(data) - group + 1, group))

    def run():
        client.dma_map(data.ctypes.data, data.nbytes)
        jax.block_until_ready([jax.device_put(data[s:s + group], sharding) for s in starts])
        client.dma_unmap(data.ctypes.data)
    return len(starts) * data[:group].nbytes / best(run, 3) / 1e9


def levers(sizes_mib, total_mib=512) -> None:
    device = jax.devices()[0]
    client = device.client
    to_device = jax.sharding.SingleDeviceSharding(device)
    pinned = jax.sharding.SingleDeviceSharding(device, memory_kind="pinned_host")
    print(f"h2d: {device.device_kind}, jax {jax.__version__}, {os.cpu_count()} CPUs",
          flush=True)
    rng = np.random.default_rng(0)
    data = rng.uniform(0, 1, (total_mib * 2 ** 18 // 3072, 3072)).astype(np.float32)
    for mib in sizes_mib:
        nbytes = mib * 2 ** 20
        rows = nbytes // data[0].nbytes
        a = np.ascontiguousarray(data[:rows])
        rate = {}
        staged = jax.device_put(a, pinned).block_until_ready()
        rate["numpy->device"] = partial(put, a, to_device)
        rate["numpy->pinned_host"] = partial(put, a, pinned)
        rate["pinned_host->device"] = partial(put, staged, to_device)
        try:
            t0 = time.perf_counter()
            buf, _base = registered(client, a.nbytes)
            t_map = time.perf_counter() - t0
        except Exception as err:  # noqa: BLE001
            print(f"h2d {mib:>3} MiB  dma_map failed: {type(err).__name__}: {err}", flush=True)
            buf = None
        if buf is not None:
            mapped = buf.view(np.float32).reshape(a.shape)
            np.copyto(mapped, a)
            rate["mapped->device"] = partial(put, mapped, to_device)
            for n in (1, 2, 4, 8):
                rate[f"copy x{n} (host)"] = partial(split_copy, ThreadPoolExecutor(n), mapped,
                                                    a, n)
            out = jax.device_put(mapped, to_device)
            if not np.array_equal(np.asarray(out), a):
                print("h2d: mapped->device gave WRONG values", flush=True)
        for name, fn in rate.items():
            print(f"h2d {mib:>3} MiB  {name:<28} {a.nbytes / best(fn) / 1e9:7.2f} GB/s",
                  flush=True)
        if buf is not None:
            print(f"h2d {mib:>3} MiB  {'dma_map (first, incl. touch)':<28} "
                  f"{t_map * 1e3:7.2f} ms", flush=True)
            t0 = time.perf_counter()
            client.dma_unmap(buf.ctypes.data)
            client.dma_map(buf.ctypes.data, buf.nbytes)
            print(f"h2d {mib:>3} MiB  {'unmap+map again':<28} "
                  f"{(time.perf_counter() - t0) * 1e3:7.2f} ms", flush=True)
        group = rows
        for n in (1, 2, 4):
            print(f"h2d {mib:>3} MiB  stream pageable x{n:<14} "
                  f"{stream_pageable(data, group, n, to_device):7.2f} GB/s", flush=True)
        if buf is not None:
            bufs = [buf] + [registered(client, buf.nbytes)[0] for _ in range(2)]
            for n in (1, 2, 4, 8):
                print(f"h2d {mib:>3} MiB  stream mapped copy x{n:<10} "
                      f"{stream_mapped(data, group, n, to_device, bufs):7.2f} GB/s", flush=True)
            print(f"h2d {mib:>3} MiB  {'stream user array mapped':<28} "
                  f"{stream_user_mapped(client, data, group, to_device):7.2f} GB/s "
                  f"(map, views, unmap)", flush=True)


def device_busy(batch=256, mib=8, width=1.0, n_batches=200) -> None:
    """The few-spike VGG-16 program alone and while another thread streams copies."""
    from throughput import device_rate, few_spike_network, vgg16  # noqa: PLC0415

    from ml_genn.backend.schedules import SCHEDULES  # noqa: PLC0415
    from ml_genn.compilers import FewSpikeCompiler  # noqa: PLC0415

    rng = np.random.default_rng(0)
    nodes = vgg16(width, rng)
    acts = [np.ones((1, 4)) * 2.0 for _ in nodes[:-1]]
    net, _, _ = few_spike_network(nodes, acts, 1.0, 10)
    compiled = FewSpikeCompiler(k=10, batch_size=batch).compile(net)
    sim = compiled.simulator
    program = SCHEDULES[compiled.schedule].jitted(sim)
    x = jax.device_put(rng.uniform(0, 1, (batch, 1, 32, 32, 3)).astype(np.float32))
    first = sim.placement.scalar(0)
    device = jax.devices()[0]
    to_device = jax.sharding.SingleDeviceSharding(device)
    data = rng.uniform(0, 1, (64 * 2 ** 18 // 3072, 3072)).astype(np.float32)
    group = mib * 2 ** 20 // data[0].nbytes
    bufs = [registered(device.client, group * data[0].nbytes)[0] for _ in range(3)]

    def alone():
        return device_rate(lambda: program(sim.params, {0: x}, first)[0], n_batches, batch)
    base = alone()
    print(f"device busy: VGG-16 b{batch} FS program alone {base:9.0f} img/s", flush=True)
    for name, stream in (("pageable x1", lambda: stream_pageable(data, group, 1, to_device)),
                         ("mapped copy x4", lambda: stream_mapped(data, group, 4, to_device,
                                                                  bufs))):
        done = threading.Event()
        moved: list = []

        def work(stream=stream, done=done, moved=moved):
            while not done.is_set():
                moved.append(stream())
        thread = threading.Thread(target=work)
        thread.start()
        busy = alone()
        done.set()
        thread.join()
        print(f"device busy: while streaming {name:<15} {busy:9.0f} img/s "
              f"({busy / base:.2f} of alone; copies at {np.median(moved):.2f} GB/s)",
              flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[8, 32])
    parser.add_argument("--skip-busy", action="store_true")
    args = parser.parse_args()
    levers(args.sizes)
    if not args.skip_busy:
        device_busy()


if __name__ == "__main__":
    main()

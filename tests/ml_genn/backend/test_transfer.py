"""Transfer groups: however batches are grouped for the copy to the device (views of
the arrays or padded copies, from arrays or from a generator), results are the same."""
from __future__ import annotations

import time

import jax
import numpy as np
import pytest

from ml_genn import Connection, Network, Population
from ml_genn.backend import transfer
from ml_genn.backend.sharding import Placement
from ml_genn.compilers import InferenceCompiler
from ml_genn.connectivity import Dense
from ml_genn.neurons import IntegrateFire, PoissonInput

N_EXAMPLES, BATCH = 13, 4


def _predict(monkeypatch, group_bytes, from_generator=False, staging="pageable"):
    monkeypatch.setattr(transfer, "GROUP_BYTES", group_bytes)
    monkeypatch.setattr(transfer, "STAGING", staging)
    rng = np.random.default_rng(2)
    with Network() as net:
        inp = Population(PoissonInput(), 6, name="inp")
        out = Population(IntegrateFire(readout="spike_count"), 3, name="out")
        Connection(inp, out, Dense(rng.choice([0.25, 0.5, 0.75], size=(6, 3))))
    x = rng.uniform(0, 1, (N_EXAMPLES, 6)).astype(np.float32)
    compiled = InferenceCompiler(evaluate_timesteps=12, batch_size=BATCH).compile(net)
    if from_generator:
        data = (x[s:s + 3] for s in range(0, N_EXAMPLES, 3))
        pred, _ = compiled.predict_batch_iter(inp, out, data, callbacks=[])
    else:
        pred, _ = compiled.predict({inp: x}, out, callbacks=[])
    return pred[out]


@pytest.mark.parametrize("from_generator", [False, True])
def test_grouping_does_not_change_results(monkeypatch, from_generator):
    one = _predict(monkeypatch, 1, from_generator)                     # one batch per group
    two = _predict(monkeypatch, 2 * BATCH * 6 * 4, from_generator)     # two (views + padded)
    many = _predict(monkeypatch, 2 ** 30, from_generator)              # one padded group
    pinned = _predict(monkeypatch, 2 * BATCH * 6 * 4, from_generator, "pinned")
    assert one.shape == (N_EXAMPLES, 3) and np.ptp(one) > 0
    np.testing.assert_array_equal(one, two)
    np.testing.assert_array_equal(one, many)
    np.testing.assert_array_equal(one, pinned)


def test_array_groups_are_views_when_batches_are_whole():
    x = {0: np.arange(28, dtype=np.float32).reshape(14, 2)}
    groups = list(transfer.array_groups(x, None, 14, 4, 4, 2))
    assert [len(m) for _, _, m in groups] == [1, 2, 1]  # one batch first, then up to 2
    first, second, last = (g[0][0] for g in groups)
    assert np.shares_memory(first, x[0]) and first.shape == (1, 4, 2)
    assert np.shares_memory(second, x[0]) and second.shape == (2, 4, 2)
    np.testing.assert_array_equal(second.reshape(8, 2), x[0][4:12])
    assert len(last) == 1 and last[0].shape == (4, 2)  # a list of one padded batch
    assert not np.shares_memory(last[0], x[0]) and np.all(last[0][2:] == 0)
    np.testing.assert_array_equal(last[0][:2], x[0][12:])


def test_host_groups_start_with_one_batch_and_double():
    batches = [transfer.HostBatch({0: np.full((3, 2), s, np.float32)}, None, s, 3)
               for s in range(0, 30, 3)]
    groups = list(transfer.host_groups(batches, 4, 3))
    # powers of two up to 2 (<= 3); the last 3 batches as 2 + 1
    assert [len(m) for _, _, m in groups] == [1, 2, 2, 2, 2, 1]
    second = np.stack(groups[1][0][0])  # short batches (3 of 4 rows): padded
    assert second.shape == (2, 4, 2) and np.all(second[:, 3] == 0)
    np.testing.assert_array_equal(second[:, :3, 0], [[3] * 3, [6] * 3])
    groups = list(transfer.host_groups(batches[:7], 4, 4))
    assert [len(m) for _, _, m in groups] == [1, 2, 4]
    assert [m.start for _, _, ms in groups for m in ms] == list(range(0, 21, 3))


def test_host_groups_keep_full_batches_and_give_them_one_type():
    full = [np.full((4, 2), s, np.float32) for s in range(3)]
    batches = [transfer.HostBatch({0: a}, None, 4 * s, 4) for s, a in enumerate(full)]
    batches.append(transfer.HostBatch({0: np.ones((4, 2), np.uint8)}, None, 12, 4))
    groups = list(transfer.host_groups(batches, 4, 4))
    assert [len(m) for _, _, m in groups] == [1, 2, 1]
    kept = groups[0][0][0] + groups[1][0][0]
    assert all(k is a for k, a in zip(kept, full, strict=True))  # no copy of a full batch
    (last,), = groups[2][0].values()
    assert last.dtype == np.uint8 and last.shape == (4, 2)
    mixed = list(transfer.host_groups(batches[1:], 4, 2))  # 1 batch, then float32 + uint8
    assert [a.dtype for a in mixed[1][0][0]] == [np.float32, np.float32]
    np.testing.assert_array_equal(mixed[1][0][0][1], np.ones((4, 2)))


def test_array_groups_are_powers_of_two_to_the_end():
    x = {0: np.zeros((43, 1), np.float32)}
    sizes = [len(m) for _, _, m in transfer.array_groups(x, None, 43, 2, 2, 6)]
    assert sizes == [1, 2, 4, 4, 4, 4, 2, 1]  # 22 batches, the last one padded
    no_ramp = [len(m) for _, _, m in transfer.array_groups(x, None, 43, 2, 2, 6, ramp=False)]
    assert no_ramp == [4, 4, 4, 4, 4, 2]  # full-size groups from the first (CPUs)
    batches = [transfer.HostBatch({0: np.zeros((2, 1), np.float32)}, None, s, 2)
               for s in range(0, 14, 2)]
    assert [len(m) for _, _, m in transfer.host_groups(batches, 2, 4, ramp=False)] == [4, 2, 1]


def test_compiled_networks_ramp_up_on_accelerators_only(monkeypatch):
    """On a CPU the first group is already full-size (one program fewer per size to
    compile); elsewhere it holds one batch, so the device starts after one copy."""
    seen = []
    real = transfer._group_sizes

    def spy(size, ramp=True):
        seen.append(ramp)
        return real(size, ramp)
    monkeypatch.setattr(transfer, "_group_sizes", spy)
    for on_cpu in (True, False):
        monkeypatch.setattr(Placement, "on_cpu", property(lambda self, v=on_cpu: v))
        _predict(monkeypatch, 2 ** 20)
        _predict(monkeypatch, 2 ** 20, from_generator=True)
    assert seen == [False, False, True, True]


@pytest.mark.parametrize("workers,staging", [(0, "pageable"), (1, "pageable"),
                                             (3, "pageable"), (0, "pinned"), (2, "pinned")])
@pytest.mark.parametrize("num_devices,split", [(1, True), (2, True), (2, False)])
def test_device_batches_are_in_order_with_their_scalars(monkeypatch, workers, staging,
                                                        num_devices, split):
    monkeypatch.setattr(transfer, "SPLIT_PUTS", split)
    x = {0: np.arange(44, dtype=np.float32).reshape(22, 2)}
    groups = transfer.array_groups(x, None, 22, 2, 2, 3)  # groups of 1, 2, 2, 2, 2, 2
    placement = Placement(jax.devices()[:num_devices])
    check = transfer.FiniteCheck(placement)
    batches = list(transfer.device_batches_of(
        transfer.device_groups(groups, placement, workers, staging), check))
    check.raise_if_bad()  # finite inputs: nothing to raise
    assert [b.index for b in batches] == list(range(11))
    assert [b.start for b in batches] == list(range(0, 22, 2))
    for b in batches:
        np.testing.assert_array_equal(np.asarray(b.x[0]), x[0][b.start:b.start + 2])
        assert (int(b.first), int(b.size)) == (b.start, b.count)
        assert b.x[0].sharding.memory_kind == jax.devices()[0].default_memory().kind
        assert len(b.x[0].sharding.device_set) == num_devices


@pytest.mark.parametrize("split", [True, False])
def test_labels_travel_as_one_array_per_group(monkeypatch, split):
    """Inputs are copied batch by batch with SPLIT_PUTS; labels (a few kB) always as one
    ``(G, B)`` array per group, with the rows of the group's batches, short ones padded."""
    monkeypatch.setattr(transfer, "SPLIT_PUTS", split)
    x = {0: np.arange(20, dtype=np.float32).reshape(10, 2)}
    y = {0: np.arange(10, dtype=np.int32)}
    groups = list(transfer.device_groups(transfer.array_groups(x, y, 10, 3, 3, 2),
                                         Placement(jax.devices()[:1]), 0))
    assert [len(g.members) for g in groups] == [1, 2, 1]
    for g in groups:
        assert isinstance(g.x[0], tuple) == split
        assert isinstance(g.y[0], jax.Array) and g.y[0].shape == (len(g.members), 3)
        for j, m in enumerate(g.members):
            np.testing.assert_array_equal(np.asarray(g.y[0][j])[:m.count],
                                          y[0][m.start:m.start + m.count])


def test_unknown_staging_is_refused():
    with pytest.raises(ValueError, match="staging must be 'pageable' or 'pinned', received 'gpu'"):
        next(transfer.device_groups(iter(()), Placement(jax.devices()[:1]), 1, "gpu"))


@pytest.mark.parametrize("workers", [0, 1, 2])
def test_next_groups_are_prepared_once_the_taken_one_is_dispatched(monkeypatch, workers):
    """The first group is prepared alone; a group taken is replaced in the queue of
    prepared groups when its ``dispatching()`` is called (the preparation then runs
    while the dispatch holds no GIL), or, if the consumer never calls it, when the next
    group is asked for; ``max(workers, GROUPS_AHEAD)`` groups are prepared ahead."""
    monkeypatch.setattr(transfer, "GROUPS_AHEAD", 2)
    ahead = max(workers, 2)
    read = []

    def source():
        for s in range(0, 20, 2):
            read.append(s)
            yield from transfer.array_groups({0: np.full((2, 1), s, np.float32)}, None, 2,
                                             2, 2, 1)

    def wait_for(n):
        deadline = time.monotonic() + 10
        while len(read) < n and time.monotonic() < deadline:
            time.sleep(0.001)
        time.sleep(0.01)  # time to read more, if it wrongly would
        return len(read)
    groups = transfer.device_groups(source(), Placement(jax.devices()[:1]), workers)
    first = next(groups)
    assert wait_for(1) == 1
    first.dispatching()
    assert wait_for(1 + ahead) == 1 + ahead
    second = next(groups)
    assert wait_for(1 + ahead) == 1 + ahead  # replaced at its dispatch, not before
    taken = [first, second] + list(groups)  # a consumer that never calls dispatching()
    assert [float(g.x[0][0][0, 0]) for g in taken] == list(range(0, 20, 2))
    assert read == list(range(0, 20, 2))


def test_groups_are_small_on_accelerators_and_large_on_cpus(monkeypatch):
    """A group's program is unrolled on an accelerator, so its groups are capped at 4
    batches there (compile time); 64 on a CPU; the bytes per group bound both."""
    monkeypatch.setattr(transfer, "MAX_GROUP", None)
    monkeypatch.setattr(transfer, "GROUP_BYTES", None)
    assert transfer.group_size(4, 256, on_cpu=False) == 4
    assert transfer.group_size(4, 256, on_cpu=True) == 64
    assert transfer.group_size(3072 * 4, 256, on_cpu=True) == 2     # 8 MiB of 3 MiB batches
    assert transfer.group_size(3072 * 4, 2048, on_cpu=False) == 1   # 24 MiB batches
    monkeypatch.setattr(transfer, "MAX_GROUP", 16)
    assert transfer.group_size(4, 256, on_cpu=False) == 16

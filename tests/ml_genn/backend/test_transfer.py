"""Transfer groups: however batches are grouped for the copy to the device (views of
the arrays or padded copies, from arrays or from a generator), results are the same."""
from __future__ import annotations

import numpy as np
import pytest

from ml_genn import Connection, Network, Population
from ml_genn.backend import transfer
from ml_genn.compilers import InferenceCompiler
from ml_genn.connectivity import Dense
from ml_genn.neurons import IntegrateFire, PoissonInput

N_EXAMPLES, BATCH = 13, 4


def _predict(monkeypatch, group_bytes, from_generator=False):
    monkeypatch.setattr(transfer, "GROUP_BYTES", group_bytes)
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
    assert one.shape == (N_EXAMPLES, 3) and np.ptp(one) > 0
    np.testing.assert_array_equal(one, two)
    np.testing.assert_array_equal(one, many)


def test_array_groups_are_views_when_batches_are_whole():
    x = {0: np.arange(24, dtype=np.float32).reshape(12, 2)}
    groups = list(transfer.array_groups(x, None, 10, 4, 4, 2))
    assert [len(m) for _, _, m in groups] == [2, 1]
    first, last = groups[0][0][0], groups[1][0][0]
    assert np.shares_memory(first, x[0]) and first.shape == (2, 4, 2)
    assert last.shape == (1, 4, 2) and np.all(last[0, 2:] == 0)  # padded copy

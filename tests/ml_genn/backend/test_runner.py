"""The runner's on-device totals: exact past int32, and nothing read back per batch."""
from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from ml_genn.backend import runner
from ml_genn.callbacks import CallbackList, SpikeCountTotals


def test_totals_stay_exact_past_int32():
    rng = np.random.default_rng(0)
    add = jax.jit(runner._add_counts)
    total = (jnp.zeros(3, jnp.int32), jnp.zeros(3, jnp.int32))
    expected = np.zeros(3, np.int64)
    for _ in range(100):  # 100 batches of up to 4 x 2**24 per step: over 2**31 in all
        rec = rng.integers(2 ** 23, 2 ** 24, (3, 4)).astype(np.float32)
        count = int(rng.integers(1, 5))
        total = add(total, jnp.asarray(rec), jnp.arange(4) < count)
        expected += rec[:, :count].astype(np.int64).sum(axis=1)
    high, low = (np.asarray(a, np.int64) for a in total)
    assert expected.max() > 2 ** 31
    np.testing.assert_array_equal(high * 2 ** runner.LOW_BITS + low, expected)


def test_spike_count_totals_need_no_per_batch_data():
    class Compiled:  # what set_params reads
        class plan:  # noqa: N801
            populations: list = []
    callbacks = CallbackList([SpikeCountTotals()], compiled_network=Compiled())
    assert not callbacks.per_batch
    assert callbacks.recording_requests() == []


def test_small_results_are_read_in_one_transfer_bit_for_bit():
    floats = np.array([1.5, -0.0, np.nan, np.inf, 3e-38], np.float32)
    tree = ((jnp.asarray(floats), jnp.int32(-7)), {"a": jnp.arange(6, dtype=jnp.int32)
                                                   .reshape(2, 3)}, None)
    got = runner.read_small(tree)
    assert got[2] is None and got[0][1].shape == () and got[0][1] == -7
    np.testing.assert_array_equal(got[0][0].view(np.int32), floats.view(np.int32))
    np.testing.assert_array_equal(got[1]["a"], np.arange(6).reshape(2, 3))
    assert got[0][0].dtype == np.float32 and got[1]["a"].dtype == np.int32
    mixed = runner.read_small((jnp.ones(2, jnp.bool_), jnp.int32(1)))  # read leaf by leaf
    assert mixed[0].dtype == np.bool_ and mixed[1] == 1

"""Spikes per step and per example from few-spike codes (one pass over the codes)
against NumPy's count of each code bit."""
from __future__ import annotations

import numpy as np
import pytest

from ml_genn.backend.schedules.few_spike import spike_count, spikes_per_step


@pytest.mark.parametrize("shape,k", [((5, 4, 3, 2), 10), ((3, 7), 4), ((2, 1), 1)])
def test_spikes_per_step_count_each_code_bit(shape, k):
    codes = np.random.default_rng(k).integers(0, 2 ** k, shape)
    counts = np.asarray(spikes_per_step(codes.astype(np.float32), k))
    flat = codes.reshape(shape[0], -1)
    expected = np.stack([((flat >> (k - 1 - p)) & 1).sum(axis=1) for p in range(k)])
    assert counts.dtype == np.float32 and counts.shape == (k, shape[0])
    np.testing.assert_array_equal(counts, expected)


@pytest.mark.parametrize("shape,k", [((5, 4, 3, 2), 10), ((3, 7), 4), ((2, 1), 1)])
def test_spike_count_counts_every_set_bit_of_an_example(shape, k):
    codes = np.random.default_rng(k).integers(0, 2 ** k, shape)
    counts = np.asarray(spike_count(codes.astype(np.float32)))
    bits = sum((codes.reshape(shape[0], -1) >> p) & 1 for p in range(k))
    assert counts.shape == (1, shape[0])
    np.testing.assert_array_equal(counts[0], bits.sum(axis=1))

"""BinarySpikeInput and PoissonInput dynamics."""
from __future__ import annotations

import numpy as np
import pytest

from ml_genn.neurons import BinarySpikeInput, PoissonInput


@pytest.mark.parametrize("signed", [False, True])
def test_binary_matches_reference(simulate, signed):
    x = np.random.default_rng(0).normal(size=(60, 3, 8))
    x[np.random.default_rng(1).uniform(size=x.shape) < 0.2] = 0.0
    _, events = simulate(BinarySpikeInput(signed_spikes=signed), x)
    expected = (x > 0).astype(np.float32) - (signed * (x < 0)).astype(np.float32)
    np.testing.assert_array_equal(events, expected)


def test_binary_golden(simulate):
    x = np.array([0.5, 0.0, -0.5, 2.0])[:, None, None]
    _, events = simulate(BinarySpikeInput(), x)
    np.testing.assert_array_equal(events[:, 0, 0], [1, 0, 0, 1])
    _, events = simulate(BinarySpikeInput(signed_spikes=True), x)
    np.testing.assert_array_equal(events[:, 0, 0], [1, 0, -1, 1])


@pytest.mark.parametrize("signed", [False, True])
@pytest.mark.parametrize("dt", [1.0, 0.5])
def test_poisson_rate(simulate, signed, dt):
    """Firing probability per step matches 1 - exp(-|x| dt) within 4 standard errors."""
    rates = np.array([0.02, 0.1, 0.5, -0.1, -0.5, 0.0])
    steps, batch, reps = 400, 4, 20
    x = np.broadcast_to(np.repeat(rates, reps), (steps, batch, rates.size * reps))
    _, events = simulate(PoissonInput(signed_spikes=signed), x, dt=dt)
    events = events.reshape(steps * batch, rates.size, reps)
    n = steps * batch * reps
    for k, rate in enumerate(rates):
        ev = events[:, k]
        p = 1.0 - np.exp(-abs(rate) * dt)
        if rate < 0 and not signed:
            assert not ev.any()
            continue
        sign = -1.0 if rate < 0 else 1.0
        assert set(np.unique(ev)) <= {0.0, sign}
        observed = np.mean(ev != 0)
        se = np.sqrt(max(p * (1 - p), 1e-12) / n)
        assert abs(observed - p) < 4 * se + 1e-12, (rate, observed, p)


def test_poisson_examples_independent(simulate):
    x = np.full((200, 2, 50), 0.3)
    _, events = simulate(PoissonInput(), x)
    assert not np.array_equal(events[:, 0], events[:, 1])


def test_poisson_golden(simulate):
    # x = 0: never; |x| dt = 1000: P = 1 - e^-1000 = 1 (a uniform draw in [0,1) is below 1)
    x = np.array([[0.0, 1000.0, -1000.0]] * 5)[:, None, :]
    _, events = simulate(PoissonInput(signed_spikes=True), x)
    np.testing.assert_array_equal(events[:, 0], [[0, 1, -1]] * 5)

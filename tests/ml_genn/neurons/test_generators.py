"""Generators: PoissonGenerator, BernoulliGenerator, DCGenerator, SpikeGenerator and
CustomGenerator. They ignore their drive, so each test feeds a random one."""
from __future__ import annotations

import numpy as np
import pytest

from ml_genn.backend.neurons import build_dynamics
from ml_genn.neurons import (
    NEURONS,
    BernoulliGenerator,
    CustomGenerator,
    DCGenerator,
    PoissonGenerator,
    SpikeGenerator,
)


def random_drive(steps, batch, n, seed=0):
    return np.random.default_rng(seed).normal(size=(steps, batch, n)) * 5.0


def window_mask(steps, dt, start, stop):
    """Active steps, by their time t*dt in [start, stop)."""
    time = np.arange(steps) * dt
    return (time >= start - 1e-9) & (time < (np.inf if stop is None else stop) - 1e-9)


@pytest.mark.parametrize("cls, arg, value, prob", [
    (PoissonGenerator, "rate", 80.0, 1 - np.exp(-80.0 * 0.5 / 1000)),
    (PoissonGenerator, "rate", 400.0, 1 - np.exp(-400.0 * 0.5 / 1000)),
    (BernoulliGenerator, "prob", 0.3, 0.3),
])
def test_random_generators_rate_and_window(simulate, cls, arg, value, prob):
    steps, batch, n, dt, start, stop = 240, 4, 80, 0.5, 20.0, 100.0
    drive = random_drive(steps, batch, n)
    _, events = simulate(cls(**{arg: value}, start=start, stop=stop), drive, dt=dt)
    active = window_mask(steps, dt, start, stop)
    assert set(np.unique(events)) <= {0.0, 1.0}
    assert not events[~active].any()
    inside = events[active]
    se = np.sqrt(prob * (1 - prob) / inside.size)
    assert abs(inside.mean() - prob) < 4 * se
    # independent of the drive; different examples draw differently
    _, events_zero = simulate(cls(**{arg: value}, start=start, stop=stop),
                              np.zeros_like(drive), dt=dt)
    np.testing.assert_array_equal(events, events_zero)
    assert not np.array_equal(events[:, 0], events[:, 1])


def test_random_generators_golden(simulate):
    # rate 0 / prob 0: never; prob 1: every active step; window [2, 5) ms at dt 1.
    drive = random_drive(8, 1, 3)
    for neuron in (PoissonGenerator(rate=0.0), BernoulliGenerator(prob=0.0)):
        assert not simulate(neuron, drive)[1].any()
    _, events = simulate(BernoulliGenerator(prob=1.0, start=2.0, stop=5.0), drive)
    np.testing.assert_array_equal(events[:, 0, 0], [0, 0, 1, 1, 1, 0, 0, 0])


def test_dc_generator(simulate):
    steps, dt = 60, 0.5
    amplitude = np.array([1.5, -2.0, 0.25], np.float32)
    _, events = simulate(DCGenerator(amplitude=amplitude, start=1.2, stop=20.0),
                         random_drive(steps, 2, 3), dt=dt)
    expected = window_mask(steps, dt, 1.2, 20.0)[:, None, None] * amplitude
    np.testing.assert_array_equal(events, np.broadcast_to(expected, events.shape))


def test_dc_generator_golden(simulate):
    # amplitude 2.5 in [2, 5) ms at dt = 1: steps 2, 3, 4
    _, events = simulate(DCGenerator(amplitude=2.5, start=2.0, stop=5.0), random_drive(7, 1, 1))
    np.testing.assert_array_equal(events[:, 0, 0], [0, 0, 2.5, 2.5, 2.5, 0, 0])


def test_spike_generator_per_neuron(simulate):
    rng = np.random.default_rng(3)
    steps, dt, n = 80, 0.5, 6
    times = [np.sort(rng.uniform(0, 45, rng.integers(0, 15))) for _ in range(n)]
    _, events = simulate(SpikeGenerator(times, start=3.0, stop=35.0), random_drive(steps, 2, n),
                         dt=dt)
    expected = np.zeros((steps, n), np.float32)
    for i, neuron_times in enumerate(times):
        for tau in neuron_times:
            step = int(np.floor(tau / dt))
            if step < steps and 3.0 <= step * dt < 35.0:
                expected[step, i] = 1.0
    np.testing.assert_array_equal(events[:, 0], expected)
    np.testing.assert_array_equal(events[:, 1], expected)


def test_spike_generator_golden(simulate):
    # shared times [0.0, 1.5, 1.7, 4.0] ms at dt 1 -> steps 0, 1 (twice: one spike), 4
    _, events = simulate(SpikeGenerator([0.0, 1.5, 1.7, 4.0]), random_drive(6, 1, 2))
    np.testing.assert_array_equal(events[:, 0, 0], [1, 1, 0, 0, 1, 0])
    np.testing.assert_array_equal(events[:, 0, 1], [1, 1, 0, 0, 1, 0])
    # per neuron, 2-D population (1, 2): neuron 0 at 2 ms, neuron 1 at 0 and 3 ms
    _, events = simulate(SpikeGenerator([[2.0], [0.0, 3.0]]), random_drive(4, 1, 2)
                         .reshape(4, 1, 1, 2))
    np.testing.assert_array_equal(events[:, 0, 0], [[0, 1], [0, 0], [1, 0], [0, 1]])


def test_custom_generator(simulate):
    rng = np.random.default_rng(4)
    data = rng.normal(size=(40, 5)).astype(np.float32)
    steps = 70
    _, events = simulate(CustomGenerator(data, start=10.0, stop=45.0), random_drive(steps, 2, 5))
    expected = np.zeros((steps, 5), np.float32)
    for t in range(steps):
        if 10 <= t < 45 and t - 10 < len(data):
            expected[t] = data[t - 10]
    np.testing.assert_array_equal(events[:, 0], expected)
    np.testing.assert_array_equal(events[:, 1], expected)


def test_custom_generator_golden(simulate):
    # data [1, 2, 3] from 2 ms at dt 1: steps 2, 3, 4; one row shared by all neurons
    _, events = simulate(CustomGenerator([1.0, 2.0, 3.0], start=2.0), random_drive(7, 1, 2))
    np.testing.assert_array_equal(events[:, 0, 0], [0, 0, 1, 2, 3, 0, 0])
    np.testing.assert_array_equal(events[:, 0, 1], [0, 0, 1, 2, 3, 0, 0])


def test_generators_are_not_inputs():
    for name in ("poisson_generator", "bernoulli_generator", "dc_generator"):
        assert not NEURONS.resolve(name).is_input
    assert not SpikeGenerator([1.0]).is_input and not CustomGenerator([1.0]).is_input


def test_errors():
    with pytest.raises(ValueError, match="PoissonGenerator: start must be >= 0"):
        PoissonGenerator(start=-1.0)
    with pytest.raises(ValueError, match="DCGenerator: stop must be > start"):
        DCGenerator(start=5.0, stop=5.0)
    with pytest.raises(ValueError, match="PoissonGenerator: rate must be >= 0"):
        PoissonGenerator(rate=-3.0)
    with pytest.raises(ValueError, match=r"BernoulliGenerator: prob must lie in \[0, 1\]"):
        BernoulliGenerator(prob=1.5)
    with pytest.raises(ValueError, match="SpikeGenerator: spike_times must be finite and >= 0"):
        SpikeGenerator([1.0, -2.0])
    with pytest.raises(ValueError, match="CustomGenerator: data must be a non-empty array"):
        CustomGenerator([])
    dyn = build_dynamics(SpikeGenerator([[1.0], [2.0]]), (3,), 1.0)
    with pytest.raises(ValueError, match="spike_times has 2 per-neuron lists but the "
                                         "population has 3"):
        dyn.params(np.random.default_rng(0))
    dyn = build_dynamics(CustomGenerator(np.zeros((4, 2))), (3,), 1.0)
    with pytest.raises(ValueError, match=r"data rows have shape \(2,\)"):
        dyn.params(np.random.default_rng(0))

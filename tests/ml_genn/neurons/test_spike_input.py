"""SpikeInput (raster preparation and dynamics) and the spike-data helpers."""
from __future__ import annotations

import numpy as np
import pytest

from ml_genn.neurons import NEURONS, SpikeInput
from ml_genn.utils.data import (
    PreprocessedSpikes,
    calc_latest_spike_time,
    calc_max_spikes,
    calc_start_spikes,
    preprocess_spikes,
    time_to_step,
)


def test_preprocess_spikes_groups_by_neuron():
    spikes = preprocess_spikes(np.array([5.0, 1.0, 3.0, 2.0]), np.array([2, 0, 2, 2]), 4)
    assert isinstance(spikes, PreprocessedSpikes)
    np.testing.assert_array_equal(spikes.end_spikes, [1, 1, 4, 4])
    np.testing.assert_array_equal(spikes.spike_times, [1.0, 2.0, 3.0, 5.0])
    np.testing.assert_array_equal(calc_start_spikes(spikes.end_spikes), [0, 1, 1, 4])
    assert calc_max_spikes([spikes, preprocess_spikes([], [], 4)]) == 4
    assert calc_latest_spike_time([spikes]) == 5.0


def test_preprocess_spikes_errors():
    with pytest.raises(ValueError, match="ids must lie in"):
        preprocess_spikes([1.0], [3], 3)
    with pytest.raises(ValueError, match="same length"):
        preprocess_spikes([1.0, 2.0], [0], 3)


def test_time_to_step_tolerates_float_rounding():
    np.testing.assert_array_equal(time_to_step([0.3, 0.7, 0.7499, np.float32(0.7)], 0.1),
                                  [3, 7, 7, 7])
    assert time_to_step(0.5, 0.1, "ceil") == 5
    assert time_to_step(0.51, 0.1, "ceil") == 6


def reference_raster(times_ids, num_neurons, num_steps, dt):
    """Independent rasterisation: loop over spikes."""
    raster = np.zeros((len(times_ids), num_steps, num_neurons), np.float32)
    for e, (times, ids) in enumerate(times_ids):
        for tau, i in zip(times, ids, strict=True):
            step = int(np.floor(tau / dt))
            if step < num_steps:
                raster[e, step, i] = 1.0
    return raster


def test_prepare_input_matches_reference():
    rng = np.random.default_rng(0)
    dt, num_steps, n = 0.5, 40, 7
    examples = []
    for _ in range(3):
        count = rng.integers(0, 60)
        # times away from step boundaries, some beyond the end (num_steps*dt = 20 ms)
        times = (rng.integers(0, 50, count) + rng.uniform(0.05, 0.95, count)) * dt
        examples.append((times, rng.integers(0, n, count)))
    data = [preprocess_spikes(t, i, n) for t, i in examples]
    raster = SpikeInput().prepare_input(data, num_steps, dt)
    assert raster.dtype == np.float32 and raster.shape == (3, num_steps, n)
    np.testing.assert_array_equal(raster, reference_raster(examples, n, num_steps, dt))


def test_prepare_input_golden_boundaries_and_shape():
    # times [ms] at dt=1: 0 -> step 0, 0.99 -> 0, 1.0 -> 1, 2.99 -> 2, 3.0 -> dropped (= 3*dt)
    data = preprocess_spikes([0.0, 0.99, 1.0, 2.99, 3.0, 7.0], [0, 3, 1, 2, 0, 1], 4)
    raster = SpikeInput().prepare_input(data, num_steps=3, dt=1.0, shape=(2, 2))
    assert raster.shape == (1, 3, 2, 2)
    np.testing.assert_array_equal(raster[0].reshape(3, 4), [[1, 0, 0, 1],
                                                            [0, 1, 0, 0],
                                                            [0, 0, 1, 0]])


def test_prepare_input_errors():
    ok = preprocess_spikes([1.0, 2.0], [0, 1], 2)
    too_many = preprocess_spikes([1.0, 2.0, 3.0], [0, 1, 1], 2)
    with pytest.raises(ValueError, match="example 1 has 3 spikes, more than max_spikes=2"):
        SpikeInput(max_spikes=2).prepare_input([ok, too_many], 5, 1.0)
    with pytest.raises(ValueError, match="example 0 has spikes for 2 neurons but the "
                                         "population has 3"):
        SpikeInput().prepare_input([ok], 5, 1.0, shape=(3,))
    with pytest.raises(ValueError, match="example 0 has negative spike times"):
        SpikeInput().prepare_input(PreprocessedSpikes(np.array([1]), np.array([-1.0])), 5, 1.0)
    with pytest.raises(ValueError, match="example 0 is malformed"):
        SpikeInput().prepare_input(PreprocessedSpikes(np.array([2]), np.array([1.0])), 5, 1.0)
    with pytest.raises(ValueError, match="max_spikes must be a positive integer"):
        SpikeInput(max_spikes=0)


def test_prepare_input_passes_rasters_through():
    raster = np.zeros((2, 5, 3), np.float64)
    raster[1, 2, 0] = 1.0
    out = SpikeInput().prepare_input(raster, 5, 1.0)
    assert out.dtype == np.float32
    np.testing.assert_array_equal(out, raster)
    with pytest.raises(ValueError, match=r"a raster must have shape \(num_examples, "
                                         r"num_steps=4"):
        SpikeInput().prepare_input(raster, 4, 1.0)


def test_dynamics_emit_raster(simulate):
    rng = np.random.default_rng(1)
    raster = (rng.uniform(size=(60, 2, 9)) < 0.2).astype(np.float32)
    states, events = simulate(SpikeInput(), raster)
    np.testing.assert_array_equal(events, raster)
    assert states == {}


def test_name_and_flags():
    neuron = NEURONS.resolve("spike_input")
    assert neuron.is_input and neuron.max_spikes == 1000000
    assert (neuron.input_frames, neuron.input_frame_timesteps) == (1, 1)

"""ConvertedModel.sweep: k sweeps from one calibration, T sweeps from one run, and
spike-norm sweeps that say they re-calibrate."""
import warnings

import keras
import numpy as np
import pytest

from ml_genn_tf import convert_model
from ml_genn_tf.converters import few_spike

L = keras.layers


@pytest.fixture(scope="module")
def model_and_data():
    rng = np.random.default_rng(3)
    model = keras.Sequential([keras.Input((12,)), L.Dense(10, activation="relu"),
                              L.Dense(4)], name="mlp")
    model.set_weights([rng.normal(0, 0.5, w.shape).astype(np.float32)
                       for w in model.get_weights()])
    x = rng.uniform(0, 1, (40, 12)).astype(np.float32)
    y = model.predict(x, verbose=0).argmax(1)
    y[::4] = (y[::4] + 1) % 4
    return model, x, y


def same_row(row, results):
    assert row["accuracy"] == results["accuracy"]
    assert row["spikes_per_neuron"] == pytest.approx(results["spikes_per_neuron"])
    assert row["synaptic_operations"] == pytest.approx(results["synaptic_operations"])
    assert row["latency_timesteps"] == results["latency_timesteps"]


def test_k_sweep_reuses_one_calibration(model_and_data, monkeypatch):
    model, x, y = model_and_data
    snn = convert_model(model, "few_spike", data=x, k=8, batch_size=16)
    calls, maps = [], []
    real = few_spike.calibrate
    monkeypatch.setattr(few_spike, "calibrate", lambda *a, **kw: calls.append(1) or real(*a, **kw))
    real_map = few_spike.FewSpike.map_model
    monkeypatch.setattr(few_spike.FewSpike, "map_model",
                        lambda self, m: maps.append(1) or real_map(self, m))
    table = snn.sweep(x, y, k=[2, 4, 6])
    assert calls == []                      # the conversion's statistics are reused
    assert maps == []                       # and its mapping
    assert table.column("k") == [2, 4, 6]
    for row in table:
        reference = convert_model(model, "few_spike", data=x, k=row["k"], batch_size=16)
        same_row(row, reference.evaluate(x, y))
    assert len(calls) == 3                  # each reference calibrated on its own
    assert snn.k == 8 and snn.converter.k == 8


def test_timestep_sweep_equals_converting_for_each_t(model_and_data):
    model, x, y = model_and_data
    # without the T-specific calibration and readout delay (the sweep warns about them)
    fixed = {"calibration": None, "readout_delay": 0}
    snn = convert_model(model, "data_norm", data=x, evaluate_timesteps=20, batch_size=16,
                        **fixed)
    table = snn.sweep(x, y, timesteps=[3, 11])
    for row in table:
        reference = convert_model(model, "data_norm", data=x, batch_size=16,
                                  evaluate_timesteps=row["timesteps"], **fixed)
        same_row(row, reference.evaluate(x, y))
    calibrated = convert_model(model, "data_norm", data=x, evaluate_timesteps=20,
                               batch_size=16)
    with pytest.warns(UserWarning, match=r"calibration='potential'\) and readout delay "
                                         r"\(readout_delay='auto'\) of '.*' were found for "
                                         r"its T=20"):
        calibrated.sweep(x, y, timesteps=[3, 11])


def test_spike_norm_sweep_says_it_recalibrates(model_and_data):
    model, x, y = model_and_data
    snn = convert_model(model, "spike_norm", data=x, evaluate_timesteps=6, batch_size=16)
    with pytest.warns(UserWarning, match=r"'mlp' were calibrated with norm_timesteps=6.*"
                                         r"re-calibrates for each of \[4, 8\]"):
        table = snn.sweep(x, y, timesteps=[4, 8])
    reference = convert_model(model, "spike_norm", data=x, evaluate_timesteps=8,
                              batch_size=16)
    same_row(table[1], reference.evaluate(x, y))
    fixed = convert_model(model, "spike_norm", data=x, evaluate_timesteps=6,
                          norm_timesteps=5, batch_size=16)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert fixed.sweep(x, y, timesteps=[2, 6]).column("timesteps") == [2, 6]


def test_sweep_argument_errors(model_and_data):
    model, x, y = model_and_data
    snn = convert_model(model, "simple", evaluate_timesteps=5, batch_size=16)
    with pytest.raises(ValueError, match="exactly one of timesteps"):
        snn.sweep(x, y)
    with pytest.raises(ValueError, match=r"few-spike conversion; this model was converted "
                                         r"with Simple \(method 'simple'\)"):
        snn.sweep(x, y, k=[4])
    fs = convert_model(model, "few_spike", k=4, batch_size=16)
    with pytest.raises(ValueError, match="needs a rate-coded network.*FewSpikeCompiler"):
        fs.sweep(x, y, timesteps=[4])

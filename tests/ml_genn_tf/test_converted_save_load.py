"""A converted model saved to HDF5 loads in a process without TensorFlow or Keras and
predicts exactly what the converted model predicts."""
import json
import sys
from pathlib import Path

import keras
import numpy as np
import pytest
from handler_harness import randomize

from ml_genn import load
from ml_genn_tf import convert_model

sys.path.insert(0, str(Path(__file__).parent / "tools"))
from no_keras import run_without_keras  # noqa: E402

L = keras.layers


def small_cnn():
    x_in = keras.Input((6, 6, 1), name="image")
    x = L.Conv2D(3, 3, padding="same", activation="relu", name="conv")(x_in)
    x = L.AveragePooling2D(2)(x)
    x = L.Dense(5, activation="relu")(L.Flatten()(x))
    return randomize(keras.Model(x_in, L.Dense(3, name="logits")(x)), seed=5)


def test_saved_models_load_without_keras_and_predict_the_same(tmp_path):
    model = small_cnn()
    x = np.random.default_rng(0).uniform(0, 1, (12, 6, 6, 1)).astype(np.float32)
    np.save(tmp_path / "x.npy", x)
    cases = {"few_spike": {"k": 8}, "data_norm": {"evaluate_timesteps": 16}}
    expected, expected_layers = {}, {}
    for method, options in cases.items():
        snn = convert_model(model, method, data=x, batch_size=5, **options)
        snn.evaluate_ann(x, np.zeros(len(x), int))
        snn.save(tmp_path / f"{method}.h5")
        expected[method] = snn.predict(x)
        expected_layers[method] = sorted(snn.layer_populations)
        assert {"conv", "logits"} <= set(snn.layer_populations)
        np.save(tmp_path / f"{method}.npy", expected[method])
        assert snn.metadata["method"] == method
        assert len(snn.metadata["weights_sha256"]) == 64
        assert snn.metadata["ann_accuracy"]["num_examples"] == 12
    code = f"""
import json, numpy as np
from ml_genn import load
x = np.load({str(tmp_path / 'x.npy')!r})
out = {{}}
for method in {list(cases)!r}:
    model = load({str(tmp_path)!r} + '/' + method + '.h5')
    same = np.array_equal(model.predict(x), np.load({str(tmp_path)!r} + '/' + method + '.npy'))
    out[method] = [same, model.metadata['method'], sorted(model.layer_populations)]
print(json.dumps(out))
"""
    result = run_without_keras(code)
    assert result.returncode == 0, result.stderr[-3000:]
    out = json.loads(result.stdout.strip().splitlines()[-1])
    for method in cases:
        same, saved_method, layers = out[method]
        assert same, method
        assert saved_method == method
        assert layers == expected_layers[method]


def test_spike_norm_thresholds_survive_saving(tmp_path):
    model = small_cnn()
    x = np.random.default_rng(1).uniform(0, 1, (10, 6, 6, 1)).astype(np.float32)
    snn = convert_model(model, "spike_norm", data=x, evaluate_timesteps=8, batch_size=5)
    snn.save(tmp_path / "sn.h5")
    back = load(tmp_path / "sn.h5")
    found = {p.name: p.neuron.v_thresh for p in back.network.populations
             if hasattr(p.neuron, "v_thresh")}
    for name, threshold in snn.converter.thresholds.items():
        assert found[name] == pytest.approx(threshold) and threshold != 1.0
    assert back.metadata["calibration"]["thresholds"] == pytest.approx(
        snn.converter.thresholds)

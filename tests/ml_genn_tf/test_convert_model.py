"""convert_model / ConvertedModel, model files, other Keras backends, the user's model
left untouched, calibration data formats."""
import json
import os
import subprocess
import sys

import keras
import numpy as np
import pytest
import tensorflow as tf
from handler_harness import randomize

from ml_genn_tf import ConvertedModel, convert_model
from ml_genn_tf.calibration_data import CalibrationData

L = keras.layers


def small_resnet():
    x_in = keras.Input((8, 8, 1), name="image")
    x = L.Rescaling(1 / 255.0)(x_in)
    x = L.ReLU()(L.BatchNormalization()(L.Conv2D(4, 3, padding="same")(x)))
    x = L.MaxPooling2D(2)(x)
    y = L.Conv2D(4, 3, padding="same")(x)
    x = L.ReLU()(L.Add()([L.BatchNormalization()(y), x]))
    x = L.Dropout(0.2)(L.GlobalAveragePooling2D()(x))
    return randomize(keras.Model(x_in, L.Dense(3, activation="softmax")(x)), seed=11)


def images(n=32, seed=0):
    return np.random.default_rng(seed).uniform(0, 255, (n, 8, 8, 1)).astype(np.float32)


def test_convert_model_few_spike():
    model, x = small_resnet(), images()
    snn = convert_model(model, "few_spike", data=x, k=12, batch_size=16)
    assert isinstance(snn, ConvertedModel)
    assert snn.compile_options["k"] == 12 and snn.batch_size == 16
    logits = snn.predict(x)
    assert logits.shape == (32, 3)
    keras_out = model.predict(x, verbose=0)
    assert np.mean(logits.argmax(1) == keras_out.argmax(1)) >= 0.9
    labels = keras_out.argmax(1)
    results = snn.evaluate(x, labels)
    assert results["accuracy"] >= 0.9 and results["num_examples"] == 32
    assert results["spikes_per_neuron"] > 0
    assert set(results["spikes_per_population"]) == {p.name for p in snn.network.populations}
    lines = []
    assert snn.summary(print_fn=lines.append) is None
    summary = "\n".join(lines)
    for pop in snn.network.populations:
        assert pop.name in summary
    assert "alpha=" in summary and "MaxPool2D" in summary and "k=12" in summary


@pytest.mark.parametrize("method,options", [
    ("few_spike", {"k": 8}),
    ("data_norm", {"evaluate_timesteps": 20, "max_pool": "spike_gate"}),
    ("simple", {"evaluate_timesteps": 20, "max_pool": "spike_gate"}),
    ("spike_norm", {"evaluate_timesteps": 10, "max_pool": "spike_gate"})])
def test_conversion_never_changes_the_users_model(method, options):
    model = small_resnet()
    weights = [w.copy() for w in model.get_weights()]
    config = json.dumps(model.get_config(), sort_keys=True, default=str)
    snn = convert_model(model, method, data=images(8), batch_size=8, **options)
    snn.predict(images(4))
    for old, new in zip(weights, model.get_weights(), strict=True):
        np.testing.assert_array_equal(old, new)
    assert json.dumps(model.get_config(), sort_keys=True, default=str) == config


@pytest.mark.parametrize("suffix", [".keras", ".h5"])
def test_models_load_from_files(tmp_path, suffix):
    model, x = small_resnet(), images(16)
    path = tmp_path / f"model{suffix}"
    model.save(path)
    from_memory = convert_model(model, data=x, k=8).predict(x)
    from_file = convert_model(str(path), data=x, k=8).predict(x)
    np.testing.assert_allclose(from_file, from_memory, rtol=1e-5, atol=1e-5)


def test_a_saved_model_converts_under_the_jax_backend(tmp_path):
    model, x = small_resnet(), images(16)
    model.save(tmp_path / "model.keras")
    np.save(tmp_path / "x.npy", x)
    expected = convert_model(model, data=x, k=8).predict(x)
    script = ("import numpy as np, keras, sys\n"
              "from ml_genn_tf import convert_model\n"
              "assert keras.backend.backend() == 'jax'\n"
              "x = np.load(sys.argv[1] + '/x.npy')\n"
              "snn = convert_model(sys.argv[1] + '/model.keras', data=x, k=8)\n"
              "np.save(sys.argv[1] + '/out.npy', snn.predict(x))\n")
    env = dict(os.environ, KERAS_BACKEND="jax", TF_CPP_MIN_LOG_LEVEL="3")
    result = subprocess.run([sys.executable, "-c", script, str(tmp_path)], env=env,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    np.testing.assert_allclose(np.load(tmp_path / "out.npy"), expected, rtol=1e-4, atol=1e-4)


def test_calibration_data_formats_are_equivalent():
    model, x = small_resnet(), images(40)
    y = np.zeros(40)
    formats = [x, (x, y), [x], tf.data.Dataset.from_tensor_slices((x, y)).batch(7),
               [tf.data.Dataset.from_tensor_slices((x, y)).batch(9)],
               [(x[:20], y[:20]), (x[20:], y[20:])], (b for b in [x[:15], x[15:]])]
    alphas = []
    for data in formats:
        snn = convert_model(model, data=data, k=8)
        alphas.append([p.neuron.alpha for p in snn.network.populations])
    for other in alphas[1:]:
        np.testing.assert_allclose(other, alphas[0], rtol=1e-6)
    assert sum(len(b[0]) for b in CalibrationData(x, {"image": (8, 8, 1)})) == 40


def test_convert_model_errors():
    model = small_resnet()
    with pytest.raises(ValueError, match="Unknown conversion method 'fewspike'"):
        convert_model(model, "fewspike")
    with pytest.raises(ValueError, match="needs calibration data"):
        convert_model(model, "data_norm")
    with pytest.raises(TypeError, match="unknown option 'evaluate_timestep' \\(did you "
                                        "mean 'evaluate_timesteps'\\?\\)"):
        convert_model(model, "data_norm", evaluate_timestep=3)


def test_multi_output_model():
    x_in = keras.Input((6,))
    hidden = L.Dense(8, activation="relu")(x_in)
    model = randomize(keras.Model(x_in, [L.Dense(3, name="a")(hidden),
                                         L.Dense(2, activation="softmax", name="b")(hidden)]))
    x = np.random.default_rng(0).uniform(0, 1, (20, 6)).astype(np.float32)
    snn = convert_model(model, data=x, k=16)
    got_a, got_b = snn.predict(x)
    want_a, want_b = model.predict(x, verbose=0)
    np.testing.assert_allclose(got_a, want_a, atol=1e-2 * np.abs(want_a).max())
    assert np.mean(got_b.argmax(1) == want_b.argmax(1)) >= 0.9
    results = snn.evaluate(x, [want_a.argmax(1), want_b.argmax(1)])
    assert len(results["accuracy"]) == 2 and min(results["accuracy"]) >= 0.9


def test_uint8_images_give_the_float32_readouts():
    """8-bit images through a model that rescales them (Rescaling folded into the input
    population): the readouts of the same values as float32, bitwise."""
    model = small_resnet()
    pixels = np.random.default_rng(3).integers(0, 256, (32, 8, 8, 1)).astype(np.uint8)
    snn = convert_model(model, "few_spike", data=pixels.astype(np.float32), k=12,
                        batch_size=16)
    want = snn.predict(pixels.astype(np.float32))
    np.testing.assert_array_equal(snn.predict(pixels), want)
    assert np.mean(want.argmax(1) == model.predict(pixels, verbose=0).argmax(1)) >= 0.9

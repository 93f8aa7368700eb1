"""converters/few_spike_k.py: the quantised forward pass equals the simulated SNN, and
FewSpike warns at conversion when k is too small for the network (the shipped MNIST CNN
at k=2), naming a k that would do, and not at the default k."""
import re
import warnings
from pathlib import Path

import keras
import numpy as np
import pytest
from handler_harness import randomize, run_network

from ml_genn_tf import convert_model
from ml_genn_tf.converters import FewSpike
from ml_genn_tf.converters.few_spike_k import (
    MIN_AGREEMENT,
    agreement_by_k,
    calibration_outputs,
    predictions,
    quantise,
)
from ml_genn_tf.datasets import load_mnist

L = keras.layers
MODEL = Path(__file__).resolve().parents[3] / "models" / "mnist_cnn.keras"


@pytest.fixture(scope="module")
def mnist():
    (x, _), _ = load_mnist()
    return keras.saving.load_model(MODEL), x[:512, ..., None].astype(np.float32) / 255.0


def test_quantise_is_the_greedy_code():
    """Greedy K-bit expansion of v/alpha, step by step as FewSpikeReluInput sends it."""
    values = np.random.default_rng(0).uniform(-0.5, 3.0, 200)
    alpha, k = 2.0, 5
    sent = np.zeros_like(values)
    v = values.copy()
    for p in range(k):
        h = alpha * 2.0 ** -(p + 1)
        spike = v >= h
        sent += spike * h
        v -= spike * h
    np.testing.assert_allclose(quantise(values, alpha, k), sent, atol=1e-12)


@pytest.mark.parametrize("rounding", ["floor", "nearest"])
def test_quantised_forward_pass_is_the_simulated_snn(rounding):
    model = randomize(keras.Sequential([
        keras.Input((6, 6, 1)), L.Conv2D(4, 3, activation="relu"), L.Flatten(),
        L.Dense(8, activation="relu"), L.Dense(3)]), seed=4)
    x = np.random.default_rng(2).uniform(0.0, 1.0, (32, 6, 6, 1)).astype(np.float32)
    converter = FewSpike(k=4, norm_data=x, rounding=rounding)
    (snn,), _ = run_network(converter, model, x)
    quantised = predictions(converter, [x], 4)[0]
    ann = predictions(converter, [x], None)[0]
    np.testing.assert_allclose(ann, model.predict(x, verbose=0), rtol=1e-4, atol=1e-4)
    # k=4 is far from the ANN, and the quantised pass is the SNN up to float32 rounding
    assert np.mean(np.abs(snn - quantised)) < 1e-3 * np.mean(np.abs(snn - ann))


def test_too_small_k_warns_naming_a_k_that_would_do(mnist):
    model, x = mnist
    with pytest.warns(UserWarning, match=r"FewSpike: k=2 is too small for this network: the "
                                         r"SNN's predictions agree with the ANN's on .*% of "
                                         r"256 calibration examples \(below 99\.5%\)\. Use "
                                         r"k=(\d+)\.") as record:
        converter = FewSpike(k=2, norm_data=x, rounding="floor")
        converter.convert(model)
    message = next(str(w.message) for w in record if "too small" in str(w.message))
    suggested = int(re.search(r"Use k=(\d+)\.", message).group(1))
    agreement = agreement_by_k(converter, [2, suggested])
    assert agreement[2] < MIN_AGREEMENT <= agreement[suggested]
    assert 2 < suggested <= 8


def test_no_warning_at_the_default_k_on_the_mnist_cnn(mnist):
    model, x = mnist
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        convert_model(model, "few_spike", data=x, progress=False)
    assert not [w for w in record if "too small" in str(w.message)]


def test_the_k_check_compares_with_the_ann_outputs_the_calibration_kept():
    """The calibration pass keeps the outputs on the first examples (a softmax output
    its logits, softmax applied after): they are Keras' predictions, and are not used
    for other examples (data read in another order)."""
    model = randomize(keras.Sequential([
        keras.Input((6, 6, 1)), L.Conv2D(4, 3, activation="relu"), L.Flatten(),
        L.Dense(3, activation="softmax")]), seed=3)
    x = np.random.default_rng(1).uniform(0.0, 1.0, (40, 6, 6, 1)).astype(np.float32)
    converter = FewSpike(norm_data=x)
    converter.convert(model)
    (kept,) = calibration_outputs(converter, [x])
    np.testing.assert_allclose(kept, model.predict(x, verbose=0), rtol=1e-5, atol=1e-6)
    assert calibration_outputs(converter, [x[::-1]]) is None


def test_the_float32_pass_stays_float32_through_pooling():
    """Average pooling (InceptionResNetV2, NASNet, DenseNet) and a max pooling turned
    into a min (negative scale) must not turn the values after them, and their
    convolutions, into float64."""
    from ml_genn_tf.converters.few_spike_k import float32_model
    x = keras.Input((6, 6, 2))
    r = L.ReLU()(L.Conv2D(3, 3, padding="same")(x))
    pooled = L.AveragePooling2D(3, strides=1, padding="same")(r)
    flipped = L.MaxPooling2D(2)(L.Rescaling(np.array([1.0, -2.0, 0.5], np.float32))(r))
    y = L.Add()([L.Conv2D(3, 3, strides=2, padding="same")(pooled), flipped])
    model = randomize(keras.Model(x, L.Conv2D(2, 3)(L.ReLU()(y))), seed=1)
    data = np.random.default_rng(0).uniform(0.0, 1.0, (8, 6, 6, 2)).astype(np.float32)
    converter = FewSpike(norm_data=data)
    converter.convert(model)
    (got,) = predictions(converter, [data], None, float32_model(converter.mapped))
    assert got.dtype == np.float32
    np.testing.assert_allclose(got, model.predict(data, verbose=0), rtol=1e-4, atol=1e-4)

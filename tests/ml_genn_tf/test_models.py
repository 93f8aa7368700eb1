"""Tests for the model zoo in models/ (shipped .keras files and builders)."""

from pathlib import Path

import jax
import keras
import numpy as np
import pytest

from ml_genn_tf.datasets import load_fashion_mnist, load_mnist
from models.fashion_resnet import build_fashion_resnet
from models.fashion_resnet_avgpool import build_fashion_resnet_avgpool
from models.mnist_cnn import build_mnist_cnn

MODELS_DIR = Path(__file__).resolve().parents[2] / "models"
N_TEST = 1000


def _mnist_inputs():
    """First test images scaled to [0, 1], as documented for mnist_cnn."""
    try:
        _, (x, y) = load_mnist()
    except FileNotFoundError as err:
        pytest.skip(str(err))
    return x[:N_TEST, ..., None].astype("float32") / 255.0, y[:N_TEST]


def _fashion_inputs():
    """First test images as raw 0..255 floats, as documented for fashion_resnet."""
    try:
        _, (x, y) = load_fashion_mnist()
    except FileNotFoundError as err:
        pytest.skip(str(err))
    return x[:N_TEST, ..., None].astype("float32"), y[:N_TEST]


CASES = {
    "mnist_cnn": (build_mnist_cnn, _mnist_inputs, 0.95),
    "fashion_resnet": (build_fashion_resnet, _fashion_inputs, 0.85),
    "fashion_resnet_avgpool": (build_fashion_resnet_avgpool, _fashion_inputs, 0.85),
}


def _accuracy(model: keras.Model, x: np.ndarray, y: np.ndarray) -> float:
    # The root conftest makes JAX promotion strict; Keras' own JAX backend
    # relies on broadcasting (e.g. Dense bias), so relax it for inference.
    with jax.numpy_rank_promotion("allow"), jax.numpy_dtype_promotion("standard"):
        predictions = model.predict(x, verbose=0)
    return float(np.mean(np.argmax(predictions, axis=1) == y))


@pytest.mark.parametrize("name", CASES)
def test_shipped_model_accuracy(name):
    build, inputs, threshold = CASES[name]
    model = keras.saving.load_model(MODELS_DIR / f"{name}.keras")
    x, y = inputs()
    assert _accuracy(model, x, y) > threshold
    # an untrained network of the same layout must not pass the threshold
    keras.utils.set_random_seed(0)
    assert _accuracy(build(), x, y) < threshold


@pytest.mark.parametrize("name", CASES)
def test_shipped_model_matches_builder(name):
    build = CASES[name][0]
    saved = keras.saving.load_model(MODELS_DIR / f"{name}.keras")
    fresh = build()
    assert ([type(layer) for layer in saved.layers]
            == [type(layer) for layer in fresh.layers])
    assert ([w.shape for w in saved.weights]
            == [w.shape for w in fresh.weights])
    assert (MODELS_DIR / f"{name}.keras").stat().st_size < 1_000_000


def test_mnist_cnn_layout():
    model = build_mnist_cnn()
    assert isinstance(model, keras.Sequential)
    assert tuple(model.input_shape) == (None, 28, 28, 1)
    assert tuple(model.output_shape) == (None, 10)
    L = keras.layers
    assert [type(layer) for layer in model.layers] == [
        L.Conv2D, L.AveragePooling2D, L.Conv2D, L.AveragePooling2D,
        L.Flatten, L.Dense, L.Dense, L.Dense]
    convs = [layer for layer in model.layers if isinstance(layer, L.Conv2D)]
    assert [c.filters for c in convs] == [16, 8]
    assert all(c.kernel_size == (5, 5) and c.padding == "valid"
               for c in convs)
    dense = [layer for layer in model.layers if isinstance(layer, L.Dense)]
    assert [d.units for d in dense] == [128, 64, 10]
    assert not any(layer.use_bias for layer in convs + dense)
    assert dense[-1].activation is keras.activations.softmax


def test_fashion_resnet_layout():
    model = build_fashion_resnet()
    assert not isinstance(model, keras.Sequential)
    assert tuple(model.input_shape) == (None, 28, 28, 1)
    assert tuple(model.output_shape) == (None, 10)
    assert model.count_params() < 100_000
    L = keras.layers
    types = [type(layer) for layer in model.layers]
    for required in (L.Rescaling, L.Conv2D, L.BatchNormalization, L.ReLU,
                     L.MaxPooling2D, L.Add, L.GlobalAveragePooling2D,
                     L.Dropout, L.Dense):
        assert required in types, required.__name__
    # Rescaling comes first, right after the input
    assert isinstance(model.layers[1], L.Rescaling)
    assert model.layers[1].scale == pytest.approx(1.0 / 255.0)
    convs = [layer for layer in model.layers if isinstance(layer, L.Conv2D)]
    assert all(c.use_bias and c.padding == "same" for c in convs)


def test_fashion_resnet_avgpool_layout():
    """Only layers with an exact rate-coded equivalent: no max pooling."""
    model = build_fashion_resnet_avgpool()
    assert tuple(model.input_shape) == (None, 28, 28, 1)
    assert tuple(model.output_shape) == (None, 10)
    assert model.count_params() < 100_000
    L = keras.layers
    types = [type(layer) for layer in model.layers]
    for required in (L.Rescaling, L.Conv2D, L.BatchNormalization, L.ReLU,
                     L.AveragePooling2D, L.Add, L.GlobalAveragePooling2D, L.Dense):
        assert required in types, required.__name__
    assert L.MaxPooling2D not in types
    assert types.count(L.Add) == 2
    convs = [layer for layer in model.layers if isinstance(layer, L.Conv2D)]
    assert all(c.use_bias and c.padding == "same" for c in convs)

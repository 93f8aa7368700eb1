"""models/finetune_quantised.py: the quantised copy of the shipped Fashion-MNIST ResNet,
and (slow) the converted SNNs of the shipped fine-tuned models against their ANNs."""
from __future__ import annotations

from pathlib import Path

import keras
import numpy as np
import pytest

from ml_genn_tf import convert_model
from ml_genn_tf.datasets import load_fashion_mnist
from ml_genn_tf.layers import QuantisedReLU
from models.fashion_resnet import build_fashion_resnet
from models.finetune_quantised import quantise_model, relu_percentiles

MODELS_DIR = Path(__file__).resolve().parents[2] / "models"


def test_quantise_model_keeps_weights_and_replaces_activations():
    source = build_fashion_resnet()
    x = np.random.default_rng(0).uniform(0, 255, (16, 28, 28, 1)).astype(np.float32)
    clips = relu_percentiles(source, x)
    quantised = quantise_model(source, 4, clips)
    kinds = {type(layer).__name__ for layer in quantised.layers}
    assert "ReLU" not in kinds and "MaxPooling2D" not in kinds
    assert {"QuantisedReLU", "AveragePooling2D"} <= kinds
    for layer in quantised.layers:
        if isinstance(layer, QuantisedReLU):
            assert layer.levels == 4
            assert float(layer.clip.numpy()) == pytest.approx(clips[layer.name])
        else:
            for got, want in zip(layer.get_weights(),
                                 source.get_layer(layer.name).get_weights(), strict=True):
                np.testing.assert_array_equal(got, want)
    # the source model is not changed
    assert "ReLU" in {type(layer).__name__ for layer in source.layers}


@pytest.mark.slow
@pytest.mark.parametrize("levels, timesteps", [(4, 4), (4, 8), (8, 8), (8, 16)])
def test_shipped_quantised_models_convert_within_one_point(levels, timesteps):
    """First 2,000 Fashion-MNIST test images (bench/accuracy.py runs all 10,000)."""
    try:
        _, (x, y) = load_fashion_mnist()
    except FileNotFoundError as err:
        pytest.skip(str(err))
    x, y = x[:2000, ..., None].astype(np.float32), y[:2000]
    ann = keras.saving.load_model(MODELS_DIR / f"fashion_resnet_q{levels}.keras")
    ann_accuracy = np.mean(ann.predict(x, batch_size=500, verbose=0).argmax(1) == y)
    snn = convert_model(ann, evaluate_timesteps=timesteps, batch_size=500)
    assert snn.method == "qcfs"
    assert snn.evaluate(x, y, spikes=False)["accuracy"] >= ann_accuracy - 0.01

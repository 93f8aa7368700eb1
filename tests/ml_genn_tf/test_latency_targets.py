"""Issue 14's low-latency targets on the full test sets, with
``convert_model(model, "data_norm", data=<first 1,024 training images>,
evaluate_timesteps=T)`` and nothing else (``bench/latency.py --targets`` prints them
with the shipped Fashion ResNet beside them). Slow: tens of minutes on 2 CPU cores."""
from pathlib import Path

import jax
import keras
import numpy as np
import pytest

from ml_genn_tf import convert_model
from ml_genn_tf.datasets import load_fashion_mnist, load_mnist

MODELS_DIR = Path(__file__).resolve().parents[2] / "models"


def _loss(loader, filename, divisor, timesteps):
    """Points lost by the SNN against the ANN on the full test set."""
    try:
        (x_train, _), (x_test, y_test) = loader()
    except FileNotFoundError as err:
        pytest.skip(str(err))
    x = x_test[..., None].astype(np.float32) / divisor
    calibration = x_train[:1024, ..., None].astype(np.float32) / divisor
    ann = keras.saving.load_model(MODELS_DIR / filename)
    with jax.numpy_rank_promotion("allow"), jax.numpy_dtype_promotion("standard"):
        ann_accuracy = np.mean(np.argmax(ann.predict(x, batch_size=500, verbose=0), 1)
                               == y_test)
    snn = convert_model(ann, "data_norm", data=calibration, evaluate_timesteps=timesteps)
    return 100.0 * (ann_accuracy - snn.evaluate(x, y_test)["accuracy"])


@pytest.mark.slow
@pytest.mark.parametrize("timesteps, points", [(64, 1.0), (32, 2.0)])
def test_fashion_resnet_avgpool_stays_close_to_its_ann(timesteps, points):
    assert _loss(load_fashion_mnist, "fashion_resnet_avgpool.keras", 1.0, timesteps) <= points


@pytest.mark.slow
def test_mnist_cnn_within_three_tenths_of_a_point_at_t16():
    assert _loss(load_mnist, "mnist_cnn.keras", 255.0, 16) <= 0.3

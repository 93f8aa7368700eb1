"""Metrics against NumPy, directly and through ``evaluate`` over uneven batches."""
from __future__ import annotations

import numpy as np
import pytest

from ml_genn import Connection, Network, Population
from ml_genn.compilers import InferenceCompiler
from ml_genn.connectivity import Dense
from ml_genn.metrics import METRICS, MeanSquareError, SparseCategoricalAccuracy
from ml_genn.neurons import BinarySpikeInput, LeakyIntegrate

N_EXAMPLES = 37
BATCH = 16
T = 8
N_IN, N_OUT = 6, 4


# --- the metric classes alone ------------------------------------------------------------

def test_sparse_categorical_accuracy_over_uneven_updates():
    rng = np.random.default_rng(0)
    y_pred = rng.normal(size=(37, 5))
    y_true = rng.integers(0, 5, 37)
    m = SparseCategoricalAccuracy()
    for start in range(0, 37, 16):
        m.update(y_true[start:start + 16], y_pred[start:start + 16])
    assert m.result == pytest.approx(np.mean(np.argmax(y_pred, 1) == y_true))
    assert SparseCategoricalAccuracy().result is None


def test_sparse_categorical_accuracy_rejects_one_hot_labels():
    with pytest.raises(ValueError, match="one integer label per example"):
        SparseCategoricalAccuracy().update(np.eye(3), np.eye(3))


def test_mean_square_error_is_the_per_example_mean():
    rng = np.random.default_rng(1)
    y_pred = rng.normal(size=(37, 3))
    y_true = rng.normal(size=(37, 3))
    y_true[32:] += 5.0  # the short last batch has large errors
    m = MeanSquareError()
    batch_means = []
    for start in range(0, 37, 16):
        m.update(y_true[start:start + 16], y_pred[start:start + 16])
        batch_means.append(np.mean((y_true[start:start + 16] - y_pred[start:start + 16]) ** 2))
    expected = np.mean((y_true - y_pred) ** 2)
    assert m.result == pytest.approx(expected, rel=1e-12)
    assert not np.isclose(np.mean(batch_means), expected, rtol=1e-2)  # the test can tell


def test_mean_square_error_shape_mismatch():
    with pytest.raises(ValueError,
                       match=r"labels of shape \(2, 3\).*predictions of shape \(2, 2\)"):
        MeanSquareError().update(np.zeros((2, 3)), np.zeros((2, 2)))


def test_metrics_are_registered():
    assert {"sparse_categorical_accuracy", "mean_square_error"} <= set(METRICS.names())


# --- through evaluate --------------------------------------------------------------------

@pytest.fixture(scope="module", params=("layer", "timestep"))
def network(request):
    rng = np.random.default_rng(5)
    with Network() as net:
        inp = Population(BinarySpikeInput(input_frames=T), N_IN)
        out = Population(LeakyIntegrate(tau_mem=5.0, readout="avg_var"), N_OUT)
        Connection(inp, out, Dense(rng.normal(size=(N_IN, N_OUT))))
    x = (rng.random((N_EXAMPLES, T, N_IN)) < 0.4).astype(np.float32)
    compiled = InferenceCompiler(evaluate_timesteps=T, batch_size=BATCH,
                                 schedule=request.param).compile(net)
    with compiled:
        preds, _ = compiled.predict({inp: x}, out, callbacks=[])
        yield compiled, inp, out, x, preds[out]


def test_evaluate_accuracy_matches_numpy(network):
    compiled, inp, out, x, pred = network
    labels = np.random.default_rng(2).integers(0, N_OUT, N_EXAMPLES)
    labels[:10] = np.argmax(pred[:10], 1)  # some right, some wrong
    metrics, _ = compiled.evaluate({inp: x}, {out: labels}, callbacks=[])
    expected = np.mean(np.argmax(pred, 1) == labels)
    assert 0 < expected < 1
    assert metrics[out].result == pytest.approx(expected)
    assert metrics[out].total == N_EXAMPLES


def test_evaluate_mean_square_error_over_uneven_last_batch(network):
    compiled, inp, out, x, pred = network
    rng = np.random.default_rng(4)
    targets = rng.normal(size=(N_EXAMPLES, N_OUT))
    targets[32:] += 10.0  # the short last batch (5 examples) differs a lot
    metrics, _ = compiled.evaluate({inp: x}, {out: targets}, metrics="mean_square_error",
                                   callbacks=[])
    expected = np.mean(np.mean((targets - pred.astype(np.float64)) ** 2, axis=1))
    mean_of_batch_means = np.mean([np.mean((targets[s:s + BATCH] - pred[s:s + BATCH]) ** 2)
                                   for s in range(0, N_EXAMPLES, BATCH)])
    assert metrics[out].result == pytest.approx(expected, rel=1e-6)
    assert not np.isclose(mean_of_batch_means, expected, rtol=1e-2)


def test_evaluate_metrics_by_output(network):
    compiled, inp, out, x, pred = network
    labels = np.argmax(pred, 1)
    metrics, _ = compiled.evaluate({inp: x}, {out: labels},
                                   metrics={out: SparseCategoricalAccuracy()}, callbacks=[])
    assert metrics[out].result == 1.0

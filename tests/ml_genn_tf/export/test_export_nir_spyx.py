"""The exported graph of a sequential CNN, read and run by Spyx (``spyx.nir``, JAX), a
NIR consumer we did not write, computes the network our simulator runs.

Spyx reads the file (Affine/Conv2d/SumPool2d/Flatten/IF nodes, OIHW kernels, padding,
channels-last layout, node order) and runs it with its own layers. Its ``IF`` neuron,
though, does not follow NIR's IF equations: it subtracts the threshold after a spike
(NIR: ``v = v_reset``) and fires on ``>`` (our graphs say ``>=`` in their metadata);
``test_spyx_if_resets_by_subtraction`` pins that. So the CNN test gives Spyx an IF that
follows NIR's equations, with the comparison the graph's metadata states; everything
else is Spyx's. The CNNs here flatten a 1x1 image, where Spyx's channels-last Flatten
agrees with NIR's channels-first one (``bench/nir_spyx.py`` measures both departures on
the shipped MNIST CNN). Measured on the slow test's tiny MNIST CNN (48 test images, T=100;
ANN 92% correct, SNN 85%): Spyx's own IF agrees with our predicted classes on 88% (output
spike counts off by up to 77), NIR's IF with ``>`` on 90% (off by 6), NIR's IF with the
metadata's ``>=`` on 100% (counts equal).
"""
import keras
import nir
import numpy as np
import pytest

from ml_genn_tf import convert_model, export_nir
from ml_genn_tf.datasets import load_mnist

spyx_nn = pytest.importorskip("spyx.nn")
spyx_nir = pytest.importorskip("spyx.nir")
jax = pytest.importorskip("jax")
jnp = jax.numpy

L = keras.layers


def nir_if(comparison):
    """NIR's IF in Spyx's layer interface: spike from the last step's v, then
    ``v = v_reset`` (0 here) and integrate, so each IF delays by one step as in Spyx."""
    fires = {">=": jnp.greater_equal, ">": jnp.greater}[comparison]

    class NirIF(spyx_nn.IF):
        def __call__(self, x, v):
            spikes = fires(v, self.threshold).astype(v.dtype)
            return spikes, v * (1 - spikes) + x
    return NirIF


def test_spyx_if_resets_by_subtraction():
    layer = spyx_nn.IF((1,), threshold=1.0)
    v = layer.initial_state(1)
    trace = []
    for _ in range(3):
        spikes, v = layer(jnp.full((1, 1), 1.5), v)
        trace.append((float(spikes[0, 0]), float(v[0, 0])))
    assert trace == [(0.0, 1.5), (1.0, 2.0), (1.0, 2.5)]     # 3.0 - 1, not reset to 0


def run_in_spyx(snn, x, path, monkeypatch):
    """Export ``snn``, read the file with ``nir.read`` and run it in Spyx on ``x`` fed as
    the input current; returns Spyx's output spike counts."""
    graph = nir.read(export_nir(snn, path))
    assert float(graph.metadata["input_scale"]) == 1.0                 # feed x as it is
    monkeypatch.setattr(spyx_nir, "IF", nir_if(str(graph.metadata["threshold_comparison"])))
    steps = int(graph.metadata["evaluate_timesteps"])
    current = jnp.broadcast_to(jnp.asarray(x), (steps,) + x.shape)
    with jax.numpy_rank_promotion("allow"):           # Spyx broadcasts over the batch axis
        _, spikes = spyx_nir.from_nir(graph, current, dt=float(graph.metadata["dt"]))
    return np.asarray(spikes).sum(axis=0)


def assert_same_network(ours, theirs, layers):
    assert ours.sum() > 5 * len(ours)                                  # the outputs do fire
    assert np.mean(theirs.argmax(1) == ours.argmax(1)) >= 0.95
    assert np.abs(theirs - ours).max() <= layers


def test_spyx_runs_an_exported_random_cnn_like_our_simulator(tmp_path, monkeypatch):
    keras.utils.set_random_seed(1)
    model = keras.Sequential([
        keras.Input((8, 8, 2)), L.Conv2D(4, 3, padding="same", activation="relu"),
        L.AveragePooling2D(2), L.Conv2D(8, 4, activation="relu"), L.Flatten(), L.Dense(6)])
    x = np.random.default_rng(0).uniform(0, 1, (32, 8, 8, 2)).astype("float32")
    snn = convert_model(model, "data_norm", data=x, input_type="if", reset="zero",
                        readout="spike_count", evaluate_timesteps=40, batch_size=32)
    theirs = run_in_spyx(snn, x, tmp_path / "cnn.nir", monkeypatch)
    assert_same_network(snn.predict(x), theirs, len(snn.network.connections))


def tiny_cnn(x, y):
    keras.utils.set_random_seed(0)
    model = keras.Sequential([
        keras.Input((28, 28, 1)), L.Conv2D(6, 5, strides=3, activation="relu"),
        L.AveragePooling2D(2), L.Conv2D(16, 4, activation="relu"),    # 1x1: flatten order
        L.Flatten(), L.Dense(10)])                                     # is the same in HWC
    model.compile(keras.optimizers.Adam(0.005),
                  keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    model.fit(x, y, epochs=3, batch_size=64, verbose=0)
    return model


@pytest.mark.slow
def test_spyx_runs_the_exported_mnist_cnn_like_our_simulator(tmp_path, monkeypatch):
    (x_train, y_train), (x_test, _) = load_mnist()
    x_train = x_train[:3000, ..., None].astype("float32") / 255.0
    x_test = x_test[:48, ..., None].astype("float32") / 255.0
    model = tiny_cnn(x_train, y_train[:3000])
    snn = convert_model(model, "data_norm", data=x_train[:500], input_type="if", reset="zero",
                        readout="spike_count", evaluate_timesteps=100, batch_size=48)
    theirs = run_in_spyx(snn, x_test, tmp_path / "cnn.nir", monkeypatch)
    assert_same_network(snn.predict(x_test), theirs, len(snn.network.connections))

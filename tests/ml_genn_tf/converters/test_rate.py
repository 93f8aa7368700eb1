"""Rate-coded conversion: Simple, DataNorm, SpikeNorm."""
import keras
import numpy as np
import pytest
from handler_harness import randomize, run_network

from ml_genn.connectivity import MaxPool2D
from ml_genn.neurons import BinarySpikeInput, IntegrateFire, IntegrateFireInput, PoissonInput
from ml_genn_tf import UnsupportedModelError
from ml_genn_tf.converters import DataNorm, InputType, Simple, SpikeNorm

L = keras.layers


def inputs(shape, n=64, seed=0):
    return np.random.default_rng(seed).uniform(0, 1, (n,) + tuple(shape)).astype(np.float32)


def residual_model():
    x_in = keras.Input((8, 8, 1))
    h = L.Conv2D(4, 3, padding="same", activation="relu")(x_in)
    r = L.ReLU()(L.Add()([L.Conv2D(4, 3, padding="same")(h), h]))
    p = L.MaxPooling2D(2, name="pool")(r)
    return randomize(keras.Model(x_in, L.Dense(5)(L.Flatten()(p))), seed=3)


@pytest.mark.parametrize("rule", ["running_max", "spike_gate"])
def test_data_norm_normalises_a_residual_network_with_max_pooling(rule):
    model, x = residual_model(), inputs((8, 8, 1))
    converter = DataNorm(300, norm_data=x, input_type="if", readout="var", max_pool=rule)
    with pytest.warns(UserWarning, match=r"max pooling \(\['pool'\]\)"):
        (got,), (net, *_) = run_network(converter, model, x, batch_size=64)
    assert any(isinstance(c.connectivity, MaxPool2D) for c in net.connections)
    want = model.predict(x, verbose=0)
    assert np.corrcoef(got.ravel(), want.ravel())[0, 1] > 0.98
    assert np.mean(got.argmax(1) == want.argmax(1)) >= 0.85


def test_max_pooling_is_refused_with_max_pool_error():
    with pytest.raises(UnsupportedModelError,
                       match=r"Layer 'pool' \(MaxPooling2D\).*max_pool='error'"):
        DataNorm(100, norm_data=inputs((8, 8, 1)), max_pool="error").convert(residual_model())


def test_data_norm_scales_weights_by_source_over_target_lambda():
    model = randomize(keras.Sequential([keras.Input((6,)),
                                        L.Dense(8, activation="relu", name="dense"),
                                        L.Dense(3, activation="relu", name="dense_1")]), seed=2)
    x = inputs((6,))
    converter = DataNorm(50, norm_data=x, percentile=99.0)
    net, *_ = converter.convert(model)
    scales = converter.pre_convert(model).scales
    hidden = keras.Model(model.inputs, model.layers[0].output).predict(x, verbose=0)
    assert scales["dense"] == pytest.approx(np.percentile(hidden[hidden > 0], 99.0), rel=1e-4)
    assert scales[net.populations[0].name] == 1.0
    w1, b1 = model.layers[0].get_weights()
    w2, _ = model.layers[1].get_weights()
    np.testing.assert_allclose(net.connections[0].connectivity.weight, w1 / scales["dense"],
                               rtol=1e-5)
    np.testing.assert_allclose(net.connections[1].connectivity.weight,
                               w2 * scales["dense"] / scales["dense_1"], rtol=1e-5)
    np.testing.assert_allclose(net.populations[1].neuron.bias, b1 / scales["dense"], rtol=1e-5)
    assert net.populations[1].neuron.v_thresh == 1.0
    assert net.populations[1].neuron.relative_reset


def test_data_norm_max_mode_includes_the_largest_weight():
    model = keras.Sequential([keras.Input((6,)), L.Dense(4, activation="relu", name="dense")])
    model.layers[0].set_weights([np.full((6, 4), 0.01, np.float32), np.zeros(4, np.float32)])
    converter = DataNorm(50, norm_data=inputs((6,)), mode="max")
    converter.convert(model)
    hidden_max = model.predict(inputs((6,)), verbose=0).max()
    assert converter.pre_convert(model).scales["dense"] == pytest.approx(hidden_max, rel=1e-5)
    model.layers[0].set_weights([np.full((6, 4), 2.0, np.float32), np.zeros(4, np.float32)])
    assert converter.pre_convert(model).scales["dense"] >= 2.0


def test_reset_to_zero_and_input_types():
    model = randomize(keras.Sequential([keras.Input((4,)), L.Dense(3, activation="relu"),
                                        L.Dense(2)]))
    for input_type, cls in [(InputType.SPIKE, BinarySpikeInput), ("poisson", PoissonInput),
                            ("if", IntegrateFireInput)]:
        net, *_ = Simple(20, input_type=input_type, reset="zero").convert(model)
        assert isinstance(net.populations[0].neuron, cls)
        assert not net.populations[1].neuron.relative_reset


def test_simple_keeps_the_keras_weights_and_thresholds_of_one():
    model = randomize(keras.Sequential([keras.Input((5,)), L.Dense(4, activation="relu"),
                                        L.Dense(2, activation="softmax")]))
    net, _, outputs, _ = Simple(20, readout="spike_count").convert(model)
    for conn, layer in zip(net.connections, model.layers, strict=True):
        np.testing.assert_array_equal(conn.connectivity.weight, layer.get_weights()[0])
    assert [p.neuron.v_thresh for p in net.populations[1:]] == [1.0, 1.0]
    assert type(outputs[0].neuron.readout).__name__ == "SpikeCount"


def test_var_readout_output_never_fires():
    model = randomize(keras.Sequential([keras.Input((5,)), L.Dense(2)]))
    net, _, outputs, _ = Simple(20).convert(model)
    assert isinstance(outputs[0].neuron, IntegrateFire)
    assert outputs[0].neuron.v_thresh > 1e30


def test_spike_norm_writes_its_thresholds_into_the_network():
    model = randomize(keras.Sequential([keras.Input((6,)), L.Dense(8, activation="relu"),
                                        L.Dense(3)]), seed=5)
    x = inputs((6,), n=32)
    converter = SpikeNorm(40, norm_data=x, input_type="if")
    (got,), (net, *_) = run_network(converter, model, x, batch_size=32)
    thresholds = {p.name: p.neuron.v_thresh for p in net.populations[1:-1]}
    assert thresholds == converter.thresholds
    assert all(t != 1.0 for t in thresholds.values())


@pytest.mark.parametrize("cls", [DataNorm, SpikeNorm])
def test_normalising_converters_need_data(cls):
    model = keras.Sequential([keras.Input((3,)), L.Dense(2)])
    with pytest.raises(ValueError, match="needs norm_data"):
        cls(10).convert(model)


def test_data_norm_caps_lambda_at_relu_max_value():
    model = randomize(keras.Sequential([keras.Input((6,)), L.Dense(8, name="d"),
                                        L.ReLU(max_value=0.2, name="r6"), L.Dense(2)]),
                      seed=3, scale=2.0)
    converter = DataNorm(20, norm_data=inputs((6,)), mode="max")
    converter.convert(model)
    assert converter.pre_convert(model).scales["r6"] == pytest.approx(0.2)

"""FewSpike conversion end to end on small random models."""
import keras
import numpy as np
import pytest
from handler_harness import randomize, run_network

from ml_genn.connectivity import MaxPool2D
from ml_genn.neurons import FewSpikeRelu, FewSpikeReluInput
from ml_genn_tf import convert_model
from ml_genn_tf.converters import FewSpike

L = keras.layers


def data(shape, n=24, seed=3, low=0.0):
    return np.random.default_rng(seed).uniform(low, 1.0, (n,) + tuple(shape)).astype(np.float32)


def compare(model, x, converter, rtol=5e-3):
    (got,), result = run_network(converter, model, x)
    want = model.predict(x, verbose=0)
    scale = np.max(np.abs(want))
    np.testing.assert_allclose(got, want, atol=rtol * scale)
    return result


def mlp_bound(model, x, k, alphas):
    """Quantisation error bound of a 2-layer MLP: each population sends its value
    rounded down to a multiple of alpha 2^-K (error < alpha 2^-K per neuron)."""
    w1, w2 = model.layers[0].get_weights()[0], model.layers[1].get_weights()[0]
    e_in = alphas[0] * 2.0 ** -k
    e_hidden = alphas[1] * 2.0 ** -k + np.abs(w1).sum(axis=0) * e_in
    return np.abs(w2).T @ e_hidden


def test_mlp_with_biases_within_the_quantisation_bound():
    model = randomize(keras.Sequential([keras.Input((10,)), L.Dense(16, activation="relu"),
                                        L.Dense(4)]), seed=1)
    x = data((10,))
    converter = FewSpike(k=8, norm_data=x)
    (got,), (net, inputs, _, _) = run_network(converter, model, x)
    assert isinstance(inputs[0].neuron, FewSpikeReluInput)
    alphas = [p.neuron.alpha for p in net.populations[:2]]
    bound = mlp_bound(model, x, 8, alphas)
    want = model.predict(x, verbose=0)
    assert np.all(np.abs(got - want) <= bound[None, :] + 1e-5)
    assert np.any(got != want)


def test_cnn_with_batch_norm_max_pool_and_global_pooling():
    x_in = keras.Input((8, 8, 1))
    h = L.ReLU()(L.BatchNormalization()(L.Conv2D(4, 3, padding="same")(x_in)))
    h = L.MaxPooling2D(2)(h)
    h = L.Conv2D(6, 3, padding="same", activation="relu")(h)
    y = L.Dense(3, activation="softmax")(L.Dropout(0.2)(L.GlobalAveragePooling2D()(h)))
    model = randomize(keras.Model(x_in, y), seed=2)
    x = data((8, 8, 1))
    converter = FewSpike(k=16, norm_data=x)
    (got,), (net, *_) = run_network(converter, model, x)
    assert any(isinstance(c.connectivity, MaxPool2D) for c in net.connections)
    pool = next(p for p in net.populations if "max_pooling" in p.name)
    relu = next(p for p in net.populations if p.name.startswith("re_lu"))
    assert pool.neuron.alpha == relu.neuron.alpha
    logits = keras.Model(model.inputs, model.layers[-1].input).predict(x, verbose=0) \
        @ model.layers[-1].get_weights()[0] + model.layers[-1].get_weights()[1]
    np.testing.assert_allclose(got, logits, atol=5e-3 * np.abs(logits).max())


def test_residual_join_of_sources_with_different_alphas():
    x_in = keras.Input((6,))
    big = L.Dense(8, activation="relu", name="big")(x_in)
    small = L.Dense(8, activation="relu", name="small")(x_in)
    deep = L.Dense(8, activation="relu", name="deep")(small)
    joined = L.ReLU(name="join")(L.Add()([big, small, deep]))
    model = keras.Model(x_in, L.Dense(3)(joined))
    randomize(model, seed=4)
    model.get_layer("big").set_weights([w * 20 for w in model.get_layer("big").get_weights()])
    x = data((6,))
    net, *_ = compare(model, x, FewSpike(k=16, norm_data=x))
    alphas = {p.name: p.neuron.alpha for p in net.populations}
    assert alphas["big"] > 5 * alphas["small"]


def test_relu_max_value_saturates_exactly():
    model = randomize(keras.Sequential([keras.Input((5,)), L.Dense(12), L.ReLU(max_value=0.3),
                                        L.Dense(2)]), seed=5, scale=1.0)
    x = data((5,))
    hidden = keras.Model(model.inputs, model.layers[1].output).predict(x, verbose=0)
    assert hidden.max() == pytest.approx(0.3)
    net, *_ = compare(model, x, FewSpike(k=16, norm_data=x))
    relu = net.populations[1]
    assert relu.neuron.alpha == pytest.approx(0.3 / (1 - 2.0 ** -16))


def test_signed_input():
    model = randomize(keras.Sequential([keras.Input((7,)), L.Dense(8, activation="relu"),
                                        L.Dense(3)]), seed=6)
    x = data((7,), low=-1.0)
    net, *_ = compare(model, x, FewSpike(k=16, signed_input=True, norm_data=x))
    assert net.populations[0].neuron.signed_input


def test_without_data_every_alpha_is_the_default():
    model = randomize(keras.Sequential([keras.Input((4,)), L.Dense(6, activation="relu"),
                                        L.Dense(2)]), seed=7)
    x = data((4,))
    net, *_ = compare(model, x, FewSpike(k=16, alpha=4.0), rtol=1e-2)
    assert {p.neuron.alpha for p in net.populations} == {4.0}


def test_max_pooling_on_the_input_and_percentile_mode():
    model = randomize(keras.Sequential([keras.Input((6, 6, 2)), L.MaxPooling2D(2),
                                        L.Flatten(), L.Dense(3)]), seed=8)
    x = data((6, 6, 2))
    compare(model, x, FewSpike(k=16, norm_data=x))
    converter = FewSpike(k=16, norm_data=x, mode="percentile", percentile=50.0)
    converter.convert(model)
    assert converter.pre_convert(model).input_alpha < 1.0 / (1 - 2.0 ** -16)


def test_biases_are_few_spike_relu_biases():
    model = randomize(keras.Sequential([keras.Input((4,)), L.Dense(5, activation="relu"),
                                        L.Dense(2)]), seed=9)
    net, *_ = FewSpike(k=8).convert(model)  # rounding="floor" (default, mlGeNN's)
    hidden = net.populations[1].neuron
    assert isinstance(hidden, FewSpikeRelu)
    np.testing.assert_allclose(hidden.bias, model.layers[0].get_weights()[1], rtol=1e-6)
    # rounding="nearest" (convert_model's default): half a code step more, alpha 2^-(K+1)
    net, *_ = FewSpike(k=8, rounding="nearest").convert(model)
    hidden = net.populations[1].neuron
    np.testing.assert_allclose(hidden.bias, model.layers[0].get_weights()[1]
                               + hidden.alpha * 2.0 ** -9, rtol=1e-6)


def test_floor_is_mlgenns_default_and_convert_model_rounds_to_nearest():
    model = randomize(keras.Sequential([keras.Input((4,)), L.Dense(5, activation="relu"),
                                        L.Dense(2)]), seed=9)
    assert FewSpike().rounding == "floor"
    assert convert_model(model, "few_spike").converter.rounding == "nearest"
    assert convert_model(model, "few_spike", rounding="floor").converter.rounding == "floor"


def test_rounding_to_nearest_halves_the_quantisation_error():
    """A 1-unit network on inputs of the input code's grid: the hidden value 0.3 x is
    rounded (error <= half a step) instead of truncated (error in (-1, 0] steps)."""
    model = keras.Sequential([keras.Input((1,)), L.Dense(1, activation="relu"), L.Dense(1)])
    model.set_weights([np.full((1, 1), 0.3), np.zeros(1), np.ones((1, 1)), np.zeros(1)])
    k, step = 6, 2.0 ** -6
    x = (np.arange(2 ** k) * step).astype(np.float32)[:, None]
    errors = {}
    for rounding in ("floor", "nearest"):
        (got,), _ = run_network(FewSpike(k=k, alpha=1.0, rounding=rounding), model, x)
        errors[rounding] = got[:, 0] - 0.3 * x[:, 0]
    assert np.all(errors["floor"] <= 1e-6) and np.all(errors["floor"] > -step - 1e-6)
    assert np.max(np.abs(errors["nearest"])) <= step / 2 + 1e-6
    assert abs(np.mean(errors["nearest"])) < abs(np.mean(errors["floor"])) / 4


def test_hidden_population_seen_as_an_image_by_a_reshape_and_conv():
    model = randomize(keras.Sequential([keras.Input((5,)), L.Dense(48, activation="relu"),
                                        L.Reshape((4, 6, 2)), L.Conv2D(3, 3, padding="same"),
                                        L.Flatten()]), seed=12)
    x = data((5,))
    net, *_ = compare(model, x, FewSpike(k=16, norm_data=x))
    assert net.populations[1].shape == (4, 6, 2)


def test_concatenated_branches_and_dict_inputs():
    a, b = keras.Input((6,), name="a"), keras.Input((4,), name="b")
    joined = L.Concatenate()([L.Dense(5, activation="relu")(a),
                              L.Dense(3, activation="relu")(b)])
    model = randomize(keras.Model({"a": a, "b": b}, L.Dense(2)(joined)), seed=13)
    x = {"a": data((6,), seed=1), "b": data((4,), seed=2)}
    converter = FewSpike(k=16, norm_data=x)
    net, inputs, outputs, _ = converter.convert(model)
    assert [p.name for p in inputs] == ["a", "b"]
    from ml_genn_tf import convert_model
    snn = convert_model(model, data=[x], k=16)
    want = model.predict(x, verbose=0)
    np.testing.assert_allclose(snn.predict(x), want, atol=5e-3 * np.abs(want).max())

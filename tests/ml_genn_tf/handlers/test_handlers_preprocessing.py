"""Preprocessing folded into the input, activations at the output."""
import keras
import numpy as np
import pytest
from handler_harness import randomize, run_handler_test

from ml_genn_tf.converters import FewSpike

L = keras.layers


def test_rescaling_and_normalization_are_exact():
    model = keras.Sequential([keras.Input((4, 4, 2)), L.Rescaling(0.5, offset=0.25),
                              L.Normalization(mean=[0.1, -0.2], variance=[2.0, 0.5]),
                              L.Conv2D(3, 3, padding="same")])
    net, *_ = run_handler_test(model)
    assert len(net.connections) == 1


def test_rescaling_and_normalization_fold_into_the_input_neurons():
    model = keras.Sequential([keras.Input((3, 3, 2)), L.Rescaling(1 / 255.0),
                              L.Normalization(mean=[0.5, 0.25], variance=[4.0, 1.0]),
                              L.Conv2D(2, 3, activation="relu")])
    net, inputs, *_ = FewSpike(k=8, signed_input=True).convert(model)
    neuron = inputs[0].neuron
    x = np.random.default_rng(0).uniform(0, 255, (5, 3, 3, 2))
    expected = model.layers[1](model.layers[0](x))
    np.testing.assert_allclose(x * neuron.input_scale + neuron.input_offset, expected,
                               rtol=1e-5, atol=1e-5)


def test_adapted_normalization():
    norm = L.Normalization()
    norm.adapt(np.random.default_rng(0).normal(2.0, 3.0, (64, 5)))
    model = keras.Sequential([keras.Input((5,)), norm, L.Dense(3)])
    randomize(model)
    norm.adapt(np.random.default_rng(0).normal(2.0, 3.0, (64, 5)))
    run_handler_test(model, randomize_weights=False)


@pytest.mark.parametrize("output", [lambda: [L.Dense(4, activation="softmax")],
                                    lambda: [L.Dense(4), L.Softmax()],
                                    lambda: [L.Dense(4), L.Activation("softmax")]])
def test_softmax_output_reads_the_logits(output):
    model = keras.Sequential([keras.Input((6,))] + output())
    net, _, outputs, layer_pops = run_handler_test(model, output_softmax=True)
    assert all(layer_pops[layer] is outputs[0] for layer in model.layers)


def test_affine_seen_through_a_reshape_folds_into_the_convolution():
    per_channel = np.tile([2.0, 3.0], 24).tolist()   # (48,), one value per channel of (4, 6, 2)
    model = keras.Sequential([keras.Input((48,)), L.Dense(48, activation="relu"),
                              L.Rescaling(per_channel, offset=1.0), L.Reshape((4, 6, 2)),
                              L.Conv2D(3, 3)])
    net, *_ = FewSpike(k=8).convert(randomize(model))
    assert type(net.connections[-1].connectivity).__name__ == "Conv2D"
    model = keras.Sequential([keras.Input((48,)), L.Rescaling(per_channel, offset=1.0),
                              L.Reshape((4, 6, 2)), L.Conv2D(3, 3)])
    net, *_ = run_handler_test(model)
    assert type(net.connections[0].connectivity).__name__ == "Conv2D"

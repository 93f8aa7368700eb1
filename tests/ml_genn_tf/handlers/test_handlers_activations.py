"""Every Keras spelling of max(0, x) and min(max(0, x), c) becomes a ReLU population
(FewSpike readouts against Keras), and the other activations are refused by name."""
import keras
import numpy as np
import pytest
from handler_harness import randomize, run_network

from ml_genn_tf import UnsupportedModelError
from ml_genn_tf.converters import FewSpike

L = keras.layers

SPELLINGS = {
    "ReLU": lambda: [L.Dense(6), L.ReLU()],
    "ReLU(max_value)": lambda: [L.Dense(6), L.ReLU(max_value=0.4)],
    "ReLU(max_value=6)": lambda: [L.Dense(6), L.ReLU(6.0)],
    "Activation('relu')": lambda: [L.Dense(6), L.Activation("relu")],
    "Activation('relu6')": lambda: [L.Dense(6), L.Activation("relu6")],
    "Activation(relu function)": lambda: [L.Dense(6), L.Activation(keras.activations.relu)],
    "Activation(relu6 function)": lambda: [L.Dense(6), L.Activation(keras.activations.relu6)],
    "Activation(keras.ops.relu)": lambda: [L.Dense(6), L.Activation(keras.ops.relu)],
    "Activation(keras.ops.relu6)": lambda: [L.Dense(6), L.Activation(keras.ops.relu6)],
    "Dense(activation=keras.ops.relu6)": lambda: [L.Dense(6, activation=keras.ops.relu6)],
    "Dense(activation='relu')": lambda: [L.Dense(6, activation="relu")],
    "Dense(activation='relu6')": lambda: [L.Dense(6, activation="relu6")],
    "LeakyReLU(0)": lambda: [L.Dense(6), L.LeakyReLU(negative_slope=0.0)],
    "ELU(0)": lambda: [L.Dense(6), L.ELU(alpha=0.0)],
    "PReLU(zeros)": lambda: [L.Dense(6), L.PReLU()],
}


@pytest.mark.parametrize("name", sorted(SPELLINGS))
def test_relu_spellings(name):
    model = keras.Sequential([keras.Input((5,))] + SPELLINGS[name]() + [L.Dense(3)])
    randomize(model, seed=2)
    for layer in model.layers:
        if isinstance(layer, L.PReLU):
            layer.set_weights([np.zeros_like(w) for w in layer.get_weights()])
    x = np.random.default_rng(0).uniform(0, 4, (16, 5)).astype(np.float32)
    (got,), (net, *_) = run_network(FewSpike(k=20, norm_data=x), model, x)
    assert len(net.populations) == 3
    np.testing.assert_allclose(got, model.predict(x, verbose=0), atol=1e-4)


@pytest.mark.parametrize("layer,match", [
    (lambda: L.LeakyReLU(name="bad"), r"Layer 'bad' \(LeakyReLU\): negative_slope=0.3"),
    (lambda: L.PReLU(alpha_initializer="ones", name="bad"),
     r"Layer 'bad' \(PReLU\): 6 of its 6 learned negative slopes are not 0"),
    (lambda: L.Activation("swish", name="bad"), r"Layer 'bad' \(Activation\): "
                                                r"activation='(swish|silu)'"),
    (lambda: L.Activation("gelu", name="bad"), r"activation='gelu'"),
])
def test_other_activations_are_refused_by_name(layer, match):
    model = keras.Sequential([keras.Input((5,)), L.Dense(6), layer(), L.Dense(2)])
    with pytest.raises(UnsupportedModelError, match=match):
        FewSpike().convert(model)

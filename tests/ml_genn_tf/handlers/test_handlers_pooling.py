"""Exact-sum tests of the pooling layers fused into connectivities (2-D and 1-D), and
the max-pooling layers, exact with FewSpike."""
import keras
import numpy as np
import pytest
from handler_harness import randomize, run_handler_test, run_network

from ml_genn.connectivity import AvgPool2D, AvgPoolConv2D, AvgPoolDense2D
from ml_genn_tf.converters import FewSpike

L = keras.layers


def kinds(net):
    return [type(c.connectivity) for c in net.connections]


@pytest.mark.parametrize("padding", ["valid", "same"])
def test_average_pooling2d(padding):
    model = keras.Sequential([keras.Input((7, 7, 2)), L.AveragePooling2D(2, padding=padding)])
    net, *_ = run_handler_test(model)
    assert kinds(net) == [AvgPool2D]


@pytest.mark.parametrize("padding", ["valid", "same"])
def test_average_pooling2d_then_conv2d(padding):
    model = keras.Sequential([keras.Input((7, 7, 2)), L.AveragePooling2D(2, padding=padding),
                              L.Conv2D(3, 3, padding="same")])
    net, *_ = run_handler_test(model)
    assert kinds(net) == [AvgPoolConv2D]


@pytest.mark.parametrize("padding", ["valid", "same"])
def test_average_pooling2d_flatten_dense(padding):
    model = keras.Sequential([keras.Input((7, 6, 2)), L.AveragePooling2D((2, 3), padding=padding),
                              L.Flatten(), L.Dense(5)])
    net, *_ = run_handler_test(model)
    assert kinds(net) == [AvgPoolDense2D]


def test_global_average_pooling2d_dense():
    model = keras.Sequential([keras.Input((5, 4, 3)), L.GlobalAveragePooling2D(), L.Dense(4)])
    net, *_ = run_handler_test(model)
    assert kinds(net) == [AvgPoolDense2D]


@pytest.mark.parametrize("keepdims", [False, True])
def test_global_average_pooling2d_alone(keepdims):
    model = keras.Sequential([keras.Input((5, 4, 3)), L.GlobalAveragePooling2D(keepdims=keepdims)])
    net, *_ = run_handler_test(model)
    assert kinds(net) == [AvgPool2D]
    assert net.populations[-1].shape == ((1, 1, 3) if keepdims else (3,))


@pytest.mark.parametrize("padding,strides", [("valid", None), ("same", 1)])
def test_average_pooling1d_is_2d_of_height_one(padding, strides):
    model = keras.Sequential([keras.Input((9, 3)),
                              L.AveragePooling1D(2, strides=strides, padding=padding)])
    net, *_ = run_handler_test(model)
    assert kinds(net) == [AvgPool2D]


@pytest.mark.parametrize("keepdims", [False, True])
def test_global_average_pooling1d(keepdims):
    model = keras.Sequential([keras.Input((7, 3)), L.GlobalAveragePooling1D(keepdims=keepdims),
                              L.Flatten(), L.Dense(2)])
    net, *_ = run_handler_test(model)
    assert kinds(net) == [AvgPoolDense2D]


@pytest.mark.parametrize("layer", [lambda: L.MaxPooling1D(2), lambda: L.MaxPooling1D(3, 2,
                                                                                   "same"),
                                   lambda: L.GlobalMaxPooling1D(), lambda: L.MaxPooling1D(1, 2),
                                   lambda: L.GlobalMaxPooling2D(), lambda: L.MaxPooling2D(3, 2)])
def test_max_pooling_layers_are_exact_with_few_spike(layer):
    """Max pooling of a ReLU: FewSpike is exact up to its K-bit quantisation."""
    image = layer().__class__.__name__.endswith("2D")
    shape = (7, 6, 2) if image else (9, 2)
    model = keras.Sequential([keras.Input(shape), L.Dense(2, activation="relu"), layer(),
                              L.Flatten(), L.Dense(3)])
    randomize(model, seed=3)
    x = np.random.default_rng(1).uniform(0, 1, (8,) + shape).astype(np.float32)
    (got,), (net, *_) = run_network(FewSpike(k=20, norm_data=x), model, x)
    np.testing.assert_allclose(got, model.predict(x, verbose=0), atol=1e-4)

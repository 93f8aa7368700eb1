"""Exact-sum tests of the pooling layers fused into connectivities."""
import keras
import pytest
from handler_harness import run_handler_test
from ml_genn.connectivity import AvgPool2D, AvgPoolConv2D, AvgPoolDense2D

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

"""Exact-sum tests of shape-only layers, padding, cropping, up-sampling and inference
no-ops."""
import keras
import pytest
from handler_harness import run_handler_test

from ml_genn.connectivity import Conv2D, Dense, DepthwiseConv2D, Pad2D, Upsample2D

L = keras.layers


def test_flatten_after_input():
    model = keras.Sequential([keras.Input((4, 3, 2)), L.Flatten(), L.Dense(5)])
    net, inputs, *_ = run_handler_test(model)
    assert inputs[0].shape == (4, 3, 2)
    assert isinstance(net.connections[0].connectivity, Dense)


def test_reshape_after_input_gives_the_convolution_its_image():
    model = keras.Sequential([keras.Input((48,)), L.Reshape((4, 6, 2)), L.Conv2D(3, 3)])
    net, inputs, *_ = run_handler_test(model)
    assert inputs[0].shape == (4, 6, 2)
    assert isinstance(net.connections[0].connectivity, Conv2D)


def test_flatten_after_conv2d_into_a_flat_output():
    model = keras.Sequential([keras.Input((5, 5, 2)), L.Conv2D(3, 3), L.Flatten()])
    net, _, outputs, _ = run_handler_test(model)
    assert outputs[0].shape == (27,)
    assert net.connections[0].connectivity.flatten


def test_reshape_between_linear_layers_uses_the_exact_fallback():
    model = keras.Sequential([keras.Input((5, 5, 2)), L.Conv2D(3, 3), L.Flatten(),
                              L.Dense(4), L.Reshape((2, 2))])
    net, _, outputs, _ = run_handler_test(model)
    assert outputs[0].shape == (2, 2)


@pytest.mark.parametrize("layer,kind", [(lambda: L.Conv2D(3, 3), Conv2D),
                                        (lambda: L.Conv2D(3, 3, padding="same", strides=2),
                                         Conv2D),
                                        (lambda: L.DepthwiseConv2D(3), DepthwiseConv2D)])
def test_zero_padding2d_folds_into_the_convolution(layer, kind):
    model = keras.Sequential([keras.Input((5, 6, 2)), L.ZeroPadding2D(((1, 2), (0, 1))),
                              layer()])
    net, *_ = run_handler_test(model)
    (conn,) = net.connections
    assert isinstance(conn.connectivity, kind)
    assert not isinstance(conn.connectivity.conv_padding, str)


def test_zero_padding2d_before_pooling_is_exact():
    model = keras.Sequential([keras.Input((5, 5, 2)), L.ZeroPadding2D(1),
                              L.AveragePooling2D(2), L.Flatten(), L.Dense(3)])
    run_handler_test(model)


def test_inference_no_ops_are_ignored():
    model = keras.Sequential([keras.Input((8,)), L.Dropout(0.5), L.GaussianNoise(1.0),
                              L.ActivityRegularization(0.1), L.Dense(3), L.Dropout(0.3)])
    net, _, outputs, layer_pops = run_handler_test(model)
    assert len(net.populations) == 2
    assert layer_pops[model.layers[-1]] is outputs[0]


@pytest.mark.parametrize("cropping", [1, ((1, 0), (2, 1))])
def test_cropping2d(cropping):
    model = keras.Sequential([keras.Input((6, 7, 2)), L.Cropping2D(cropping)])
    net, *_ = run_handler_test(model)
    assert [type(c.connectivity) for c in net.connections] == [Pad2D]


@pytest.mark.parametrize("interpolation", ["nearest", "bilinear"])
@pytest.mark.parametrize("size", [2, (2, 3)])
def test_up_sampling2d(size, interpolation):
    model = keras.Sequential([keras.Input((3, 4, 2)),
                              L.UpSampling2D(size, interpolation=interpolation)])
    net, *_ = run_handler_test(model)
    assert [type(c.connectivity) for c in net.connections] == [Upsample2D]

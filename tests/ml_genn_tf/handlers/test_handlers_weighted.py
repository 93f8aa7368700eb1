"""Exact-sum tests of the weighted layers: Dense, the convolutions (1-D, separable,
transposed), DepthwiseConv2D, BatchNorm."""
import keras
import pytest
from handler_harness import run_handler_test

from ml_genn.connectivity import Chained, Conv2D, Conv2DTranspose, Dense, DepthwiseConv2D

L = keras.layers


def single(connectivity_cls, net):
    (conn,) = net.connections
    assert isinstance(conn.connectivity, connectivity_cls)
    return conn


@pytest.mark.parametrize("use_bias", [False, True])
def test_dense(use_bias):
    model = keras.Sequential([keras.Input((7,)), L.Dense(5, use_bias=use_bias)])
    net, _, outputs, layer_pops = run_handler_test(model)
    single(Dense, net)
    assert layer_pops[model.layers[0]] is outputs[0]


def test_dense_on_image_acts_per_pixel():
    model = keras.Sequential([keras.Input((3, 4, 2)), L.Dense(3)])
    net, *_ = run_handler_test(model)
    single(Conv2D, net)


@pytest.mark.parametrize("padding,strides", [("valid", 1), ("same", 1), ("valid", 2),
                                             ("same", 2)])
def test_conv2d(padding, strides):
    model = keras.Sequential([keras.Input((7, 6, 2)),
                              L.Conv2D(3, 3, strides=strides, padding=padding)])
    net, *_ = run_handler_test(model)
    conn = single(Conv2D, net)
    assert conn.connectivity.conv_padding == padding


def test_conv2d_dilation_and_groups_expand_the_kernel():
    model = keras.Sequential([keras.Input((9, 9, 4)),
                              L.Conv2D(4, 3, dilation_rate=2, padding="same", groups=2)])
    net, *_ = run_handler_test(model)
    assert single(Conv2D, net).connectivity.conv_size == (5, 5)


@pytest.mark.parametrize("padding,strides", [("valid", 1), ("same", 2)])
def test_depthwise_conv2d(padding, strides):
    model = keras.Sequential([keras.Input((6, 6, 3)),
                              L.DepthwiseConv2D(3, strides=strides, padding=padding,
                                                depth_multiplier=2)])
    net, *_ = run_handler_test(model)
    single(DepthwiseConv2D, net)


@pytest.mark.parametrize("layer", [lambda: L.Conv2D(3, 3, padding="same"),
                                   lambda: L.DepthwiseConv2D(3, padding="same"),
                                   lambda: L.Dense(4)])
def test_batch_normalization_folds_into_the_previous_layer(layer):
    model = keras.Sequential([keras.Input((5, 5, 2)), layer(), L.BatchNormalization()])
    net, _, outputs, layer_pops = run_handler_test(model)
    assert len(net.connections) == 1
    assert layer_pops[model.layers[1]] is outputs[0]


def test_batch_normalization_on_the_input_and_between_pooling():
    model = keras.Sequential([keras.Input((6, 6, 2)), L.BatchNormalization(),
                              L.Conv2D(3, 3, padding="same", use_bias=False),
                              L.AveragePooling2D(2), L.BatchNormalization(), L.Flatten(),
                              L.Dense(4)])
    net, *_ = run_handler_test(model)
    assert len(net.connections) == 1


@pytest.mark.parametrize("padding,strides,dilation", [("valid", 1, 1), ("same", 2, 1),
                                                      ("same", 1, 2)])
def test_separable_conv2d_is_a_depthwise_then_a_pointwise_convolution(padding, strides,
                                                                     dilation):
    model = keras.Sequential([keras.Input((7, 6, 3)),
                              L.SeparableConv2D(8, 3, strides=strides, padding=padding,
                                                dilation_rate=dilation, depth_multiplier=2)])
    net, *_ = run_handler_test(model)
    steps = single(Chained, net).connectivity.steps
    assert [type(s) for s in steps] == [DepthwiseConv2D, Conv2D]


@pytest.mark.parametrize("padding,strides,size", [("valid", 1, 3), ("same", 2, 3),
                                                  ("valid", 2, 2), ("same", 3, 2)])
def test_conv2d_transpose(padding, strides, size):
    model = keras.Sequential([keras.Input((4, 5, 2)),
                              L.Conv2DTranspose(3, size, strides=strides, padding=padding)])
    net, *_ = run_handler_test(model)
    single(Conv2DTranspose, net)


@pytest.mark.parametrize("padding,strides,dilation,groups", [
    ("valid", 1, 1, 1), ("same", 2, 1, 1), ("causal", 1, 2, 1), ("same", 1, 1, 2)])
def test_conv1d_is_a_conv2d_of_height_one(padding, strides, dilation, groups):
    model = keras.Sequential([keras.Input((9, 4)),
                              L.Conv1D(4, 3, strides=strides, padding=padding,
                                       dilation_rate=dilation, groups=groups)])
    net, *_ = run_handler_test(model)
    conn = single(Conv2D, net)
    assert conn.connectivity.conv_size == (1, 3 + 2 * (dilation - 1))

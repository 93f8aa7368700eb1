"""Conv2D, Conv2DTranspose and DepthwiseConv2D against Keras 3, and their errors."""
import keras
import numpy as np
import pytest
from connectivity_harness import keras_reference, run_connectivity_test

from ml_genn import Connection, Network, Population
from ml_genn.connectivity import Conv2D, Conv2DTranspose, DepthwiseConv2D
from ml_genn.initializers import Normal

RNG = np.random.default_rng(1234)


def random_kernel(*shape):
    return RNG.uniform(-1.0, 1.0, shape).astype(np.float32)


@pytest.mark.parametrize("flatten", [False, True])
@pytest.mark.parametrize("padding", ["valid", "same"])
@pytest.mark.parametrize("strides", [1, 2])
@pytest.mark.parametrize("size", [3, 2])
@pytest.mark.parametrize("image", [(7, 7), (8, 6)])
@pytest.mark.parametrize("channels", [2, 1])  # one channel: shifted products on a CPU
def test_conv_2d_matches_keras(channels, image, size, strides, padding, flatten):
    kernel = random_kernel(size, size, channels, 3)
    out = run_connectivity_test(
        Conv2D(kernel, 3, size, flatten=flatten, conv_strides=strides, conv_padding=padding),
        image + (channels,),
        keras_reference((keras.layers.Conv2D(3, size, strides=strides, padding=padding,
                                             use_bias=False), [kernel])))
    assert out.ndim == (2 if flatten else 4)


@pytest.mark.parametrize("pads", [((1, 0), (2, 1)), ((0, 0), (0, 0)), ((2, 2), (1, 1))])
@pytest.mark.parametrize("strides", [1, (2, 1)])
@pytest.mark.parametrize("channels", [2, 1])
def test_conv_2d_explicit_padding_matches_zero_padding(channels, pads, strides):
    kernel = random_kernel(3, 2, channels, 4)
    run_connectivity_test(
        Conv2D(kernel, 4, (3, 2), conv_strides=strides, conv_padding=pads), (6, 5, channels),
        keras_reference(keras.layers.ZeroPadding2D(pads),
                        (keras.layers.Conv2D(4, (3, 2), strides=strides, use_bias=False),
                         [kernel])))


def test_conv_2d_initializer_weight_takes_channels_from_source():
    # The harness prepares the op with default_rng(0): the same draw as here.
    kernel = Normal(0.0, 1.0).sample((3, 3, 3, 4), np.random.default_rng(0))
    run_connectivity_test(
        Conv2D(Normal(0.0, 1.0), 4, 3, conv_padding="same"), (5, 5, 3),
        keras_reference((keras.layers.Conv2D(4, 3, padding="same", use_bias=False),
                         [kernel])))


@pytest.mark.parametrize("flatten", [False, True])
@pytest.mark.parametrize("padding", ["valid", "same"])
@pytest.mark.parametrize("size,strides", [(3, 1), (3, 2), (2, 2), (4, 2), (2, 3), (5, 3)])
def test_conv_2d_transpose_matches_keras(size, strides, padding, flatten):
    kernel = random_kernel(size, size, 3, 2)  # (kh, kw, filters, cin)
    run_connectivity_test(
        Conv2DTranspose(kernel, 3, size, flatten=flatten, conv_strides=strides,
                        conv_padding=padding),
        (5, 4, 2),
        keras_reference((keras.layers.Conv2DTranspose(3, size, strides=strides,
                                                      padding=padding, use_bias=False),
                         [kernel])))


@pytest.mark.parametrize("flatten", [False, True])
@pytest.mark.parametrize("padding", ["valid", "same"])
@pytest.mark.parametrize("strides", [1, 2])
@pytest.mark.parametrize("size,multiplier", [(3, 1), (2, 2), (3, 3)])
def test_depthwise_conv_2d_matches_keras(size, multiplier, strides, padding, flatten):
    kernel = random_kernel(size, size, 3, multiplier)
    run_connectivity_test(
        DepthwiseConv2D(kernel, size, depth_multiplier=multiplier, flatten=flatten,
                        conv_strides=strides, conv_padding=padding),
        (7, 6, 3),
        keras_reference((keras.layers.DepthwiseConv2D(size, strides=strides, padding=padding,
                                                      depth_multiplier=multiplier,
                                                      use_bias=False), [kernel])))


# --- errors -------------------------------------------------------------------------

def connect(connectivity, source_shape, target_shape=None):
    with Network():
        source = Population("binary_spike_input", source_shape, name="src")
        target = Population("integrate_fire", target_shape, name="trg")
        return Connection(source, target, connectivity)


def test_conv_2d_rejects_flat_source_of_the_right_size():
    with pytest.raises(ValueError, match=r"Conv2D needs a 3-D .* 'src' has shape \(98,\)"):
        connect(Conv2D(random_kernel(3, 3, 2, 4), 4, 3), 98)


def test_conv_2d_rejects_wrong_target_shape():
    with pytest.raises(ValueError, match=r"gives shape \(5, 5, 4\), but target 'trg' has "
                                         r"shape \(100,\).*flatten=True"):
        connect(Conv2D(random_kernel(3, 3, 2, 4), 4, 3), (7, 7, 2), 100)


def test_conv_2d_rejects_wrong_channels():
    with pytest.raises(ValueError, match=r"expects 2 input channels but source 'src' has "
                                         r"shape \(7, 7, 3\)"):
        connect(Conv2D(random_kernel(3, 3, 2, 4), 4, 3), (7, 7, 3))


def test_conv_2d_rejects_kernel_larger_than_valid_image():
    with pytest.raises(ValueError, match=r"kernel does not fit source 'src' of shape "
                                         r"\(2, 2, 1\)"):
        connect(Conv2D(1.0, 4, 3), (2, 2, 1))


def test_conv_2d_transpose_and_depthwise_check_channels():
    with pytest.raises(ValueError, match=r"Conv2DTranspose.*expects 5 input channels"):
        connect(Conv2DTranspose(random_kernel(3, 3, 2, 5), 2, 3), (4, 4, 3))
    with pytest.raises(ValueError, match=r"DepthwiseConv2D.*expects 3 input channels"):
        connect(DepthwiseConv2D(random_kernel(3, 3, 3, 1), 3), (4, 4, 2))


@pytest.mark.parametrize("make,match", [
    (lambda: Conv2D(random_kernel(3, 3, 2, 4), 5, 3),
     r"Conv2D: weight must have shape \(kh, kw, cin, filters\) = \(3, 3, '\?', 5\), "
     r"received shape \(3, 3, 2, 4\)"),
    (lambda: Conv2D(random_kernel(3, 3, 2, 4), 4, 2), r"received shape \(3, 3, 2, 4\)"),
    (lambda: Conv2D(random_kernel(3, 3, 4), 4, 3), r"received shape \(3, 3, 4\)"),
    (lambda: Conv2D(1.0, 0, 3), r"filters must be a positive integer, received 0"),
    (lambda: Conv2D(1.0, 4, (3, 0)), r"conv_size must be .* received \(3, 0\)"),
    (lambda: Conv2D(1.0, 4, (3, 3, 3)), r"conv_size must be .* received \(3, 3, 3\)"),
    (lambda: Conv2D(1.0, 4, 2.5), r"conv_size must be .* received 2.5"),
    (lambda: Conv2D(1.0, 4, 3, conv_strides=0), r"conv_strides must be .* received 0"),
    (lambda: Conv2D(1.0, 4, 3, conv_padding="full"), r"conv_padding must be .* 'full'"),
    (lambda: Conv2D(1.0, 4, 3, conv_padding=((1, -1), (0, 0))),
     r"conv_padding must be .* \(\(1, -1\), \(0, 0\)\)"),
    (lambda: Conv2DTranspose(1.0, 4, 3, conv_padding=((1, 1), (0, 0))),
     r"Conv2DTranspose: conv_padding must be 'valid' or 'same'"),
    (lambda: Conv2DTranspose(random_kernel(3, 3, 2, 4), 4, 3),
     r"\(kh, kw, filters, cin\) = \(3, 3, 4, '\?'\)"),
    (lambda: DepthwiseConv2D(random_kernel(3, 3, 2, 2), 3),
     r"\(kh, kw, cin, depth_multiplier\) = \(3, 3, '\?', 1\)"),
    (lambda: DepthwiseConv2D(1.0, 3, depth_multiplier=0), r"depth_multiplier must be .*0"),
])
def test_constructor_errors_name_parameter_and_value(make, match):
    with pytest.raises(ValueError, match=match):
        make()


@pytest.mark.parametrize("make", [
    lambda d: Conv2D(1.0, 2, 3, delay=d),
    lambda d: Conv2DTranspose(1.0, 2, 3, delay=d),
    lambda d: DepthwiseConv2D(1.0, 3, delay=d),
])
def test_conv_rejects_per_synapse_delays(make):
    with pytest.raises(ValueError, match=r"(Conv2D|Conv2DTranspose|DepthwiseConv2D): "
                                         r"per-synapse delays are not supported"):
        make(np.ones((3, 3, 2, 2)))
    assert make(2).delay == 2

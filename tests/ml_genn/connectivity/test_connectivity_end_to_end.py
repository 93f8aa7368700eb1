"""SPEC section 4: BinarySpikeInput -> connectivity -> IntegrateFire (unreachable threshold,
readout "var"), compiled with InferenceCompiler(evaluate_timesteps=2): the readout is one
step's input and equals the Keras layer (or NumPy) output."""
import keras
import numpy as np
import pytest
from connectivity_harness import keras_reference, run_connectivity_test

from ml_genn.backend.connectivity import build_op
from ml_genn.connectivity import (
    AvgPool2D,
    AvgPoolConv2D,
    AvgPoolDense2D,
    Conv2D,
    Conv2DTranspose,
    Dense,
    DepthwiseConv2D,
    FixedProbability,
    OneToOne,
    Sparse,
)
from ml_genn.initializers import Normal

RNG = np.random.default_rng(2024)


def w(*shape):
    return RNG.uniform(-1.0, 1.0, shape).astype(np.float32)


def conv_case(strides, padding):
    kernel = w(3, 3, 2, 4)
    return (Conv2D(kernel, 4, 3, conv_strides=strides, conv_padding=padding), (9, 8, 2),
            keras_reference((keras.layers.Conv2D(4, 3, strides=strides, padding=padding,
                                                 use_bias=False), [kernel])))


def conv_transpose_case(strides, padding):
    kernel = w(3, 3, 4, 2)
    return (Conv2DTranspose(kernel, 4, 3, conv_strides=strides, conv_padding=padding),
            (5, 4, 2),
            keras_reference((keras.layers.Conv2DTranspose(4, 3, strides=strides,
                                                          padding=padding, use_bias=False),
                             [kernel])))


def avg_pool_case(padding):
    return (AvgPool2D(2, pool_padding=padding), (7, 8, 3),
            keras_reference(keras.layers.AveragePooling2D(2, padding=padding)))


def avg_pool_conv_case():
    kernel = w(3, 3, 2, 4)
    return (AvgPoolConv2D(kernel, 4, 2, 3, conv_padding="same"), (10, 9, 2),
            keras_reference(keras.layers.AveragePooling2D(2),
                            (keras.layers.Conv2D(4, 3, padding="same", use_bias=False),
                             [kernel])))


def avg_pool_dense_case():
    weight = w(4 * 4 * 2, 6)
    return (AvgPoolDense2D(weight, 2), (8, 9, 2),
            keras_reference(keras.layers.AveragePooling2D(2), keras.layers.Flatten(),
                            (keras.layers.Dense(6, use_bias=False), [weight])))


def dense_case():
    weight = w(30, 7)
    return (Dense(weight), (5, 6),
            keras_reference(keras.layers.Flatten(),
                            (keras.layers.Dense(7, use_bias=False), [weight])))


def one_to_one_case():
    weight = w(4, 5)
    return OneToOne(weight), (4, 5), lambda x: x * weight


def depthwise_case():
    kernel = w(3, 3, 3, 2)
    return (DepthwiseConv2D(kernel, 3, depth_multiplier=2, conv_strides=2,
                            conv_padding="same"), (7, 6, 3),
            keras_reference((keras.layers.DepthwiseConv2D(3, strides=2, padding="same",
                                                          depth_multiplier=2,
                                                          use_bias=False), [kernel])))


def sparse_case():
    pre, post = RNG.integers(0, 24, 80), RNG.integers(0, 10, 80)
    weight = w(80)
    matrix = np.zeros((24, 10))
    np.add.at(matrix, (pre, post), weight)
    return Sparse(pre, post, weight), (4, 6), lambda x: x.reshape(len(x), -1) @ matrix, 10


def fixed_probability_dense_case():
    weight = w(24, 10)
    return (FixedProbability(1.0, weight), (24,), lambda x: x @ weight, 10)


def fixed_probability_random_case():
    """p < 1: the reference redraws the synapses with default_rng(rng_seed=0), which assumes
    the compiler draws this (only) connection first from that generator."""
    fixed = FixedProbability(0.3, Normal(0.0, 1.0))

    def reference(x):
        pre, post, weight = build_op(fixed, "highest").synapses(np.random.default_rng(0))
        matrix = np.zeros((24, 10))
        np.add.at(matrix, (pre, post), weight)
        return x @ matrix
    return fixed, (24,), reference, 10


CASES = {
    "avg_pool_2d_valid": lambda: avg_pool_case("valid"),
    "avg_pool_2d_same": lambda: avg_pool_case("same"),
    "avg_pool_conv_2d": avg_pool_conv_case,
    "avg_pool_dense_2d": avg_pool_dense_case,
    "conv_2d_s1_valid": lambda: conv_case(1, "valid"),
    "conv_2d_s1_same": lambda: conv_case(1, "same"),
    "conv_2d_s2_valid": lambda: conv_case(2, "valid"),
    "conv_2d_s2_same": lambda: conv_case(2, "same"),
    "conv_2d_transpose_s1_valid": lambda: conv_transpose_case(1, "valid"),
    "conv_2d_transpose_s2_same": lambda: conv_transpose_case(2, "same"),
    "dense": dense_case,
    "one_to_one": one_to_one_case,
    "depthwise_conv_2d": depthwise_case,
    "sparse": sparse_case,
    "fixed_probability_p1": fixed_probability_dense_case,
    "fixed_probability_p03": fixed_probability_random_case,
}


@pytest.mark.parametrize("case", list(CASES))
def test_connectivity_end_to_end_matches_reference(case):
    connectivity, source_shape, reference, *target = CASES[case]()
    run_connectivity_test(connectivity, source_shape, reference, through="network",
                          target_shape=target[0] if target else None)

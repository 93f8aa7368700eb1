"""AvgPool2D, AvgPoolConv2D, AvgPoolDense2D and MaxPool2D against Keras 3, and errors."""
import jax.numpy as jnp
import keras
import numpy as np
import pytest
from connectivity_harness import keras_reference, run_connectivity_test

from ml_genn import Connection, Network, Population
from ml_genn.backend.connectivity import build_op
from ml_genn.connectivity import AvgPool2D, AvgPoolConv2D, AvgPoolDense2D, MaxPool2D
from ml_genn.connectivity.base_conv_2d import window_counts

RNG = np.random.default_rng(4321)


def random_weight(*shape):
    return RNG.uniform(-1.0, 1.0, shape).astype(np.float32)


POOLS = [(2, None), (3, None), (2, 1), (3, 2), ((2, 3), (1, 2))]


@pytest.mark.parametrize("flatten", [False, True])
@pytest.mark.parametrize("padding", ["valid", "same"])
@pytest.mark.parametrize("size,strides", POOLS)
@pytest.mark.parametrize("image", [(7, 7), (8, 6)])
def test_avg_pool_2d_matches_keras(image, size, strides, padding, flatten):
    run_connectivity_test(
        AvgPool2D(size, flatten=flatten, pool_strides=strides, pool_padding=padding),
        image + (3,),
        keras_reference(keras.layers.AveragePooling2D(size, strides=strides, padding=padding)))


def test_avg_pool_2d_same_divides_by_real_inputs():
    # rows of 5 with window 2 stride 2 and "same": the last window holds one real row
    counts = window_counts((5, 4), (2, 2), (2, 2), "same")
    np.testing.assert_array_equal(counts, [[4, 4], [4, 4], [2, 2]])
    counts = window_counts((4, 4), (3, 3), (1, 1), "same")
    assert counts[0, 0] == 4 and counts[1, 1] == 9 and counts[3, 0] == 4


@pytest.mark.parametrize("flatten", [False, True])
@pytest.mark.parametrize("pool_padding", ["valid", "same"])
@pytest.mark.parametrize("conv_padding", ["valid", "same"])
@pytest.mark.parametrize("conv_strides", [1, 2])
@pytest.mark.parametrize("pool_size,pool_strides", [(2, None), (3, 2)])
def test_avg_pool_conv_2d_matches_keras(pool_size, pool_strides, conv_strides, conv_padding,
                                        pool_padding, flatten):
    kernel = random_weight(3, 3, 2, 4)
    run_connectivity_test(
        AvgPoolConv2D(kernel, 4, pool_size, 3, flatten=flatten, pool_strides=pool_strides,
                      conv_strides=conv_strides, conv_padding=conv_padding,
                      pool_padding=pool_padding),
        (11, 9, 2),
        keras_reference(keras.layers.AveragePooling2D(pool_size, strides=pool_strides,
                                                      padding=pool_padding),
                        (keras.layers.Conv2D(4, 3, strides=conv_strides, padding=conv_padding,
                                             use_bias=False), [kernel])))


@pytest.mark.parametrize("pool_padding", ["valid", "same"])
@pytest.mark.parametrize("pool_size,pool_strides", [(2, None), (3, 2), (2, 1)])
def test_avg_pool_dense_2d_matches_keras(pool_size, pool_strides, pool_padding):
    pooled = keras.layers.AveragePooling2D(pool_size, strides=pool_strides,
                                           padding=pool_padding)
    n_pooled = int(np.prod(pooled.compute_output_shape((1, 7, 6, 3))[1:]))
    weight = random_weight(n_pooled, 5)
    run_connectivity_test(
        AvgPoolDense2D(weight, pool_size, pool_strides=pool_strides,
                       pool_padding=pool_padding),
        (7, 6, 3),
        keras_reference(pooled, keras.layers.Flatten(),
                        (keras.layers.Dense(5, use_bias=False), [weight])),
        expected_target_shape=(5,))


@pytest.mark.parametrize("flatten", [False, True])
@pytest.mark.parametrize("padding", ["valid", "same"])
@pytest.mark.parametrize("size,strides", POOLS)
@pytest.mark.parametrize("image", [(7, 7), (8, 6)])
def test_max_pool_matches_keras(image, size, strides, padding, flatten):
    with Network():
        source = Population("binary_spike_input", image + (2,), name="src")
        target = Population("integrate_fire", name="trg")
        conn = Connection(source, target, MaxPool2D(size, pool_strides=strides,
                                                    pool_padding=padding, flatten=flatten))
    values = RNG.normal(size=(3,) + image + (2,)).astype(np.float32)  # negatives too
    expected = np.asarray(keras.layers.MaxPooling2D(size, strides=strides,
                                                    padding=padding)(values))
    assert target.shape == ((expected[0].size,) if flatten else expected.shape[1:])
    op = build_op(conn.connectivity, "highest")
    assert op.prepare(np.random.default_rng(0)) == ()
    np.testing.assert_array_equal(np.asarray(op.max_pool(jnp.asarray(values))), expected)
    # apply() max-pools decoded values (the few-spike fast path), in the target's shape
    np.testing.assert_array_equal(np.asarray(op.apply((), jnp.asarray(values))),
                                  expected.reshape((3,) + target.shape))
    assert conn.connectivity.linear is False


@pytest.mark.parametrize("pads", [((1, 1), (0, 1)), ((-1, 0), (1, -2)), ((0, 0), (0, 0))])
def test_max_pool_explicit_padding_and_signs_match_keras(pads):
    """ZeroPadding2D/Cropping2D -> BatchNorm-like scale -> MaxPooling2D equals the signed
    max pool with explicit padding followed by the scale (the converter's rewrite)."""
    image, scale = (7, 6), np.array([2.0, -0.5], np.float32)
    with Network():
        source = Population("binary_spike_input", image + (2,), name="src")
        target = Population("integrate_fire", name="trg")
        conn = Connection(source, target, MaxPool2D(3, pool_strides=2, pool_padding=pads,
                                                    signs=np.sign(scale)))
    values = np.abs(RNG.normal(size=(3,) + image + (2,))).astype(np.float32)  # ReLU output
    (t, b), (lft, r) = pads
    x = values[:, max(-t, 0):image[0] - max(-b, 0), max(-lft, 0):image[1] - max(-r, 0)]
    x = np.pad(x, ((0, 0), (max(t, 0), max(b, 0)), (max(lft, 0), max(r, 0)), (0, 0)))
    expected = np.asarray(keras.layers.MaxPooling2D(3, strides=2)(x * scale))
    op = build_op(conn.connectivity, "highest")
    got = np.asarray(op.max_pool(jnp.asarray(values))) * scale
    assert target.shape == expected.shape[1:]
    np.testing.assert_allclose(got, expected, rtol=1e-6)


def test_max_pool_signs_must_match_channels():
    with Network():
        source = Population("binary_spike_input", (4, 4, 3), name="src")
        target = Population("integrate_fire", name="trg")
        with pytest.raises(ValueError, match=r"2 signs given but source 'src' has 3"):
            Connection(source, target, MaxPool2D(2, signs=[1, -1]))


# --- errors -------------------------------------------------------------------------

def connect(connectivity, source_shape, target_shape=None):
    with Network():
        source = Population("binary_spike_input", source_shape, name="src")
        target = Population("integrate_fire", target_shape, name="trg")
        return Connection(source, target, connectivity)


@pytest.mark.parametrize("make", [lambda: AvgPool2D(2), lambda: MaxPool2D(2),
                                  lambda: AvgPoolDense2D(1.0, 2),
                                  lambda: AvgPoolConv2D(1.0, 2, 2, 3)])
def test_pooling_rejects_flat_source(make):
    name = type(make()).__name__
    with pytest.raises(ValueError, match=rf"{name} needs a 3-D .* 'src' has shape \(64,\)"):
        connect(make(), 64, 10)


def test_pooling_target_and_window_errors():
    with pytest.raises(ValueError, match=r"AvgPool2D from source 'src' \(shape \(8, 8, 2\)\) "
                                         r"gives shape \(4, 4, 2\), but target 'trg' has "
                                         r"shape \(4, 4, 3\)"):
        connect(AvgPool2D(2), (8, 8, 2), (4, 4, 3))
    with pytest.raises(ValueError, match=r"gives shape \(32,\), but target 'trg' has shape "
                                         r"\(4, 4, 2\)"):
        connect(AvgPool2D(2, flatten=True), (8, 8, 2), (4, 4, 2))
    with pytest.raises(ValueError, match=r"pooling window does not fit source 'src' of shape "
                                         r"\(2, 5, 1\)"):
        connect(MaxPool2D(3), (2, 5, 1))
    with pytest.raises(ValueError, match=r"kernel \(after pooling\) does not fit source 'src'"):
        connect(AvgPoolConv2D(1.0, 2, 2, 3), (4, 4, 1))
    with pytest.raises(ValueError, match=r"AvgPoolConv2D: the kernel expects 3 input channels "
                                         r"but source 'src' has shape \(8, 8, 2\)"):
        connect(AvgPoolConv2D(random_weight(3, 3, 3, 2), 2, 2, 3), (8, 8, 2))


def test_avg_pool_dense_2d_shape_errors():
    with pytest.raises(ValueError, match=r"weight has 31 rows but pooling source 'src' "
                                         r"\(shape \(8, 8, 2\)\) gives shape \(4, 4, 2\)"):
        connect(AvgPoolDense2D(random_weight(31, 3), 2), (8, 8, 2))
    with pytest.raises(ValueError, match=r"weight has 3 columns but target 'trg' has shape "
                                         r"\(4,\)"):
        connect(AvgPoolDense2D(random_weight(32, 3), 2), (8, 8, 2), 4)
    with pytest.raises(ValueError, match=r"needs a target shape \(population 'trg'\)"):
        connect(AvgPoolDense2D(1.0, 2), (8, 8, 2))
    with pytest.raises(ValueError, match=r"weight must have shape \(n_pooled, n_trg\)"):
        AvgPoolDense2D(random_weight(32), 2)


@pytest.mark.parametrize("make,match", [
    (lambda: AvgPool2D(0), r"AvgPool2D: pool_size must be .* received 0"),
    (lambda: AvgPool2D(2, pool_strides=(1, 0)), r"pool_strides must be .* \(1, 0\)"),
    (lambda: AvgPool2D(2, pool_padding="causal"), r"pool_padding must be 'valid' or 'same', "
                                                  r"received 'causal'"),
    (lambda: MaxPool2D(2, pool_padding=((1, 1), (1,))), r"MaxPool2D: pool_padding must be"),
    (lambda: MaxPool2D(2, signs=[1, 0]), r"MaxPool2D: signs must be .* \[1, 0\]"),
    (lambda: MaxPool2D(2, rate_rule="avg"), r"MaxPool2D: rate_rule must be one of .*'avg'"),
    (lambda: AvgPoolConv2D(random_weight(3, 3, 2, 4), 3, 2, 3), r"\(3, 3, '\?', 3\)"),
    (lambda: AvgPoolConv2D(1.0, 3, 2, 3, conv_padding="SAME!"), r"conv_padding must be"),
])
def test_pool_constructor_errors(make, match):
    with pytest.raises(ValueError, match=match):
        make()


@pytest.mark.parametrize("make", [
    lambda d: AvgPool2D(2, delay=d), lambda d: MaxPool2D(2, delay=d),
    lambda d: AvgPoolConv2D(1.0, 2, 2, 3, delay=d), lambda d: AvgPoolDense2D(1.0, 2, delay=d),
])
def test_pooling_rejects_per_synapse_delays(make):
    with pytest.raises(ValueError, match=r"per-synapse delays are not supported"):
        make(np.zeros((4, 4)))
    assert make(3).delay == 3

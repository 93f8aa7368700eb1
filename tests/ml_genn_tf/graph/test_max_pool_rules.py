"""Max pooling moved next to its activation (graph/max_pool.py): few-spike stays exact
for every rule (compared with the Keras model), also for max pooling of a linear value."""
import keras
import numpy as np
import pytest
from handler_harness import randomize, run_network

from ml_genn.connectivity import AvgPool2D, MaxPool2D
from ml_genn_tf.converters import FewSpike

L = keras.layers


def relu_conv(x, name="c"):
    return L.Conv2D(4, 3, padding="same", activation="relu", name=name)(x)


def negative_bn(name="bn"):
    """A BatchNormalization whose channels 1 and 3 have negative scales."""
    return L.BatchNormalization(name=name)


def set_negative_gammas(model, name="bn"):
    layer = model.get_layer(name)
    gamma, beta, mean, var = layer.get_weights()
    layer.set_weights([gamma * np.array([1, -1, 2, -0.5], np.float32), beta, mean, var])


def pad_pool(x):
    return L.MaxPooling2D(3, strides=2)(L.ZeroPadding2D(1)(relu_conv(x)))


def crop_pool(x):
    return L.MaxPooling2D(2)(L.Cropping2D(((1, 0), (0, 1)))(relu_conv(x)))


def bn_pool(x):
    return L.MaxPooling2D(2, padding="same")(negative_bn()(relu_conv(x)))


def bn_pad_pool(x):
    return L.MaxPooling2D(2)(L.ZeroPadding2D(((1, 0), (0, 1)))(
        L.Rescaling(np.array([1.0, -2.0, 0.5, -1.0], np.float32))(relu_conv(x))))


def concat_pool(x):
    return L.MaxPooling2D(2)(L.Concatenate()([relu_conv(x, "a"), relu_conv(x, "b")]))


def bn_then_pad_pool(x):
    """BN (with offset) then padding: the padded zeros are not BN's zeros, so the pooled
    value is treated as any linear value (max of relu(v) minus min of relu(-v))."""
    return L.MaxPooling2D(2)(L.ZeroPadding2D(1)(negative_bn()(relu_conv(x))))


def linear_pool(x):
    """Xception's pooled convolution (no activation), then a residual add."""
    h = L.MaxPooling2D(3, strides=2, padding="same")(L.Conv2D(4, 3, padding="same")(x))
    return L.Add()([h, L.Conv2D(4, 1, strides=2)(x)])


def global_max(x):
    return L.Reshape((1, 1, 4))(L.GlobalMaxPooling2D()(negative_bn()(relu_conv(x))))


CASES = {"zero_padding": pad_pool, "cropping": crop_pool, "negative_batch_norm": bn_pool,
         "rescaling_then_padding": bn_pad_pool, "concatenate": concat_pool,
         "global_max_pooling": global_max, "bn_then_padding": bn_then_pad_pool,
         "linear_value": linear_pool}


@pytest.mark.parametrize("case", sorted(CASES))
def test_few_spike_is_exact_where_max_commutes(case):
    x_in = keras.Input((7, 7, 2))
    y = L.Dense(3)(L.Flatten()(CASES[case](x_in)))
    model = randomize(keras.Model(x_in, y), seed=4)
    if "bn" in [layer.name for layer in model.layers]:
        set_negative_gammas(model)
    x = np.random.default_rng(5).uniform(0, 1, (16, 7, 7, 2)).astype(np.float32)
    (got,), (net, *_) = run_network(FewSpike(k=20, norm_data=x), model, x)
    pools = [c.connectivity for c in net.connections if isinstance(c.connectivity, MaxPool2D)]
    assert pools
    if case in ("negative_batch_norm", "global_max_pooling", "rescaling_then_padding"):
        assert all(list(p.signs) == [1, -1, 1, -1] for p in pools)
    if case in ("linear_value", "bn_then_padding"):
        assert sorted(p.signs is None for p in pools) == [False, True]   # a max and a min
    want = model.predict(x, verbose=0)
    np.testing.assert_allclose(got, want, atol=2e-4 * np.abs(want).max())


def test_pool_size_one_is_linear_subsampling():
    x_in = keras.Input((6, 6, 2))
    h = L.Conv2D(3, 3, padding="same")(x_in)          # linear: no activation
    y = L.Flatten()(L.MaxPooling2D(1, strides=2)(h))
    model = randomize(keras.Model(x_in, y), seed=1)
    x = np.random.default_rng(2).uniform(0, 1, (8, 6, 6, 2)).astype(np.float32)
    (got,), (net, *_) = run_network(FewSpike(k=16, norm_data=x), model, x)
    assert not any(isinstance(c.connectivity, MaxPool2D) for c in net.connections)
    np.testing.assert_allclose(got, model.predict(x, verbose=0), atol=1e-3)


def test_avg_pool_kind_for_subsampling_handler():
    x_in = keras.Input((6, 6, 2))
    model = keras.Model(x_in, L.MaxPooling2D(1, strides=2, padding="same")(x_in))
    net, *_ = FewSpike().convert(model)
    assert isinstance(net.connections[0].connectivity, AvgPool2D)

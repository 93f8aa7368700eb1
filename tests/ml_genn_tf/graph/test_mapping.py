"""graph/mapping.py: a table of small Keras models, the populations (kind, shape) and the
connections (class and key parameters) each maps to, and each converted model's few-spike
readouts against Keras (k=16: exact up to the quantisation); then the biases pushed
through a region, the softmax output's logits, and the problems the mapping reports."""
import keras
import numpy as np
import pytest
from handler_harness import randomize, run_network

from ml_genn.connectivity import (
    AvgPoolConv2D,
    AvgPoolDense2D,
    Chained,
    Conv2D,
    Dense,
    MaxPool2D,
    OneToOne,
    Pad2D,
)
from ml_genn_tf.converters import ExactSum, FewSpike
from ml_genn_tf.errors import ConversionError

L = keras.layers


def _model(shape, body):
    x = keras.Input(shape, name="x")
    return keras.Model(x, body(x))


def _residual(x):
    r1 = L.ReLU(name="r1")(x)
    r2 = L.ReLU(name="r2")(L.Add()([r1, L.Conv2D(2, 3, padding="same", name="c")(r1)]))
    return L.Conv2D(1, 1, name="out")(r2)


def _concatenated(x):
    a = L.Dense(3, activation="relu", name="a")(x)
    b = L.Dense(2, activation="relu", name="b")(x)
    return L.Dense(4, name="out")(L.Concatenate()([a, b]))


def _concatenated_image(x):
    a = L.Conv2D(2, 1, activation="relu", name="a")(x)
    b = L.Conv2D(3, 1, activation="relu", name="b")(x)
    return L.Concatenate(name="out")([a, b])


def _dense_block(x):
    """DenseNet: a ReLU and a convolution of it concatenated, then BatchNorm and ReLU."""
    r1 = L.ReLU(name="r1")(x)
    joined = L.Concatenate()([r1, L.Conv2D(3, 3, padding="same", name="c")(r1)])
    r2 = L.ReLU(name="r2")(L.BatchNormalization()(joined))
    return L.Conv2D(2, 1, name="out")(r2)


def _max_pooled(x):
    pooled = L.MaxPooling2D(2, name="mp")(L.ReLU(name="r")(x))
    return L.Dense(3, name="out")(L.Flatten()(pooled))


#: name -> (input shape, model body, {population: (kind, shape)},
#:          [(source, target, connectivity class, {key parameter: value})])
MODELS = {
    "dense_relu_dense": (
        (6,), lambda x: L.Dense(3, name="out")(L.Dense(5, activation="relu", name="h")(x)),
        {"x": ("input", (6,)), "h": ("relu", (5,)), "out": ("linear", (3,))},
        [("x", "h", Dense, {}), ("h", "out", Dense, {})]),
    "conv_bn_relu_pool_dense": (
        (6, 6, 1), lambda x: L.Dense(3, name="out")(L.Flatten()(L.AveragePooling2D(2)(
            L.ReLU(name="r")(L.BatchNormalization()(L.Conv2D(4, 3, name="c")(x)))))),
        {"x": ("input", (6, 6, 1)), "r": ("relu", (4, 4, 4)), "out": ("linear", (3,))},
        [("x", "r", Conv2D, {"filters": 4, "conv_size": (3, 3)}),
         ("r", "out", AvgPoolDense2D, {"pool_size": (2, 2)})]),
    "pool_conv": (
        (6, 6, 2), lambda x: L.Conv2D(3, 3, padding="same", name="out")(
            L.AveragePooling2D(2)(L.ReLU(name="r")(x))),
        {"x": ("input", (6, 6, 2)), "r": ("relu", (6, 6, 2)), "out": ("linear", (3, 3, 3))},
        [("x", "r", OneToOne, {}),
         ("r", "out", AvgPoolConv2D, {"pool_size": (2, 2), "conv_padding": "same"})]),
    "residual_add": (
        (4, 4, 2), _residual,
        {"x": ("input", (4, 4, 2)), "r1": ("relu", (4, 4, 2)), "r2": ("relu", (4, 4, 2)),
         "out": ("linear", (4, 4, 1))},
        [("x", "r1", OneToOne, {}), ("r1", "r2", OneToOne, {}),
         ("r1", "r2", Conv2D, {"conv_padding": "same"}),
         ("r2", "out", Conv2D, {"conv_size": (1, 1)})]),
    "concatenate_dense": (
        (6,), _concatenated,
        {"x": ("input", (6,)), "a": ("relu", (3,)), "b": ("relu", (2,)),
         "out": ("linear", (4,))},
        [("x", "a", Dense, {}), ("x", "b", Dense, {}), ("a", "out", Dense, {}),
         ("b", "out", Dense, {})]),
    "concatenate_output": (
        (3, 3, 2), _concatenated_image,
        {"x": ("input", (3, 3, 2)), "a": ("relu", (3, 3, 2)), "b": ("relu", (3, 3, 3)),
         "out": ("linear", (3, 3, 5))},
        [("x", "a", Conv2D, {"conv_size": (1, 1)}), ("x", "b", Conv2D, {"conv_size": (1, 1)}),
         ("a", "out", Pad2D, {"channel_padding": (0, 3)}),
         ("b", "out", Pad2D, {"channel_padding": (2, 0)})]),
    "dense_block": (
        (4, 4, 2), _dense_block,
        {"x": ("input", (4, 4, 2)), "r1": ("relu", (4, 4, 2)), "r2": ("relu", (4, 4, 5)),
         "out": ("linear", (4, 4, 2))},
        [("x", "r1", OneToOne, {}), ("r1", "r2", Chained, {}), ("r1", "r2", Chained, {}),
         ("r2", "out", Conv2D, {"conv_size": (1, 1)})]),
    "max_pool": (
        (4, 4, 2), _max_pooled,
        {"x": ("input", (4, 4, 2)), "r": ("relu", (4, 4, 2)), "mp": ("max_pool", (2, 2, 2)),
         "out": ("linear", (3,))},
        [("x", "r", OneToOne, {}), ("r", "mp", MaxPool2D, {"pool_size": (2, 2)}),
         ("mp", "out", Dense, {})]),
    "conv1d_as_height_one": (
        (8, 2), lambda x: L.Dense(2, name="out")(L.GlobalAveragePooling1D()(
            L.Conv1D(3, 3, activation="relu", name="c")(x))),
        {"x": ("input", (1, 8, 2)), "c": ("relu", (1, 6, 3)), "out": ("linear", (2,))},
        [("x", "c", Conv2D, {"conv_size": (1, 3)}),
         ("c", "out", AvgPoolDense2D, {"pool_size": (1, 6)})]),
    "reshape_then_conv": (
        (16,), lambda x: L.Conv2D(2, 3, name="out")(L.Reshape((4, 4, 1))(L.ReLU(name="r")(x))),
        {"x": ("input", (16,)), "r": ("relu", (4, 4, 1)), "out": ("linear", (2, 2, 2))},
        [("x", "r", OneToOne, {}), ("r", "out", Conv2D, {"filters": 2})]),
}


def _connections(mapped):
    return [(c.source, c.target, c.cls, c.params) for spec in mapped.populations.values()
            for c in spec.connections]


@pytest.mark.parametrize("name", sorted(MODELS))
def test_model_maps_to_its_populations_and_connections(name):
    shape, body, populations, connections = MODELS[name]
    model = randomize(_model(shape, body))
    mapped = ExactSum().map_model(model)
    assert {n: (s.kind, tuple(s.shape)) for n, s in mapped.populations.items()} == populations
    got = _connections(mapped)
    assert [(s, t, cls) for s, t, cls, _ in got] == [(s, t, cls) for s, t, cls, _ in connections]
    for (_, _, _, params), (source, target, _, expected) in zip(got, connections, strict=True):
        assert {k: params[k] for k in expected} == expected, (source, target)
    x = np.random.default_rng(5).uniform(0.0, 1.0, (16,) + shape).astype(np.float32)
    (got,), _ = run_network(FewSpike(k=16, norm_data=[x]), model, x)
    want = model.predict(x, verbose=0)
    np.testing.assert_allclose(got, want, atol=2e-3 * np.abs(want).max())


def test_ancestors_are_every_population_a_population_is_reached_from():
    mapped = ExactSum().map_model(_model((4,), _concatenated))
    assert mapped.ancestors("a") == {"x", "a"}
    assert mapped.ancestors("out") == {"x", "a", "b", "out"}


def test_bias_and_offsets_are_pushed_to_the_target():
    """Dense bias b, then Rescaling(2, offset=1), then Dense(W2, c): the target's bias is
    (2 b + 1) W2 + c."""
    model = randomize(_model((4,), lambda x: L.Dense(2, name="out")(
        L.Rescaling(2.0, offset=1.0)(L.Dense(3, name="d")(L.ReLU(name="r")(x))))))
    mapped = ExactSum().map_model(model)
    (b,), (w2, c) = model.get_layer("d").get_weights()[1:], model.get_layer("out").get_weights()
    np.testing.assert_allclose(mapped["out"].bias, (2 * b + 1) @ w2 + c, rtol=1e-6)
    assert mapped["r"].bias is None


def test_softmax_output_reads_the_logits():
    model = _model((5,), lambda x: L.Dense(3, activation="softmax", name="out")(
        L.Dense(4, activation="relu", name="h")(x)))
    spec = ExactSum().map_model(model)["out"]
    assert spec.kind == "softmax" and spec.is_output
    assert spec.keras_tensor is not model.get_layer("out").output  # the pre-softmax value


def test_softmax_inside_the_model_is_refused_by_name():
    model = _model((4,), lambda x: L.Dense(2)(L.Softmax(name="mid_softmax")(L.Dense(3)(x))))
    with pytest.raises(ConversionError, match=r"'mid_softmax' \(Softmax\): softmax is only "
                                              r"supported on a model output.*last layer"):
        ExactSum().map_model(model)


def test_a_channel_concatenation_branch_becomes_channel_padding_not_a_matrix():
    """Each branch of DenseNet's concatenation is placed among the channels by zero
    channels around it (Pad2D): no matrix, which would grow with channels squared."""
    mapped = ExactSum().map_model(randomize(_model((4, 4, 2), _dense_block)))
    chains = [c.build().steps for c in mapped["r2"].connections]
    assert [[type(s).__name__ for s in steps] for steps in chains] == \
        [["OneToOne", "Pad2D"], ["Conv2D", "Pad2D"]]
    assert [steps[-1].channel_padding for steps in chains] == [(0, 3), (2, 0)]


def _fan_out(x):
    """One Conv2D + BatchNormalization on two paths: into 'a' and, doubled, into 'b'."""
    y = L.BatchNormalization(name="bn")(L.Conv2D(3, 3, name="c")(L.ReLU(name="r")(x)))
    a = L.ReLU(name="a")(y)
    b = L.ReLU(name="b")(L.Rescaling(2.0)(y))
    return L.Dense(2, name="out")(L.Flatten()(L.Concatenate()([a, b])))


def test_the_mapping_holds_each_kernel_once_in_float32_and_folds_when_built():
    """The handlers keep Keras' float32 kernels (no float64 copy); a kernel folded with a
    BatchNorm on two paths is held by neither connection (a float64 copy per path held
    NASNetLarge's 85M weights four times): building folds it again, in float64, as the
    NumPy re-statement here does."""
    model = randomize(_model((6, 6, 2), _fan_out), seed=2)
    mapped = ExactSum().map_model(model)
    kernel = model.get_layer("c").get_weights()[0]
    assert mapped.graph["c"].op.kernel.dtype == np.float32
    np.testing.assert_array_equal(mapped.graph["c"].op.kernel, kernel)
    specs = [mapped[t].connections[0] for t in ("a", "b")]
    assert [(s.source, s.cls, s.weight) for s in specs] == [("r", Conv2D, None)] * 2
    assert all(s.chain is not None for s in specs)
    gamma, beta, mean, variance = (w.astype(np.float64)
                                   for w in model.get_layer("bn").get_weights())
    folded = kernel.astype(np.float64) * (gamma / np.sqrt(variance + 1e-3))
    for spec, factor in zip(specs, (1.0, 2.0), strict=True):
        assert spec.with_weights().weight.dtype == np.float64
        np.testing.assert_array_equal(spec.build(0.5).weight,
                                      (folded * factor * 0.5).astype(np.float32))

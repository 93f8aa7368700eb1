"""The graph walk (Sequential, Functional, nested, shared), the rewrite passes and the
handler registry."""
import keras
import numpy as np
import pytest
from handler_harness import randomize, run_handler_test

from ml_genn.connectivity import Conv2D
from ml_genn_tf.graph.lower import lower_layers
from ml_genn_tf.graph.ops import (
    AffineOp,
    Conv2DOp,
    InputOp,
    apply_op,
    conv2d,
    depthwise_conv2d,
)
from ml_genn_tf.graph.rewrite import rewrite
from ml_genn_tf.graph.walk import walk_model
from ml_genn_tf.handlers import LAYER_HANDLERS, register_handler, support_table

L = keras.layers


def test_sequential_walk():
    model = keras.Sequential([keras.Input((4, 4, 1)), L.Conv2D(2, 3, name="c"),
                              L.Flatten(name="f"), L.Dense(3, name="d")])
    graph = walk_model(model)
    assert list(graph.nodes)[1:] == ["c", "f", "d"]
    assert graph["d"].inputs == ["f"] and graph["d"].shape == (3,)
    assert graph.outputs == ["d"] and len(graph.inputs) == 1


def test_nested_models_are_walked_with_bound_inputs():
    inner_in = keras.Input((6,))
    inner = keras.Model(inner_in, L.Dense(4, name="inner_dense")(inner_in), name="inner")
    block = keras.Sequential([keras.Input((4,)), L.Dense(3, name="seq_dense")], name="block")
    x = keras.Input((6,), name="x")
    y = block(L.Add()([inner(x), inner(x)]))
    model = keras.Model(x, y)
    graph = walk_model(model)
    assert "inner/inner_dense" in graph.nodes and "inner/inner_dense_1" in graph.nodes
    assert graph.outputs == ["block/seq_dense"]
    run_handler_test(model)


def test_shared_layers_give_one_node_per_call():
    a, b = keras.Input((5,), name="a"), keras.Input((5,), name="b")
    shared = L.Dense(3, name="shared")
    model = keras.Model([a, b], L.Add()([shared(a), shared(b)]))
    graph = walk_model(model)
    assert {"shared#0", "shared#1"} <= set(graph.nodes)
    net, *_ = run_handler_test(model)
    assert len(net.connections) == 2


def test_nested_functional_model_as_an_output():
    inner_in = keras.Input((4,))
    inner = keras.Model(inner_in, L.Dense(2, name="d2")(inner_in), name="head")
    x = keras.Input((4,))
    run_handler_test(keras.Model(x, inner(L.Dense(4)(x))))


def test_rewrite_folds_into_new_arrays_and_leaves_the_layers_alone():
    model = randomize(keras.Sequential([keras.Input((5, 5, 2)), L.Rescaling(2.0, name="r"),
                                        L.Conv2D(3, 3, name="c"),
                                        L.BatchNormalization(name="bn")]))
    before = [w.copy() for w in model.get_weights()]
    graph = walk_model(model)
    assert lower_layers(graph) == []
    rewrite(graph)
    assert set(graph.nodes) == {graph.inputs[0], "c", "bn"}
    assert isinstance(graph[graph.inputs[0]].op, InputOp)
    assert graph[graph.inputs[0]].op.scale == 2.0
    assert not np.shares_memory(graph["c"].op.kernel, model.get_layer("c").kernel.numpy())
    # the chain's rule table folds BatchNorm into the kernel: one Conv2D, exact
    net, *_ = run_handler_test(model, randomize_weights=False)
    (conn,) = net.connections
    assert isinstance(conn.connectivity, Conv2D)
    for old, new in zip(before, model.get_weights(), strict=True):
        np.testing.assert_array_equal(old, new)


def test_batch_norm_after_an_activation_stays_an_affine_op():
    model = keras.Sequential([keras.Input((4,)), L.Dense(3, activation="relu"),
                              L.BatchNormalization(name="bn"), L.Dense(2)])
    graph = walk_model(model)
    lower_layers(graph)
    rewrite(graph)
    assert isinstance(graph["bn"].op, AffineOp)


def test_register_handler_refuses_duplicates():
    with pytest.raises(ValueError, match="already registered"):
        register_handler(keras.layers.Dense)(lambda layer, ctx: None)


def test_support_table_is_generated_from_the_registry():
    table = support_table()
    for cls in LAYER_HANDLERS:
        assert f"`{cls.__name__}`" in table
    assert "MaxPooling2D" in table and "spike_gate" in table


def test_subclassed_layers_overriding_call_are_not_matched():
    class Doubled(L.Dense):
        def call(self, x):
            return 2 * super().call(x)

    class Plain(L.Dense):
        pass
    from ml_genn_tf.handlers import find_handler
    assert find_handler(Doubled(2)) is None
    assert find_handler(Plain(2)) is LAYER_HANDLERS[L.Dense]


@pytest.mark.parametrize("layer", [
    keras.layers.Conv2D(4, 3, strides=2, padding="same", use_bias=False),
    keras.layers.Conv2D(4, (3, 1), padding="valid", use_bias=False),
    keras.layers.DepthwiseConv2D(3, depth_multiplier=2, padding="same", use_bias=False),
], ids=["conv_same_strided", "conv_valid", "depthwise"])
def test_convolutions_of_a_zero_input_skip_the_products_with_keras_shapes(layer):
    """The mapping evaluates every chain's constant on zeros; the shortcut must give
    Keras' output shape (and zeros)."""
    x = np.zeros((2, 7, 6, 3))
    want = np.asarray(layer(x.astype(np.float32)))
    cfg = layer.get_config()
    kernel = layer.get_weights()[0].astype(np.float64)
    evaluate = depthwise_conv2d if isinstance(layer, keras.layers.DepthwiseConv2D) \
        else conv2d
    got = evaluate(x, kernel, cfg["strides"], cfg["padding"])
    assert got.shape == want.shape and got.dtype == np.float64 and not np.any(got)
    ones = evaluate(x + 1.0, kernel, cfg["strides"], cfg["padding"])
    np.testing.assert_allclose(ones, np.asarray(layer(x.astype(np.float32) + 1)),
                               rtol=1e-5, atol=1e-5)


def test_weighted_ops_compute_in_float64_from_float32_kernels_and_inputs():
    """The ops hold float32 kernels as Keras does; apply_op still computes a weighted op
    in float64 (the derived calibration values and the biases pushed through chains),
    and in float32 only when asked (the k check's float32 pass)."""
    rng = np.random.default_rng(0)
    x = rng.uniform(-1, 1, (2, 5, 5, 3)).astype(np.float32)
    kernel = rng.uniform(-1, 1, (3, 3, 3, 4)).astype(np.float32)
    op = Conv2DOp(kernel, None, (1, 1), "same")
    got = apply_op(op, [x])
    assert got.dtype == np.float64
    np.testing.assert_array_equal(got, conv2d(x.astype(np.float64), kernel.astype(np.float64),
                                              (1, 1), "same"))
    assert apply_op(op, [x], float64=False).dtype == np.float32

"""Exact-sum tests of Add and Concatenate."""
import keras
from handler_harness import run_handler_test

L = keras.layers


def kinds(net):
    return sorted(type(c.connectivity).__name__ for c in net.connections)


def test_add_gives_one_connection_per_branch():
    x = keras.Input((6, 6, 2))
    y = L.Add()([L.Conv2D(3, 3, padding="same")(x), L.Conv2D(3, 1)(x)])
    net, *_ = run_handler_test(keras.Model(x, y))
    assert kinds(net) == ["Conv2D", "Conv2D"]


def test_add_with_identity_shortcut_at_the_output():
    x = keras.Input((4, 4, 2))
    y = L.Add()([L.Conv2D(2, 3, padding="same")(x), x])
    net, *_ = run_handler_test(keras.Model(x, y))
    assert kinds(net) == ["Conv2D", "OneToOne"]


def test_add_before_pooling():
    x = keras.Input((6, 6, 2))
    y = L.Add()([L.Conv2D(3, 3, padding="same")(x), L.Conv2D(3, 3, padding="same")(x)])
    y = L.Dense(4)(L.Flatten()(L.AveragePooling2D(2)(y)))
    run_handler_test(keras.Model(x, y))


def test_concatenate_splits_the_next_kernel():
    a, b = keras.Input((5, 5, 2), name="a"), keras.Input((5, 5, 3), name="b")
    y = L.Conv2D(4, 3, padding="same")(L.Concatenate()([a, b]))
    net, inputs, *_ = run_handler_test(keras.Model([a, b], y))
    assert kinds(net) == ["Conv2D", "Conv2D"]
    assert [p.name for p in inputs] == ["a", "b"]


def test_concatenate_flatten_dense():
    a, b = keras.Input((3, 3, 2)), keras.Input((3, 3, 1))
    y = L.Dense(4)(L.Flatten()(L.Concatenate()([a, b])))
    net, *_ = run_handler_test(keras.Model([a, b], y))
    assert kinds(net) == ["Dense", "Dense"]


def test_concatenate_at_the_output():
    a, b = keras.Input((4,)), keras.Input((3,))
    net, *_ = run_handler_test(keras.Model([a, b], L.Concatenate()([a, b])))
    assert kinds(net) == ["Sparse", "Sparse"]

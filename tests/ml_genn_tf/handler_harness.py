"""Shared harness of the converter tests: tiny Keras models with random weights,
converted and run, compared with Keras (SPEC section 4's exact-sum method)."""
from __future__ import annotations

from typing import Any

import keras
import numpy as np

from ml_genn_tf.converters import ExactSum

ATOL = 1e-4


def randomize(model: keras.Model, seed: int = 0, scale: float = 0.5) -> keras.Model:
    """Give every weight of ``model`` random values (positive variances for BN)."""
    rng = np.random.default_rng(seed)
    for variable in model.weights:
        shape = tuple(variable.shape)
        if "variance" in variable.path:
            value = rng.uniform(0.5, 1.5, shape)
        elif "gamma" in variable.path:
            value = rng.uniform(0.5, 1.5, shape)
        else:
            value = rng.normal(0.0, scale, shape)
        variable.assign(value.astype(np.float32))
    return model


def random_input(shape: tuple, n: int = 6, seed: int = 1, signed: bool = True) -> np.ndarray:
    """Random inputs in {-1, 0, 1} (or {0, 1})."""
    rng = np.random.default_rng(seed)
    return rng.integers(-1 if signed else 0, 2, size=(n,) + tuple(shape)).astype(np.float32)


def softmax(x: np.ndarray) -> np.ndarray:
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def run_network(converter: Any, model: Any, x: Any, batch_size: int = 8) -> tuple:
    """Convert ``model`` with ``converter`` and predict ``x``; returns (readouts of the
    outputs reshaped to Keras' output shapes, the converter's 4-tuple)."""
    result = converter.convert(model)
    net, inputs, outputs, _ = result
    xs = x if isinstance(x, list) else [x]
    compiled = converter.create_compiler(batch_size=batch_size).compile(net)
    data = {pop: np.asarray(v, np.float32).reshape((len(v),) + pop.shape)
            for pop, v in zip(inputs, xs, strict=True)}
    with compiled:
        out, _ = compiled.predict(data, outputs, callbacks=[])
    shapes = [tuple(converter.mapped[p.name].keras_shape) for p in outputs]
    readouts = [np.asarray(out[p]).reshape((-1,) + s) for p, s in zip(outputs, shapes, strict=True)]
    return readouts, result


def run_handler_test(model: keras.Model, x: Any = None, seed: int = 0,
                     atol: float = ATOL, randomize_weights: bool = True,
                     output_softmax: bool = False) -> tuple:
    """Convert ``model`` with :class:`~ml_genn_tf.converters.ExactSum` and check that the
    readout equals the Keras output (before a softmax output activation: with
    ``output_softmax`` the softmax of the readout is compared) on random inputs in
    {-1, 0, 1}.

    Returns:
        The converter's 4-tuple ``(network, inputs, outputs, layer_to_population)``.
    """
    if randomize_weights:
        randomize(model, seed)
    if x is None:
        x = [random_input(tuple(t.shape[1:]), seed=seed + 1) for t in model.inputs]
        x = x[0] if len(x) == 1 else x
    readouts, result = run_network(ExactSum(), model, x)
    expected = model.predict(x, verbose=0)
    expected = expected if isinstance(expected, list) else [expected]
    for got, want in zip(readouts, expected, strict=True):
        got = softmax(got) if output_softmax else got
        np.testing.assert_allclose(got, want, atol=atol, rtol=1e-4)
    return result

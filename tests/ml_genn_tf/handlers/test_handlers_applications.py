"""Exact-sum test of the keras.applications layers with handlers (CustomScaleLayer)."""
import keras
import pytest
from handler_harness import run_handler_test
from ml_genn.connectivity import Chained, Dense

from ml_genn_tf.handlers.applications import CustomScaleLayer

L = keras.layers


@pytest.mark.skipif(CustomScaleLayer is None, reason="this Keras has no CustomScaleLayer")
def test_custom_scale_layer_scales_the_residual():
    x = keras.Input((6,))
    y = CustomScaleLayer(scale=0.17)([L.Dense(4)(x), L.Dense(4)(x)])
    net, *_ = run_handler_test(keras.Model(x, L.Dense(3)(y)))
    assert [type(c.connectivity) for c in net.connections] in ([Dense, Dense],
                                                              [Chained, Chained])

"""Exact-sum tests of the keras.applications layers with handlers (CustomScaleLayer),
matched by class name: Keras' own class (wherever this Keras defines it), a user's class
of that name computing the same (a Keras 2 model loaded with ``custom_objects``), and
one computing something else (refused)."""
import importlib

import keras
import pytest
from handler_harness import run_handler_test

from ml_genn.connectivity import Chained, Dense
from ml_genn_tf.errors import ConversionError
from ml_genn_tf.handlers import NAMED_HANDLERS, find_handler, support_table
from ml_genn_tf.handlers.applications import convert_custom_scale_layer

L = keras.layers


def _keras_custom_scale_layer():
    """Keras' own class: built by InceptionResNetV2's module, wherever it lives."""
    for module in ("keras.src.applications.inception_resnet_v2",
                   "keras.applications.inception_resnet_v2"):
        try:
            cls = getattr(importlib.import_module(module), "CustomScaleLayer", None)
        except ImportError:
            continue
        if cls is not None:
            return cls
    pytest.skip("this Keras defines no CustomScaleLayer")


class CustomScaleLayer(L.Layer):  # a Keras 2 era user's definition, same semantics
    def __init__(self, scale, **kwargs):
        super().__init__(**kwargs)
        self.scale = scale

    def get_config(self):
        return dict(super().get_config(), scale=self.scale)

    def call(self, inputs):
        return inputs[0] + self.scale * inputs[1]


def _model(cls, **kwargs):
    x = keras.Input((6,))
    y = cls(**kwargs)([L.Dense(4)(x), L.Dense(4)(x)])
    return keras.Model(x, L.Dense(3)(y))


@pytest.mark.parametrize("source", ("keras", "user"))
def test_custom_scale_layer_scales_the_residual(source):
    cls = _keras_custom_scale_layer() if source == "keras" else CustomScaleLayer
    model = _model(cls, scale=0.17)
    assert find_handler(model.layers[3]) is convert_custom_scale_layer
    net, *_ = run_handler_test(model)
    assert [type(c.connectivity) for c in net.connections] in ([Dense, Dense],
                                                              [Chained, Chained])


def test_a_custom_scale_layer_computing_something_else_is_refused():
    class Subtracting(CustomScaleLayer):
        def call(self, inputs):
            return inputs[0] - self.scale * inputs[1]
    Subtracting.__name__ = "CustomScaleLayer"
    from ml_genn_tf.converters import ExactSum
    model = _model(Subtracting, scale=0.5, name="odd_scale")
    with pytest.raises(ConversionError, match=r"'odd_scale' \(CustomScaleLayer\).*does not "
                                              r"compute inputs\[0\] \+ scale \* inputs\[1\]"):
        ExactSum().convert(model)


def test_named_handlers_are_in_the_support_table():
    assert "CustomScaleLayer" in NAMED_HANDLERS
    assert "| `CustomScaleLayer` | `convert_custom_scale_layer` |" in support_table()

"""graph/keras_ops.py: the convolutions run by Keras equal the float64 NumPy evaluation
of graph/ops.py (every padding form, strides, depth multiplier, bias and activation)."""
import numpy as np
import pytest

from ml_genn_tf.graph.keras_ops import apply_op_float32
from ml_genn_tf.graph.ops import ActivationOp, Conv2DOp, DepthwiseConv2DOp, apply_op

RNG = np.random.default_rng(8)


def _conv(shape, **kwargs):
    return Conv2DOp(RNG.normal(size=shape), **kwargs)


def _depthwise(shape, **kwargs):
    return DepthwiseConv2DOp(RNG.normal(size=shape), **kwargs)


OPS = {
    "valid": _conv((3, 3, 3, 4)),
    "same_strided": _conv((3, 3, 3, 4), strides=(2, 2), padding="same"),
    "explicit": _conv((3, 2, 3, 4), strides=(2, 1), padding=((1, 2), (0, 1))),
    "bias_relu": _conv((1, 1, 3, 5), bias=RNG.normal(size=5), activation=ActivationOp("relu")),
    "depthwise_same": _depthwise((3, 3, 3, 2), strides=(2, 2), padding="same"),
    "depthwise_explicit": _depthwise((3, 3, 3, 1), padding=((1, 1), (1, 1)),
                                     bias=RNG.normal(size=3)),
}


@pytest.mark.parametrize("name", sorted(OPS))
def test_keras_convolutions_equal_the_numpy_evaluation(name):
    op = OPS[name]
    x = RNG.normal(size=(5, 7, 6, 3))
    float32 = op._replace(**{k: v.astype(np.float32) for k, v in op._asdict().items()
                             if isinstance(v, np.ndarray)})
    got = apply_op_float32(float32, [x.astype(np.float32)])
    assert got.dtype == np.float32
    np.testing.assert_allclose(got, apply_op(op, [x]), rtol=1e-4, atol=1e-4)


def test_float64_values_keep_the_numpy_evaluation():
    op, x = OPS["valid"], RNG.normal(size=(2, 5, 5, 3))
    np.testing.assert_array_equal(apply_op_float32(op, [x]), apply_op(op, [x]))

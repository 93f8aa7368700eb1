""":func:`~ml_genn_tf.graph.ops.apply_op` with the convolutions run by Keras' own ops
(the backend's optimised kernels) wherever the values and weights are float32, for the
few-spike k check's quantised forward passes. NumPy's window-and-tensordot convolutions,
exact in float64, took 35 s of Xception's 133 s conversion (2 busy CPU cores); every
other op is evaluated by ``apply_op``.
"""
from __future__ import annotations

from typing import Any

import keras
import numpy as np

from .ops import Conv2DOp, DepthwiseConv2DOp, apply_activation, apply_op, pad_or_crop


def apply_op_float32(op: Any, inputs: list[np.ndarray]) -> np.ndarray:
    """``apply_op(op, inputs)``, a Conv2D or DepthwiseConv2D of float32 values and
    weights computed by Keras (float32 result).

    Example:
        >>> x = np.arange(16, dtype=np.float32).reshape(1, 4, 4, 1)
        >>> op = Conv2DOp(np.ones((2, 2, 1, 1), np.float32), strides=(2, 2))
        >>> apply_op_float32(op, [x])[0, :, :, 0].tolist()
        [[10.0, 18.0], [42.0, 50.0]]
    """
    x = inputs[0]
    if not (isinstance(op, (Conv2DOp, DepthwiseConv2DOp)) and x.dtype == np.float32
            and op.kernel.dtype == np.float32):
        return apply_op(op, inputs, float64=False)
    padding = op.padding
    if not isinstance(padding, str):
        x, padding = pad_or_crop(x, padding), "valid"
    conv = keras.ops.conv if isinstance(op, Conv2DOp) else keras.ops.depthwise_conv
    y = np.asarray(keras.ops.convert_to_numpy(
        conv(x, op.kernel, strides=tuple(op.strides), padding=padding)), np.float32)
    if op.bias is not None:
        y = y + op.bias
    return y if op.activation is None else apply_activation(op.activation, y)

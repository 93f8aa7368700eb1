"""Helpers shared by the handlers: activations, weights and settings checks."""
from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import InvalidLayer, UnsupportedLayer
from ..graph.ops import ActivationOp

#: Keras activation names with a spiking equivalent, and what they become.
ACTIVATIONS = {
    "relu": ActivationOp("relu"),
    "relu6": ActivationOp("relu", 6.0),
    "softmax": ActivationOp("softmax"),
    "linear": None,
}


def activation_name(value: Any) -> str:
    """The name of a serialised Keras activation (a string, or a config dict)."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        config = value.get("config", value)
        return str(config.get("name", value.get("class_name", value)))
    return getattr(value, "__name__", str(value))


def parse_activation(layer: Any, value: Any) -> ActivationOp | None:
    """The :class:`ActivationOp` of a layer's ``activation`` setting (None: linear)."""
    name = activation_name(value)
    if name in ACTIVATIONS:
        return ACTIVATIONS[name]
    raise UnsupportedLayer(layer, f"activation='{name}' has no spiking equivalent",
                           "Use 'relu' (or ReLU(max_value)) for hidden layers and "
                           "'softmax' or 'linear' for outputs, and retrain.")


def check_channels_last(layer: Any, config: dict) -> None:
    fmt = config.get("data_format", "channels_last")
    if fmt not in (None, "channels_last"):
        raise UnsupportedLayer(layer, f"data_format='{fmt}' is not supported",
                               "Use data_format='channels_last' (the Keras default), "
                               "which matches the row-major HWC layout of populations.")


def exact_dtype(array: np.ndarray) -> type:
    """float32 for values that float32 holds exactly (float16, bfloat16 and float32
    arrays), else float64.

    Example:
        >>> exact_dtype(np.zeros(2, np.float16)).__name__, exact_dtype(np.zeros(2)).__name__
        ('float32', 'float64')
    """
    return np.float32 if array.dtype.kind in "fV" and array.dtype.itemsize <= 4 \
        else np.float64


def weights(layer: Any, names: list[str], dtype: type | None = np.float64
            ) -> dict[str, np.ndarray]:
    """``layer.get_weights()`` by name, checked to be finite, as ``dtype`` arrays (None:
    as :func:`exact_dtype` says, so that a float32 kernel is not held in float64, twice
    its size; what is computed from it, such as a folded kernel, is computed in
    float64)."""
    values = layer.get_weights()
    if len(values) < len(names):
        raise UnsupportedLayer(layer, f"it has {len(values)} weight arrays, expected "
                               f"{len(names)} ({', '.join(names)})",
                               "Quantized or LoRA layers are not supported: merge or "
                               "dequantize the weights first.")
    out = {}
    for name, value in zip(names, values, strict=False):  # extra arrays are unused
        stored = np.asarray(value)
        array: np.ndarray = stored.astype(dtype or exact_dtype(stored), copy=False)
        bad = int(np.size(array) - np.count_nonzero(np.isfinite(array)))
        if bad:
            raise InvalidLayer(layer, f"{name} contains {bad} NaN or infinite value(s) "
                               f"(of {array.size})", "Fix or retrain the weights.")
        out[name] = array
    return out


def pair(value: Any) -> tuple[int, int]:
    if isinstance(value, (list, tuple)):
        return int(value[0]), int(value[-1])
    return int(value), int(value)

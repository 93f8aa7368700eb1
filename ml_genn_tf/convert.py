"""``convert_model``: one call from a Keras model to a runnable spiking network."""
from __future__ import annotations

import inspect
import os
from typing import Any

import keras

from .converted_model import ConvertedModel
from .converters import DataNorm, FewSpike, Simple, SpikeNorm
from .converters.converter import load_keras_model

#: Method name -> converter class.
METHODS = {"few_spike": FewSpike, "data_norm": DataNorm, "simple": Simple,
           "spike_norm": SpikeNorm}
#: Default timesteps of the rate-coded methods.
DEFAULT_TIMESTEPS = 500
#: Default batch size of the compiled network.
DEFAULT_BATCH_SIZE = 128


def convert_model(model: keras.Model | str | os.PathLike[str], method: str = "few_spike",
                  data: Any = None,
                  **options: Any) -> ConvertedModel:
    """Convert a Keras model into a spiking network ready to evaluate.

    Args:
        model: a Keras Sequential/Functional model, or a path to a ``.keras`` or legacy
            ``.h5`` file. It is not changed.
        method: ``"few_spike"`` (default), ``"data_norm"``, ``"simple"`` or
            ``"spike_norm"``.
        data: calibration inputs (``norm_data``): a NumPy array, an ``(x, y)`` tuple, a
            ``tf.data.Dataset`` or an iterable of batches. Needed by ``data_norm`` and
            ``spike_norm``; gives ``few_spike`` its alphas; ignored by ``simple``.
        **options: converter options (e.g. ``k``, ``evaluate_timesteps`` (default 500),
            ``signed_input``, ``input_type``, ``mode``, ``percentile``, ``reset``,
            ``readout``, ``max_pool``) and compiler options (``batch_size`` (default 128),
            ``dt``, ``rng_seed``, ``precision``, ...).

    Returns:
        A :class:`~ml_genn_tf.converted_model.ConvertedModel`.

    Raises:
        ValueError: an unknown method, or a method that needs data without it.
        TypeError: an unknown option.
        ConversionError: the model cannot be converted (every problem listed).

    Example:
        >>> import keras, numpy as np
        >>> model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3, "relu"),
        ...                           keras.layers.Dense(2)])
        >>> snn = convert_model(model, "few_spike", data=np.random.rand(16, 4), k=8)
        >>> snn.predict(np.random.rand(5, 4)).shape
        (5, 2)
    """
    if method not in METHODS:
        raise ValueError(f"Unknown conversion method {method!r}; choose one of "
                         f"{sorted(METHODS)}.")
    cls = METHODS[method]
    accepted = set(inspect.signature(cls).parameters)
    converter_options = {k: v for k, v in options.items() if k in accepted}
    compiler_options = {k: v for k, v in options.items() if k not in accepted}
    if "evaluate_timesteps" in accepted:
        converter_options.setdefault("evaluate_timesteps", DEFAULT_TIMESTEPS)
    if data is not None and "norm_data" in accepted:
        if "norm_data" in converter_options:
            raise TypeError("Pass the calibration data once: data= or norm_data=.")
        converter_options["norm_data"] = data
    if method in ("data_norm", "spike_norm") and converter_options.get("norm_data") is None:
        raise ValueError(f"method={method!r} needs calibration data: pass data=...")
    compiler_options.setdefault("batch_size", DEFAULT_BATCH_SIZE)
    converter = cls(**converter_options)
    compiler = converter.create_compiler(**compiler_options)
    keras_model = load_keras_model(model)
    network, inputs, outputs, layer_pops = converter.convert(keras_model)
    return ConvertedModel(keras_model, converter, network, inputs, outputs, layer_pops,
                          compiler, method)

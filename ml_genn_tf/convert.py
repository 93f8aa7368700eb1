"""``convert_model``: one call from a Keras model to a runnable spiking network."""
from __future__ import annotations

import os
from typing import Any

import keras

from .converted_model import ConvertedModel
from .converters import QCFS
from .converters.qcfs import quantisation_levels
from .keras_model_file import load_keras_model
from .options import METHODS, method_options, split_options

#: Default timesteps of the rate-coded methods.
DEFAULT_TIMESTEPS = 500
#: Default batch size of the compiled network.
DEFAULT_BATCH_SIZE = 128
#: ``convert_model``'s own defaults (**ours**) where the mlGeNN-compatible converter
#: classes keep mlGeNN's: the most accurate measured choices, by method. Few-spike rounds
#: to the nearest code (``FewSpike``'s docstring gives the figures). ``data_norm`` and
#: ``spike_norm`` take integrate-and-fire (current) input rather than Poisson spikes
#: (unsigned input only: signed input keeps signed Poisson spikes); ``simple`` keeps
#: Poisson input, which its unnormalised weights need (MNIST CNN, T=200, first 300 test
#: images: Poisson 95.67%, current input 87.33%); ``data_norm`` also starts every neuron at
#: half its threshold and, up to T = :data:`SIMULATED_DEFAULTS_MAX_TIMESTEPS`, calibrates
#: the initial potentials layer by layer (Li et al. 2021) and delays the readout by the
#: automatic estimate, both on the first 256 calibration examples (Li et al. use 1,024:
#: a quarter of the cost; Fashion ResNet at T=32, 1,000 test images: 90.40% with 1,024,
#: 90.30% with 128) (``bench/latency.py``; the figures are in
#: :class:`~ml_genn_tf.converters.DataNorm`'s docstring and the README).
METHOD_DEFAULTS: dict[str, dict[str, Any]] = {
    "few_spike": {"rounding": "nearest"},
    "data_norm": {"input_type": "if", "initial_potential": 0.5, "calibration": "potential",
                  "readout_delay": "auto", "calibration_examples": 256},
    "simple": {},
    "spike_norm": {"input_type": "if"},
}
#: ``data_norm`` with ``reset="zero"`` (mlGeNN's reset, the one NIR states) keeps to what
#: NIR can state: neurons start at 0, the output is read every step and the layer-wise
#: calibration goes into the biases.
ZERO_RESET_DEFAULTS: dict[str, Any] = {"initial_potential": 0.0, "calibration": "bias",
                                       "readout_delay": 0}
#: Above this ``evaluate_timesteps``, ``data_norm`` leaves out by default the options
#: that simulate the SNN while converting (:data:`LONG_RUN_DEFAULTS`): there they no
#: longer pay (the shipped MNIST CNN and Fashion ResNet at T=128 and 500 are as accurate
#: without them: README, "Low-latency rate conversion"), and they cost levels x T x
#: examples simulated steps (ResNet50: about 50 levels).
SIMULATED_DEFAULTS_MAX_TIMESTEPS = 64
#: ``data_norm``'s defaults above :data:`SIMULATED_DEFAULTS_MAX_TIMESTEPS`.
LONG_RUN_DEFAULTS: dict[str, Any] = {"calibration": None, "readout_delay": 0}


def convert_model(model: keras.Model | str | os.PathLike[str], method: str | None = None,
                  data: Any = None,
                  **options: Any) -> ConvertedModel:
    """Convert a Keras model into a spiking network ready to evaluate.

    The methods take the measured best defaults of :data:`METHOD_DEFAULTS` (few-spike:
    rounding to the nearest code; rate methods: integrate-and-fire input; ``data_norm``
    also half-threshold initial potentials and, up to T=64 where they pay, layer-wise
    potential calibration and an automatically delayed readout) where the converter
    classes keep mlGeNN's; pass an option to override it.

    Every option is checked before anything runs (see :mod:`ml_genn_tf.options`): an
    unknown one raises a ``TypeError`` listing the valid ones; one that belongs to
    another method only (``k`` with ``data_norm``) is ignored with one warning, so one
    options dict serves a loop over methods.

    Args:
        model: a Keras Sequential/Functional model, or a path to a ``.keras`` or legacy
            ``.h5`` file. It is not changed.
        method: ``"few_spike"``, ``"data_norm"``, ``"simple"``, ``"spike_norm"`` or
            ``"qcfs"``. Default: ``"qcfs"`` for a model with
            :class:`~ml_genn_tf.layers.QuantisedReLU` layers (whose ``evaluate_timesteps``
            then defaults to their ``levels`` L), else ``"few_spike"``.
        data: calibration inputs (``norm_data``). Needed by ``data_norm`` and
            ``spike_norm``; gives ``few_spike`` its alphas; ignored by ``simple``.
            For a model with one input: a NumPy array, an ``(x, y)`` tuple, a
            ``tf.data.Dataset`` or an iterable of batches. For a model with several
            inputs: a dict of arrays by input name, or a list/tuple of one array per
            input in the model's input order (the Keras convention). A list is read so
            when its length equals the number of inputs and its arrays share their first
            dimension; otherwise it is mlGeNN's list of batches. Datasets and iterables
            yield batches ``x`` or ``(x, y)`` whose ``x`` is a dict by input name or a
            tuple/list of one array per input. NaN and inf are refused.
        **options: converter options (e.g. ``k``, ``evaluate_timesteps`` (default 500;
            ``timesteps`` for short), ``signed_input``, ``input_type``, ``mode``,
            ``percentile``, ``reset``, ``readout``, ``max_pool``, ``rounding`` (default
            ``"nearest"`` here, ``"floor"`` in ``FewSpike``), ``initial_potential``,
            ``channel_wise``, ``calibration``, ``readout_delay``,
            ``calibration_examples``; defaults here:
            :data:`METHOD_DEFAULTS`), compiler options
            (``batch_size`` (default 128), ``dt``, ``rng_seed``, ``precision``, ...) and
            ``progress`` (default True: a progress bar when calibration takes over 2 s).

    Returns:
        A :class:`~ml_genn_tf.converted_model.ConvertedModel`.

    Raises:
        ValueError: an unknown method, a method that needs data without it, calibration
            data with NaN or inf (naming the input and the first bad index), or a file
            that is not a Keras model (naming the file).
        TypeError: an unknown option (listing the valid ones).
        FileNotFoundError: a model path that does not exist.
        ConversionError: the model cannot be converted (every problem listed).

    Example:
        >>> import keras, numpy as np
        >>> model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3, "relu"),
        ...                           keras.layers.Dense(2)])
        >>> snn = convert_model(model, "few_spike", data=np.random.rand(16, 4), k=8)
        >>> snn.predict(np.random.rand(5, 4)).shape
        (5, 2)

        Two inputs: calibration data as one array per input, in input order (or a dict
        ``{"a": xa, "b": xb}``):

        >>> a, b = keras.Input((4,), name="a"), keras.Input((3,), name="b")
        >>> out = keras.layers.Dense(2)(keras.layers.Concatenate()([a, b]))
        >>> snn = convert_model(keras.Model([a, b], out), "data_norm", timesteps=20,
        ...                     data=[np.random.rand(16, 4), np.random.rand(16, 3)])
        >>> snn.predict([np.random.rand(5, 4), np.random.rand(5, 3)]).shape
        (5, 2)
    """
    keras_model = None
    if method is None:  # a model trained with QuantisedReLU converts with QCFS at T = L
        keras_model = load_keras_model(model)
        method = "qcfs" if quantisation_levels(keras_model) else "few_spike"
    split = split_options(method, options)
    converter_options, compiler_options = split.converter, split.compiler
    cls = METHODS[method]
    accepted = method_options(method).converter
    if "evaluate_timesteps" in accepted and cls is not QCFS:  # QCFS: T = L by default
        converter_options.setdefault("evaluate_timesteps", DEFAULT_TIMESTEPS)
    defaults = dict(METHOD_DEFAULTS.get(method, {}))
    if method == "data_norm" and converter_options.get("reset", "subtract") != "subtract":
        defaults.update(ZERO_RESET_DEFAULTS)
    timesteps = converter_options.get("evaluate_timesteps")
    if method == "data_norm" and isinstance(timesteps, (int, float)) and \
            timesteps > SIMULATED_DEFAULTS_MAX_TIMESTEPS:   # a bad value: DataNorm says so
        defaults.update(LONG_RUN_DEFAULTS)
    for name, value in defaults.items():
        if name == "input_type" and converter_options.get("signed_input"):
            continue        # integrate-and-fire input neurons cannot send negative values
        if name == "readout_delay" and converter_options.get("readout", "var") != "var":
            continue        # the delayed readout reads the output's membrane potential
        converter_options.setdefault(name, value)
    if data is not None and "norm_data" in accepted:
        if "norm_data" in converter_options:
            raise TypeError("Pass the calibration data once: data= or norm_data=.")
        converter_options["norm_data"] = data
    if method in ("data_norm", "spike_norm") and converter_options.get("norm_data") is None:
        raise ValueError(f"method={method!r} needs calibration data: pass data=...")
    compiler_options.setdefault("batch_size", DEFAULT_BATCH_SIZE)
    converter = cls(**converter_options)
    converter.progress = bool(split.common.get("progress", True))
    if keras_model is None:
        keras_model = load_keras_model(model)
    network, inputs, outputs, layer_pops = converter.convert(keras_model)
    compiler = converter.create_compiler(**compiler_options)  # QCFS: after convert
    return ConvertedModel(keras_model, converter, network, inputs, outputs, layer_pops,
                          compiler, method)

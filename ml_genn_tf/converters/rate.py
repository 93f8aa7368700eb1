"""What the rate-coded converters (Simple, DataNorm, SpikeNorm) share."""
from __future__ import annotations

import warnings
from typing import Any

import keras
import numpy as np

from ml_genn.compilers import InferenceCompiler
from ml_genn.connectivity.max_pool_2d import RATE_RULES
from ml_genn.neurons import (
    BinarySpikeInput,
    DirectInput,
    IntegrateFire,
    IntegrateFireInput,
    Neuron,
    PoissonInput,
)

from ..errors import Problem
from ..graph.mapping import MappedModel, PopulationSpec
from .converter import Converter
from .input_type import InputType

RESETS = ("subtract", "zero")
READOUTS = ("spike_count", "var")
#: ``max_pool`` choices: the rate rules of :class:`~ml_genn.connectivity.MaxPool2D`, or
#: ``"error"`` (refuse max pooling).
MAX_POOL_MODES = RATE_RULES + ("error",)
#: The default ``max_pool`` (the more accurate rule measured: see :class:`RateConverter`).
DEFAULT_MAX_POOL = "spike_gate"
#: Threshold of output neurons that never fire (``readout="var"``).
NEVER = float(np.finfo(np.float32).max)


def check_choice(value: Any, name: str, choices: tuple, owner: str) -> Any:
    if value not in choices:
        raise ValueError(f"{owner}: {name} must be one of {choices}, received {value!r}.")
    return value


class RateConverter(Converter):
    r"""Integrate-and-fire conversion, shared by Simple, DataNorm and SpikeNorm.

    Args:
        evaluate_timesteps: timesteps per example.
        signed_input: inputs may be negative (signed spikes).
        input_type: :class:`InputType` of the input neurons (default Poisson, mlGeNN's).
            :func:`~ml_genn_tf.convert_model` chooses ``"if"`` (integrate-and-fire
            input: a deterministic rate, no sampling noise) for DataNorm and SpikeNorm
            with unsigned inputs, being more accurate at every T measured: on the
            Fashion-MNIST ResNet without max pooling
            (``models/fashion_resnet_avgpool.keras``, DataNorm, no other option, first
            1,000 test images, ANN 92.70%; ``bench/latency.py``) Poisson gives 9.5% /
            49.8% / 73.1% at T = 16 / 32 / 64 and current input 9.5% / 61.5% / 85.3%;
            Poisson noise shrinks only as :math:`1/\sqrt{T}`. Simple (unnormalised
            weights) keeps Poisson input: MNIST CNN, T=200, first 300 test images,
            95.67% against current input's 87.33%.
        reset: **ours**, ``"subtract"`` (reset by subtraction, Rueckauer et al. 2017; the
            default) or ``"zero"`` (mlGeNN's reset to zero).
        readout: **ours**, the output readout: ``"var"`` (default: the output neurons
            never fire and their membrane potential, which integrates the logits and
            keeps negative ones, is read) or ``"spike_count"`` (mlGeNN: the output
            neurons fire, normalised like hidden ones, and their spikes are counted).
            Measured (10,000 test images, H100, KERAS_BACKEND=jax): MNIST CNN with
            DataNorm, Poisson input, T=500: var 99.25%, spike_count 99.24%; T=100:
            99.27% / 99.26%; IF input T=500: 99.21% / 99.21%; Fashion-MNIST ResNet
            (spike_gate max pooling) T=500: 88.71% / 88.73%. On a random residual net
            the var readout's correlation with the Keras logits was 0.997 against 0.939
            for spike counts (which saturate and tie). ``var`` needs no output
            statistics and never ties, hence the default.
        max_pool: **ours**, how MaxPooling2D is approximated (it has no exact
            rate-coded equivalent; FewSpike is exact). Each pooling population is an
            integrate-and-fire population (threshold 1, reset by subtraction) fed by
            :class:`~ml_genn.connectivity.MaxPool2D` with this rate rule:
            ``"spike_gate"`` (default: the spikes of the window's neuron with the
            highest count so far, Rueckauer et al. 2017) or ``"running_max"`` (it
            receives the increase of the window's largest spike count so far, so its
            spike count follows the max count exactly). ``"error"`` refuses
            MaxPooling2D. Measured on the shipped Fashion-MNIST ResNet (ANN 92.70%),
            first 1,000 test images, DataNorm calibrated on 10,000 training images,
            Poisson input (``python bench/max_pool_rules.py --limit 1000 --timesteps
            500`` and ``--timesteps 200``, 2 CPU cores): T=500 spike_gate 88.20%
            (argmax agreement with the ANN 91.7%), running_max 87.80% (92.2%); T=200
            spike_gate 88.20% (91.4%), running_max 88.30% (92.8%). The two are within
            a few images of each other; at the default T=500 gating was the more
            accurate, hence the default. A warning names the layers converted this
            way.
    """

    compiler_class: type[InferenceCompiler] = InferenceCompiler

    def __init__(self, evaluate_timesteps: int, signed_input: bool = False,
                 input_type: Any = InputType.POISSON, reset: str = "subtract",
                 readout: str = "var", max_pool: str = DEFAULT_MAX_POOL):
        owner = type(self).__name__
        if isinstance(evaluate_timesteps, bool) or int(evaluate_timesteps) != evaluate_timesteps \
                or int(evaluate_timesteps) <= 0:
            raise ValueError(f"{owner}: evaluate_timesteps must be a positive integer, "
                             f"received {evaluate_timesteps!r}.")
        self.evaluate_timesteps = int(evaluate_timesteps)
        self.signed_input = bool(signed_input)
        self.input_type = InputType(input_type)
        self.reset = check_choice(reset, "reset", RESETS, owner)
        self.readout = check_choice(readout, "readout", READOUTS, owner)
        self.max_pool = check_choice(max_pool, "max_pool", MAX_POOL_MODES, owner)

    def check_mapped(self, mapped: MappedModel) -> list[Problem]:
        if self.max_pool != "error":
            return []
        return [Problem(spec.layer.name, type(spec.layer).__name__,
                        f"max pooling has no exact rate-coded equivalent in "
                        f"{type(self).__name__} conversion (max_pool='error')",
                        "Pass max_pool='running_max' or max_pool='spike_gate' to accept an "
                        "approximation, use the FewSpike converter (exact), or use "
                        "AveragePooling2D and retrain.")
                for spec in mapped.populations.values() if spec.kind == "max_pool"]

    def map_model(self, model: Any) -> Any:
        mapped = super().map_model(model)
        pools = [spec for spec in mapped.populations.values() if spec.kind == "max_pool"]
        for spec in pools:
            spec.connections = [c._replace(params=dict(c.params, rate_rule=self.max_pool))
                                for c in spec.connections]
        if pools:
            layers = list(dict.fromkeys(spec.layer.name for spec in pools))
            warnings.warn(f"{type(self).__name__}: max pooling ({layers}) has no exact "
                          f"rate-coded equivalent and is approximated by "
                          f"max_pool={self.max_pool!r}; FewSpike conversion is exact.",
                          UserWarning, stacklevel=3)
        return mapped

    def create_input_neurons(self, pre_convert_output: Any) -> Neuron:
        if self.input_type == InputType.SPIKE:
            return BinarySpikeInput(signed_spikes=self.signed_input)
        if self.input_type == InputType.POISSON:
            return PoissonInput(signed_spikes=self.signed_input)
        if self.input_type == InputType.DIRECT:
            return DirectInput()
        return IntegrateFireInput(relative_reset=self.reset == "subtract")

    def threshold(self, spec: PopulationSpec, pre: Any) -> float:
        """Firing threshold of a hidden population (1: the weights are normalised)."""
        return 1.0

    def create_neurons(self, tf_layer: keras.layers.Layer, pre_convert_output: Any,
                       is_output: bool) -> Neuron:
        spec = self.current_population
        if spec is not None and spec.kind == "max_pool":
            return IntegrateFire(v_thresh=1.0, relative_reset=True,
                                 readout="spike_count" if is_output else None)
        if is_output and self.readout == "var" and (spec is None or not spec.is_source):
            return IntegrateFire(v_thresh=NEVER, readout="var")
        threshold = 1.0 if spec is None else self.threshold(spec, pre_convert_output)
        return IntegrateFire(v_thresh=threshold, relative_reset=self.reset == "subtract",
                             readout="spike_count" if is_output else None)

    def create_compiler(self, **kwargs: Any) -> InferenceCompiler:
        return self.compiler_class(evaluate_timesteps=self.evaluate_timesteps, **kwargs)

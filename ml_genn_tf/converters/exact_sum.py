"""ExactSum: a testing/debug converter that reproduces a layer's output exactly."""
from __future__ import annotations

from typing import Any

import keras

from ml_genn.compilers import InferenceCompiler
from ml_genn.neurons import BinarySpikeInput, IntegrateFire, Neuron

from ..graph.mapping import PopulationSpec
from .converter import Converter
from .rate import NEVER


class ExactSum(Converter):
    """Testing/debug converter (the method of SPEC section 4): binary spike inputs
    (signed: -1, 0, 1), output integrate-and-fire neurons that never fire, read out with
    ``"var"``, two timesteps. The inputs' spikes of step 0 arrive at step 1, so the
    readout is ``W x`` plus two steps of bias: with biases halved it equals the Keras
    model's output (before the output activation) on ``x`` in {-1, 0, 1}. Only models
    without hidden populations are exact; preprocessing is not folded into the inputs
    but into the first connection, so it stays exact.

    Args:
        evaluate_timesteps: 2 for exactness; with T steps the readout is
            ``(T - 1)`` times the Keras output.

    Example:
        >>> ExactSum().create_compiler().evaluate_timesteps
        2
    """

    fold_input = False

    def __init__(self, evaluate_timesteps: int = 2):
        self.evaluate_timesteps = int(evaluate_timesteps)

    def create_input_neurons(self, pre_convert_output: Any) -> Neuron:
        return BinarySpikeInput(signed_spikes=True)

    def create_neurons(self, tf_layer: keras.layers.Layer, pre_convert_output: Any,
                       is_output: bool) -> Neuron:
        if is_output:
            return IntegrateFire(v_thresh=NEVER, readout="var")
        return IntegrateFire(v_thresh=1.0, relative_reset=True)

    def bias_scale(self, spec: PopulationSpec, pre: Any) -> float:
        # V(T) = (T - 1) W x + T b': with b' = b (T - 1) / T, V(T) = (T - 1)(W x + b).
        return (self.evaluate_timesteps - 1) / self.evaluate_timesteps

    def create_compiler(self, **kwargs: Any) -> InferenceCompiler:
        kwargs.setdefault("precision", "highest")
        return InferenceCompiler(evaluate_timesteps=self.evaluate_timesteps, **kwargs)

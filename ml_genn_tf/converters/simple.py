"""Simple conversion: integrate-and-fire neurons with threshold 1, no normalisation."""
from __future__ import annotations

from typing import Any

from .input_type import InputType
from .rate import DEFAULT_MAX_POOL, RateConverter


class Simple(RateConverter):
    """Rate-coded conversion without normalisation: every hidden neuron is
    integrate-and-fire with threshold 1 and the Keras weights and biases unchanged
    (works when activations stay below 1).

    Args:
        evaluate_timesteps: timesteps per example.
        signed_input: inputs may be negative.
        input_type: :class:`~ml_genn_tf.converters.InputType` (default Poisson, as
            mlGeNN, and ``convert_model`` keeps it here: with unnormalised weights
            current input was less accurate, MNIST CNN at T=200 on the first 300 test
            images 87.33% against Poisson's 95.67%).
        reset, readout, max_pool: **ours**, see
            :class:`~ml_genn_tf.converters.rate.RateConverter`.

    Example:
        >>> converter = Simple(evaluate_timesteps=100)
        >>> converter.create_compiler(batch_size=8).evaluate_timesteps
        100
    """

    def __init__(self, evaluate_timesteps: int, signed_input: bool = False,
                 input_type: Any = InputType.POISSON, reset: str = "subtract",
                 readout: str = "var", max_pool: str = DEFAULT_MAX_POOL):
        super().__init__(evaluate_timesteps, signed_input, input_type, reset, readout,
                         max_pool)

"""Poisson (stochastic rate-coded) input neuron."""
from __future__ import annotations

from typing import Any

from ..utils.defaults import network_default_params
from ..utils.validation import as_bool
from .input_base import InputBase
from .param import Option


class PoissonInput(InputBase):
    r"""Poisson input: at each timestep the neuron spikes with probability

    .. math:: P(\text{spike}) = 1 - e^{-|x|\,\Delta t}

    where :math:`x` is the input value (a rate in spikes per ms). A negative :math:`x`
    produces a negative event (weight :math:`-w`) if ``signed_spikes``, else nothing.

    Example:
        >>> PoissonInput(signed_spikes=True).signed_spikes
        True
    """

    output_var_name = None

    signed_spikes = Option(as_bool)

    @network_default_params
    def __init__(self, signed_spikes: bool = False, input_frames: int = 1,
                 input_frame_timesteps: int = 1,
                 input_scale: Any = 1.0, input_offset: Any = 0.0):
        super().__init__(input_frames, input_frame_timesteps, input_scale=input_scale,
                         input_offset=input_offset, signed_spikes=signed_spikes)

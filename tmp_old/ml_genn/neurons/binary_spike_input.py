"""Binary spike input neuron."""
from __future__ import annotations

from typing import Any

from ..utils.defaults import network_default_params
from ..utils.validation import as_bool
from .input_base import InputBase
from .param import Option


class BinarySpikeInput(InputBase):
    r"""Spikes at every timestep where :math:`x > 0`; with ``signed_spikes`` a negative
    event (weight :math:`-w`) at every timestep where :math:`x < 0`.

    .. math:: s_t = [x > 0] - \text{signed}\cdot[x < 0]

    Example:
        >>> BinarySpikeInput().signed_spikes
        False
    """

    output_var_name = None

    signed_spikes = Option(as_bool)

    @network_default_params
    def __init__(self, signed_spikes: bool = False, input_frames: int = 1,
                 input_frame_timesteps: int = 1,
                 input_scale: Any = 1.0, input_offset: Any = 0.0):
        super().__init__(input_frames, input_frame_timesteps, input_scale=input_scale,
                         input_offset=input_offset, signed_spikes=signed_spikes)

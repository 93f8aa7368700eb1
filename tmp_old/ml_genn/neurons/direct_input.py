"""Direct (analog) input: the input value itself is sent every timestep."""
from __future__ import annotations

from typing import Any

from ..utils.defaults import network_default_params
from .input_base import InputBase


class DirectInput(InputBase):
    r"""Sends the input value :math:`x` as a graded event every timestep (direct or
    analog encoding, Rueckauer et al. 2017; the input of QCFS, Bu et al. 2022), so the
    next population receives the constant current :math:`W x` each step.

    .. math:: s_t = x

    **ours** (mlGeNN has no analog input).

    Example:
        >>> DirectInput(input_scale=1 / 255).input_scale
        0.00392156862745098
    """

    output_var_name = None

    @network_default_params
    def __init__(self, input_frames: int = 1, input_frame_timesteps: int = 1,
                 input_scale: Any = 1.0, input_offset: Any = 0.0):
        super().__init__(input_frames, input_frame_timesteps, input_scale=input_scale,
                         input_offset=input_offset)

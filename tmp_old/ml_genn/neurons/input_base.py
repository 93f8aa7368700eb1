"""Shared behaviour of input neurons: external data, optionally in several frames."""
from __future__ import annotations

from typing import Any, ClassVar

from ..utils.validation import check_positive_int
from .neuron import Neuron
from .param import Option, Param


class InputBase(Neuron):
    r"""An input neuron driven by the data given to ``evaluate``/``predict``.

    The data for one example has ``input_frames`` values per neuron, shape
    ``(input_frames, *pop_shape)`` (or ``pop_shape`` when there is one frame). Frame
    :math:`f = \min(\lfloor t / \text{input\_frame\_timesteps} \rfloor, \text{input\_frames}-1)`
    is shown at timestep :math:`t`; the last frame is held afterwards. The drive is
    :math:`x = \text{input\_scale}\cdot\text{frame} + \text{input\_offset}` (**ours**:
    the converters fold Keras ``Rescaling``/``Normalization`` layers into these two
    InitValues, which broadcast to the population shape).
    """

    is_input: ClassVar[bool] = True

    input_frames = Option(check_positive_int)
    input_frame_timesteps = Option(check_positive_int)
    input_scale = Param(device=False)
    input_offset = Param(device=False)

    def __init__(self, input_frames: int = 1, input_frame_timesteps: int = 1,
                 readout: Any = None, input_scale: Any = 1.0, input_offset: Any = 0.0,
                 **values: Any):
        super().__init__(readout=readout, input_frames=input_frames,
                         input_frame_timesteps=input_frame_timesteps, input_scale=input_scale,
                         input_offset=input_offset, **values)

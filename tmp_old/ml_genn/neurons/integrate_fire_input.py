"""Integrate-and-fire input neuron."""
from __future__ import annotations

from typing import Any

from ..utils.defaults import network_default_params
from ..utils.validation import as_bool
from .input_base import InputBase
from .param import Option, Param


class IntegrateFireInput(InputBase):
    r"""Integrate-and-fire neuron driven by the input value :math:`x` (deterministic
    rate coding).

    .. math::
        V \leftarrow V + x, \qquad \text{spike if } V \ge V_{th}, \qquad
        V \leftarrow V_{reset} \text{ (or } V - (V_{th}-V_{reset}) \text{ with relative\_reset)}

    Args:
        v_thresh: firing threshold (1.0).
        v_reset: reset value (0.0).
        v: initial voltage (0.0).
        readout: readout or ``None``.
        input_frames: frames per example; input_frame_timesteps: steps per frame.
        relative_reset: reset by subtraction (**ours**).

    Example:
        >>> IntegrateFireInput().v_thresh
        1.0
    """

    output_var_name = "v"

    v_thresh = Param()
    v_reset = Param()
    v = Param()
    relative_reset = Option(as_bool)

    @network_default_params
    def __init__(self, v_thresh: Any = 1.0, v_reset: Any = 0.0, v: Any = 0.0,
                 readout: Any = None, input_frames: int = 1, input_frame_timesteps: int = 1,
                 relative_reset: bool = False,
                 input_scale: Any = 1.0, input_offset: Any = 0.0):
        super().__init__(input_frames, input_frame_timesteps, readout=readout,
                         input_scale=input_scale, input_offset=input_offset,
                         v_thresh=v_thresh, v_reset=v_reset, v=v, relative_reset=relative_reset)

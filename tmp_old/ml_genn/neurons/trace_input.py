"""PySNN-style input neuron that passes its input spikes through and keeps a trace."""
from __future__ import annotations

from typing import Any

from ..utils.defaults import network_default_params
from .base_pysnn import Decay, check_decays, check_update_type
from .input_base import InputBase
from .param import Option, Param


class TraceInput(InputBase):
    r"""Input neuron of PySNN: emits its input :math:`x` (usually 0/1 spikes) unchanged
    and keeps a trace of it.

    Per timestep, with the data frame :math:`x`:

    .. math::
        s = x, \qquad
        \text{tr} \leftarrow \begin{cases} \lambda_t\,\text{tr} + \alpha_t x & \text{linear} \\
            \text{tr} + \frac{\Delta t}{\tau_t}(\alpha_t x - \text{tr}) & \text{exponential}
            \end{cases}

    (:math:`\lambda_t` = ``tau_t`` in linear mode). Non-binary input is passed on as
    graded events. State variable: ``trace`` (the output variable), starting at 0.

    Args:
        alpha_t: trace increment per unit input :math:`\alpha_t`.
        tau_t: trace decay factor in [0, 1] (linear) or time constant [ms] (exponential).
        update_type: ``"linear"`` or ``"exponential"``.
        readout: readout or ``None``.
        input_frames, input_frame_timesteps, input_scale, input_offset: see ``InputBase``.

    Raises:
        ValueError: for an unknown ``update_type``, ``tau_t`` out of range or bad frames.

    Example:
        >>> TraceInput(tau_t=5.0, update_type="exponential").output_var_name
        'trace'
    """

    output_var_name = "trace"

    alpha_t = Param()
    tau_t = Decay()
    update_type = Option(check_update_type)

    @network_default_params
    def __init__(self, alpha_t: Any = 1.0, tau_t: Any = 0.8, update_type: str = "linear",
                 readout: Any = None, input_frames: int = 1, input_frame_timesteps: int = 1,
                 input_scale: Any = 1.0, input_offset: Any = 0.0):
        super().__init__(input_frames, input_frame_timesteps, readout=readout,
                         input_scale=input_scale, input_offset=input_offset,
                         alpha_t=alpha_t, tau_t=tau_t, update_type=update_type)
        check_decays(self)

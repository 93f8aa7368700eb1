"""Leaky integrate-and-fire input neuron."""
from __future__ import annotations

from typing import Any

from ..utils.defaults import network_default_params
from .base_leaky_integrate_fire import BaseLeakyIntegrateFire
from .input_base import InputBase


class LeakyIntegrateFireInput(BaseLeakyIntegrateFire, InputBase):
    r"""Leaky integrate-and-fire neuron driven by the input value :math:`x` (the current
    data frame) instead of synaptic input.

    Same equations and order of operations as
    :class:`~ml_genn.neurons.LeakyIntegrateFire`, with :math:`I = x`:

    .. math::
        V \leftarrow \alpha V + (x + b) \ \text{(or } \alpha V + (1-\alpha)(x + b)
        \text{ with scale\_i)}, \quad \alpha = e^{-\Delta t/\tau_{mem}}, \quad
        \text{spike if } V \ge V_{th} \text{ and not refractory}

    then reset (by subtraction of :math:`V_{th}-V_{reset}` if ``relative_reset``, else to
    :math:`V_{reset}`) and the refractory counter as in ``LeakyIntegrateFire``.

    Args:
        v_thresh, v_reset, v, tau_mem, tau_refrac, relative_reset,
        integrate_during_refrac, scale_i, readout, bias: as ``LeakyIntegrateFire``.
        input_frames: frames per example (>= 1).
        input_frame_timesteps: timesteps each frame is shown (>= 1).
        input_scale, input_offset: affine map of each frame (see ``InputBase``).

    Raises:
        ValueError: if ``tau_mem <= 0``, ``tau_refrac < 0`` or ``input_frames`` /
            ``input_frame_timesteps`` is not a positive integer.

    Example:
        >>> LeakyIntegrateFireInput(input_frames=2, input_frame_timesteps=5).input_frames
        2
    """

    output_var_name = "v"

    @network_default_params
    def __init__(self, v_thresh: Any = 1.0, v_reset: Any = 0.0, v: Any = 0.0,
                 tau_mem: Any = 20.0, tau_refrac: Any = None, relative_reset: bool = True,
                 integrate_during_refrac: bool = True, scale_i: bool = False,
                 readout: Any = None, input_frames: int = 1, input_frame_timesteps: int = 1,
                 bias: Any = 0.0, input_scale: Any = 1.0, input_offset: Any = 0.0):
        super().__init__(input_frames, input_frame_timesteps, readout=readout,
                         input_scale=input_scale, input_offset=input_offset,
                         v_thresh=v_thresh, v_reset=v_reset, v=v, tau_mem=tau_mem, bias=bias,
                         tau_refrac=tau_refrac, relative_reset=relative_reset,
                         integrate_during_refrac=integrate_during_refrac, scale_i=scale_i)

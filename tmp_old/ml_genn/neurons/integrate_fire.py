"""Non-leaky integrate-and-fire neuron."""
from __future__ import annotations

from typing import Any

from ..utils.defaults import network_default_params
from ..utils.validation import as_bool
from .neuron import Neuron
from .param import Option, Param


class IntegrateFire(Neuron):
    r"""Integrate-and-fire neuron without leak (rate-coded ReLU).

    Per timestep, with synaptic input :math:`I`:

    .. math::
        V \leftarrow V + I + b, \qquad
        \text{spike if } V \ge V_{th}, \qquad
        V \leftarrow \begin{cases} V - (V_{th} - V_{reset}) & \text{relative\_reset} \\
                                   V_{reset} & \text{otherwise} \end{cases}

    Args:
        v_thresh: firing threshold :math:`V_{th}`.
        v_reset: reset value :math:`V_{reset}`.
        v: initial membrane voltage.
        readout: output readout (``"spike_count"``, ``"var"``, ...) or ``None``.
        bias: constant input :math:`b` added every step (**ours**; 0 in mlGeNN).
        relative_reset: reset by subtraction (**ours**; mlGeNN resets to ``v_reset``).

    Example:
        >>> IntegrateFire(v_thresh=2.0).v_thresh
        2.0
    """

    output_var_name = "v"

    v_thresh = Param()
    v_reset = Param()
    v = Param()
    bias = Param()
    relative_reset = Option(as_bool)

    @network_default_params
    def __init__(self, v_thresh: Any = 1.0, v_reset: Any = 0.0, v: Any = 0.0,
                 readout: Any = None, bias: Any = 0.0, relative_reset: bool = False):
        super().__init__(readout=readout, v_thresh=v_thresh, v_reset=v_reset, v=v, bias=bias,
                         relative_reset=relative_reset)

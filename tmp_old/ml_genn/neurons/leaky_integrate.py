"""Non-spiking leaky integrator (typical output neuron)."""
from __future__ import annotations

from typing import Any

from ..utils.defaults import network_default_params
from ..utils.validation import as_bool, check_positive
from .neuron import Neuron
from .param import Option, Param


class LeakyIntegrate(Neuron):
    r"""Leaky integrator without spikes, usually read out with ``"var"``/``"avg_var"``.

    Per timestep, with synaptic input :math:`I`, bias :math:`b` and
    :math:`\alpha = e^{-\Delta t/\tau_{mem}}`:

    .. math::
        V \leftarrow \alpha V + (I + b) \quad \text{or, with scale\_i,} \quad
        V \leftarrow \alpha V + (1-\alpha)(I + b)

    It never spikes (its events are all zero). State variable: ``v`` (the output variable).

    Args:
        v: initial value.
        bias: constant input :math:`b` added every step.
        tau_mem: time constant :math:`\tau_{mem}` [ms], > 0.
        scale_i: scale the input by :math:`1-\alpha`.
        readout: output readout or ``None``.

    Raises:
        ValueError: if ``tau_mem <= 0``.

    Example:
        >>> LeakyIntegrate(tau_mem=5.0, scale_i=True).scale_i
        True
    """

    output_var_name = "v"

    v = Param()
    bias = Param()
    tau_mem = Param(check_positive, device=False)
    scale_i = Option(as_bool)

    @network_default_params
    def __init__(self, v: Any = 0.0, bias: Any = 0.0, tau_mem: Any = 20.0,
                 scale_i: bool = False, readout: Any = None):
        super().__init__(readout=readout, v=v, bias=bias, tau_mem=tau_mem, scale_i=scale_i)

"""Izhikevich (2003) neuron."""
from __future__ import annotations

from typing import Any

from ..utils.defaults import network_default_params
from .neuron import Neuron
from .param import Param


class Izhikevich(Neuron):
    r"""Izhikevich's simple model (regular spiking by default), integrated with forward
    Euler at the network's timestep :math:`\Delta t` [ms].

    Per timestep, with input current :math:`I` (in the model's units, mV/ms):

    .. math::
        V' &= V + \Delta t\,(0.04 V^2 + 5 V + 140 - u + I) \\
        u' &= u + \Delta t\,a\,(b V - u) \quad (\text{both from the old } V, u) \\
        s &= [V' \ge V_{th}]; \quad \text{if } s:\ V' \leftarrow c,\ u' \leftarrow u' + d

    :math:`V` starts at ``v`` and :math:`u` at ``u`` (default :math:`b\,v`). Forward
    Euler needs a small step for accuracy (e.g. :math:`\Delta t \le 0.5` ms).

    State variables: ``v`` (output variable, mV) and ``u``.

    Args:
        a: recovery time scale :math:`a` [1/ms].
        b: recovery sensitivity :math:`b`.
        c: reset voltage :math:`c` [mV].
        d: recovery increment after a spike :math:`d`.
        v_th: spike cut-off :math:`V_{th}` [mV].
        v: initial voltage [mV].
        u: initial recovery variable, or ``None`` for :math:`b\,v`.
        readout: output readout or ``None``.

    Example:
        >>> Izhikevich(d=2.0).d, Izhikevich().v_th
        (2.0, 30.0)
    """

    output_var_name = "v"

    a = Param()
    b = Param()
    c = Param()
    d = Param()
    v_th = Param()
    v = Param()
    u = Param(optional=True, device=False)

    @network_default_params
    def __init__(self, a: Any = 0.02, b: Any = 0.2, c: Any = -65.0, d: Any = 8.0,
                 v_th: Any = 30.0, v: Any = -65.0, u: Any = None, readout: Any = None):
        super().__init__(readout=readout, a=a, b=b, c=c, d=d, v_th=v_th, v=v, u=u)

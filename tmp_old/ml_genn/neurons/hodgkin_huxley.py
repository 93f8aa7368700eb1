"""Hodgkin-Huxley neuron."""
from __future__ import annotations

from typing import Any

from ..utils.defaults import network_default_params
from ..utils.validation import check_positive
from .neuron import Neuron
from .param import Option, Param


def _positive_float(value: Any, name: str, owner: str) -> float:
    return float(check_positive(value, name, owner))


class HodgkinHuxley(Neuron):
    r"""Hodgkin-Huxley point neuron (squid axon kinetics, the parameters of NEST's
    ``hh_psc_alpha``), integrated with forward Euler.

    Units: voltage mV, time ms, conductance nS, capacitance pF, current pA
    (nS·mV = pA, pA/pF = mV/ms). With input current :math:`I` [pA]:

    .. math::
        C_m \dot V &= I + I_e - g_{Na} m^3 h (V - E_{Na}) - g_K n^4 (V - E_K)
                      - g_L (V - E_L) \\
        \dot x &= \alpha_x(V)(1 - x) - \beta_x(V)\,x, \quad x \in \{m, h, n\} \\
        \alpha_n &= \frac{0.01 (V + 55)}{1 - e^{-(V+55)/10}}, \quad
        \beta_n = 0.125\,e^{-(V+65)/80} \\
        \alpha_m &= \frac{0.1 (V + 40)}{1 - e^{-(V+40)/10}}, \quad
        \beta_m = 4\,e^{-(V+65)/18} \\
        \alpha_h &= 0.07\,e^{-(V+65)/20}, \quad \beta_h = \frac{1}{1 + e^{-(V+35)/10}}

    (rates in 1/ms; at the removable singularities :math:`\alpha_n = 0.1`,
    :math:`\alpha_m = 1`). Each timestep is :math:`k = \lceil \Delta t / \text{substep}\rceil`
    forward-Euler steps of :math:`h = \Delta t / k`, all derivatives taken at the start of
    the sub-step, with :math:`I` held. A spike is emitted when :math:`V` crosses
    ``v_thresh`` upwards during the timestep (:math:`V_{start} < V_{th} \le V_{end}`);
    there is no reset. :math:`V` starts at ``v`` and the gates at their steady state
    :math:`x_\infty = \alpha_x/(\alpha_x + \beta_x)` there.

    State variables: ``v`` (output variable), ``m``, ``h``, ``n``.

    Args:
        e_na, e_k, e_l: reversal potentials [mV].
        g_na, g_k, g_l: maximal conductances [nS].
        c_m: membrane capacitance [pF].
        v: initial voltage [mV].
        v_thresh: spike detection threshold [mV].
        i_offset: constant input current :math:`I_e` [pA].
        substep: largest Euler step [ms] (**ours**; the kinetics need about 0.01 ms).
        readout: output readout or ``None``.

    Raises:
        ValueError: if ``c_m`` or ``substep`` is not positive.

    Example:
        >>> HodgkinHuxley().g_na, HodgkinHuxley().c_m
        (12000.0, 100.0)
    """

    output_var_name = "v"

    e_na = Param()
    e_k = Param()
    e_l = Param()
    g_na = Param()
    g_k = Param()
    g_l = Param()
    c_m = Param(check_positive)
    v = Param()
    v_thresh = Param()
    i_offset = Param()
    substep = Option(_positive_float)

    @network_default_params
    def __init__(self, e_na: Any = 50.0, e_k: Any = -77.0, e_l: Any = -54.402,
                 g_na: Any = 12000.0, g_k: Any = 3600.0, g_l: Any = 30.0, c_m: Any = 100.0,
                 v: Any = -65.0, v_thresh: Any = 0.0, i_offset: Any = 0.0,
                 substep: float = 0.01, readout: Any = None):
        super().__init__(readout=readout, e_na=e_na, e_k=e_k, e_l=e_l, g_na=g_na, g_k=g_k,
                         g_l=g_l, c_m=c_m, v=v, v_thresh=v_thresh, i_offset=i_offset,
                         substep=substep)

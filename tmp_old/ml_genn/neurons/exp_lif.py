"""Exponential integrate-and-fire neuron."""
from __future__ import annotations

from typing import Any

from ..utils.defaults import network_default_params
from ..utils.validation import check_non_negative, check_positive
from .neuron import Neuron
from .param import Param


class ExpLIF(Neuron):
    r"""Exponential integrate-and-fire neuron (Fourcaud-Trocmé et al. 2003), forward Euler.

    Per timestep, with input current :math:`I` and refractory counter :math:`r`:

    .. math::
        V &\leftarrow V + \frac{\Delta t}{\tau_{mem}}\left(-(V - V_{rest})
            + \Delta_T\, e^{\min((V - V_T)/\Delta_T,\ 30)} + R I\right)
            \quad \text{if } r = 0 \text{ (else held)} \\
        s &= [V \ge V_{th}] \wedge [r = 0]; \quad \text{if } s:\ V \leftarrow V_{reset},\
            r \leftarrow n_{ref}; \quad \text{else } r \leftarrow \max(r - 1, 0)

    :math:`V_T` is the soft (rheobase) threshold, :math:`V_{th}` the numerical spike
    cut-off; the exponent is clipped at 30 only to keep float32 finite (it matters only
    far above the cut-off). :math:`n_{ref} = \lceil \tau_{refrac}/\Delta t \rceil` (0 if
    ``None``), as in ``LeakyIntegrateFire``.

    State variables: ``v`` (output variable, mV), ``refrac`` (int32).

    Args:
        v_rest: resting potential [mV].
        v_reset: reset potential [mV].
        v_thresh: spike cut-off :math:`V_{th}` [mV].
        v_t: soft threshold :math:`V_T` [mV].
        delta_t: sharpness :math:`\Delta_T` [mV], > 0.
        tau_mem: membrane time constant [ms], > 0.
        r: membrane resistance :math:`R` (input scale).
        v: initial voltage [mV].
        tau_refrac: refractory period [ms] or ``None``.
        readout: output readout or ``None``.

    Raises:
        ValueError: if ``tau_mem`` or ``delta_t`` is not positive or ``tau_refrac < 0``.

    Example:
        >>> ExpLIF().delta_t, ExpLIF().v_t
        (3.48, -59.9)
    """

    output_var_name = "v"

    v_rest = Param()
    v_reset = Param()
    v_thresh = Param()
    v_t = Param()
    delta_t = Param(check_positive)
    tau_mem = Param(check_positive, device=False)
    r = Param()
    v = Param()
    tau_refrac = Param(check_non_negative, optional=True, device=False)

    @network_default_params
    def __init__(self, v_rest: Any = -65.0, v_reset: Any = -68.0, v_thresh: Any = -30.0,
                 v_t: Any = -59.9, delta_t: Any = 3.48, tau_mem: Any = 10.0, r: Any = 1.0,
                 v: Any = -65.0, tau_refrac: Any = None, readout: Any = None):
        super().__init__(readout=readout, v_rest=v_rest, v_reset=v_reset, v_thresh=v_thresh,
                         v_t=v_t, delta_t=delta_t, tau_mem=tau_mem, r=r, v=v,
                         tau_refrac=tau_refrac)

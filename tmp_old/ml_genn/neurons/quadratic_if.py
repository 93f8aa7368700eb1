"""Quadratic integrate-and-fire neuron."""
from __future__ import annotations

from typing import Any

from ..utils.defaults import network_default_params
from ..utils.validation import check_non_negative, check_positive
from .neuron import Neuron
from .param import Param


class QuadraticIF(Neuron):
    r"""Quadratic integrate-and-fire neuron (Latham et al. 2000), forward Euler.

    Per timestep, with input current :math:`I` and refractory counter :math:`r`:

    .. math::
        V &\leftarrow V + \frac{\Delta t}{\tau_{mem}}\left(c\,(V - V_{rest})(V - V_c)
            + R I\right) \quad \text{if } r = 0 \text{ (else held)} \\
        s &= [V \ge V_{th}] \wedge [r = 0]; \quad \text{if } s:\ V \leftarrow V_{reset},\
            r \leftarrow n_{ref}; \quad \text{else } r \leftarrow \max(r - 1, 0)

    :math:`V_c` is the critical voltage above which :math:`V` runs away, :math:`V_{th}`
    the spike cut-off; :math:`n_{ref} = \lceil \tau_{refrac}/\Delta t \rceil` (0 if
    ``None``).

    State variables: ``v`` (output variable, mV), ``refrac`` (int32).

    Args:
        v_rest: resting potential [mV].
        v_reset: reset potential [mV].
        v_thresh: spike cut-off [mV].
        v_c: critical voltage :math:`V_c` [mV].
        c: curvature :math:`c` [1/mV].
        tau_mem: membrane time constant [ms], > 0.
        r: membrane resistance :math:`R` (input scale).
        v: initial voltage [mV].
        tau_refrac: refractory period [ms] or ``None``.
        readout: output readout or ``None``.

    Raises:
        ValueError: if ``tau_mem`` is not positive or ``tau_refrac < 0``.

    Example:
        >>> QuadraticIF().v_c, QuadraticIF().c
        (-50.0, 0.07)
    """

    output_var_name = "v"

    v_rest = Param()
    v_reset = Param()
    v_thresh = Param()
    v_c = Param()
    c = Param()
    tau_mem = Param(check_positive, device=False)
    r = Param()
    v = Param()
    tau_refrac = Param(check_non_negative, optional=True, device=False)

    @network_default_params
    def __init__(self, v_rest: Any = -65.0, v_reset: Any = -68.0, v_thresh: Any = -30.0,
                 v_c: Any = -50.0, c: Any = 0.07, tau_mem: Any = 10.0, r: Any = 1.0,
                 v: Any = -65.0, tau_refrac: Any = None, readout: Any = None):
        super().__init__(readout=readout, v_rest=v_rest, v_reset=v_reset, v_thresh=v_thresh,
                         v_c=v_c, c=c, tau_mem=tau_mem, r=r, v=v, tau_refrac=tau_refrac)

"""GLIF3: leaky integrate-and-fire with after-spike currents (Teeter et al. 2018)."""
from __future__ import annotations

from typing import Any

import numpy as np

from ..utils.defaults import network_default_params
from ..utils.validation import check_non_negative, check_positive
from .neuron import Neuron
from .param import Option, Param


def _pair(value: Any, name: str, owner: str) -> tuple[float, float]:
    pair = tuple(float(v) for v in np.asarray(value, dtype=np.float64).reshape(-1))
    if len(pair) != 2:
        raise ValueError(f"{owner}: {name} must hold 2 values (one per after-spike current), "
                         f"received {value!r}.")
    return pair


def _non_negative_pair(value: Any, name: str, owner: str) -> tuple[float, float]:
    pair = _pair(value, name, owner)
    if min(pair) < 0:
        raise ValueError(f"{owner}: {name} must be >= 0, received {value!r}.")
    return pair


class GLIF3(Neuron):
    r"""Generalised LIF model 3 of the Allen Institute (LIF with two after-spike
    currents, "LIF-ASC"), with the default parameters of NEST's ``glif_psc`` model 3.

    Units: mV, ms, nS, pF, pA. Per timestep, with input current :math:`I` [pA],
    after-spike currents :math:`I_1, I_2` and refractory counter :math:`r`:

    .. math::
        V_\infty &= E_L + (I + I_1 + I_2)/g \\
        V &\leftarrow V_\infty + (V - V_\infty)\,e^{-g \Delta t / C_m}
            \quad \text{if } r = 0 \text{ (else held)} \\
        I_j &\leftarrow I_j\, e^{-k_j \Delta t} \\
        s &= [V \ge V_{th}] \wedge [r = 0] \\
        \text{if } s:&\ V \leftarrow V_{reset},\ I_j \leftarrow r_j I_j + A_j,\
            r \leftarrow n_{ref}; \quad \text{else } r \leftarrow \max(r - 1, 0)

    The voltage step is exact for input and after-spike currents held over the step (their
    values at its start). :math:`n_{ref} = \lceil \tau_{refrac}/\Delta t \rceil` (0 if
    ``None``). :math:`V` starts at ``v``, :math:`I_j` at ``asc_init``.

    State variables: ``v`` (output variable), ``asc_1``, ``asc_2`` [pA], ``refrac``.

    Args:
        v_thresh: threshold [mV] (absolute).
        v_reset: reset voltage [mV].
        e_l: resting potential :math:`E_L` [mV].
        g: membrane conductance [nS], > 0.
        c_m: membrane capacitance [pF], > 0.
        tau_refrac: refractory period [ms] or ``None``.
        asc_init: initial after-spike currents :math:`(I_1, I_2)` [pA].
        asc_decay: decay rates :math:`(k_1, k_2)` [1/ms], >= 0.
        asc_amps: jumps :math:`(A_1, A_2)` [pA] added at each spike.
        asc_r: multiplicative factors :math:`(r_1, r_2)` applied at each spike.
        v: initial voltage [mV].
        readout: output readout or ``None``.

    Raises:
        ValueError: if ``g``/``c_m`` are not positive, a decay rate is negative or a pair
            does not hold two values.

    Example:
        >>> GLIF3().asc_amps
        (-9.18, -198.94)
    """

    output_var_name = "v"

    v_thresh = Param()
    v_reset = Param()
    e_l = Param()
    g = Param(check_positive)
    c_m = Param(check_positive, device=False)
    v = Param()
    tau_refrac = Param(check_non_negative, optional=True, device=False)
    asc_init = Option(_pair)
    asc_decay = Option(_non_negative_pair)
    asc_amps = Option(_pair)
    asc_r = Option(_pair)

    @network_default_params
    def __init__(self, v_thresh: Any = -51.68, v_reset: Any = -78.85, e_l: Any = -78.85,
                 g: Any = 9.43, c_m: Any = 58.72, tau_refrac: Any = 3.75,
                 asc_init: Any = (0.0, 0.0), asc_decay: Any = (0.003, 0.1),
                 asc_amps: Any = (-9.18, -198.94), asc_r: Any = (1.0, 1.0), v: Any = -78.85,
                 readout: Any = None):
        super().__init__(readout=readout, v_thresh=v_thresh, v_reset=v_reset, e_l=e_l, g=g,
                         c_m=c_m, v=v, tau_refrac=tau_refrac, asc_init=asc_init,
                         asc_decay=asc_decay, asc_amps=asc_amps, asc_r=asc_r)

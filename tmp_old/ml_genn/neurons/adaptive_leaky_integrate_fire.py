"""Adaptive leaky integrate-and-fire neuron (Bellec et al. 2018)."""
from __future__ import annotations

from typing import Any

from ..utils.defaults import network_default_params
from ..utils.validation import as_bool, check_non_negative, check_positive
from .neuron import Neuron
from .param import Option, Param


class AdaptiveLeakyIntegrateFire(Neuron):
    r"""Leaky integrate-and-fire neuron with an adaptive threshold (ALIF, Bellec et al.
    2018, as in mlGeNN: the adaptation grows by 1 per spike).

    Per timestep, with synaptic input :math:`I`, :math:`\alpha = e^{-\Delta t/\tau_{mem}}`,
    :math:`\rho = e^{-\Delta t/\tau_{adapt}}`, adaptation :math:`a` and refractory counter
    :math:`r`, in this order:

    .. math::
        \text{refractory} &= [r > 0] \\
        V &\leftarrow \alpha V + I \quad
             \text{(unless refractory and not integrate\_during\_refrac)} \\
        s &= [V \ge V_{th} + \beta a] \wedge \neg\text{refractory}
             \quad (a \text{ as at the start of the step}) \\
        V &\leftarrow V - (V_{th} - V_{reset}) \text{ if } s \wedge \text{relative\_reset};
             \quad V_{reset} \text{ if } s \wedge \neg\text{relative\_reset} \\
        a &\leftarrow \rho\, a + s \\
        r &\leftarrow n_{ref} = \lceil \tau_{refrac}/\Delta t \rceil \text{ if } s
             \text{, else } \max(r-1, 0)

    The refractory period behaves as in :class:`~ml_genn.neurons.LeakyIntegrateFire`.
    Note that the reset subtracts the base distance :math:`V_{th} - V_{reset}`, not the
    adapted one.

    State variables: ``v`` (the output variable), ``a`` and ``refrac`` (int32).

    Args:
        v_thresh: base threshold :math:`V_{th}`.
        v_reset: reset value :math:`V_{reset}`.
        v: initial membrane voltage.
        a: initial adaptation :math:`a`.
        beta: adaptation strength :math:`\beta`.
        tau_mem: membrane time constant [ms], > 0.
        tau_refrac: refractory period [ms] (>= 0) or ``None``.
        tau_adapt: adaptation time constant [ms], > 0.
        relative_reset: reset by subtraction, else to :math:`V_{reset}`.
        integrate_during_refrac: whether :math:`V` integrates during the refractory period.
        readout: output readout or ``None``.

    Raises:
        ValueError: if ``tau_mem <= 0``, ``tau_adapt <= 0`` or ``tau_refrac < 0``.

    Example:
        >>> alif = AdaptiveLeakyIntegrateFire(beta=0.5)
        >>> alif.beta, alif.tau_adapt
        (0.5, 2000.0)
    """

    output_var_name = "v"

    v_thresh = Param()
    v_reset = Param()
    v = Param()
    a = Param()
    beta = Param()
    tau_mem = Param(check_positive, device=False)
    tau_adapt = Param(check_positive, device=False)
    tau_refrac = Param(check_non_negative, optional=True, device=False)
    relative_reset = Option(as_bool)
    integrate_during_refrac = Option(as_bool)

    @network_default_params
    def __init__(self, v_thresh: Any = 1.0, v_reset: Any = 0.0, v: Any = 0.0, a: Any = 0.0,
                 beta: Any = 0.0174, tau_mem: Any = 20.0, tau_refrac: Any = None,
                 tau_adapt: Any = 2000.0, relative_reset: bool = True,
                 integrate_during_refrac: bool = True, readout: Any = None):
        super().__init__(readout=readout, v_thresh=v_thresh, v_reset=v_reset, v=v, a=a,
                         beta=beta, tau_mem=tau_mem, tau_adapt=tau_adapt,
                         tau_refrac=tau_refrac, relative_reset=relative_reset,
                         integrate_during_refrac=integrate_during_refrac)

"""Leaky integrate-and-fire neuron."""
from __future__ import annotations

from typing import Any

from ..utils.defaults import network_default_params
from .base_leaky_integrate_fire import BaseLeakyIntegrateFire


class LeakyIntegrateFire(BaseLeakyIntegrateFire):
    r"""Leaky integrate-and-fire neuron (mlGeNN defaults).

    Per timestep, with synaptic input :math:`I`, bias :math:`b`,
    :math:`\alpha = e^{-\Delta t/\tau_{mem}}` and refractory counter :math:`r`
    (whole timesteps, starts at 0), in this order:

    .. math::
        \text{refractory} &= [r > 0] \\
        V &\leftarrow \begin{cases} V & \text{refractory and not integrate\_during\_refrac} \\
              \alpha V + (I + b) & \text{otherwise, without scale\_i} \\
              \alpha V + (1-\alpha)(I + b) & \text{otherwise, with scale\_i} \end{cases} \\
        s &= [V \ge V_{th}] \wedge \neg\text{refractory} \\
        V &\leftarrow \begin{cases} V - (V_{th} - V_{reset}) & s \wedge \text{relative\_reset} \\
              V_{reset} & s \wedge \neg\text{relative\_reset} \\ V & \text{otherwise} \end{cases} \\
        r &\leftarrow \begin{cases} n_{ref} = \lceil \tau_{refrac}/\Delta t \rceil & s \\
              \max(r - 1, 0) & \text{otherwise} \end{cases}

    So after a spike at step :math:`t` the neuron cannot spike at steps
    :math:`t+1 .. t+n_{ref}` (and, unless ``integrate_during_refrac``, :math:`V` is frozen
    then: neither leak nor input); with ``tau_refrac=None`` there is no refractory period.
    A ratio :math:`\tau_{refrac}/\Delta t` within a relative :math:`10^{-6}` of an integer
    counts as that integer (so 5 ms at 0.1 ms is 50 steps despite rounding).

    State variables: ``v`` (the output variable) and ``refrac`` (int32, :math:`r`).

    Args:
        v_thresh: firing threshold :math:`V_{th}`.
        v_reset: reset value :math:`V_{reset}`.
        v: initial membrane voltage.
        tau_mem: membrane time constant :math:`\tau_{mem}` [ms], > 0.
        tau_refrac: refractory period [ms] (>= 0) or ``None`` for none.
        relative_reset: reset by subtraction of :math:`V_{th} - V_{reset}`, else to
            :math:`V_{reset}`.
        integrate_during_refrac: whether :math:`V` integrates during the refractory period.
        scale_i: scale the input by :math:`1-\alpha`.
        readout: output readout (``"spike_count"``, ``"var"``, ...) or ``None``.
        bias: constant input :math:`b` added every step (**ours**; 0 in mlGeNN).

    Raises:
        ValueError: if ``tau_mem <= 0`` or ``tau_refrac < 0``.

    Example:
        >>> lif = LeakyIntegrateFire(tau_mem=10.0, tau_refrac=2.0)
        >>> lif.tau_mem, lif.tau_refrac, lif.relative_reset
        (10.0, 2.0, True)
    """

    output_var_name = "v"

    @network_default_params
    def __init__(self, v_thresh: Any = 1.0, v_reset: Any = 0.0, v: Any = 0.0,
                 tau_mem: Any = 20.0, tau_refrac: Any = None, relative_reset: bool = True,
                 integrate_during_refrac: bool = True, scale_i: bool = False,
                 readout: Any = None, bias: Any = 0.0):
        super().__init__(readout=readout, v_thresh=v_thresh, v_reset=v_reset, v=v,
                         tau_mem=tau_mem, bias=bias, tau_refrac=tau_refrac,
                         relative_reset=relative_reset,
                         integrate_during_refrac=integrate_during_refrac, scale_i=scale_i)

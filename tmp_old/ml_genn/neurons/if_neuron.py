"""PySNN-style integrate-and-fire neuron with a spike trace."""
from __future__ import annotations

from typing import Any

from ..utils.defaults import network_default_params
from .base_pysnn import BasePySNNNeuron


class IFNeuron(BasePySNNNeuron):
    r"""Integrate-and-fire neuron of PySNN: no leak, reset to rest, a refractory period
    in timesteps and a trace of its own spikes.

    Per timestep, with input :math:`x` (synaptic input) and refractory counter :math:`r`:

    .. math::
        V &\leftarrow V + \alpha_v x \quad \text{if } r = 0 \text{ (else held)} \\
        s &= [V \ge V_{th}] \wedge [r = 0] \\
        \text{tr} &\leftarrow \begin{cases} \lambda_t\,\text{tr} + \alpha_t s &
            \text{linear} \\ \text{tr} + \frac{\Delta t}{\tau_t}(\alpha_t s - \text{tr}) &
            \text{exponential} \end{cases} \\
        r &\leftarrow n_{ref} \text{ if } s \text{ else } \max(r-1, 0); \quad
        V \leftarrow V_{rest} \text{ if } s

    with :math:`\lambda_t` = ``tau_t`` in linear mode (PySNN passes the decay factor in
    that argument). After a spike :math:`V` is held at :math:`V_{rest}` for
    :math:`n_{ref}` = ``refrac_steps`` steps; spiking is also blocked then (**ours**;
    PySNN only holds :math:`V`). :math:`V` starts at :math:`V_{rest}`, the trace at 0.

    State variables: ``v`` (output variable), ``trace``, ``refrac`` (int32).

    Args:
        thresh: threshold :math:`V_{th}`.
        v_rest: resting and reset voltage :math:`V_{rest}`.
        alpha_v: input scale :math:`\alpha_v`.
        alpha_t: trace increment per spike :math:`\alpha_t`.
        tau_t: trace decay factor in [0, 1] (linear) or time constant [ms] (exponential).
        refrac_steps: refractory period :math:`n_{ref}` [timesteps].
        update_type: ``"linear"`` or ``"exponential"`` trace update.
        readout: output readout or ``None``.

    Raises:
        ValueError: for an unknown ``update_type``, a ``tau_t`` out of range or a
            negative ``refrac_steps``.

    Example:
        >>> IFNeuron(thresh=0.5, refrac_steps=2).refrac_steps
        2
    """

    @network_default_params
    def __init__(self, thresh: Any = 1.0, v_rest: Any = 0.0, alpha_v: Any = 1.0,
                 alpha_t: Any = 1.0, tau_t: Any = 0.8, refrac_steps: int = 0,
                 update_type: str = "linear", readout: Any = None):
        super().__init__(readout=readout, thresh=thresh, v_rest=v_rest, alpha_v=alpha_v,
                         alpha_t=alpha_t, tau_t=tau_t, refrac_steps=refrac_steps,
                         update_type=update_type)

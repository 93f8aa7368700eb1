"""PySNN-style leaky integrate-and-fire neuron with a spike trace."""
from __future__ import annotations

from typing import Any

from ..utils.defaults import network_default_params
from .base_pysnn import BasePySNNNeuron, Decay


class LIFNeuron(BasePySNNNeuron):
    r"""Leaky integrate-and-fire neuron of PySNN (leak towards :math:`V_{rest}`, reset to
    rest, refractory period in timesteps, spike trace).

    Per timestep, with input :math:`x` and refractory counter :math:`r`:

    .. math::
        V &\leftarrow \begin{cases} V_{rest} + \lambda_v (V - V_{rest}) + \alpha_v x &
              \text{linear} \\
              V + \frac{\Delta t}{\tau_v}\left(-(V - V_{rest}) + \alpha_v x\right) &
              \text{exponential} \end{cases} \quad \text{if } r = 0 \text{ (else held)} \\
        s &= [V \ge V_{th}] \wedge [r = 0]

    then the trace, refractory counter and reset exactly as in
    :class:`~ml_genn.neurons.IFNeuron`. In linear mode ``tau_v`` and ``tau_t`` are the
    per-step decay factors :math:`\lambda_v, \lambda_t \in [0, 1]`; in exponential mode
    they are time constants [ms].

    State variables: ``v`` (output variable), ``trace``, ``refrac`` (int32).

    Args:
        thresh, v_rest, alpha_v, alpha_t, tau_t, refrac_steps, readout: as ``IFNeuron``.
        tau_v: voltage decay factor (linear) or membrane time constant [ms] (exponential).
        update_type: ``"linear"`` or ``"exponential"`` voltage and trace updates.

    Raises:
        ValueError: for an unknown ``update_type``, ``tau_v``/``tau_t`` out of range or a
            negative ``refrac_steps``.

    Example:
        >>> LIFNeuron(tau_v=10.0, tau_t=5.0, update_type="exponential").tau_v
        10.0
    """

    tau_v = Decay()

    @network_default_params
    def __init__(self, thresh: Any = 1.0, v_rest: Any = 0.0, alpha_v: Any = 1.0,
                 alpha_t: Any = 1.0, tau_v: Any = 0.8, tau_t: Any = 0.8,
                 refrac_steps: int = 0, update_type: str = "linear", readout: Any = None):
        super().__init__(readout=readout, thresh=thresh, v_rest=v_rest, alpha_v=alpha_v,
                         alpha_t=alpha_t, tau_v=tau_v, tau_t=tau_t, refrac_steps=refrac_steps,
                         update_type=update_type)

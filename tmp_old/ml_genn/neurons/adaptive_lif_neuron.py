"""PySNN-style adaptive leaky integrate-and-fire neuron."""
from __future__ import annotations

from typing import Any

from ..utils.defaults import network_default_params
from .base_pysnn import BasePySNNNeuron, Decay
from .param import Param


class AdaptiveLIFNeuron(BasePySNNNeuron):
    r"""Leaky integrate-and-fire neuron of PySNN whose threshold rises with each spike and
    relaxes back to its resting value.

    Per timestep, the voltage update and the spike test are those of
    :class:`~ml_genn.neurons.LIFNeuron` with the current threshold :math:`\theta`
    (:math:`s = [V \ge \theta] \wedge [r = 0]`); then the trace as in ``IFNeuron`` and

    .. math::
        \theta \leftarrow \begin{cases}
            \theta_{rest} + \lambda_\theta (\theta - \theta_{rest}) + \alpha_\theta s &
            \text{linear} \\
            \theta + \frac{\Delta t}{\tau_\theta}\left(-(\theta - \theta_{rest})
            + \alpha_\theta s\right) & \text{exponential} \end{cases}

    followed by the refractory counter and the reset to :math:`V_{rest}`.
    :math:`\theta` starts at :math:`\theta_{rest}` = ``thresh``. (**ours**: in linear mode
    the threshold decays towards :math:`\theta_{rest}`, not towards 0.)

    State variables: ``v`` (output variable), ``thresh``, ``trace``, ``refrac`` (int32).

    Args:
        thresh: resting threshold :math:`\theta_{rest}`.
        v_rest, alpha_v, alpha_t, tau_v, tau_t, refrac_steps, update_type, readout:
            as ``LIFNeuron``.
        alpha_thresh: threshold increment per spike :math:`\alpha_\theta`.
        tau_thresh: threshold decay factor (linear) or time constant [ms] (exponential).

    Raises:
        ValueError: for an unknown ``update_type`` or a decay/time constant out of range.

    Example:
        >>> AdaptiveLIFNeuron(alpha_thresh=0.2).alpha_thresh
        0.2
    """

    tau_v = Decay()
    alpha_thresh = Param()
    tau_thresh = Decay()

    @network_default_params
    def __init__(self, thresh: Any = 1.0, v_rest: Any = 0.0, alpha_v: Any = 1.0,
                 alpha_t: Any = 1.0, tau_v: Any = 0.8, tau_t: Any = 0.8,
                 alpha_thresh: Any = 0.1, tau_thresh: Any = 0.9, refrac_steps: int = 0,
                 update_type: str = "linear", readout: Any = None):
        super().__init__(readout=readout, thresh=thresh, v_rest=v_rest, alpha_v=alpha_v,
                         alpha_t=alpha_t, tau_v=tau_v, tau_t=tau_t, alpha_thresh=alpha_thresh,
                         tau_thresh=tau_thresh, refrac_steps=refrac_steps,
                         update_type=update_type)

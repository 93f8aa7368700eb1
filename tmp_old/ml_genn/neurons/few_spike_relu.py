"""Few-spike ReLU neuron (Stöckl & Maass 2021)."""
from __future__ import annotations

from typing import Any

from ..utils.defaults import network_default_params
from ..utils.validation import check_positive, check_positive_int
from .neuron import Neuron
from .param import Option, Param


class FewSpikeRelu(Neuron):
    r"""Few-spike ReLU: encodes :math:`\mathrm{ReLU}` of its input in ``k`` binary spikes.

    State :math:`F_x` (accumulator) and :math:`V`. At pipeline step :math:`p = t \bmod K`,
    with incoming graded events :math:`I(p)` (each spike carries the threshold
    :math:`d` its source used when sending it):

    .. math::
        F_x \leftarrow F_x + I(p); \quad
        p = 0:\ V \leftarrow F_x + b,\ y \leftarrow V,\ F_x \leftarrow 0; \quad
        h(p) = \alpha\,2^{-(p+1)}; \quad
        \text{spike (event } h(p)) \text{ if } V \ge h(p),\ V \leftarrow V - h(p)

    The value sent over one stage is :math:`\alpha 2^{-K}\lfloor 2^K \max(y,0)/\alpha\rfloor`,
    saturating at :math:`\alpha(1-2^{-K})`. ``y`` (the stage's input, before the ReLU)
    is the output variable read by ``"var"`` readouts.

    Args:
        k: timesteps per stage :math:`K`.
        alpha: largest representable value :math:`\alpha` (scale).
        readout: readout or ``None``.
        bias: constant :math:`b` added at the start of each stage (**ours**).

    Example:
        >>> FewSpikeRelu(k=8, alpha=4.0).k
        8
    """

    output_var_name = "y"

    alpha = Param(check_positive)
    bias = Param()
    k = Option(check_positive_int)

    @network_default_params
    def __init__(self, k: int = 10, alpha: Any = 25.0, readout: Any = None, bias: Any = 0.0):
        super().__init__(readout=readout, alpha=alpha, bias=bias, k=k)

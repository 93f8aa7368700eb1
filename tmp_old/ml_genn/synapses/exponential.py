"""Exponentially decaying current synapse."""
from ..utils.validation import check_positive
from .synapse import Synapse


class Exponential(Synapse):
    r"""Exponential current synapse:
    :math:`I_t = I_{t-1}\,e^{-\Delta t/\tau} + \sum_i w_i s_i(t - 1 - d)`.

    Args:
        tau: decay time constant [ms].

    Example:
        >>> Exponential(tau=10.0).tau
        10.0
    """

    def __init__(self, tau: float = 5.0):
        self.tau = float(check_positive(tau, "tau", "Exponential"))

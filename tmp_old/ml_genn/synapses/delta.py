"""Delta synapse."""
from .synapse import Synapse


class Delta(Synapse):
    r"""Weighted spikes are injected once, on the step after they were sent:
    :math:`I_t = \sum_i w_i s_i(t - 1 - d)`.

    Example:
        >>> from ml_genn.synapses import SYNAPSES
        >>> type(SYNAPSES.resolve("delta")).__name__
        'Delta'
    """

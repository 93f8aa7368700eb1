"""The ``"first_spike_time"`` readout."""
from .readout import Readout


class FirstSpikeTime(Readout):
    r"""Negated time [ms] of each neuron's first spike in the example, so that the
    earliest-firing neuron wins ``argmax``; :math:`-\infty` for a neuron that never fired.

    Example:
        >>> from ml_genn.readouts import READOUTS
        >>> type(READOUTS.resolve("first_spike_time")).__name__
        'FirstSpikeTime'
    """

    needs_var = False

"""The ``"spike_count"`` readout."""
from .readout import Readout


class SpikeCount(Readout):
    """Number of spikes each neuron emitted during the example.

    Example:
        >>> from ml_genn.readouts import READOUTS
        >>> type(READOUTS.resolve("spike_count")).__name__
        'SpikeCount'
    """

    needs_var = False

"""The ``"avg_var"`` readout."""
from .readout import Readout


class AvgVar(Readout):
    """Mean of the output variable over the example's timesteps.

    Example:
        >>> from ml_genn.readouts import READOUTS
        >>> type(READOUTS.resolve("avg_var")).__name__
        'AvgVar'
    """

    needs_var = True

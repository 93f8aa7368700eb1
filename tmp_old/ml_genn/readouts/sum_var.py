"""The ``"sum_var"`` readout."""
from .readout import Readout


class SumVar(Readout):
    """Sum of the output variable over the example's timesteps.

    Example:
        >>> from ml_genn.readouts import READOUTS
        >>> type(READOUTS.resolve("sum_var")).__name__
        'SumVar'
    """

    needs_var = True

"""The ``"max_var"`` readout."""
from .readout import Readout


class MaxVar(Readout):
    """Maximum of the output variable over the example's timesteps.

    Example:
        >>> from ml_genn.readouts import READOUTS
        >>> type(READOUTS.resolve("max_var")).__name__
        'MaxVar'
    """

    needs_var = True

"""The ``"var"`` readout."""
from .readout import Readout


class Var(Readout):
    """Value of the neuron's output variable at the last timestep.

    Example:
        >>> from ml_genn.readouts import READOUTS
        >>> type(READOUTS.resolve("var")).__name__
        'Var'
    """

    needs_var = True

"""The ``"avg_var_exp_weight"`` readout."""
from .readout import Readout


class AvgVarExpWeight(Readout):
    r"""Exponentially weighted average of the output variable over an example of
    :math:`T` timesteps, weighting late timesteps least:

    .. math:: r = \frac{1}{T}\sum_{t=0}^{T-1} e^{-t/T}\, y_t

    Example:
        >>> from ml_genn.readouts import READOUTS
        >>> type(READOUTS.resolve("avg_var_exp_weight")).__name__
        'AvgVarExpWeight'
    """

"""How rate-coded converters feed the input values in."""
from enum import Enum


class InputType(Enum):
    """Input neurons of the rate-coded converters.

    - ``SPIKE`` (``"spike"``): :class:`~ml_genn.neurons.BinarySpikeInput`, a spike every
      step where the value is positive.
    - ``POISSON`` (``"poisson"``): :class:`~ml_genn.neurons.PoissonInput`, random spikes.
    - ``IF`` (``"if"``): :class:`~ml_genn.neurons.IntegrateFireInput`, deterministic rate.
    - ``DIRECT`` (``"direct"``, **ours**): :class:`~ml_genn.neurons.DirectInput`, the
      value itself every step (analog input to the first layer).

    Example:
        >>> InputType("if") is InputType.IF
        True
    """

    SPIKE = "spike"
    POISSON = "poisson"
    IF = "if"
    DIRECT = "direct"

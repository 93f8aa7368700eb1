"""Base class of readouts: how an output population becomes one value per neuron."""
from __future__ import annotations

from typing import ClassVar


class Readout:
    """Turns an output population's activity over an example into one value per neuron.

    ``needs_var``: whether it reads the neuron's output variable (else only spikes).
    The accumulation is a backend registered for the class with
    ``ml_genn.backend.readouts.register_readout``; ``READOUTS.register`` gives the class
    its string name.
    """

    needs_var: ClassVar[bool] = True

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"

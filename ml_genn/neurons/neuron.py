"""Base class of neuron models (the description; dynamics live in ``ml_genn.backend``)."""
from __future__ import annotations

from typing import Any, ClassVar

from ..readouts import READOUTS
from ..utils.validation import check_init_value


class Neuron:
    """A neuron model's parameters, as plain Python/NumPy values.

    Subclasses list their InitValue parameters (initial variable values included) in
    ``param_names`` and name the variable read by ``"var"``-type readouts in
    ``output_var_name``. Their dynamics are registered in ``ml_genn.backend.neurons``.

    Args:
        readout: how the population is read out when it is an output
            (``"spike_count"``, ``"var"``, ...), or ``None`` if it is not an output.
    """

    param_names: ClassVar[tuple[str, ...]] = ()
    output_var_name: ClassVar[str | None] = None
    is_input: ClassVar[bool] = False

    def __init__(self, readout: Any = None, **params: Any):
        owner = type(self).__name__
        for name, value in params.items():
            setattr(self, name, check_init_value(value, name, owner))
        self.readout = READOUTS.resolve(readout)

    def get_params(self) -> dict[str, Any]:
        """The InitValue parameters, by name."""
        return {name: getattr(self, name) for name in self.param_names}

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_params().items())
        return f"{type(self).__name__}({args})"


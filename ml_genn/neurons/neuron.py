"""Base class of neuron models (the description; dynamics live in ``ml_genn.backend``)."""
from __future__ import annotations

from typing import Any, ClassVar

import numpy as np

from ..initializers import Initializer
from ..readouts import READOUTS
from ..utils.value import check_init_value


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


def check_positive_int(value: Any, name: str, owner: str) -> int:
    if isinstance(value, bool) or int(value) != value or int(value) <= 0:
        raise ValueError(f"{owner}: {name} must be a positive integer, received {value!r}.")
    return int(value)


def check_positive(value: Any, name: str, owner: str) -> Any:
    """Reject a non-positive scalar or array (initializers are checked when drawn)."""
    if isinstance(value, Initializer):
        return value
    if not np.all(np.asarray(value, dtype=np.float64) > 0):
        raise ValueError(f"{owner}: {name} must be > 0, received {value!r}.")
    return value

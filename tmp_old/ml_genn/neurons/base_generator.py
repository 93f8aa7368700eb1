"""Shared behaviour of generators: populations that produce activity by themselves."""
from __future__ import annotations

from typing import Any, ClassVar

from ..utils.validation import check_non_negative
from .neuron import Neuron
from .param import Option


def _check_start(value: Any, name: str, owner: str) -> float:
    return float(check_non_negative(value, name, owner))


def _check_stop(value: Any, name: str, owner: str) -> float | None:
    return None if value is None else float(value)


class GeneratorBase(Neuron):
    """A source of spikes or current, active in the time window ``[start, stop)`` [ms].

    Generators take no data from ``evaluate``/``predict``: they are ordinary (non-input)
    populations, ``is_input = False``, and ignore their synaptic input, so they need no
    incoming connections (any they have are without effect). At timestep :math:`t` (time
    :math:`t\\,\\Delta t`) a generator is active iff
    :math:`\\lceil start/\\Delta t\\rceil \\le t < \\lceil stop/\\Delta t\\rceil`, i.e. iff
    :math:`start \\le t\\Delta t < stop` (``stop=None``: no end).

    Args:
        start: start of the active window [ms], >= 0.
        stop: end of the active window [ms] (excluded), or ``None``.

    Raises:
        ValueError: if ``start < 0`` or ``stop <= start``.
    """

    is_input: ClassVar[bool] = False
    output_var_name = None

    start = Option(_check_start)
    stop = Option(_check_stop)

    def __init__(self, start: float = 0.0, stop: float | None = None, **values: Any):
        super().__init__(readout=None, start=start, stop=stop, **values)
        if self.stop is not None and self.stop <= self.start:
            raise ValueError(f"{type(self).__name__}: stop must be > start, received "
                             f"start={start!r}, stop={stop!r}.")

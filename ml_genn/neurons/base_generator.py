"""Shared behaviour of generators: populations that produce activity by themselves."""
from __future__ import annotations

from typing import Any, ClassVar

from .neuron import Neuron


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

    def __init__(self, start: float = 0.0, stop: float | None = None, **params: Any):
        owner = type(self).__name__
        self.start = float(start)
        self.stop = None if stop is None else float(stop)
        if self.start < 0:
            raise ValueError(f"{owner}: start must be >= 0 ms, received {start!r}.")
        if self.stop is not None and self.stop <= self.start:
            raise ValueError(f"{owner}: stop must be > start, received start={start!r}, "
                             f"stop={stop!r}.")
        super().__init__(readout=None, **params)

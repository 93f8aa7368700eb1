"""Shared argument handling of the PySNN-style neurons (``IFNeuron``, ``LIFNeuron``,
``AdaptiveLIFNeuron``, ``TraceInput``).

PySNN updates its traces (and LIF voltages and adaptive thresholds) in one of two
ways, chosen by ``update_type``:

* ``"linear"``: a fixed decay factor per step, :math:`x \\leftarrow \\lambda x + \\ldots`;
  the time-constant argument *is* that factor :math:`\\lambda \\in [0, 1]`.
* ``"exponential"``: a forward-Euler step of :math:`\\tau \\dot x = -x + \\ldots`;
  the argument is the time constant :math:`\\tau > 0` [ms].
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ..initializers import Initializer
from ..utils.validation import check_non_negative_int, check_positive
from .neuron import Neuron
from .param import Option, Param

UPDATE_TYPES = ("linear", "exponential")


class Decay(Param):
    """A decay parameter whose meaning depends on the neuron's ``update_type``: checked
    by :func:`check_decays` once ``update_type`` is set."""


def check_update_type(update_type: Any, name: str, owner: str) -> str:
    if update_type not in UPDATE_TYPES:
        raise ValueError(f"{owner}: {name} must be 'linear' or 'exponential', "
                         f"received {update_type!r}.")
    return str(update_type)


def check_decays(neuron: Any) -> None:
    """Check every :class:`Decay` of ``neuron`` against its ``update_type``."""
    for name in neuron.param_names:
        if isinstance(getattr(type(neuron), name), Decay):
            check_decay(getattr(neuron, name), name, neuron.update_type, type(neuron).__name__)


def check_decay(value: Any, name: str, update_type: str, owner: str) -> Any:
    """A decay factor in [0, 1] (``"linear"``) or a time constant > 0 [ms] (``"exponential"``)."""
    if update_type == "exponential":
        return check_positive(value, name, owner)
    if isinstance(value, Initializer):
        return value
    array = np.asarray(value, dtype=np.float64)
    if not np.all((array >= 0) & (array <= 1)):
        raise ValueError(f"{owner}: {name} is the per-step decay factor with "
                         f"update_type='linear' and must lie in [0, 1], received {value!r}. "
                         f"Use update_type='exponential' for a time constant in ms.")
    return value


class BasePySNNNeuron(Neuron):
    """The parameters of :class:`~ml_genn.neurons.IFNeuron`,
    :class:`~ml_genn.neurons.LIFNeuron` and :class:`~ml_genn.neurons.AdaptiveLIFNeuron`
    (see their docstrings), declared once for the three, and the check of their decays
    against ``update_type`` (:func:`check_decays`) once every value is set."""

    output_var_name = "v"

    thresh = Param()
    v_rest = Param()
    alpha_v = Param()
    alpha_t = Param()
    tau_t = Decay()
    refrac_steps = Option(check_non_negative_int)
    update_type = Option(check_update_type)

    def __init__(self, readout: Any = None, **values: Any):
        super().__init__(readout=readout, **values)
        check_decays(self)

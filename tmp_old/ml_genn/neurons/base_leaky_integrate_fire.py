"""Parameters shared by the leaky integrate-and-fire neuron and its input variant."""
from __future__ import annotations

from ..utils.validation import as_bool, check_non_negative, check_positive
from .neuron import Neuron
from .param import Option, Param


class BaseLeakyIntegrateFire(Neuron):
    """The parameters of :class:`~ml_genn.neurons.LeakyIntegrateFire` and
    :class:`~ml_genn.neurons.LeakyIntegrateFireInput` (see their docstrings), declared
    once for both."""

    v_thresh = Param()
    v_reset = Param()
    v = Param()
    tau_mem = Param(check_positive, device=False)
    bias = Param()
    tau_refrac = Param(check_non_negative, optional=True, device=False)
    relative_reset = Option(as_bool)
    integrate_during_refrac = Option(as_bool)
    scale_i = Option(as_bool)

"""Shared argument handling of the leaky integrate-and-fire family (LIF, LIF input,
adaptive LIF and the other models with a refractory period)."""
from __future__ import annotations

from typing import Any

from ..utils.validation import check_init_value, check_non_negative, check_positive


def check_tau_refrac(tau_refrac: Any, owner: str) -> Any:
    """``None`` (no refractory period) or a non-negative InitValue [ms]."""
    if tau_refrac is None:
        return None
    check_non_negative(tau_refrac, "tau_refrac", owner)
    return check_init_value(tau_refrac, "tau_refrac", owner)


def set_lif_options(neuron: Any, tau_mem: Any, tau_refrac: Any, relative_reset: bool,
                    integrate_during_refrac: bool, scale_i: bool = False) -> None:
    """Validate ``tau_mem`` and ``tau_refrac`` and store the static flags on ``neuron``."""
    owner = type(neuron).__name__
    check_positive(tau_mem, "tau_mem", owner)
    neuron.tau_refrac = check_tau_refrac(tau_refrac, owner)
    neuron.relative_reset = bool(relative_reset)
    neuron.integrate_during_refrac = bool(integrate_during_refrac)
    neuron.scale_i = bool(scale_i)

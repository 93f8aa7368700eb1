"""Integrate-and-fire neuron that is active in a window of timesteps."""
from __future__ import annotations

from typing import Any

import numpy as np

from ..utils.defaults import network_default_params
from ..utils.validation import as_bool
from .integrate_fire import IntegrateFire
from .neuron import Neuron
from .param import Option


def _whole_steps(value: Any, name: str, owner: str) -> int:
    """A timestep: a whole number >= 0."""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)) \
            or int(value) != value or value < 0:
        raise ValueError(f"{owner}: {name} must be a whole number of timesteps >= 0, "
                         f"received {value!r}.")
    return int(value)


def _optional_whole_steps(value: Any, name: str, owner: str) -> int | None:
    return None if value is None else _whole_steps(value, name, owner)


def _spike_cap(value: Any, name: str, owner: str) -> int | None:
    """``None`` (no cap), or a whole number >= 0."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)) \
            or int(value) != value or value < 0:
        raise ValueError(f"{owner}: {name} must be None or a whole number >= 0, "
                         f"received {value!r}.")
    return int(value)


class WindowedIntegrateFire(IntegrateFire):
    r"""An :class:`IntegrateFire` neuron that integrates and fires only in the timesteps
    :math:`t_0 \le t < t_1` (``start_step``, ``stop_step``) and is frozen otherwise,
    optionally with negative spikes and a cap on its net spike count :math:`n` (state
    variable ``net_spikes``):

    .. math::
        a_t = [t_0 \le t < t_1], \qquad V \leftarrow V + a_t\,(I + b)

        s_t = +1 \text{ if } a_t \wedge V \ge V_{th} \wedge n < n_{max}, \quad
        V \leftarrow V - (V_{th} - V_{reset}) \text{ (or } V_{reset}\text{)}

        s_t = -1 \text{ if signed} \wedge a_t \wedge V < V_{reset} \wedge n > 0, \quad
        V \leftarrow V + (V_{th} - V_{reset})

        n \leftarrow n + s_t

    A negative spike reaches targets as :math:`-w` and takes back an earlier spike
    that later input made wrong (the signed neuron of Wang et al. 2022), so that after
    the window :math:`V_{reset} \le V < V_{th}` whenever the window was long enough: the
    net count is then the rounded total input, as for a constant input.

    With every synapse delaying spikes by one step, a population at depth :math:`d`
    (longest path from the inputs) first receives input at step :math:`d`. Giving it
    the window :math:`[d, d+T)` and delaying shorter paths to match makes a network of
    depth :math:`D`, run for :math:`T + D` steps, compute exactly what a network whose
    layers all update in the same step computes in :math:`T` steps (the timing of
    ANN-to-SNN conversion papers): no bias is integrated before the inputs arrive and
    nothing after a window reaches a later window. **ours**.

    Args:
        start_step: first active timestep :math:`t_0` (model time, from 0).
        stop_step: first timestep :math:`t_1` after the window (``None``: no end).
        signed_spikes: emit negative spikes (see above).
        max_spikes: cap :math:`n_{max}` on the net spike count (``None``: no cap).
        v_thresh, v_reset, v, readout, bias, relative_reset: as :class:`IntegrateFire`
            (reset by subtraction by default here).

    Example:
        >>> neuron = WindowedIntegrateFire(start_step=2, stop_step=6, v=0.5)
        >>> neuron.start_step, neuron.stop_step, neuron.relative_reset
        (2, 6, True)
    """

    start_step = Option(_whole_steps)
    stop_step = Option(_optional_whole_steps)
    signed_spikes = Option(as_bool)
    max_spikes = Option(_spike_cap)

    @network_default_params
    def __init__(self, start_step: int = 0, stop_step: int | None = None,
                 signed_spikes: bool = False, max_spikes: int | None = None,
                 v_thresh: Any = 1.0, v_reset: Any = 0.0, v: Any = 0.0, readout: Any = None,
                 bias: Any = 0.0, relative_reset: bool = True):
        start = _whole_steps(start_step, "start_step", type(self).__name__)
        if stop_step is not None and stop_step <= start:
            raise ValueError(f"{type(self).__name__}: stop_step must be a whole number of "
                             f"timesteps >= {start + 1}, received {stop_step!r}.")
        # IntegrateFire's constructor passes its own values only: declare all of them here.
        Neuron.__init__(self, readout=readout, v_thresh=v_thresh, v_reset=v_reset, v=v,
                        bias=bias, relative_reset=relative_reset, start_step=start_step,
                        stop_step=stop_step, signed_spikes=signed_spikes,
                        max_spikes=max_spikes)

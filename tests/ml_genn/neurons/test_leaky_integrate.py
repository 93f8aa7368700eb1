"""LeakyIntegrate dynamics against a NumPy restatement of its docstring equations."""
from __future__ import annotations

import math

import numpy as np
import pytest

from ml_genn.neurons import NEURONS, LeakyIntegrate

LN2_TAU = 1.0 / math.log(2.0)   # alpha = 0.5 at dt = 1


def li_reference(drive, *, v=0.0, bias=0.0, tau_mem=20.0, scale_i=False, dt=1.0):
    alpha = math.exp(-dt / tau_mem)
    V = np.full(drive.shape[1:], v, dtype=np.float64)
    out = []
    for x in drive:
        V = alpha * V + ((1.0 - alpha) if scale_i else 1.0) * (x + bias)
        out.append(V)
    return np.stack(out)


@pytest.mark.parametrize("settings", [dict(), dict(scale_i=True), dict(bias=0.3, v=-1.0),
                                      dict(tau_mem=3.0, scale_i=True, bias=-0.2, dt=0.5)])
def test_matches_reference(simulate, settings):
    settings = dict(settings)
    dt = settings.pop("dt", 1.0)
    drive = np.random.default_rng(0).normal(size=(60, 3, 5))
    states, events = simulate(LeakyIntegrate(**settings), drive, dt=dt)
    np.testing.assert_allclose(states["v"], li_reference(drive, dt=dt, **settings),
                               rtol=1e-5, atol=1e-5)
    assert not events.any()


def test_golden(simulate):
    # alpha = 0.5, I = 1: 1, 1.5, 1.75, 1.875; with scale_i: 0.5, 0.75, 0.875, 0.9375
    states, events = simulate(LeakyIntegrate(tau_mem=LN2_TAU), np.ones((4, 1, 1)))
    np.testing.assert_allclose(states["v"][:, 0, 0], [1.0, 1.5, 1.75, 1.875], atol=1e-6)
    states, _ = simulate(LeakyIntegrate(tau_mem=LN2_TAU, scale_i=True), np.ones((4, 1, 1)))
    np.testing.assert_allclose(states["v"][:, 0, 0], [0.5, 0.75, 0.875, 0.9375], atol=1e-6)
    np.testing.assert_array_equal(events, 0.0)


def test_defaults_and_name():
    li = NEURONS.resolve("leaky_integrate")
    assert (li.v, li.bias, li.tau_mem, li.scale_i) == (0.0, 0.0, 20.0, False)
    assert LeakyIntegrate.output_var_name == "v"


def test_bad_tau_mem():
    with pytest.raises(ValueError, match="LeakyIntegrate: tau_mem must be > 0"):
        LeakyIntegrate(tau_mem=0.0)

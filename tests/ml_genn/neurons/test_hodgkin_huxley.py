"""HodgkinHuxley against a NumPy restatement of its docstring equations."""
from __future__ import annotations

import math

import numpy as np
import pytest

from ml_genn.backend.neurons import build_dynamics
from ml_genn.neurons import NEURONS, HodgkinHuxley


def gate_rates(V):
    def linear(x, scale):   # x / (1 - exp(-x/scale)), with its limit at x = 0
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(np.abs(x) < 1e-9, scale, x / (1 - np.exp(-x / scale)))
    return dict(am=0.1 * linear(V + 40, 10), bm=4 * np.exp(-(V + 65) / 18),
                ah=0.07 * np.exp(-(V + 65) / 20), bh=1 / (1 + np.exp(-(V + 35) / 10)),
                an=0.01 * linear(V + 55, 10), bn=0.125 * np.exp(-(V + 65) / 80))


def hh_reference(drive, events, decide, *, e_na=50.0, e_k=-77.0, e_l=-54.402, g_na=12000.0,
                 g_k=3600.0, g_l=30.0, c_m=100.0, v=-65.0, v_thresh=0.0, i_offset=0.0,
                 substep=0.01, dt=0.1):
    k = max(1, math.ceil(round(dt / substep, 9)))
    h = dt / k
    V = np.full(drive.shape[1:], v, np.float64)
    r = gate_rates(V)
    m, hh, n = r["am"] / (r["am"] + r["bm"]), r["ah"] / (r["ah"] + r["bh"]), \
        r["an"] / (r["an"] + r["bn"])
    out = {"v": [], "m": [], "h": [], "n": [], "spikes": []}
    for t, x in enumerate(drive):
        v_start = V
        for _ in range(k):
            r = gate_rates(V)
            i_ion = (g_na * m ** 3 * hh * (V - e_na) + g_k * n ** 4 * (V - e_k)
                     + g_l * (V - e_l))
            V, m, hh, n = (V + h * (x + i_offset - i_ion) / c_m,
                           m + h * (r["am"] * (1 - m) - r["bm"] * m),
                           hh + h * (r["ah"] * (1 - hh) - r["bh"] * hh),
                           n + h * (r["an"] * (1 - n) - r["bn"] * n))
        s = decide(V, v_thresh, events[t] > 0, v_start < v_thresh)
        for key, value in (("v", V), ("m", m), ("h", hh), ("n", n), ("spikes", s)):
            out[key].append(np.array(value, np.float64))
    return {key: np.stack(val) for key, val in out.items()}


@pytest.mark.parametrize("settings", [dict(), dict(i_offset=300.0, dt=0.05, substep=0.025),
                                      dict(g_k=2000.0, v=-60.0, v_thresh=-10.0)])
def test_matches_reference(simulate, decide, settings):
    settings = dict(settings)
    dt = settings.pop("dt", 0.1)
    decide.tol = 1e-2
    drive = np.random.default_rng(0).uniform(0.0, 2500.0, size=(150, 2, 4))
    states, events = simulate(HodgkinHuxley(**settings), drive, dt=dt)
    ref = hh_reference(drive, events, decide, dt=dt, **settings)
    assert decide.ambiguous <= 2 and events.sum() >= 8
    np.testing.assert_array_equal(events, ref["spikes"])
    np.testing.assert_allclose(states["v"], ref["v"], rtol=1e-3, atol=0.05)
    for gate in ("m", "h", "n"):
        np.testing.assert_allclose(states[gate], ref[gate], atol=2e-4, err_msg=gate)


def test_rates_golden():
    # alpha_m(-40) and alpha_n(-55) at their removable singularities: 0.1*10 and 0.01*10;
    # beta_m(-65) = 4, alpha_h(-65) = 0.07, beta_n(-65) = 0.125, beta_h(-35) = 1/2
    from ml_genn.backend.neurons.hodgkin_huxley import rates
    am, bm, ah, bh, an, bn = (float(r) for r in rates(np.float32(-40.0)))
    assert am == pytest.approx(1.0, abs=1e-6)
    am, bm, ah, bh, an, bn = (float(r) for r in rates(np.float32(-55.0)))
    assert an == pytest.approx(0.1, abs=1e-7)
    am, bm, ah, bh, an, bn = (float(r) for r in rates(np.float32(-65.0)))
    assert (bm, ah, bn) == pytest.approx((4.0, 0.07, 0.125), abs=1e-6)
    assert float(rates(np.float32(-35.0))[3]) == pytest.approx(0.5, abs=1e-7)


def test_passive_golden(simulate):
    # g_na = g_k = 0, g_l = 10 nS, c_m = 100 pF, e_l = -65, I = 100 pA, dt = 1, two
    # sub-steps of 0.5: dV/dt = (100 - 10 (V + 65)) / 100:
    # -65 + 0.5 = -64.5; -64.5 + 0.5*0.95 = -64.025; + 0.5*0.9025 = -63.57375;
    # + 0.5*0.857375 = -63.1450625
    neuron = HodgkinHuxley(g_na=0.0, g_k=0.0, g_l=10.0, e_l=-65.0, substep=0.5)
    states, events = simulate(neuron, np.full((2, 1, 1), 100.0), dt=1.0)
    np.testing.assert_allclose(states["v"][:, 0, 0], [-64.025, -63.1450625], atol=1e-4)
    assert not events.any()


def test_spikes_once_per_action_potential(simulate):
    states, events = simulate(HodgkinHuxley(), np.full((400, 1, 1), 1500.0), dt=0.05)
    v = states["v"][:, 0, 0]
    crossings = np.flatnonzero((v[:-1] < 0) & (v[1:] >= 0)) + 1
    np.testing.assert_array_equal(np.flatnonzero(events[:, 0, 0]), crossings)
    assert len(crossings) >= 2 and v.max() > 20


def test_substeps():
    assert build_dynamics(HodgkinHuxley(), (1,), 0.1).substeps == 10
    assert build_dynamics(HodgkinHuxley(substep=0.03), (1,), 0.1).substeps == 4


def test_names_and_errors():
    hh = NEURONS.resolve("hodgkin_huxley")
    assert (hh.e_na, hh.e_k, hh.e_l, hh.g_na, hh.g_k, hh.g_l, hh.c_m) == (
        50.0, -77.0, -54.402, 12000.0, 3600.0, 30.0, 100.0)
    with pytest.raises(ValueError, match="HodgkinHuxley: c_m must be > 0"):
        HodgkinHuxley(c_m=-1.0)
    with pytest.raises(ValueError, match="HodgkinHuxley: substep must be > 0"):
        HodgkinHuxley(substep=0.0)

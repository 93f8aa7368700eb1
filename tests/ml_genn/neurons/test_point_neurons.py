"""Izhikevich, ExpLIF, QuadraticIF and GLIF3 against NumPy restatements of their
docstring equations."""
from __future__ import annotations

import math

import numpy as np
import pytest

from ml_genn.neurons import GLIF3, NEURONS, ExpLIF, Izhikevich, QuadraticIF


def izhikevich_reference(drive, events, decide, *, a=0.02, b=0.2, c=-65.0, d=8.0, v_th=30.0,
                         v=-65.0, u=None, dt=1.0):
    V = np.full(drive.shape[1:], v, np.float64)
    U = np.full(drive.shape[1:], b * v if u is None else u, np.float64)
    vs, us, spikes = [], [], []
    for t, x in enumerate(drive):
        V, U = V + dt * (0.04 * V ** 2 + 5 * V + 140 - U + x), U + dt * a * (b * V - U)
        s = decide(V, v_th, events[t] > 0)
        V = np.where(s, c, V)
        U = np.where(s, U + d, U)
        vs.append(V)
        us.append(U)
        spikes.append(s)
    return np.stack(vs), np.stack(us), np.stack(spikes).astype(np.float32)


def euler_if_reference(derivative, drive, events, decide, *, v, v_thresh, v_reset, tau_mem,
                       tau_refrac, dt):
    """Shared loop of ExpLIF / QuadraticIF: Euler step held while refractory."""
    n_ref = 0 if tau_refrac is None else math.ceil(round(tau_refrac / dt, 9))
    V = np.full(drive.shape[1:], v, np.float64)
    R = np.zeros(drive.shape[1:], np.int64)
    vs, spikes = [], []
    for t, x in enumerate(drive):
        active = R == 0
        V = np.where(active, V + dt / tau_mem * derivative(V, x), V)
        s = decide(V, v_thresh, events[t] > 0, active)
        V = np.where(s, v_reset, V)
        R = np.where(s, n_ref, np.maximum(R - 1, 0))
        vs.append(V)
        spikes.append(s)
    return np.stack(vs), np.stack(spikes).astype(np.float32)


def exp_lif_reference(drive, events, decide, *, v_rest=-65.0, v_reset=-68.0, v_thresh=-30.0,
                      v_t=-59.9, delta_t=3.48, tau_mem=10.0, r=1.0, v=-65.0, tau_refrac=None,
                      dt=1.0):
    def derivative(V, x):
        return -(V - v_rest) + delta_t * np.exp(np.minimum((V - v_t) / delta_t, 30)) + r * x
    return euler_if_reference(derivative, drive, events, decide, v=v, v_thresh=v_thresh,
                              v_reset=v_reset, tau_mem=tau_mem, tau_refrac=tau_refrac, dt=dt)


def qif_reference(drive, events, decide, *, v_rest=-65.0, v_reset=-68.0, v_thresh=-30.0,
                  v_c=-50.0, c=0.07, tau_mem=10.0, r=1.0, v=-65.0, tau_refrac=None, dt=1.0):
    def derivative(V, x):
        return c * (V - v_rest) * (V - v_c) + r * x
    return euler_if_reference(derivative, drive, events, decide, v=v, v_thresh=v_thresh,
                              v_reset=v_reset, tau_mem=tau_mem, tau_refrac=tau_refrac, dt=dt)


def glif3_reference(drive, events, decide, *, v_thresh=-51.68, v_reset=-78.85, e_l=-78.85,
                    g=9.43, c_m=58.72, tau_refrac=3.75, asc_init=(0.0, 0.0),
                    asc_decay=(0.003, 0.1), asc_amps=(-9.18, -198.94), asc_r=(1.0, 1.0),
                    v=-78.85, dt=1.0):
    n_ref = 0 if tau_refrac is None else math.ceil(round(tau_refrac / dt, 9))
    shape = drive.shape[1:]
    V = np.full(shape, v, np.float64)
    I1, I2 = np.full(shape, asc_init[0]), np.full(shape, asc_init[1])
    R = np.zeros(shape, np.int64)
    out = {"v": [], "asc_1": [], "asc_2": [], "spikes": []}
    for t, x in enumerate(drive):
        active = R == 0
        v_inf = e_l + (x + I1 + I2) / g
        V = np.where(active, v_inf + (V - v_inf) * np.exp(-g * dt / c_m), V)
        I1, I2 = I1 * np.exp(-asc_decay[0] * dt), I2 * np.exp(-asc_decay[1] * dt)
        s = decide(V, v_thresh, events[t] > 0, active)
        V = np.where(s, v_reset, V)
        I1 = np.where(s, asc_r[0] * I1 + asc_amps[0], I1)
        I2 = np.where(s, asc_r[1] * I2 + asc_amps[1], I2)
        R = np.where(s, n_ref, np.maximum(R - 1, 0))
        for key, value in (("v", V), ("asc_1", I1), ("asc_2", I2), ("spikes", s)):
            out[key].append(np.array(value, np.float64))
    return {k: np.stack(val) for k, val in out.items()}


@pytest.mark.parametrize("settings", [dict(dt=0.5), dict(dt=0.25, a=0.1, d=2.0),
                                      dict(dt=0.5, c=-50.0, d=2.0, u=-10.0)])
def test_izhikevich_matches_reference(simulate, decide, settings):
    settings = dict(settings)
    dt = settings.pop("dt")
    decide.tol = 1e-3
    drive = np.random.default_rng(0).uniform(0.0, 20.0, size=(200, 2, 6))
    states, events = simulate(Izhikevich(**settings), drive, dt=dt)
    v_ref, u_ref, s_ref = izhikevich_reference(drive, events, decide, dt=dt, **settings)
    assert decide.ambiguous <= 3 and events.sum() >= 12
    np.testing.assert_array_equal(events, s_ref)
    # During the upswing (V > -40 mV) each Euler step multiplies float32 rounding errors
    # by 1 + dt (0.08 V + 5) (up to ~5), so compare loosely there and tightly elsewhere.
    upswing = v_ref > -40.0
    np.testing.assert_allclose(states["v"][~upswing], v_ref[~upswing], rtol=1e-4, atol=1e-3)
    np.testing.assert_allclose(states["v"][upswing], v_ref[upswing], rtol=1e-2, atol=0.05)
    np.testing.assert_allclose(states["u"], u_ref, rtol=1e-4, atol=1e-3)


@pytest.mark.parametrize("cls, reference", [(ExpLIF, exp_lif_reference),
                                            (QuadraticIF, qif_reference)])
@pytest.mark.parametrize("settings", [dict(), dict(tau_refrac=1.0), dict(tau_refrac=0.35, r=2.0)])
def test_euler_if_matches_reference(simulate, decide, cls, reference, settings):
    decide.tol = 1e-3
    drive = np.random.default_rng(1).uniform(0.0, 30.0, size=(300, 2, 6))
    states, events = simulate(cls(**settings), drive, dt=0.1)
    v_ref, s_ref = reference(drive, events, decide, dt=0.1, **settings)
    assert decide.ambiguous <= 3 and events.sum() >= 12
    np.testing.assert_array_equal(events, s_ref)
    np.testing.assert_allclose(states["v"], v_ref, rtol=1e-4, atol=1e-3)


@pytest.mark.parametrize("settings", [dict(), dict(tau_refrac=None),
                                      dict(asc_r=(0.5, 0.8), asc_init=(-5.0, 10.0),
                                           tau_refrac=1.2)])
def test_glif3_matches_reference(simulate, decide, settings):
    decide.tol = 1e-3
    drive = np.random.default_rng(2).uniform(100.0, 600.0, size=(200, 2, 6))
    states, events = simulate(GLIF3(**settings), drive, dt=0.5)
    ref = glif3_reference(drive, events, decide, dt=0.5, **settings)
    assert decide.ambiguous <= 3 and events.sum() >= 12
    np.testing.assert_array_equal(events, ref["spikes"])
    for key in ("v", "asc_1", "asc_2"):
        np.testing.assert_allclose(states[key], ref[key], rtol=1e-4, atol=1e-3, err_msg=key)


# Golden trajectories, derived by hand from the docstring equations.
def test_izhikevich_golden(simulate):
    # v=-65, u=b*v=-13, I=10, dt=0.5: dv = 169 - 325 + 140 + 13 + 10 = 7 -> -61.5; du = 0.
    # dv = 151.29 - 307.5 + 163 = 6.79 -> -58.105; du = 0.02 (-12.3 + 13) = 0.014 -> -12.993
    states, events = simulate(Izhikevich(), np.full((2, 1, 1), 10.0), dt=0.5)
    np.testing.assert_allclose(states["v"][:, 0, 0], [-61.5, -58.105], atol=1e-4)
    np.testing.assert_allclose(states["u"][:, 0, 0], [-13.0, -12.993], atol=1e-5)
    assert not events.any()
    # v=29, u=0, I=0, dt=1: v' = 29 + 33.64 + 145 + 140 = 347.64 >= 30 -> spike, v=c=-65,
    # u' = 0.02 * 0.2 * 29 = 0.116, + d = 8.116
    states, events = simulate(Izhikevich(v=29.0, u=0.0), np.zeros((1, 1, 1)))
    np.testing.assert_allclose([states["v"][0, 0, 0], states["u"][0, 0, 0]], [-65.0, 8.116],
                               atol=1e-5)
    assert events[0, 0, 0] == 1


def test_exp_lif_golden(simulate):
    # v_rest = v_t = 0, delta_t = 1, tau = 1, dt = 0.1, I = 0: dV = -V + exp(V)
    # 0 + 0.1 * 1 = 0.1; 0.1 + 0.1 (-0.1 + e^0.1 = 1.1051709) = 0.2005171 >= 0.15 -> -0.5;
    # -0.5 + 0.1 (0.5 + e^-0.5 = 0.6065307) = -0.3893469
    neuron = ExpLIF(v_rest=0.0, v_t=0.0, delta_t=1.0, tau_mem=1.0, v=0.0, v_thresh=0.15,
                    v_reset=-0.5)
    states, events = simulate(neuron, np.zeros((3, 1, 1)), dt=0.1)
    np.testing.assert_allclose(states["v"][:, 0, 0], [0.1, -0.5, -0.3893469], atol=1e-6)
    np.testing.assert_array_equal(events[:, 0, 0], [0, 1, 0])


def test_quadratic_if_golden(simulate):
    # v_rest=0, v_c=1, c=1, tau=1, dt=0.5, I=1: dV = V (V - 1) + 1
    # 0.5; 0.5 + 0.5*0.75 = 0.875; 0.875 + 0.5*0.890625 = 1.3203125;
    # 1.3203125 + 0.5*1.4229126 = 2.0317688 >= 2 -> spike -> reset 0
    neuron = QuadraticIF(v_rest=0.0, v_c=1.0, c=1.0, tau_mem=1.0, v=0.0, v_thresh=2.0,
                         v_reset=0.0)
    states, events = simulate(neuron, np.ones((4, 1, 1)), dt=0.5)
    np.testing.assert_allclose(states["v"][:, 0, 0], [0.5, 0.875, 1.3203125, 0.0], atol=1e-6)
    np.testing.assert_array_equal(events[:, 0, 0], [0, 0, 0, 1])


def test_glif3_golden(simulate):
    # g=1, c_m=1/ln2, dt=1 -> V decay 0.5; k = (ln2, 0) -> ASC decay (0.5, 1); I=1.5:
    # V_inf 1.5: 0.75; 1.125 -> spike -> 0, ASC (-0.4, 0.2);
    # V_inf 1.3: 0.65, ASC (-0.2, 0.2); V_inf 1.5: 1.075 -> spike, ASC (-0.1-0.4, 0.2+0.2)
    neuron = GLIF3(v_thresh=1.0, v_reset=0.0, e_l=0.0, g=1.0, c_m=1 / math.log(2),
                   tau_refrac=None, asc_decay=(math.log(2), 0.0), asc_amps=(-0.4, 0.2), v=0.0)
    states, events = simulate(neuron, np.full((4, 1, 1), 1.5))
    np.testing.assert_allclose(states["v"][:, 0, 0], [0.75, 0.0, 0.65, 0.0], atol=1e-6)
    np.testing.assert_allclose(states["asc_1"][:, 0, 0], [0, -0.4, -0.2, -0.5], atol=1e-6)
    np.testing.assert_allclose(states["asc_2"][:, 0, 0], [0, 0.2, 0.2, 0.4], atol=1e-6)
    np.testing.assert_array_equal(events[:, 0, 0], [0, 1, 0, 1])


def test_names_and_defaults():
    assert type(NEURONS.resolve("izhikevich")) is Izhikevich
    assert type(NEURONS.resolve("exp_lif")) is ExpLIF
    assert type(NEURONS.resolve("quadratic_if")) is QuadraticIF
    glif = NEURONS.resolve("glif3")
    assert (glif.g, glif.c_m, glif.asc_decay, glif.tau_refrac) == (9.43, 58.72, (0.003, 0.1),
                                                                   3.75)
    izh = Izhikevich()
    assert (izh.a, izh.b, izh.c, izh.d, izh.v_th) == (0.02, 0.2, -65.0, 8.0, 30.0)


def test_errors():
    with pytest.raises(ValueError, match="ExpLIF: tau_mem must be > 0"):
        ExpLIF(tau_mem=-1.0)
    with pytest.raises(ValueError, match="ExpLIF: delta_t must be > 0"):
        ExpLIF(delta_t=0.0)
    with pytest.raises(ValueError, match="QuadraticIF: tau_refrac must be >= 0"):
        QuadraticIF(tau_refrac=-1.0)
    with pytest.raises(ValueError, match="GLIF3: c_m must be > 0"):
        GLIF3(c_m=0.0)
    with pytest.raises(ValueError, match="GLIF3: asc_amps must hold 2 values"):
        GLIF3(asc_amps=(1.0, 2.0, 3.0))
    with pytest.raises(ValueError, match="GLIF3: asc_decay must be >= 0"):
        GLIF3(asc_decay=(-0.1, 0.1))

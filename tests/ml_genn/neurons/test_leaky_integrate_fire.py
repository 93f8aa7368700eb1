"""LeakyIntegrateFire, LeakyIntegrateFireInput and AdaptiveLeakyIntegrateFire dynamics
against independent NumPy restatements of their docstring equations."""
from __future__ import annotations

import math

import numpy as np
import pytest

from ml_genn.backend.neurons import build_dynamics
from ml_genn.initializers import Uniform
from ml_genn.neurons import (
    NEURONS,
    AdaptiveLeakyIntegrateFire,
    LeakyIntegrateFire,
    LeakyIntegrateFireInput,
)

LN2_TAU = 1.0 / math.log(2.0)   # tau_mem giving alpha = exp(-1/tau) = 0.5 at dt = 1


def lif_reference(drive, backend_events, decide, *, v_thresh=1.0, v_reset=0.0, v=0.0,
                  tau_mem=20.0, tau_refrac=None, relative_reset=True,
                  integrate_during_refrac=True, scale_i=False, bias=0.0, dt=1.0):
    """Docstring equations of LeakyIntegrateFire, in float64."""
    alpha = np.exp(-dt / np.asarray(tau_mem, np.float64))
    n_ref = 0 if tau_refrac is None else np.ceil(np.round(np.asarray(tau_refrac) / dt, 9))
    V = np.full(drive.shape[1:], v, dtype=np.float64)
    R = np.zeros(drive.shape[1:], dtype=np.int64)
    vs, spikes = [], []
    for t in range(len(drive)):
        refractory = R > 0
        current = drive[t].astype(np.float64) + bias
        if scale_i:
            current = (1.0 - alpha) * current
        integrated = alpha * V + current
        V = np.where(refractory, V, integrated) if not integrate_during_refrac else integrated
        s = decide(V, v_thresh, backend_events[t] > 0, ~refractory)
        if relative_reset:
            V = np.where(s, V - (v_thresh - v_reset), V)
        else:
            V = np.where(s, v_reset, V)
        R = np.where(s, n_ref, np.maximum(R - 1, 0))
        vs.append(V)
        spikes.append(s)
    return np.stack(vs), np.stack(spikes).astype(np.float32)


def alif_reference(drive, backend_events, decide, *, v_thresh=1.0, v_reset=0.0, v=0.0,
                   a=0.0, beta=0.0174, tau_mem=20.0, tau_refrac=None, tau_adapt=2000.0,
                   relative_reset=True, integrate_during_refrac=True, dt=1.0):
    """Docstring equations of AdaptiveLeakyIntegrateFire, in float64."""
    alpha, rho = np.exp(-dt / tau_mem), np.exp(-dt / tau_adapt)
    n_ref = 0 if tau_refrac is None else np.ceil(np.round(np.asarray(tau_refrac) / dt, 9))
    V = np.full(drive.shape[1:], v, dtype=np.float64)
    A = np.full(drive.shape[1:], a, dtype=np.float64)
    R = np.zeros(drive.shape[1:], dtype=np.int64)
    vs, adapts, spikes = [], [], []
    for t in range(len(drive)):
        refractory = R > 0
        integrated = alpha * V + drive[t]
        V = np.where(refractory, V, integrated) if not integrate_during_refrac else integrated
        s = decide(V, v_thresh + beta * A, backend_events[t] > 0, ~refractory)
        V = np.where(s, V - (v_thresh - v_reset) if relative_reset else v_reset, V)
        A = rho * A + s
        R = np.where(s, n_ref, np.maximum(R - 1, 0))
        vs.append(V)
        adapts.append(A)
        spikes.append(s)
    return np.stack(vs), np.stack(adapts), np.stack(spikes).astype(np.float32)


LIF_SETTINGS = [
    dict(),
    dict(relative_reset=False),
    dict(tau_refrac=3.0),
    dict(tau_refrac=2.5, integrate_during_refrac=False, dt=0.5),
    dict(tau_refrac=2.0, relative_reset=False, integrate_during_refrac=False),
    dict(scale_i=True, tau_mem=5.0, v_reset=-0.3),
    dict(bias=0.15, tau_mem=10.0, v=0.5, tau_refrac=1.0),
]


@pytest.mark.parametrize("cls", [LeakyIntegrateFire, LeakyIntegrateFireInput])
@pytest.mark.parametrize("settings", LIF_SETTINGS)
def test_lif_matches_reference(simulate, decide, cls, settings):
    settings = dict(settings)
    dt = settings.pop("dt", 1.0)
    rng = np.random.default_rng(1)
    scale = 5.0 if settings.get("scale_i") else 1.0
    drive = rng.uniform(-0.2, 0.7, size=(80, 2, 10)) * scale
    states, events = simulate(cls(**settings), drive, dt=dt)
    v_ref, s_ref = lif_reference(drive, events, decide, dt=dt, **settings)
    assert decide.ambiguous <= 3
    assert events.sum() > 20
    np.testing.assert_array_equal(events, s_ref)
    np.testing.assert_allclose(states["v"], v_ref, rtol=1e-5, atol=1e-5)


def test_lif_per_neuron_parameters(simulate, decide):
    rng = np.random.default_rng(2)
    thresh = rng.uniform(0.5, 1.5, size=6).astype(np.float32)
    tau = rng.uniform(5.0, 30.0, size=6).astype(np.float32)
    refrac = np.array([0.0, 1.0, 2.0, 3.0, 2.5, 4.0], np.float32)
    drive = rng.uniform(0.0, 0.6, size=(60, 3, 6))
    neuron = LeakyIntegrateFire(v_thresh=thresh, tau_mem=tau, tau_refrac=refrac,
                                integrate_during_refrac=False)
    states, events = simulate(neuron, drive)
    v_ref, s_ref = lif_reference(drive, events, decide, v_thresh=thresh.astype(np.float64),
                                 tau_mem=tau.astype(np.float64), tau_refrac=refrac,
                                 integrate_during_refrac=False)
    assert decide.ambiguous <= 3
    np.testing.assert_array_equal(events, s_ref)
    np.testing.assert_allclose(states["v"], v_ref, rtol=1e-5, atol=1e-5)


# Golden trajectories (alpha = 0.5), derived by hand from the docstring equations.
@pytest.mark.parametrize("cls", [LeakyIntegrateFire, LeakyIntegrateFireInput])
def test_lif_golden_relative_reset(simulate, cls):
    # V: 0.6, 0.3+0.6, 0.45+0.6=1.05 -> spike, 1.05-1=0.05, 0.025+0.6, 0.3125+0.6,
    # 0.45625+0.6=1.05625 -> spike -> 0.05625
    states, events = simulate(cls(tau_mem=LN2_TAU), np.full((6, 1, 1), 0.6))
    np.testing.assert_allclose(states["v"][:, 0, 0], [0.6, 0.9, 0.05, 0.625, 0.9125, 0.05625],
                               atol=1e-6)
    np.testing.assert_array_equal(events[:, 0, 0], [0, 0, 1, 0, 0, 1])


def test_lif_golden_bias_same_as_input(simulate):
    states, events = simulate(LeakyIntegrateFire(tau_mem=LN2_TAU, bias=0.4),
                              np.full((6, 1, 1), 0.2))
    np.testing.assert_allclose(states["v"][:, 0, 0], [0.6, 0.9, 0.05, 0.625, 0.9125, 0.05625],
                               atol=1e-6)
    np.testing.assert_array_equal(events[:, 0, 0], [0, 0, 1, 0, 0, 1])


def test_lif_golden_refractory_frozen(simulate):
    # Spike at t=2 (V=0.05, r=2); t=3,4 refractory: V frozen at 0.05; t=5: 0.625,
    # t=6: 0.9125, t=7: 1.05625 -> spike -> 0.05625.
    neuron = LeakyIntegrateFire(tau_mem=LN2_TAU, tau_refrac=2.0, integrate_during_refrac=False)
    states, events = simulate(neuron, np.full((8, 1, 1), 0.6))
    np.testing.assert_allclose(states["v"][:, 0, 0],
                               [0.6, 0.9, 0.05, 0.05, 0.05, 0.625, 0.9125, 0.05625], atol=1e-6)
    np.testing.assert_array_equal(events[:, 0, 0], [0, 0, 1, 0, 0, 0, 0, 1])
    np.testing.assert_array_equal(states["refrac"][:, 0, 0], [0, 0, 2, 1, 0, 0, 0, 2])


def test_lif_golden_refractory_integrating_reset_to_value(simulate):
    # I=0.9, absolute reset: 0.9, 1.35 -> spike -> 0 (r=2); t=2: 0.9; t=3: 1.35 but
    # refractory (no spike); t=4: 0.675+0.9=1.575 -> spike -> 0; t=5: 0.9.
    neuron = LeakyIntegrateFire(tau_mem=LN2_TAU, tau_refrac=2.0, relative_reset=False)
    states, events = simulate(neuron, np.full((6, 1, 1), 0.9))
    np.testing.assert_allclose(states["v"][:, 0, 0], [0.9, 0.0, 0.9, 1.35, 0.0, 0.9], atol=1e-6)
    np.testing.assert_array_equal(events[:, 0, 0], [0, 1, 0, 0, 1, 0])


def test_lif_golden_scale_i(simulate):
    # (1-alpha)*I = 1.5: 1.5 -> spike -> 0.5; 0.25+1.5=1.75 -> 0.75; 0.375+1.5=1.875 -> 0.875
    states, events = simulate(LeakyIntegrateFire(tau_mem=LN2_TAU, scale_i=True),
                              np.full((3, 1, 1), 3.0))
    np.testing.assert_allclose(states["v"][:, 0, 0], [0.5, 0.75, 0.875], atol=1e-6)
    np.testing.assert_array_equal(events[:, 0, 0], [1, 1, 1])


def test_refractory_steps_round_float_ratios(simulate):
    # tau_refrac / dt = 0.5 / 0.1 is 5.000000000000001 in floating point: 5 steps, not 6.
    dyn = build_dynamics(LeakyIntegrateFire(tau_refrac=0.5), (1,), 0.1)
    assert int(dyn.params(np.random.default_rng(0)).n_refrac) == 5
    dyn = build_dynamics(LeakyIntegrateFire(tau_refrac=0.55), (1,), 0.1)
    assert int(dyn.params(np.random.default_rng(0)).n_refrac) == 6


ALIF_SETTINGS = [
    dict(beta=0.5, tau_adapt=50.0),
    dict(beta=0.3, tau_adapt=20.0, relative_reset=False, tau_refrac=2.0),
    dict(beta=0.2, tau_adapt=100.0, tau_refrac=3.0, integrate_during_refrac=False, a=0.5),
    dict(),
]


@pytest.mark.parametrize("settings", ALIF_SETTINGS)
def test_alif_matches_reference(simulate, decide, settings):
    rng = np.random.default_rng(3)
    drive = rng.uniform(-0.1, 0.6, size=(100, 2, 8))
    states, events = simulate(AdaptiveLeakyIntegrateFire(**settings), drive)
    v_ref, a_ref, s_ref = alif_reference(drive, events, decide, **settings)
    assert decide.ambiguous <= 3
    assert events.sum() > 20
    np.testing.assert_array_equal(events, s_ref)
    np.testing.assert_allclose(states["v"], v_ref, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(states["a"], a_ref, rtol=1e-5, atol=1e-5)


def test_alif_golden(simulate):
    # alpha = rho = 0.5, beta = 0.5, I = 0.6: V 0.6, 0.9, 1.05 (thr 1) -> spike -> 0.05, a=1;
    # 0.625 (thr 1.5), a=0.5; 0.9125 (thr 1.25), a=0.25; 1.05625 (thr 1.125), a=0.125;
    # 1.128125 (thr 1.0625) -> spike -> 0.128125, a = 0.0625 + 1.
    neuron = AdaptiveLeakyIntegrateFire(tau_mem=LN2_TAU, tau_adapt=LN2_TAU, beta=0.5)
    states, events = simulate(neuron, np.full((7, 1, 1), 0.6))
    np.testing.assert_allclose(states["v"][:, 0, 0],
                               [0.6, 0.9, 0.05, 0.625, 0.9125, 1.05625, 0.128125], atol=1e-6)
    np.testing.assert_allclose(states["a"][:, 0, 0], [0, 0, 1, 0.5, 0.25, 0.125, 1.0625],
                               atol=1e-6)
    np.testing.assert_array_equal(events[:, 0, 0], [0, 0, 1, 0, 0, 0, 1])


def test_registry_names():
    assert type(NEURONS.resolve("leaky_integrate_fire")) is LeakyIntegrateFire
    assert type(NEURONS.resolve("leaky_integrate_fire_input")) is LeakyIntegrateFireInput
    assert type(NEURONS.resolve("adaptive_leaky_integrate_fire")) is AdaptiveLeakyIntegrateFire


def test_defaults():
    lif = LeakyIntegrateFire()
    assert (lif.v_thresh, lif.v_reset, lif.v, lif.tau_mem, lif.tau_refrac) == (1.0, 0.0, 0.0,
                                                                                20.0, None)
    assert lif.relative_reset and lif.integrate_during_refrac and not lif.scale_i
    alif = AdaptiveLeakyIntegrateFire()
    assert (alif.a, alif.beta, alif.tau_adapt) == (0.0, 0.0174, 2000.0)


@pytest.mark.parametrize("cls", [LeakyIntegrateFire, LeakyIntegrateFireInput,
                                 AdaptiveLeakyIntegrateFire])
def test_bad_time_constants(cls):
    with pytest.raises(ValueError, match=f"{cls.__name__}: tau_mem must be > 0"):
        cls(tau_mem=-1.0)
    with pytest.raises(ValueError, match="tau_mem must be > 0"):
        cls(tau_mem=np.array([1.0, 0.0]))
    with pytest.raises(ValueError, match="tau_refrac must be >= 0"):
        cls(tau_refrac=-0.5)


def test_bad_tau_adapt():
    with pytest.raises(ValueError, match="tau_adapt must be > 0"):
        AdaptiveLeakyIntegrateFire(tau_adapt=0.0)


def test_bad_tau_mem_from_initializer():
    dyn = build_dynamics(LeakyIntegrateFire(tau_mem=Uniform(-2.0, -1.0)), (4,), 1.0)
    with pytest.raises(ValueError, match="LeakyIntegrateFire: tau_mem must be > 0"):
        dyn.params(np.random.default_rng(0))


@pytest.mark.parametrize("name", ["input_frames", "input_frame_timesteps"])
@pytest.mark.parametrize("value", [0, -1, 1.5])
def test_lif_input_bad_frames(name, value):
    with pytest.raises(ValueError, match=f"{name} must be a positive integer"):
        LeakyIntegrateFireInput(**{name: value})

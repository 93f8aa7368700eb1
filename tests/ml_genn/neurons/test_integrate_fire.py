"""IntegrateFire and IntegrateFireInput dynamics against a NumPy restatement of their
docstring equations."""
from __future__ import annotations

import numpy as np
import pytest

from ml_genn.neurons import NEURONS, IntegrateFire, IntegrateFireInput


def if_reference(drive, backend_events, decide, *, v_thresh=1.0, v_reset=0.0, v=0.0, bias=0.0,
                 relative_reset=False):
    V = np.full(drive.shape[1:], v, dtype=np.float64)
    vs, spikes = [], []
    for t, x in enumerate(drive):
        V = V + x + bias
        s = decide(V, v_thresh, backend_events[t] > 0)
        V = np.where(s, V - (v_thresh - v_reset) if relative_reset else v_reset, V)
        vs.append(V)
        spikes.append(s)
    return np.stack(vs), np.stack(spikes).astype(np.float32)


SETTINGS = [dict(), dict(relative_reset=True), dict(v_thresh=2.0, v_reset=0.5, v=0.3),
            dict(relative_reset=True, v_thresh=1.5, v_reset=-0.5)]


@pytest.mark.parametrize("settings", SETTINGS + [dict(bias=0.2),
                                                 dict(bias=-0.1, relative_reset=True)])
def test_integrate_fire_matches_reference(simulate, decide, settings):
    drive = np.random.default_rng(0).uniform(-0.3, 0.8, size=(70, 2, 10))
    states, events = simulate(IntegrateFire(**settings), drive)
    v_ref, s_ref = if_reference(drive, events, decide, **settings)
    assert decide.ambiguous <= 3 and events.sum() > 20
    np.testing.assert_array_equal(events, s_ref)
    np.testing.assert_allclose(states["v"], v_ref, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("settings", SETTINGS)
def test_integrate_fire_input_matches_reference(simulate, decide, settings):
    drive = np.random.default_rng(1).uniform(0.0, 1.0, size=(70, 2, 10))
    states, events = simulate(IntegrateFireInput(**settings), drive)
    v_ref, s_ref = if_reference(drive, events, decide, **settings)
    assert decide.ambiguous <= 3 and events.sum() > 20
    np.testing.assert_array_equal(events, s_ref)
    np.testing.assert_allclose(states["v"], v_ref, rtol=1e-5, atol=1e-5)


def test_integrate_fire_golden(simulate):
    # I = 0.4: 0.4, 0.8, 1.2 -> spike -> 0 (reset to value) | 0.2 (by subtraction)
    states, events = simulate(IntegrateFire(), np.full((5, 1, 1), 0.4))
    np.testing.assert_allclose(states["v"][:, 0, 0], [0.4, 0.8, 0.0, 0.4, 0.8], atol=1e-6)
    np.testing.assert_array_equal(events[:, 0, 0], [0, 0, 1, 0, 0])
    states, events = simulate(IntegrateFire(relative_reset=True), np.full((5, 1, 1), 0.4))
    np.testing.assert_allclose(states["v"][:, 0, 0], [0.4, 0.8, 0.2, 0.6, 0.0], atol=1e-6)
    np.testing.assert_array_equal(events[:, 0, 0], [0, 0, 1, 0, 1])


def test_integrate_fire_golden_bias(simulate):
    # I = 0.1, b = 0.3: same as I = 0.4
    states, events = simulate(IntegrateFire(bias=0.3), np.full((3, 1, 1), 0.1))
    np.testing.assert_allclose(states["v"][:, 0, 0], [0.4, 0.8, 0.0], atol=1e-6)
    np.testing.assert_array_equal(events[:, 0, 0], [0, 0, 1])


def test_integrate_fire_input_golden(simulate):
    # x = 0.7, threshold 1, relative: 0.7, 1.4 -> 0.4, 1.1 -> 0.1, 0.8, 1.5 -> 0.5
    states, events = simulate(IntegrateFireInput(relative_reset=True), np.full((5, 1, 1), 0.7))
    np.testing.assert_allclose(states["v"][:, 0, 0], [0.7, 0.4, 0.1, 0.8, 0.5], atol=1e-6)
    np.testing.assert_array_equal(events[:, 0, 0], [0, 1, 1, 0, 1])


def test_names():
    assert type(NEURONS.resolve("integrate_fire")) is IntegrateFire
    assert NEURONS.resolve("integrate_fire_input").is_input


@pytest.mark.parametrize("value", [0, -2])
def test_integrate_fire_input_bad_frames(value):
    with pytest.raises(ValueError, match="IntegrateFireInput: input_frames must be a positive"):
        IntegrateFireInput(input_frames=value)

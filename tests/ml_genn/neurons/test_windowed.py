"""DirectInput and WindowedIntegrateFire dynamics against NumPy restatements of their
docstring equations."""
from __future__ import annotations

import numpy as np
import pytest

from ml_genn.neurons import NEURONS, DirectInput, WindowedIntegrateFire


def windowed_reference(drive, backend_events, decide, *, start_step=0, stop_step=None,
                       signed_spikes=False, max_spikes=None, v_thresh=1.0, v_reset=0.0,
                       v=0.0, bias=0.0, relative_reset=True):
    stop = len(drive) if stop_step is None else stop_step
    cap = np.inf if max_spikes is None else max_spikes
    V = np.full(drive.shape[1:], v, dtype=np.float64)
    n = np.zeros(drive.shape[1:])
    vs, events = [], []
    for t, x in enumerate(drive):
        active = start_step <= t < stop
        V = V + x + bias if active else V
        pos = decide(V, v_thresh, backend_events[t] > 0, allowed=active & (n < cap))
        V = np.where(pos, V - (v_thresh - v_reset) if relative_reset else v_reset, V)
        neg = np.zeros_like(pos)
        if signed_spikes:
            below = decide(-V, -v_reset + 1e-12, backend_events[t] < 0,
                           allowed=active & ~pos & (n > 0))
            neg = below
            V = np.where(neg, V + (v_thresh - v_reset), V)
        n = n + pos - neg
        vs.append(V)
        events.append(pos.astype(np.float32) - neg)
    return np.stack(vs), np.stack(events).astype(np.float32)


@pytest.mark.parametrize("settings", [
    dict(start_step=5, stop_step=40, v=0.5, bias=0.1),
    dict(start_step=0, stop_step=None, bias=-0.05, v_thresh=1.5),
    dict(start_step=12, stop_step=13, v=0.9, bias=0.2),
    dict(start_step=3, stop_step=60, relative_reset=False, v_reset=0.1),
    dict(start_step=4, stop_step=50, v=0.5, signed_spikes=True),
    dict(start_step=0, stop_step=70, v=0.5, signed_spikes=True, max_spikes=6, bias=0.1),
    dict(start_step=2, stop_step=None, max_spikes=3),
])
def test_windowed_integrate_fire_matches_reference(simulate, decide, settings):
    drive = np.random.default_rng(0).uniform(-0.3, 0.8, size=(70, 2, 10))
    states, events = simulate(WindowedIntegrateFire(**settings), drive)
    v_ref, s_ref = windowed_reference(drive, events, decide, **settings)
    assert decide.ambiguous <= 3 and np.abs(events).sum() > 0
    np.testing.assert_array_equal(events, s_ref)
    np.testing.assert_allclose(states["v"], v_ref, rtol=1e-5, atol=1e-5)


def test_windowed_integrate_fire_golden(simulate):
    # window [2, 5), v0 = 0.5, I = 0.4, b = 0.2: frozen at 0.5 for two steps, then
    # 1.1 -> spike -> 0.1, 0.7, 1.3 -> spike -> 0.3, then frozen (inputs ignored).
    neuron = WindowedIntegrateFire(start_step=2, stop_step=5, v=0.5, bias=0.2)
    states, events = simulate(neuron, np.full((7, 1, 1), 0.4))
    np.testing.assert_allclose(states["v"][:, 0, 0], [0.5, 0.5, 0.1, 0.7, 0.3, 0.3, 0.3],
                               atol=1e-6)
    np.testing.assert_array_equal(events[:, 0, 0], [0, 0, 1, 0, 1, 0, 0])


def test_signed_and_capped_golden(simulate):
    # v0 = 0.5, inputs 0.6, 0.6, -0.9, -0.9, 0.6, cap 2: 1.1 -> +1 -> 0.1, 0.7,
    # -0.2 -> -1 -> 0.8, -0.1 -> n = 0: no negative spike, 0.5.
    neuron = WindowedIntegrateFire(v=0.5, signed_spikes=True, max_spikes=2)
    states, events = simulate(neuron, np.array([0.6, 0.6, -0.9, -0.9, 0.6])[:, None, None])
    np.testing.assert_allclose(states["v"][:, 0, 0], [0.1, 0.7, 0.8, -0.1, 0.5], atol=1e-6)
    np.testing.assert_array_equal(events[:, 0, 0], [1, 0, -1, 0, 0])
    # the cap: a constant 1.0 gives one spike per step until n = 2, then V grows
    states, events = simulate(neuron, np.full((4, 1, 1), 1.0))
    np.testing.assert_array_equal(events[:, 0, 0], [1, 1, 0, 0])
    np.testing.assert_allclose(states["v"][:, 0, 0], [0.5, 0.5, 1.5, 2.5], atol=1e-6)


def test_direct_input_sends_its_value(simulate):
    drive = np.random.default_rng(2).normal(size=(4, 3, 5))
    _, events = simulate(DirectInput(), drive)
    np.testing.assert_allclose(events, drive.astype(np.float32))


def test_names():
    assert type(NEURONS.resolve("windowed_integrate_fire")) is WindowedIntegrateFire
    assert NEURONS.resolve("direct_input").is_input


@pytest.mark.parametrize("kwargs, match", [
    (dict(start_step=-1), "WindowedIntegrateFire: start_step must be a whole number of "
                          "timesteps >= 0, received -1"),
    (dict(start_step=1.5), "start_step must be a whole number.*received 1.5"),
    (dict(start_step=4, stop_step=4), "WindowedIntegrateFire: stop_step must be a whole "
                                      "number of timesteps >= 5, received 4"),
    (dict(max_spikes=-1), "WindowedIntegrateFire: max_spikes must be None or a whole "
                          "number >= 0, received -1"),
])
def test_windowed_integrate_fire_bad_window(kwargs, match):
    with pytest.raises(ValueError, match=match):
        WindowedIntegrateFire(**kwargs)

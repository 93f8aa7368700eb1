"""PySNN-style neurons (IFNeuron, LIFNeuron, AdaptiveLIFNeuron, TraceInput) against
NumPy restatements of their docstring equations."""
from __future__ import annotations

import numpy as np
import pytest

from ml_genn.neurons import NEURONS, AdaptiveLIFNeuron, IFNeuron, LIFNeuron, TraceInput


def pysnn_reference(kind, drive, backend_events, decide, *, thresh=1.0, v_rest=0.0,
                    alpha_v=1.0, alpha_t=1.0, tau_v=0.8, tau_t=0.8, alpha_thresh=0.1,
                    tau_thresh=0.9, refrac_steps=0, update_type="linear", dt=1.0):
    """kind: "if", "lif" or "adaptive". Returns (v, thresh, trace, spikes) over time."""
    expo = update_type == "exponential"
    shape = drive.shape[1:]
    V = np.full(shape, v_rest, np.float64)
    TH = np.full(shape, thresh, np.float64)
    TR = np.zeros(shape)
    R = np.zeros(shape, np.int64)
    out = {"v": [], "thresh": [], "trace": [], "spikes": []}
    for t, x in enumerate(drive):
        active = R == 0
        if kind == "if":
            new_v = V + alpha_v * x
        elif expo:
            new_v = V + dt / tau_v * (-(V - v_rest) + alpha_v * x)
        else:
            new_v = v_rest + tau_v * (V - v_rest) + alpha_v * x
        V = np.where(active, new_v, V)
        s = decide(V, TH, backend_events[t] > 0, active)
        TR = TR + dt / tau_t * (alpha_t * s - TR) if expo else tau_t * TR + alpha_t * s
        if kind == "adaptive":
            TH = (TH + dt / tau_thresh * (-(TH - thresh) + alpha_thresh * s) if expo
                  else thresh + tau_thresh * (TH - thresh) + alpha_thresh * s)
        R = np.where(s, refrac_steps, np.maximum(R - 1, 0))
        V = np.where(s, v_rest, V)
        for key, value in (("v", V), ("thresh", TH), ("trace", TR), ("spikes", s)):
            out[key].append(np.array(value, np.float64))
    return {k: np.stack(v) for k, v in out.items()}


CASES = [
    (IFNeuron, "if", dict()),
    (IFNeuron, "if", dict(refrac_steps=3, thresh=1.5, v_rest=0.2, alpha_v=1.3)),
    (IFNeuron, "if", dict(update_type="exponential", tau_t=4.0, alpha_t=0.5, refrac_steps=1)),
    (LIFNeuron, "lif", dict()),
    (LIFNeuron, "lif", dict(tau_v=0.6, refrac_steps=2, v_rest=-0.2, alpha_t=0.3)),
    (LIFNeuron, "lif", dict(update_type="exponential", tau_v=4.0, tau_t=10.0, alpha_v=4.0,
                            refrac_steps=2, dt=0.5)),
    (AdaptiveLIFNeuron, "adaptive", dict()),
    (AdaptiveLIFNeuron, "adaptive", dict(alpha_thresh=0.3, tau_thresh=0.95, refrac_steps=1)),
    (AdaptiveLIFNeuron, "adaptive", dict(update_type="exponential", tau_v=3.0, tau_t=5.0,
                                         tau_thresh=20.0, alpha_thresh=2.0, alpha_v=3.0)),
]


@pytest.mark.parametrize("cls, kind, settings", CASES)
def test_matches_reference(simulate, decide, cls, kind, settings):
    settings = dict(settings)
    dt = settings.pop("dt", 1.0)
    drive = np.random.default_rng(0).uniform(-0.2, 0.8, size=(80, 2, 8))
    states, events = simulate(cls(**settings), drive, dt=dt)
    ref = pysnn_reference(kind, drive, events, decide, dt=dt, **settings)
    assert decide.ambiguous <= 3 and events.sum() > 20
    np.testing.assert_array_equal(events, ref["spikes"])
    for key in states:
        if key != "refrac":
            np.testing.assert_allclose(states[key], ref[key], rtol=1e-5, atol=1e-5,
                                       err_msg=key)


def test_refractory_blocks_integration(simulate):
    _, events = simulate(IFNeuron(refrac_steps=4), np.full((30, 1, 1), 2.0))
    # spike every 5th step: 1 integrating step then 4 held
    np.testing.assert_array_equal(np.flatnonzero(events[:, 0, 0]), np.arange(0, 30, 5))


@pytest.mark.parametrize("update_type, tau_t", [("linear", 0.5), ("exponential", 4.0)])
@pytest.mark.parametrize("signed", [False, True])
def test_trace_input_matches_reference(simulate, update_type, tau_t, signed):
    rng = np.random.default_rng(1)
    x = (rng.uniform(size=(60, 2, 7)) < 0.3).astype(np.float32)
    if signed:
        x = (x * rng.choice([-1.0, 1.0], size=x.shape) * 0.7).astype(np.float32)
    states, events = simulate(TraceInput(alpha_t=0.8, tau_t=tau_t, update_type=update_type), x)
    trace, expected = np.zeros(x.shape[1:]), []
    for frame in x:
        if update_type == "linear":
            trace = tau_t * trace + 0.8 * frame
        else:
            trace = trace + (1.0 / tau_t) * (0.8 * frame - trace)
        expected.append(trace)
    np.testing.assert_array_equal(events, x)
    np.testing.assert_allclose(states["trace"], np.stack(expected), rtol=1e-5, atol=1e-6)


# Golden trajectories, derived by hand from the docstring equations.
def test_if_neuron_golden(simulate):
    # I=0.4: V 0.4, 0.8, 1.2 -> spike -> 0 (r=1); t=3 held at 0; 0.4, 0.8, 1.2 -> spike.
    # trace (linear, 0.5): 0, 0, 1, 0.5, 0.25, 0.125, 0.0625 + 1
    states, events = simulate(IFNeuron(refrac_steps=1, tau_t=0.5), np.full((7, 1, 1), 0.4))
    np.testing.assert_allclose(states["v"][:, 0, 0], [0.4, 0.8, 0, 0, 0.4, 0.8, 0], atol=1e-6)
    np.testing.assert_array_equal(events[:, 0, 0], [0, 0, 1, 0, 0, 0, 1])
    np.testing.assert_allclose(states["trace"][:, 0, 0],
                               [0, 0, 1, 0.5, 0.25, 0.125, 1.0625], atol=1e-6)


def test_lif_neuron_golden_linear(simulate):
    # v_rest=0.2, decay 0.5, I=0.6: 0.2 + 0.5*0 + 0.6 = 0.8; 0.2 + 0.3 + 0.6 = 1.1 -> spike
    # -> 0.2; 0.8; 1.1 -> spike
    states, events = simulate(LIFNeuron(v_rest=0.2, tau_v=0.5), np.full((4, 1, 1), 0.6))
    np.testing.assert_allclose(states["v"][:, 0, 0], [0.8, 0.2, 0.8, 0.2], atol=1e-6)
    np.testing.assert_array_equal(events[:, 0, 0], [0, 1, 0, 1])


def test_lif_neuron_golden_exponential(simulate):
    # tau_v=2, dt=1, I=1.5: V += 0.5 (1.5 - V): 0.75, 1.125 -> spike -> 0, 0.75.
    # trace tau_t=2: tr += 0.5 (s - tr): 0, 0.5, 0.25
    neuron = LIFNeuron(tau_v=2.0, tau_t=2.0, update_type="exponential")
    states, events = simulate(neuron, np.full((3, 1, 1), 1.5))
    np.testing.assert_allclose(states["v"][:, 0, 0], [0.75, 0.0, 0.75], atol=1e-6)
    np.testing.assert_array_equal(events[:, 0, 0], [0, 1, 0])
    np.testing.assert_allclose(states["trace"][:, 0, 0], [0, 0.5, 0.25], atol=1e-6)


def test_adaptive_lif_neuron_golden(simulate):
    # decay 0.5, I=0.6, theta_rest=1, alpha_thresh=0.5, decay_thresh=0.5:
    # V 0.6, 0.9, 1.05 -> spike -> 0, theta 1.5; 0.6 (theta 1.25), 0.9 (1.125),
    # 1.05 < 1.125 (theta 1.0625), 1.125 >= 1.0625 -> spike, theta 1 + 0.03125 + 0.5
    neuron = AdaptiveLIFNeuron(tau_v=0.5, alpha_thresh=0.5, tau_thresh=0.5)
    states, events = simulate(neuron, np.full((7, 1, 1), 0.6))
    np.testing.assert_allclose(states["v"][:, 0, 0], [0.6, 0.9, 0, 0.6, 0.9, 1.05, 0],
                               atol=1e-6)
    np.testing.assert_allclose(states["thresh"][:, 0, 0],
                               [1, 1, 1.5, 1.25, 1.125, 1.0625, 1.53125], atol=1e-6)
    np.testing.assert_array_equal(events[:, 0, 0], [0, 0, 1, 0, 0, 0, 1])


def test_trace_input_golden(simulate):
    # linear, decay 0.5, alpha_t=2, x = 1, 0, 1, 1: 2, 1, 2.5, 3.25
    x = np.array([1.0, 0.0, 1.0, 1.0])[:, None, None]
    states, events = simulate(TraceInput(alpha_t=2.0, tau_t=0.5), x)
    np.testing.assert_allclose(states["trace"][:, 0, 0], [2, 1, 2.5, 3.25], atol=1e-6)
    np.testing.assert_array_equal(events, x)
    # exponential, tau 4, dt 1, x = 1, 1, 0: 0.25, 0.4375, 0.328125
    x = np.array([1.0, 1.0, 0.0])[:, None, None]
    states, _ = simulate(TraceInput(tau_t=4.0, update_type="exponential"), x)
    np.testing.assert_allclose(states["trace"][:, 0, 0], [0.25, 0.4375, 0.328125], atol=1e-6)


def test_names():
    assert type(NEURONS.resolve("if_neuron")) is IFNeuron
    assert type(NEURONS.resolve("lif_neuron")) is LIFNeuron
    assert type(NEURONS.resolve("adaptive_lif_neuron")) is AdaptiveLIFNeuron
    assert NEURONS.resolve("trace_input").is_input


@pytest.mark.parametrize("cls", [IFNeuron, LIFNeuron, AdaptiveLIFNeuron, TraceInput])
def test_errors(cls):
    with pytest.raises(ValueError, match="update_type must be 'linear' or 'exponential'"):
        cls(update_type="cubic")
    with pytest.raises(ValueError, match="tau_t is the per-step decay factor"):
        cls(tau_t=1.5)
    with pytest.raises(ValueError, match="tau_t must be > 0"):
        cls(tau_t=0.0, update_type="exponential")
    if cls is not TraceInput:
        with pytest.raises(ValueError, match="refrac_steps must be"):
            cls(refrac_steps=-1)
        with pytest.raises(ValueError, match="refrac_steps must be a non-negative integer"):
            cls(refrac_steps=1.5)


def test_more_errors():
    with pytest.raises(ValueError, match="tau_v is the per-step decay factor"):
        LIFNeuron(tau_v=-0.1)
    with pytest.raises(ValueError, match="tau_thresh must be > 0"):
        AdaptiveLIFNeuron(tau_thresh=-3.0, update_type="exponential")
    with pytest.raises(ValueError, match="input_frames must be a positive integer"):
        TraceInput(input_frames=0)

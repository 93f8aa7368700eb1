"""Every readout against a NumPy computation from the recorded trace of the same run.

One network feeds the same input spikes to one ``LeakyIntegrate`` population per
variable readout and to two ``IntegrateFire`` populations (``spike_count``,
``first_spike_time``). A ``VarRecorder``/``SpikeRecorder`` records each of them; the
traces themselves are checked against a NumPy re-simulation, so nothing is circular.
"""
from __future__ import annotations

import numpy as np
import pytest

from ml_genn import Connection, Network, Population
from ml_genn.callbacks import SpikeRecorder, VarRecorder
from ml_genn.compilers import InferenceCompiler
from ml_genn.connectivity import Dense
from ml_genn.neurons import BinarySpikeInput, IntegrateFire, LeakyIntegrate

T = 16
DT = 0.5
TAU = 3.0
N_IN, N_OUT = 5, 4
N_EXAMPLES = 9
VAR_READOUTS = ("var", "avg_var", "sum_var", "max_var", "avg_var_exp_weight")
SPIKE_READOUTS = ("spike_count", "first_spike_time")

RNG = np.random.default_rng(11)
# Inputs switch on at random times so the LI traces rise and fall (max != last != mean).
X = (RNG.random((N_EXAMPLES, T, N_IN)) < 0.35).astype(np.float32)
W_LI = RNG.normal(0.0, 1.0, (N_IN, N_OUT)).astype(np.float32)
# IF weights in quarters (exact); the last neuron only has inhibitory input: never fires.
W_IF = RNG.choice([0.25, 0.5], size=(N_IN, N_OUT))
W_IF[:, -1] = -0.5
THRESH_IF = 2.0


def _run(schedule):
    with Network() as net:
        inp = Population(BinarySpikeInput(input_frames=T), N_IN, name="inp")
        pops = {}
        for readout in VAR_READOUTS:
            pops[readout] = Population(LeakyIntegrate(tau_mem=TAU, bias=0.1, readout=readout),
                                       N_OUT, name=f"li_{readout}")
            Connection(inp, pops[readout], Dense(W_LI))
        for readout in SPIKE_READOUTS:
            pops[readout] = Population(IntegrateFire(v_thresh=THRESH_IF, readout=readout),
                                       N_OUT, record_spikes=True, name=f"if_{readout}")
            Connection(inp, pops[readout], Dense(W_IF))
    compiler = InferenceCompiler(evaluate_timesteps=T, dt=DT, batch_size=4, schedule=schedule)
    compiled = compiler.compile(net)
    callbacks = ([VarRecorder(pops[r], "v", key=r) for r in VAR_READOUTS]
                 + [SpikeRecorder(pops[r], key=r) for r in SPIKE_READOUTS]
                 + [SpikeRecorder(pops["spike_count"], key="counts", record_counts=True)])
    with compiled:
        preds, data = compiled.predict({inp: X}, list(pops.values()), callbacks=callbacks)
    return {r: preds[p] for r, p in pops.items()}, data


@pytest.fixture(scope="module", params=("layer", "timestep"))
def run(request):
    return _run(request.param)


def _li_reference():
    """``V <- a V + I + b`` with the input spikes of the previous step."""
    alpha = np.exp(-DT / TAU)
    v = np.zeros((N_EXAMPLES, N_OUT))
    trace = []
    for t in range(T):
        drive = X[:, t - 1] @ W_LI if t else 0.0
        v = alpha * v + drive + 0.1
        trace.append(v.copy())
    return np.stack(trace, 1)


def test_traces_match_numpy(run):
    _, data = run
    expected = _li_reference()
    for readout in VAR_READOUTS:
        np.testing.assert_allclose(data[readout], expected, rtol=1e-5, atol=1e-5)
    times, _ = data["spike_count"]
    assert sum(len(t) for t in times) > N_EXAMPLES  # IF neurons do fire


VAR_REFERENCES = {
    "var": lambda v: v[:, -1],
    "avg_var": lambda v: v.mean(1),
    "sum_var": lambda v: v.sum(1),
    "max_var": lambda v: v.max(1),
    "avg_var_exp_weight": lambda v: (np.exp(-np.arange(T) / T)[None, :, None] * v).sum(1) / T,
}


@pytest.mark.parametrize("readout", VAR_READOUTS)
def test_var_readouts(run, readout):
    preds, data = run
    trace = data[readout].astype(np.float64)
    expected = VAR_REFERENCES[readout](trace)
    assert preds[readout].shape == (N_EXAMPLES, N_OUT)
    np.testing.assert_allclose(preds[readout], expected, rtol=1e-5, atol=1e-5)
    # The readouts really differ from each other on this data.
    others = [VAR_REFERENCES[r](trace) for r in VAR_READOUTS if r != readout]
    assert all(not np.allclose(expected, o, rtol=1e-3) for o in others)


def test_spike_count(run):
    preds, data = run
    times, ids = data["spike_count"]
    expected = np.stack([np.bincount(i, minlength=N_OUT) for i in ids])
    np.testing.assert_array_equal(preds["spike_count"], expected)
    np.testing.assert_array_equal(data["counts"], expected)


def test_first_spike_time(run):
    preds, data = run
    times, ids = data["first_spike_time"]
    expected = np.full((N_EXAMPLES, N_OUT), -np.inf)
    for e in range(N_EXAMPLES):
        for t, i in zip(times[e][::-1], ids[e][::-1], strict=True):  # latest first: earliest wins
            expected[e, i] = -t
    assert np.isinf(expected[:, -1]).all() and np.isfinite(expected[:, 0]).any()
    np.testing.assert_array_equal(preds["first_spike_time"], expected)


def test_spike_times_match_numpy_if(run):
    """The IF spike trains themselves, from a NumPy re-simulation."""
    _, data = run
    v = np.zeros((N_EXAMPLES, N_OUT))
    spikes = []
    for t in range(T):
        if t:
            v = v + X[:, t - 1] @ W_IF
        s = v >= THRESH_IF
        v = np.where(s, 0.0, v)
        spikes.append(s)
    spikes = np.stack(spikes, 1)
    times, ids = data["first_spike_time"]
    for e in range(N_EXAMPLES):
        steps, cols = np.nonzero(spikes[e])
        np.testing.assert_array_equal(ids[e], cols)
        np.testing.assert_allclose(times[e], steps * DT)

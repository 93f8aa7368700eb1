"""SpikeRecorder and VarRecorder against a NumPy re-simulation of the same network.

The network is ``BinarySpikeInput (2, 3) -> Dense -> IntegrateFire (5) -> Dense ->
IntegrateFire (3)``, driven by random binary frames (one per timestep). Weights are
multiples of 1/4, so every voltage is exact in float32 and the reference is exact too.
"""
from __future__ import annotations

import numpy as np
import pytest

from ml_genn import Connection, InputLayer, Layer, Network, Population, SequentialNetwork
from ml_genn.callbacks import CALLBACKS, SpikeRecorder, VarRecorder
from ml_genn.compilers import FewSpikeCompiler, InferenceCompiler
from ml_genn.connectivity import Dense
from ml_genn.neurons import BinarySpikeInput, FewSpikeRelu, FewSpikeReluInput, IntegrateFire

T = 12
DT = 0.5
IN_SHAPE = (2, 3)
N_IN, N_HID, N_OUT = 6, 5, 3
N_EXAMPLES = 7
BATCH = 3
SCHEDULES = ("layer", "timestep")


def _data(seed=1):
    rng = np.random.default_rng(seed)
    w1 = rng.choice([-0.25, 0.25, 0.5, 0.75], size=(N_IN, N_HID)).astype(np.float32)
    w2 = rng.choice([-0.25, 0.25, 0.5, 0.75], size=(N_HID, N_OUT)).astype(np.float32)
    x = (rng.random((N_EXAMPLES, T) + IN_SHAPE) < 0.5).astype(np.float32)
    return w1, w2, x


W1, W2, X = _data()


def _if_layer(s_in, w, thresh=1.0):
    """Non-leaky IF with delta synapses: step t receives the spikes of step t-1.
    Returns (v after each step, spikes), both (N, T, n_out)."""
    n, steps, _ = s_in.shape
    v = np.zeros((n, w.shape[1]))
    vs, spikes = [], []
    for t in range(steps):
        if t:
            v = v + s_in[:, t - 1] @ w
        spike = v >= thresh
        v = np.where(spike, 0.0, v)
        vs.append(v.copy())
        spikes.append(spike)
    return np.stack(vs, 1), np.stack(spikes, 1)


def _reference(x=X):
    s0 = (x.reshape(len(x), T, -1) > 0)
    v1, s1 = _if_layer(s0.astype(float), W1)
    v2, s2 = _if_layer(s1.astype(float), W2)
    return {"inp": (None, s0), "hid": (v1, s1), "out": (v2, s2)}


REF = _reference()


def _network():
    with Network() as net:
        inp = Population(BinarySpikeInput(input_frames=T), IN_SHAPE, record_spikes=True,
                         name="inp")
        hid = Population(IntegrateFire(), N_HID, record_spikes=True, name="hid")
        out = Population(IntegrateFire(readout="spike_count"), N_OUT, record_spikes=True,
                         name="out")
        Connection(inp, hid, Dense(W1), name="c1")
        Connection(hid, out, Dense(W2), name="c2")
    return net, {"inp": inp, "hid": hid, "out": out}


def _run(schedule, callbacks, x=X, **compiler_args):
    net, pops = _network()
    compiler = InferenceCompiler(evaluate_timesteps=T, dt=DT, batch_size=BATCH,
                                 schedule=schedule, **compiler_args)
    compiled = compiler.compile(net)
    with compiled:
        preds, data = compiled.predict({pops["inp"]: x}, pops["out"],
                                       callbacks=callbacks(pops))
    return preds[pops["out"]], data, pops


def _expected_spikes(spikes, examples, neurons=None):
    """(times, ids) per example from a (N, T, n) boolean reference."""
    times, ids = [], []
    for e in examples:
        s = spikes[e] if neurons is None else spikes[e][:, neurons]
        steps, cols = np.nonzero(s)
        times.append(steps * DT)
        ids.append(cols if neurons is None else np.asarray(neurons)[cols])
    return times, ids


def _assert_spikes_equal(actual, expected):
    (times, ids), (exp_times, exp_ids) = actual, expected
    assert len(times) == len(exp_times) == len(ids)
    for t, i, et, ei in zip(times, ids, exp_times, exp_ids, strict=True):
        np.testing.assert_array_equal(i, ei)
        np.testing.assert_allclose(t, et)


def test_reference_network_is_active():
    # Guard: the comparison is only meaningful if neurons spike, but not always.
    for name in ("hid", "out"):
        rate = REF[name][1].mean()
        assert 0.05 < rate < 0.9, (name, rate)


@pytest.mark.parametrize("schedule", SCHEDULES)
def test_spike_recorder_matches_reference(schedule):
    preds, data, pops = _run(schedule, lambda p: [SpikeRecorder(p[n], key=n)
                                                  for n in ("inp", "hid", "out")])
    for name in ("inp", "hid", "out"):
        _assert_spikes_equal(data[name], _expected_spikes(REF[name][1], range(N_EXAMPLES)))
    np.testing.assert_array_equal(preds, REF["out"][1].sum(1))


@pytest.mark.parametrize("schedule", SCHEDULES)
def test_spike_recorder_counts(schedule):
    _, data, _ = _run(schedule, lambda p: [
        SpikeRecorder(p["hid"], key="all", record_counts=True),
        SpikeRecorder(p["inp"], key="some", record_counts=True, example_filter=[1, 4],
                      neuron_filter=[5, 0, 3])])
    np.testing.assert_array_equal(data["all"], REF["hid"][1].sum(1))
    assert data["all"].shape == (N_EXAMPLES, N_HID)
    np.testing.assert_array_equal(data["some"], REF["inp"][1][[1, 4]][:, :, [0, 3, 5]].sum(1))


EXAMPLE_FILTERS = [
    (None, list(range(N_EXAMPLES))),
    (2, [2]),
    ([6, 0, 5], [0, 5, 6]),
    (np.array([True, False, False, True, True]), [0, 3, 4]),
    (slice(1, None, 3), [1, 4]),
    (slice(2, 5), [2, 3, 4]),
    ([], []),
]
NEURON_FILTERS = [
    (None, None),
    (3, [3]),
    ([4, 0, 2], [0, 2, 4]),
    (np.array([False, True, True, False, True]), [1, 2, 4]),
    (slice(1, 4), [1, 2, 3]),
    (-1, [4]),
]


@pytest.mark.parametrize("example_filter,examples", EXAMPLE_FILTERS)
def test_example_filter(example_filter, examples):
    _, data, _ = _run("layer", lambda p: [
        SpikeRecorder(p["hid"], key="s", example_filter=example_filter),
        VarRecorder(p["hid"], "v", key="v", example_filter=example_filter)])
    _assert_spikes_equal(data["s"], _expected_spikes(REF["hid"][1], examples))
    np.testing.assert_array_equal(data["v"], REF["hid"][0][examples].reshape(-1, T, N_HID))


@pytest.mark.parametrize("neuron_filter,neurons", NEURON_FILTERS)
def test_neuron_filter(neuron_filter, neurons):
    _, data, _ = _run("timestep", lambda p: [
        SpikeRecorder(p["hid"], key="s", neuron_filter=neuron_filter),
        SpikeRecorder(p["hid"], key="c", neuron_filter=neuron_filter, record_counts=True),
        VarRecorder(p["hid"], key="v", neuron_filter=neuron_filter)])
    sel = slice(None) if neurons is None else neurons
    _assert_spikes_equal(data["s"], _expected_spikes(REF["hid"][1], range(N_EXAMPLES), neurons))
    np.testing.assert_array_equal(data["c"], REF["hid"][1][:, :, sel].sum(1))
    np.testing.assert_array_equal(data["v"], REF["hid"][0][:, :, sel])


def test_neuron_filter_of_multidimensional_population_uses_flat_indices():
    mask = np.array([[True, False, True], [False, False, True]])  # flat 0, 2, 5
    _, data, _ = _run("layer", lambda p: [
        SpikeRecorder(p["inp"], key="mask", neuron_filter=mask),
        SpikeRecorder(p["inp"], key="flat", neuron_filter=[5, 2, 0])])
    expected = _expected_spikes(REF["inp"][1], range(N_EXAMPLES), [0, 2, 5])
    _assert_spikes_equal(data["mask"], expected)
    _assert_spikes_equal(data["flat"], expected)


@pytest.mark.parametrize("schedule", SCHEDULES)
def test_var_recorder_matches_reference(schedule):
    _, data, pops = _run(schedule, lambda p: [VarRecorder(p["hid"]), VarRecorder(p["out"], "v")])
    hid = data[(pops["hid"], "v")]  # default key: (pop, var); default var: output_var_name
    assert hid.shape == (N_EXAMPLES, T, N_HID)
    np.testing.assert_array_equal(hid, REF["hid"][0])
    np.testing.assert_array_equal(data[(pops["out"], "v")], REF["out"][0])


def test_default_spike_recorder_key_is_the_population():
    _, data, pops = _run("layer", lambda p: [SpikeRecorder(p["out"])])
    _assert_spikes_equal(data[pops["out"]], _expected_spikes(REF["out"][1], range(N_EXAMPLES)))


def test_recorders_accept_sequential_layers():
    net = SequentialNetwork()
    with net:
        inp = InputLayer(BinarySpikeInput(input_frames=T), IN_SHAPE, record_spikes=True)
        hid = Layer(Dense(W1), IntegrateFire(), record_spikes=True)
        out = Layer(Dense(W2), IntegrateFire(readout="spike_count"))
    compiled = InferenceCompiler(evaluate_timesteps=T, dt=DT, batch_size=BATCH).compile(net)
    with compiled:
        _, data = compiled.predict({inp: X}, out, callbacks=[SpikeRecorder(hid),
                                                             VarRecorder(hid, key="v")])
    _assert_spikes_equal(data[hid], _expected_spikes(REF["hid"][1], range(N_EXAMPLES)))
    np.testing.assert_array_equal(data["v"], REF["hid"][0])


def test_spike_times_continue_without_time_reset():
    """With reset_time_between_batches=False spike times are model times (mlGeNN)."""
    with Network() as net:
        inp = Population(BinarySpikeInput(), 1, record_spikes=True)
        out = Population(IntegrateFire(readout="spike_count"), 1)
        Connection(inp, out, Dense(np.ones((1, 1))))
    compiled = InferenceCompiler(evaluate_timesteps=4, dt=DT, batch_size=2,
                                 reset_time_between_batches=False).compile(net)
    with compiled:
        _, data = compiled.predict({inp: np.ones((5, 1))}, out,
                                   callbacks=[SpikeRecorder(inp, key="s")])
    times, _ = data["s"]
    for e, t in enumerate(times):
        np.testing.assert_allclose(t, ((e // 2) * 4 + np.arange(4)) * DT)


def test_recorders_are_registered():
    assert {"spike_recorder", "var_recorder", "spike_count_totals"} <= set(CALLBACKS.names())


def test_nothing_recorded_gives_empty_data():
    _, data, _ = _run("layer", lambda p: [
        SpikeRecorder(p["hid"], key="s", example_filter=[100]),
        SpikeRecorder(p["hid"], key="c", example_filter=[100], record_counts=True,
                      neuron_filter=[1, 2]),
        VarRecorder(p["hid"], key="v", example_filter=[100])])
    assert data["s"] == ([], [])
    assert data["c"].shape == (0, 2)
    assert data["v"].shape == (0, T, N_HID)


# --- few-spike networks -------------------------------------------------------------------

K = 4
ALPHA = 4.0


def _few_spike_reference(x, w1, w2):
    """Few-spike encoding in NumPy (exact: values are multiples of alpha 2^-K)."""
    def encode(value):
        v = value.copy()
        events = []
        for p in range(K):
            h = ALPHA * 2.0 ** -(p + 1)
            spike = v >= h
            v = np.where(spike, v - h, v)
            events.append(np.where(spike, h, 0.0))
        return np.stack(events, 1)  # (N, K, n)
    e0 = encode(x)
    y1 = e0.sum(1) @ w1
    e1 = encode(y1)
    y2 = e1.sum(1) @ w2
    e2 = encode(y2)
    return {"inp": e0, "hid": e1, "out": e2, "y_hid": y1, "y_out": y2}


def _few_spike_run(schedule, x, w1, w2, callbacks):
    with Network() as net:
        inp = Population(FewSpikeReluInput(k=K, alpha=ALPHA), x.shape[1], record_spikes=True)
        hid = Population(FewSpikeRelu(k=K, alpha=ALPHA), w1.shape[1], record_spikes=True)
        out = Population(FewSpikeRelu(k=K, alpha=ALPHA, readout="var"), w2.shape[1],
                         record_spikes=True)
        Connection(inp, hid, Dense(w1))
        Connection(hid, out, Dense(w2))
    pops = {"inp": inp, "hid": hid, "out": out}
    compiled = FewSpikeCompiler(k=K, dt=DT, batch_size=BATCH, schedule=schedule).compile(net)
    assert compiled.schedule == schedule
    with compiled:
        preds, data = compiled.predict({inp: x}, out, callbacks=callbacks(pops))
    return preds[out], data


@pytest.fixture(scope="module")
def few_spike_case():
    rng = np.random.default_rng(7)
    x = rng.integers(0, 16, size=(N_EXAMPLES, 4)) * (ALPHA / 2 ** K)
    w1 = rng.choice([-0.5, 0.25, 0.5], size=(4, 5))
    w2 = rng.choice([-0.25, 0.25, 0.5], size=(5, 3))
    ref = _few_spike_reference(x, w1, w2)
    assert 0.1 < (ref["hid"] > 0).mean() < 0.9 and (ref["out"] > 0).any()

    def callbacks(p):
        return ([SpikeRecorder(p[n], key=n) for n in ("inp", "hid", "out")]
                + [SpikeRecorder(p["hid"], key="counts", record_counts=True,
                                 example_filter=slice(0, None, 2))]
                + [VarRecorder(p["hid"], key="y"), VarRecorder(p["inp"], "v", key="v_in")])
    results = {s: _few_spike_run(s, x.astype(np.float32), w1, w2, callbacks)
               for s in ("few_spike_fast", "timestep")}
    return x, ref, results


@pytest.mark.parametrize("schedule", ("few_spike_fast", "timestep"))
def test_few_spike_recordings_match_reference(few_spike_case, schedule):
    x, ref, results = few_spike_case
    preds, data = results[schedule]
    for name in ("inp", "hid", "out"):
        _assert_spikes_equal(data[name], _expected_spikes(ref[name] > 0, range(N_EXAMPLES)))
    np.testing.assert_array_equal(data["counts"], (ref["hid"][::2] > 0).sum(1))
    # y holds the stage's input V(p=0), kept for the whole stage.
    np.testing.assert_allclose(data["y"], np.repeat(ref["y_hid"][:, None], K, 1), rtol=1e-6)
    assert data["v_in"].shape == (N_EXAMPLES, K, 4)
    np.testing.assert_allclose(preds, ref["y_out"], rtol=1e-6)


def test_few_spike_schedules_record_the_same(few_spike_case):
    _, _, results = few_spike_case
    (_, fast), (_, slow) = results["few_spike_fast"], results["timestep"]
    assert fast.keys() == slow.keys()
    for key in fast:
        if isinstance(fast[key], tuple):
            _assert_spikes_equal(fast[key], slow[key])
        else:
            np.testing.assert_array_equal(fast[key], slow[key])


# --- errors -----------------------------------------------------------------------------------

def test_spike_recorder_needs_record_spikes():
    with Network() as net:
        inp = Population(BinarySpikeInput(), 2, name="quiet_input")
        out = Population(IntegrateFire(readout="spike_count"), 1)
        Connection(inp, out, Dense(np.ones((2, 1))))
    compiled = InferenceCompiler(evaluate_timesteps=2).compile(net)
    with compiled, pytest.raises(ValueError, match="'quiet_input'.*record_spikes=True"):
        compiled.predict({inp: np.ones((1, 2))}, out, callbacks=[SpikeRecorder(inp)])


def test_var_recorder_unknown_variable_lists_variables():
    with Network() as net:
        inp = Population(BinarySpikeInput(), 2)
        out = Population(IntegrateFire(readout="spike_count"), 1, name="if_out")
        Connection(inp, out, Dense(np.ones((2, 1))))
    compiled = InferenceCompiler(evaluate_timesteps=2).compile(net)
    with compiled, pytest.raises(ValueError,
                                 match=r"'if_out'.*cannot record 'u'.*\['v', 'v_thresh'"):
        compiled.predict({inp: np.ones((1, 2))}, out, callbacks=[VarRecorder(out, "u")])


def test_var_recorder_needs_a_variable_for_neurons_without_output_var():
    with Network():
        inp = Population(BinarySpikeInput(), 2, name="bin")
    with pytest.raises(ValueError, match="'bin'.*BinarySpikeInput has no output variable"):
        VarRecorder(inp)


def test_recorder_of_population_outside_the_network():
    net, pops = _network()
    with Network():
        stranger = Population(IntegrateFire(), 3, record_spikes=True, name="stranger")
    compiled = InferenceCompiler(evaluate_timesteps=2).compile(net)
    with compiled, pytest.raises(ValueError, match="'stranger'.*not part of the compiled"):
        compiled.predict({pops["inp"]: X[:1]}, pops["out"], callbacks=[SpikeRecorder(stranger)])


@pytest.mark.parametrize("kwargs,error,match", [
    ({"neuron_filter": 5}, ValueError, r"out of range.*5 neurons"),
    ({"neuron_filter": [0, -6]}, ValueError, "out of range"),
    ({"neuron_filter": np.ones(4, bool)}, ValueError, r"shape \(5,\)"),
    ({"neuron_filter": np.zeros((2, 2), int)}, ValueError, "ravel_multi_index"),
    ({"neuron_filter": [0.5]}, TypeError, "ints or bools"),
    ({"neuron_filter": "all"}, TypeError, "neuron_filter must be"),
    ({"example_filter": slice(-3, None)}, ValueError, "non-negative bounds"),
    ({"example_filter": [-1]}, ValueError, ">= 0"),
    ({"example_filter": 1.5}, TypeError, "example_filter must be"),
    ({"example_filter": True}, TypeError, "example_filter must be"),
])
def test_invalid_filters(kwargs, error, match):
    with Network():
        pop = Population(IntegrateFire(), 5, record_spikes=True, name="p5")
    with pytest.raises(error, match=match):
        SpikeRecorder(pop, **kwargs)
    with pytest.raises(error, match=match):
        VarRecorder(pop, **kwargs)

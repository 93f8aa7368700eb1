"""The user's path through a compiled network: errors raised by compile(), changes after
compile(), predict into the caller's arrays, batch iterators over generators, and
metrics accumulated on the device against NumPy re-statements."""
from __future__ import annotations

import numpy as np
import pytest

from ml_genn import Connection, Network, Population
from ml_genn.callbacks import Callback, CallbackList
from ml_genn.compilers import InferenceCompiler
from ml_genn.connectivity import Dense
from ml_genn.initializers import Normal, Uniform
from ml_genn.metrics import Metric
from ml_genn.neurons import BinarySpikeInput, IntegrateFire, PoissonGenerator
from ml_genn.readouts import READOUTS

T = 6
BATCH = 4


def _network(seed=0):
    rng = np.random.default_rng(seed)
    with Network() as net:
        inp = Population(BinarySpikeInput(), 5, name="inp")
        out = Population(IntegrateFire(v_thresh=1.0, readout="spike_count"), 3, name="out")
        conn = Connection(inp, out, Dense(rng.choice([0.25, 0.5, 0.75], size=(5, 3))),
                          name="inp_out")
    x = (rng.random((11, 5)) < 0.6).astype(np.float32)
    return net, inp, out, conn, x


def _counts(x, w, v_thresh):
    """NumPy re-statement: spike counts of IF neurons (reset to 0) driven by binary input
    that is delivered one step after it is sent."""
    v = np.zeros((len(x), w.shape[1]))
    counts = np.zeros_like(v)
    for _ in range(T - 1):
        v += x @ w
        spike = v >= v_thresh
        counts += spike
        v[spike] = 0.0
    return counts


def test_readout_without_output_variable_is_refused_by_compile():
    with Network() as net:
        gen = Population(PoissonGenerator(rate=50.0), 2, name="gen")
    gen.neuron.readout = READOUTS.resolve("var")
    with pytest.raises(ValueError, match="'gen'.*Var needs an output variable.*"
                                         "PoissonGenerator has none"):
        InferenceCompiler(evaluate_timesteps=2).compile(net)


def test_reference_counts():
    net, inp, out, conn, x = _network()
    compiled = InferenceCompiler(evaluate_timesteps=T, batch_size=BATCH).compile(net)
    pred, _ = compiled.predict({inp: x}, out, callbacks=[])
    np.testing.assert_array_equal(pred[out], _counts(x, conn.connectivity.weight, 1.0))


def test_parameter_and_weight_assigned_after_compile_are_seen():
    net, inp, out, conn, x = _network()
    compiled = InferenceCompiler(evaluate_timesteps=T, batch_size=BATCH).compile(net)
    before, _ = compiled.predict({inp: x}, out, callbacks=[])
    out.neuron.v_thresh = 2.0
    after, _ = compiled.predict({inp: x}, out, callbacks=[])
    w = conn.connectivity.weight
    np.testing.assert_array_equal(after[out], _counts(x, w, 2.0))
    assert not np.array_equal(before[out], after[out])
    conn.connectivity.weight = w * 2.0
    doubled, _ = compiled.predict({inp: x}, out, callbacks=[])
    np.testing.assert_array_equal(doubled[out], _counts(x, w * 2.0, 2.0))


def test_a_new_neuron_object_after_compile_is_seen():
    net, inp, out, conn, x = _network()
    compiled = InferenceCompiler(evaluate_timesteps=T, batch_size=BATCH).compile(net)
    compiled.predict({inp: x}, out, callbacks=[])
    sim = compiled.simulator
    assert compiled.simulator is sim  # nothing changed: nothing rebuilt
    out.neuron = IntegrateFire(v_thresh=2.0, readout="spike_count")
    pred, _ = compiled.predict({inp: x}, out, callbacks=[])
    np.testing.assert_array_equal(pred[out], _counts(x, conn.connectivity.weight, 2.0))
    assert compiled.simulator is not sim


def test_new_neuron_parameters_keep_the_compiled_programs():
    """A threshold change is copied to the device without compiling again (SpikeNorm
    sets its thresholds so, one population after another); a change of shape or of an
    option rebuilds the device model."""
    net, inp, out, conn, x = _network()
    compiled = InferenceCompiler(evaluate_timesteps=T, batch_size=BATCH).compile(net)
    compiled.predict({inp: x}, out, callbacks=[])
    programs = compiled.simulator._cache
    w = conn.connectivity.weight
    for v_thresh in (2.0, 0.5):
        out.neuron.v_thresh = v_thresh
        pred, _ = compiled.predict({inp: x}, out, callbacks=[])
        np.testing.assert_array_equal(pred[out], _counts(x, w, v_thresh))
        assert compiled.simulator._cache is programs
    out.neuron.v_thresh = np.full(3, 1.0)                     # a scalar becomes an array
    pred, _ = compiled.predict({inp: x}, out, callbacks=[])
    np.testing.assert_array_equal(pred[out], _counts(x, w, 1.0))
    assert compiled.simulator._cache is not programs
    programs = compiled.simulator._cache
    out.neuron.relative_reset = True                          # an option
    compiled.predict({inp: x}, out, callbacks=[])
    assert compiled.simulator._cache is not programs


def test_a_parameter_reload_copies_only_the_changed_populations():
    """Only the changed population's parameters go to the device again (the layer-wise
    calibration changes a few populations of hundreds per run), drawn as a rebuild
    draws them; a change in how many random values a population draws moves the draws
    of the populations after it, so the device model is rebuilt."""
    with Network() as net:
        inp = Population(BinarySpikeInput(), 5, name="inp")
        hid = Population(IntegrateFire(v=Normal(0.0, 0.1)), 4, name="hid")
        out = Population(IntegrateFire(v=Uniform(0.0, 0.5), readout="spike_count"), 3,
                         name="out")
        Connection(inp, hid, Dense(np.full((5, 4), 0.5)))
        Connection(hid, out, Dense(np.full((4, 3), 0.5)))
    x = np.ones((4, 5), np.float32)

    def device_params(compiled):
        sim = compiled.simulator
        return sim, [sim.params.neurons[sim.plan.index(p)] for p in (hid, out)]

    def same_values(got, want):
        for a, b in zip(got, want, strict=True):
            for u, v in zip(a, b, strict=True):
                np.testing.assert_array_equal(np.asarray(u), np.asarray(v))

    compiled = InferenceCompiler(evaluate_timesteps=T, batch_size=BATCH).compile(net)
    compiled.predict({inp: x}, out, callbacks=[])
    sim, (hid_before, out_before) = device_params(compiled)
    hid.neuron.v_thresh = 2.0
    compiled.predict({inp: x}, out, callbacks=[])
    again, (hid_after, out_after) = device_params(compiled)
    assert again is sim and out_after is out_before and hid_after is not hid_before
    fresh = InferenceCompiler(evaluate_timesteps=T, batch_size=BATCH).compile(net)
    same_values([hid_after, out_after], device_params(fresh)[1])
    hid.neuron.v = np.zeros(4, np.float32)     # same shape, but draws no random values
    compiled.predict({inp: x}, out, callbacks=[])
    rebuilt, params = device_params(compiled)
    assert rebuilt is not sim
    fresh = InferenceCompiler(evaluate_timesteps=T, batch_size=BATCH).compile(net)
    same_values(params, device_params(fresh)[1])


def test_in_place_change_after_compile_is_refused():
    net, inp, out, conn, x = _network()
    InferenceCompiler(evaluate_timesteps=T).compile(net)
    with pytest.raises(ValueError, match="read-only"):
        conn.connectivity.weight[0, 0] = 5.0


def test_compiling_keeps_no_host_copy_of_an_array_weight(tmp_path):
    """The device model is built from the connectivity's own (read-only) float32 array:
    a copy per connection held NASNetLarge's weights twice. Saving stores it."""
    from ml_genn.serialisers import Numpy
    net, inp, out, conn, x = _network()
    compiled = InferenceCompiler(evaluate_timesteps=T).compile(net)
    (op,) = compiled.simulator.ops
    assert np.shares_memory(op.drawn_weight, conn.connectivity.weight)
    compiled.save(("run",), Numpy(str(tmp_path)))
    np.testing.assert_array_equal(np.load(tmp_path / "run-inp_out-weight.npy"),
                                  conn.connectivity.weight)


def test_predict_writes_into_the_callers_array():
    net, inp, out, conn, x = _network()
    compiled = InferenceCompiler(evaluate_timesteps=T, batch_size=BATCH).compile(net)
    target = np.full((len(x) + 2, 3), -1.0, np.float32)
    pred, _ = compiled.predict({inp: x}, out, callbacks=[], out={out: target})
    expected = _counts(x, conn.connectivity.weight, 1.0)
    np.testing.assert_array_equal(target[:len(x)], expected)
    assert np.all(target[len(x):] == -1.0)
    assert np.shares_memory(pred[out], target)


@pytest.mark.parametrize("rows,shape,match", [
    (5, (5, 3), "out array for output 'out' has 5 rows; the data has more examples"),
    (11, (11, 4), r"must be a NumPy array of shape \(N, \*\(3,\)\), received \(11, 4\)"),
])
def test_predict_into_a_wrong_array_is_refused(rows, shape, match):
    net, inp, out, _, x = _network()
    compiled = InferenceCompiler(evaluate_timesteps=T, batch_size=BATCH).compile(net)
    with pytest.raises(ValueError, match=match):
        compiled.predict({inp: x}, out, callbacks=[], out={out: np.zeros(shape, np.float32)})


def test_batch_iterators_read_generators_and_match_arrays():
    net, inp, out, conn, x = _network()
    compiled = InferenceCompiler(evaluate_timesteps=T, batch_size=BATCH).compile(net)
    expected = _counts(x, conn.connectivity.weight, 1.0)
    y = np.array([2, 0, 1, 1, 0, 2, 2, 1, 0, 0, 1])
    read = []

    def batches(labelled):
        for s in range(0, len(x), 3):  # batches smaller than batch_size
            read.append(s)
            yield (x[s:s + 3], y[s:s + 3]) if labelled else x[s:s + 3]

    target = np.zeros((len(x), 3), np.float32)
    pred, _ = compiled.predict_batch_iter(inp, out, batches(False), callbacks=[],
                                          out={out: target})
    np.testing.assert_array_equal(pred[out], expected)
    metrics, _ = compiled.evaluate_batch_iter(inp, out, batches(True), callbacks=[])
    accuracy = np.mean(expected.argmax(1) == y)
    assert metrics[out].result == pytest.approx(accuracy)
    assert metrics[out].total == len(x)


def test_evaluate_batch_iter_needs_labels():
    net, inp, out, _, x = _network()
    compiled = InferenceCompiler(evaluate_timesteps=T, batch_size=BATCH).compile(net)
    with pytest.raises(ValueError, match="Batch 0 from the iterator has no labels"):
        compiled.evaluate_batch_iter(inp, out, iter([x[:2]]), callbacks=[])


class MaxAbs(Metric):
    """A user's metric with no device version: updated on the host."""

    def __init__(self):
        self.value = 0.0

    def update(self, y_true, y_pred):
        self.value = max(self.value, float(np.max(np.abs(y_true - y_pred))))

    @property
    def result(self):
        return self.value


def test_device_metrics_equal_numpy_and_host_metrics_still_work():
    net, inp, out, conn, x = _network()
    compiled = InferenceCompiler(evaluate_timesteps=T, batch_size=BATCH).compile(net)
    expected = _counts(x, conn.connectivity.weight, 1.0)
    target = np.random.default_rng(1).uniform(0, 3, expected.shape)
    metrics, _ = compiled.evaluate({inp: x}, {out: target}, metrics="mean_square_error",
                                   callbacks=[])
    assert metrics[out].result == pytest.approx(np.mean((target - expected) ** 2), rel=1e-6)
    metrics, _ = compiled.evaluate({inp: x}, {out: target}, metrics=MaxAbs(), callbacks=[])
    assert metrics[out].result == pytest.approx(np.max(np.abs(target - expected)))


def test_mse_labels_of_the_wrong_shape_are_refused_before_running():
    net, inp, out, _, x = _network()
    compiled = InferenceCompiler(evaluate_timesteps=T, batch_size=BATCH).compile(net)
    with pytest.raises(ValueError, match=r"mean_square_error: labels of shape \(11, 2\) do "
                                         r"not match predictions of shape \(11, 3\) "
                                         r"for output 'out'"):
        compiled.evaluate({inp: x}, {out: np.zeros((11, 2))}, metrics="mean_square_error",
                          callbacks=[])


class Progress(Callback):
    def __init__(self):
        self.seen = []

    def on_batch_end(self, batch, metrics):
        self.seen.append((batch, metrics[next(iter(metrics))].total))


def test_per_batch_callbacks_get_metrics_in_order_and_others_need_none():
    assert not CallbackList([Callback()]).per_batch
    progress = Progress()
    assert CallbackList([progress]).per_batch
    net, inp, out, _, x = _network()
    compiled = InferenceCompiler(evaluate_timesteps=T, batch_size=BATCH).compile(net)
    compiled.evaluate({inp: x}, {out: np.zeros(len(x), int)}, callbacks=[progress])
    assert progress.seen == [(0, 4), (1, 8), (2, 11)]


def _image_network(top, seed=3):
    """A few-spike and a rate-coded network reading inputs in ``[0, top]``."""
    from ml_genn.compilers import FewSpikeCompiler
    from ml_genn.neurons import FewSpikeRelu, FewSpikeReluInput, IntegrateFireInput

    rng = np.random.default_rng(seed)
    w1, w2 = rng.normal(0, 0.3, (12, 8)), rng.normal(0, 0.3, (8, 3))
    built = {}
    for kind in ("few_spike", "rate"):
        with Network() as net:
            if kind == "few_spike":
                inp = Population(FewSpikeReluInput(k=8, alpha=float(top)), 12, name="inp")
                hid = Population(FewSpikeRelu(k=8, alpha=4.0), 8, name="hid")
                out = Population(FewSpikeRelu(k=8, alpha=4.0, readout="var"), 3, name="out")
            else:
                inp = Population(IntegrateFireInput(v_thresh=top / 3), 12, name="inp")
                hid = Population(IntegrateFire(v_thresh=1.0), 8, name="hid")
                out = Population(IntegrateFire(v_thresh=1.0, readout="spike_count"), 3,
                                 name="out")
            Connection(inp, hid, Dense(w1))
            Connection(hid, out, Dense(w2))
        compiler = FewSpikeCompiler(k=8, batch_size=BATCH) if kind == "few_spike" else \
            InferenceCompiler(evaluate_timesteps=T, batch_size=BATCH)
        built[kind] = (compiler.compile(net), inp, out)
    return built


@pytest.mark.parametrize("dtype", [np.uint8, np.int16, np.float16, np.bool_])
def test_narrow_inputs_travel_as_they_are_and_give_the_float32_results(dtype, monkeypatch):
    """Inputs of a type float32 holds exactly go to the device in that type (smaller
    copies) and give bitwise the readouts of the same values as float32, through
    predict, evaluate and a generator whose batches mix types."""
    from ml_genn.backend import transfer
    from ml_genn.compilers import compiled_network

    rng = np.random.default_rng(4)
    top = 1 if dtype is np.bool_ else 255
    narrow = rng.integers(0, top + 1, (11, 12)).astype(dtype)
    wide = narrow.astype(np.float32)
    sent = []

    def spy(groups, placement, **kwargs):
        for g in transfer.device_groups(groups, placement, **kwargs):
            sent.extend(a.dtype for arrays in g.x.values() for a in
                        (arrays if isinstance(arrays, tuple) else (arrays,)))
            yield g
    monkeypatch.setattr(compiled_network, "device_groups", spy)
    y = rng.integers(0, 3, 11)
    for kind, (compiled, inp, out) in _image_network(top).items():
        with compiled:
            want, _ = compiled.predict({inp: wide}, out, callbacks=[])
            sent.clear()
            got, _ = compiled.predict({inp: narrow}, out, callbacks=[])
            assert set(sent) == {np.dtype(dtype)}, kind
            np.testing.assert_array_equal(got[out], want[out], err_msg=kind)
            assert np.ptp(want[out]) > 0, kind
            metrics, _ = compiled.evaluate({inp: narrow}, {out: y}, callbacks=[])
            assert metrics[out].correct == int(np.sum(want[out].argmax(1) == y)), kind

            def mixed():   # batches of 3: narrow, then float32, ... (groups mix them)
                for s in range(0, 11, 3):
                    yield (narrow if s % 2 else wide)[s:s + 3]
            got, _ = compiled.predict_batch_iter(inp, out, mixed(), callbacks=[])
            np.testing.assert_array_equal(got[out], want[out], err_msg=kind)


def test_other_input_types_become_float32():
    from ml_genn.utils.dtypes import exact_in_float32

    assert [exact_in_float32(t) for t in (np.float32, np.uint8, np.int16, np.float16,
                                          np.bool_)] == [True] * 5
    assert not any(exact_in_float32(t) for t in (np.float64, np.int32, np.uint32, np.int64))
    net, inp, out, conn, x = _network()
    compiled = InferenceCompiler(evaluate_timesteps=T, batch_size=BATCH).compile(net)
    arrays, n = compiled._prepare_inputs({inp: x.astype(np.float64)})
    assert n == 11 and next(iter(arrays.values())).dtype == np.float32

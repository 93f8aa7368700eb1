"""RunnableModel: summary, latency, sweeps from one run, synapse counts."""
import copy

import numpy as np
import pytest

from ml_genn import Connection, Network, Population, RunnableModel
from ml_genn.compilers import FewSpikeCompiler, InferenceCompiler
from ml_genn.connectivity import AvgPool2D, Conv2D, Dense
from ml_genn.neurons import (
    FewSpikeRelu,
    FewSpikeReluInput,
    IntegrateFire,
    IntegrateFireInput,
    PoissonInput,
)
from ml_genn.synapses import Exponential
from ml_genn.utils.activity import count_synapses, synaptic_operations

NEVER = float(np.finfo(np.float32).max)


def rate_model(synapse="delta", input_neuron=None, readout="var", seed=0):
    rng = np.random.default_rng(seed)
    with Network() as net:
        inp = Population(input_neuron or IntegrateFireInput(), (4, 4, 1), name="x")
        hid = Population(IntegrateFire(v_thresh=0.5, relative_reset=True), name="h")
        out = Population(IntegrateFire(v_thresh=NEVER if readout == "var" else 0.8,
                                       readout=readout), 3, name="y")
        Connection(inp, hid, Conv2D(rng.normal(0.2, 0.4, (3, 3, 1, 2)), 2, 3), name="c1")
        Connection(hid, out, Dense(rng.normal(0, 1, (8, 3))), synapse=synapse, name="c2")
    return RunnableModel(net, [inp], [out], InferenceCompiler(evaluate_timesteps=40,
                                                              batch_size=8),
                         layer_populations={"conv": hid, "logits": out},
                         metadata={"source_model": "toy", "method": "data_norm",
                                   "population_scales": {"x": 1.0, "h": 3.0, "y": 1.0}})


def data(n=20, seed=1):
    return np.random.default_rng(seed).uniform(0, 1, (n, 4, 4, 1)).astype(np.float32)


def test_summary_prints_like_keras_and_returns_none(capsys):
    model = rate_model()
    lines = []
    assert model.summary(print_fn=lines.append) is None
    text = "\n".join(lines)
    assert lines[0] == 'Model: "toy" (data_norm)'
    row = {line.split()[0]: line for line in lines if line.startswith(" ")}
    assert "IntegrateFire" in row["h"] and " 1.5 " in row["h"]      # 0.5 x scale 3
    assert " none " in row["y"] and "3.4e+38" not in text
    assert "Latency: 40 timesteps" in text and "evaluate_timesteps=40" in text
    assert "conv" in row["h"] and "x (Conv2D)" in row["h"]
    assert capsys.readouterr().out == ""
    model.summary()
    assert capsys.readouterr().out.splitlines() == lines


def test_few_spike_latency_is_depth_plus_one_stages():
    with Network() as net:
        inp = Population(FewSpikeReluInput(k=6, alpha=2.0), 2, name="x")
        a = Population(FewSpikeRelu(k=6, alpha=2.0), 2, name="a")
        b = Population(FewSpikeRelu(k=6, alpha=2.0), 2, name="b")
        out = Population(FewSpikeRelu(k=6, alpha=2.0, readout="var"), 2, name="y")
        Connection(inp, a, Dense(np.eye(2)))
        Connection(a, b, Dense(np.eye(2)))
        Connection(b, out, Dense(np.eye(2)))
        Connection(inp, out, Dense(np.eye(2)))   # a shortcut does not shorten it
    model = RunnableModel(net, [inp], [out], FewSpikeCompiler(k=6))
    assert model.latency_timesteps == 4 * 6
    lines = []
    model.summary(print_fn=lines.append)
    assert any("alpha=2 " in line for line in lines)
    with pytest.raises(NotImplementedError, match="ConvertedModel.sweep"):
        model.sweep(np.zeros((1, 2)), np.zeros(1), k=[4])


@pytest.mark.parametrize("synapse, input_neuron, readout", [
    ("delta", None, "var"),                                # layer schedule
    (Exponential(tau=2.0), None, "spike_count"),           # timestep schedule
    pytest.param("delta", PoissonInput(), "sum_var",       # random input, same draws
                 marks=pytest.mark.slow)])
def test_sweep_equals_separate_runs(synapse, input_neuron, readout):
    model = rate_model(synapse, input_neuron, readout)
    x = data()
    y = model.predict(x).argmax(1)
    y[::3] = (y[::3] + 1) % 3          # some wrong labels, so accuracy varies
    steps = [2, 5, 9]
    table = model.sweep(x, y, timesteps=steps)
    assert table.column("timesteps") == steps
    for row, t in zip(table, steps, strict=True):
        single = copy.copy(model)
        single.compiler = copy.copy(model.compiler)
        single.compiler.evaluate_timesteps = t
        single._compiled = None
        expected = single.evaluate(x, y)
        assert row["accuracy"] == expected["accuracy"], t
        assert row["spikes_per_neuron"] == pytest.approx(expected["spikes_per_neuron"])
        assert row["synaptic_operations"] == pytest.approx(expected["synaptic_operations"])
        assert row["latency_timesteps"] == t
    assert not model.outputs[0].record_spikes       # the sweep left the model as it was
    assert "timesteps" in str(table).splitlines()[0]


def test_sweep_rejects_bad_checkpoints():
    model = rate_model()
    with pytest.raises(ValueError, match=r"positive integers, received \[0, 4\]"):
        model.sweep(data(), np.zeros(20), timesteps=[0, 4])


def brute_force_taps(in_hw, k, s, padding):
    """Count (output, tap) pairs that land inside the image, by loops."""
    n, kk = in_hw[0], k
    if padding == "same":
        out = -(-n // s)
        total = max(kk - s, 0) if n % s == 0 else max(kk - n % s, 0)
        before = total // 2
    else:
        out, before = -(-(n - kk + 1) // s), 0
    count = 0
    for r in range(out):
        for c in range(out):
            for i in range(kk):
                for j in range(kk):
                    rr, cc = r * s - before + i, c * s - before + j
                    count += 0 <= rr < n and 0 <= cc < n
    return count


@pytest.mark.parametrize("size, stride, padding", [(3, 1, "same"), (3, 2, "same"),
                                                   (3, 2, "valid"), (2, 2, "valid")])
def test_synapse_counts_match_a_loop_over_windows(size, stride, padding):
    with Network():
        src = Population("integrate_fire", (7, 7, 2))
        conv = Conv2D(np.ones((size, size, 2, 3)), 3, size, conv_strides=stride,
                      conv_padding=padding)
        Connection(src, Population("integrate_fire"), conv)
        pool = AvgPool2D(size, pool_strides=stride)
        Connection(src, Population("integrate_fire"), pool)
    taps = brute_force_taps((7, 7), size, stride, padding)
    assert count_synapses(conv) == taps * 2 * 3
    assert count_synapses(pool) == brute_force_taps((7, 7), size, stride, "valid") * 2


def test_synaptic_operations_weight_spikes_by_fan_out():
    with Network() as net:
        a = Population("poisson_input", 4, name="a")
        b = Population("integrate_fire", 3, name="b")
        w = np.ones((4, 3))
        w[0, :2] = 0.0                    # 10 synapses: mean fan-out 2.5
        Connection(a, b, Dense(w))
    total, per_target = synaptic_operations(net, {"a": 2.0, "b": 1.0})
    assert total == per_target["b"] == 2.0 * 10


def test_sweep_warns_when_thresholds_were_calibrated_for_the_models_t():
    model = rate_model()
    model.metadata["options"] = {"norm_timesteps": 40}
    with pytest.warns(UserWarning, match=r"'toy' has thresholds calibrated with "
                                         r"norm_timesteps=40.*ConvertedModel\.sweep"):
        model.sweep(data(4), np.zeros(4, int), timesteps=[2])


def test_edits_after_a_run_are_seen_without_rehashing_the_weights():
    model = rate_model()
    x = data(8)
    before = model.predict(x)
    compiled = model.compiled()
    hid = model.network.populations[1]
    conn = model.network.connections[1]
    hid.neuron.v_thresh = 0.25                      # a value: same compiled network
    lower = model.predict(x)
    assert model.compiled() is compiled and not np.array_equal(lower, before)
    fresh = rate_model()                            # the same edit, compiled from scratch
    fresh.network.populations[1].neuron.v_thresh = 0.25
    np.testing.assert_array_equal(lower, fresh.predict(x))
    weight = conn.connectivity.weight.copy()
    with pytest.raises(ValueError, match="read-only"):
        conn.connectivity.weight[0, 0] = 5.0        # in place: refused, not ignored
    conn.connectivity.weight = weight * 2           # a new array: seen
    assert not np.array_equal(model.predict(x), lower)
    hid.neuron = IntegrateFire(v_thresh=0.25, relative_reset=True)  # a new object
    np.testing.assert_array_equal(model.predict(x), model.predict(x))
    assert model.compiled() is not compiled         # compiled again


def test_synapse_counts_are_kept_until_a_connectivity_changes(monkeypatch):
    """evaluate() counts the synapses (a large dense layer's non-zero weights) once, and
    again after a weight array is replaced: the synaptic operations follow it."""
    from ml_genn.runnable import model as model_module
    calls = []
    counted = model_module.synapse_counts
    monkeypatch.setattr(model_module, "synapse_counts",
                        lambda net: calls.append(1) or counted(net))
    model = rate_model(readout="spike_count")
    x, y = data(8), np.zeros(8, int)
    first = model.evaluate(x, y)
    assert model.evaluate(x, y)["synaptic_operations"] == first["synaptic_operations"]
    assert len(calls) == 1
    conn = model.network.connections[1]
    weight = conn.connectivity.weight.copy()
    weight[:, 0] = 0.0                            # a third of c2's synapses gone
    conn.connectivity.weight = weight
    after = model.evaluate(x, y)
    assert len(calls) == 2
    spikes_h = after["spikes_per_population"]["h"]
    assert after["synaptic_operations_per_population"]["y"] == pytest.approx(spikes_h * 16)


def test_uint8_images_give_what_the_same_float32_values_give():
    """8-bit images keep their type up to the device (``input_dict``) and give the
    readouts and accuracy of the same values as float32."""
    model = rate_model(input_neuron=IntegrateFireInput(v_thresh=255.0))
    images = np.random.default_rng(2).integers(0, 256, (20, 4, 4, 1)).astype(np.uint8)
    assert model.input_dict(images)[model.inputs[0]].dtype == np.uint8
    want = model.predict(images.astype(np.float32))
    got = model.predict(images)
    np.testing.assert_array_equal(got, want)
    assert np.ptp(want) > 0
    labels = want.argmax(1)
    assert model.evaluate(images, labels, spikes=False)["accuracy"] == 1.0

"""QCFS conversion of QuantisedReLU models: exactness against Keras and a NumPy
restatement of the same-step (synchronous) spiking network, defaults, errors."""
from __future__ import annotations

import keras
import numpy as np
import pytest
from handler_harness import randomize

from ml_genn.callbacks import VarRecorder
from ml_genn.neurons import DirectInput, WindowedIntegrateFire
from ml_genn_tf import UnsupportedModelError, convert_model
from ml_genn_tf.converters import QCFS
from ml_genn_tf.layers import QuantisedReLU

L = keras.layers


def one_hidden_layer(levels=4, clip=1.5, seed=0):
    model = keras.Sequential([keras.Input((6,)), L.Dense(12, name="hidden"),
                              QuantisedReLU(levels, clip, name="q"),
                              L.Dense(3, name="out")])
    randomize(model, seed)
    model.get_layer("q").clip.assign(clip)  # randomize drew it too
    return model


def run(converter, model, x, counts=()):
    """Readout of the output (Keras shape) and the final net spike count of the
    populations named in ``counts``."""
    net, inputs, outputs, _ = converter.convert(model)
    pops = {p.name: p for p in net.populations}
    callbacks = [VarRecorder(pops[name], var="net_spikes", key=name) for name in counts]
    compiled = converter.create_compiler(batch_size=16).compile(net)
    with compiled:
        out, data = compiled.predict({inputs[0]: x}, outputs, callbacks=callbacks)
    return np.asarray(out[outputs[0]]), {n: np.asarray(data[n])[:, -1] for n in counts}


@pytest.mark.parametrize("levels, multiple, signed", [(4, 1, True), (4, 2, False),
                                                     (8, 1, False), (3, 3, True)])
def test_constant_input_reproduces_the_quantised_ann(levels, multiple, signed):
    """With analog input the hidden layer sees a constant current, so at T = L (or a
    multiple) its spike count is exactly the QuantisedReLU level and the output's
    integrated potential is T times the Keras logits."""
    model, clip = one_hidden_layer(levels), 1.5
    x = np.random.default_rng(levels).uniform(-1, 1, (40, 6)).astype(np.float32)
    T = levels * multiple
    readout, counts = run(QCFS(T, signed_spikes=signed), model, x, counts=["q"])
    pre = keras.Model(model.inputs, model.get_layer("hidden").output).predict(x, verbose=0)
    want = np.clip(clip / levels * np.floor(pre * levels / clip + 0.5), 0, clip)  # Bu et al.
    np.testing.assert_allclose(counts["q"] * clip / levels, want, atol=1e-6)
    assert 0 < np.count_nonzero(want) < want.size and np.any(want == clip)
    np.testing.assert_allclose(readout / T, model.predict(x, verbose=0), atol=1e-4)


def residual_model(levels=4, seed=3):
    x_in = keras.Input((5,))
    h1 = QuantisedReLU(levels, 1.0, name="q1")(L.Dense(8)(x_in))
    h2 = QuantisedReLU(levels, 1.0, name="q2")(L.Dense(8)(h1))
    joined = L.Add()([L.Dense(8)(h2), L.Dense(8)(h1)])
    h3 = QuantisedReLU(levels, 1.0, name="q3")(joined)
    model = randomize(keras.Model(x_in, L.Dense(3, name="out")(h3)), seed)
    for name, clip in (("q1", 1.2), ("q2", 0.8), ("q3", 1.5)):
        model.get_layer(name).clip.assign(clip)
    return model


def synchronous_snn(model, x, T, signed):
    """NumPy restatement of the network the windows emulate: every layer updates in
    the same step; a QuantisedReLU (clip c, L levels) is an IF neuron with threshold
    c*T/L, V(0) = threshold/2, reset by subtraction, at most L net spikes, negative
    spikes if ``signed``; the output integrates its input (no threshold)."""
    dense = [layer for layer in model.layers if isinstance(layer, L.Dense)]
    (w1, b1), (w2, b2), (w3, b3), (ws, bs), (wo, bo) = [d.get_weights() for d in dense]
    qs = [model.get_layer(n) for n in ("q1", "q2", "q3")]
    theta = [float(q.clip.numpy()) * T / q.levels for q in qs]
    levels = qs[0].levels
    v = [np.full((len(x), 8), 0.5) for _ in theta]  # V / threshold
    n = [np.zeros((len(x), 8)) for _ in qs]
    out = np.zeros((len(x), 3))

    def fire(i, drive):
        v[i] = v[i] + drive / theta[i]
        pos = (v[i] >= 1.0) & (n[i] < levels)
        v[i] = v[i] - pos
        neg = signed & ~pos & (v[i] < 0.0) & (n[i] > 0)
        v[i] = v[i] + neg
        n[i] = n[i] + pos - neg
        return (pos.astype(float) - neg) * theta[i]  # value sent by each event

    for _ in range(T):
        s1 = fire(0, x @ w1 + b1)
        s2 = fire(1, s1 @ w2 + b2)
        s3 = fire(2, s2 @ w3 + b3 + s1 @ ws + bs)
        out = out + s3 @ wo + bo
    return out, n


@pytest.mark.parametrize("signed", [True, False])
def test_windows_and_delays_reproduce_the_synchronous_network(signed):
    model, T = residual_model(), 6
    x = np.random.default_rng(7).uniform(0, 1, (32, 5)).astype(np.float32)
    converter = QCFS(T, signed_spikes=signed)
    readout, counts = run(converter, model, x, counts=["q1", "q2", "q3"])
    want, want_counts = synchronous_snn(model, x.astype(np.float64), T, signed)
    for name, n in zip(("q1", "q2", "q3"), want_counts, strict=True):
        np.testing.assert_array_equal(counts[name], n)
    np.testing.assert_allclose(readout, want, atol=1e-4)
    assert converter.latency == 4  # input 0, q1 1, q2 2, q3 3, out 4
    net, *_ = converter.convert(model)
    delays = {c.name: c.connectivity.delay for c in net.connections}
    assert delays["q1_to_q3"] == 1 and delays["q2_to_q3"] == 0


def test_neurons_and_compiler():
    model = residual_model(levels=8)
    converter = QCFS(16)
    net, inputs, _, _ = converter.convert(model)
    assert isinstance(inputs[0].neuron, DirectInput)
    q2 = {p.name: p for p in net.populations}["q2"].neuron
    assert isinstance(q2, WindowedIntegrateFire)
    assert (q2.start_step, q2.stop_step, q2.v, q2.max_spikes) == (2, 18, 0.5, 8)
    assert converter.create_compiler().evaluate_timesteps == 16 + 4


def test_convert_model_picks_qcfs_at_t_equal_l():
    model = residual_model(levels=5)
    snn = convert_model(model, batch_size=8)
    assert snn.method == "qcfs" and snn.converter.evaluate_timesteps == 5
    assert snn.evaluate_timesteps == 5 + 4
    assert convert_model(model, evaluate_timesteps=10).converter.evaluate_timesteps == 10
    assert convert_model(model, "few_spike", k=8).method == "few_spike"


def test_plain_relu_is_refused():
    model = keras.Sequential([keras.Input((4,)), L.Dense(3), L.ReLU(name="r"), L.Dense(2)])
    with pytest.raises(UnsupportedModelError,
                       match=r"Layer 'r' \(ReLU\): QCFS conversion needs QuantisedReLU.*"
                             r"finetune_quantised"):
        QCFS(4).convert(model)


def test_negative_learned_clip_is_refused():
    model = one_hidden_layer()
    model.get_layer("q").clip.assign(-0.5)
    with pytest.raises(ValueError, match=r"Layer 'q' \(QuantisedReLU\): its learned clip "
                                         r"is -0.5 \(must be > 0\).*Retrain"):
        QCFS(4).convert(model)


def test_compiler_needs_the_converted_network():
    with pytest.raises(ValueError, match=r"QCFS: call convert\(model\) before "
                                         r"create_compiler\(\)"):
        QCFS(4).create_compiler()


def test_signed_input_needs_direct_input():
    with pytest.raises(ValueError, match="QCFS: signed_input=True needs input_type='direct', "
                                         "received input_type='poisson'"):
        QCFS(4, signed_input=True, input_type="poisson")


def test_max_pooling_needs_the_spike_gate_option():
    x_in = keras.Input((6, 6, 1))
    h = QuantisedReLU(4, 1.0, name="q")(L.Conv2D(2, 3, padding="same")(x_in))
    model = keras.Model(x_in, L.Dense(3)(L.Flatten()(L.MaxPooling2D(2, name="pool")(h))))
    with pytest.raises(UnsupportedModelError,
                       match=r"Layer 'pool' \(MaxPooling2D\).*max_pool='spike_gate'"):
        QCFS(4).convert(model)
    net, *_ = QCFS(4, max_pool="spike_gate").convert(model)
    pool = {p.name: p for p in net.populations}["pool"].neuron
    assert isinstance(pool, WindowedIntegrateFire) and (pool.start_step, pool.v) == (2, 0.0)

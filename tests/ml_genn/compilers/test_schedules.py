"""The layer schedule and the timestep schedule give the same readouts (ARCHITECTURE.md).

Weights are multiples of 1/8 and inputs binary, so every sum is exact in float32 and
spike counts must agree exactly, whatever order XLA sums in.
"""
import numpy as np
import pytest

from ml_genn import Connection, Network, Population
from ml_genn.compilers import InferenceCompiler
from ml_genn.connectivity import Dense, OneToOne
from ml_genn.neurons import BinarySpikeInput, IntegrateFire, PoissonInput


def dyadic(rng, shape, scale=8):
    return rng.integers(-scale, scale + 1, shape).astype(np.float32) / scale


def residual_network(rng, input_neuron, delay=0, relative_reset=True):
    """input -> hidden1 -> hidden2 -> out, plus a skip input -> hidden2 and a delayed path."""
    net = Network()
    with net:
        inp = Population(input_neuron, 12, name="inp")
        h1 = Population(IntegrateFire(v_thresh=1.0, relative_reset=relative_reset), 10, name="h1")
        h2 = Population(IntegrateFire(v_thresh=0.75, bias=0.125, relative_reset=relative_reset),
                        10, name="h2")
        out = Population(IntegrateFire(v_thresh=1.0, readout="spike_count"), 4, name="out")
        out_v = Population(IntegrateFire(v_thresh=1e9, readout="var"), 4, name="out_v")
        Connection(inp, h1, Dense(dyadic(rng, (12, 10))))
        Connection(h1, h2, Dense(dyadic(rng, (10, 10))))
        Connection(inp, h2, Dense(dyadic(rng, (12, 10)), delay=delay))
        Connection(h2, out, Dense(dyadic(rng, (10, 4))))
        Connection(h2, out_v, Dense(dyadic(rng, (10, 4))))
        Connection(h1, out_v, Dense(dyadic(rng, (10, 4))))
    return net, inp, [out, out_v]


def predict(net, inp, outs, x, schedule, steps=20, batch_size=4, **kwargs):
    compiled = InferenceCompiler(evaluate_timesteps=steps, batch_size=batch_size,
                                 schedule=schedule, **kwargs).compile(net)
    assert compiled.schedule == schedule
    with compiled:
        result, _ = compiled.predict({inp: x}, outs, callbacks=[])
    return [result[o] for o in outs]


@pytest.mark.parametrize("delay", [0, 3])
@pytest.mark.parametrize("relative_reset", [True, False])
def test_layer_equals_timestep_binary_input(delay, relative_reset):
    rng = np.random.default_rng(1)
    net, inp, outs = residual_network(rng, BinarySpikeInput(), delay, relative_reset)
    x = (rng.random((9, 12)) > 0.5).astype(np.float32)
    layer = predict(net, inp, outs, x, "layer")
    timestep = predict(net, inp, outs, x, "timestep")
    assert layer[0].sum() > 0, "test network must spike"
    np.testing.assert_array_equal(layer[0], timestep[0])
    np.testing.assert_array_equal(layer[1], timestep[1])


def test_layer_equals_timestep_poisson_input_and_chunking():
    rng = np.random.default_rng(2)
    net, inp, outs = residual_network(rng, PoissonInput(), delay=2)
    x = rng.random((5, 12)).astype(np.float32)
    timestep = predict(net, inp, outs, x, "timestep", steps=23)
    for chunk in (None, 5, 23):  # 5 leaves a remainder chunk of 3
        layer = predict(net, inp, outs, x, "layer", steps=23, time_chunk=chunk)
        np.testing.assert_array_equal(layer[0], timestep[0])
        np.testing.assert_array_equal(layer[1], timestep[1])


def test_auto_picks_layer_for_feed_forward_and_timestep_for_recurrent():
    rng = np.random.default_rng(3)
    net, _, _ = residual_network(rng, BinarySpikeInput())
    assert InferenceCompiler(evaluate_timesteps=5).compile(net).schedule == "layer"
    with net:
        h2 = net.find_population("h2")
        Connection(h2, h2, OneToOne(-0.5))
    assert InferenceCompiler(evaluate_timesteps=5).compile(net).schedule == "timestep"
    with pytest.raises(ValueError, match="schedule 'layer' cannot run this network: the "
                                         "network is recurrent"):
        InferenceCompiler(evaluate_timesteps=5, schedule="layer").compile(net)


def test_exponential_synapse_uses_timestep_schedule():
    net = Network()
    with net:
        inp = Population(BinarySpikeInput(), 1)
        out = Population(IntegrateFire(v_thresh=1e9, readout="var"), 1)
        Connection(inp, out, Dense(np.ones((1, 1))), synapse="exponential")
    compiled = InferenceCompiler(evaluate_timesteps=3).compile(net)
    assert compiled.schedule == "timestep"
    with compiled:
        v, _ = compiled.predict({inp: np.ones((1, 1))}, [out], callbacks=[])
    decay = np.exp(-1.0 / 5.0)
    # I_1 = 1, I_2 = decay + 1 (input spikes at steps 0, 1 arrive at 1, 2)
    np.testing.assert_allclose(v[out], [[1.0 + (decay + 1.0)]], rtol=1e-6)

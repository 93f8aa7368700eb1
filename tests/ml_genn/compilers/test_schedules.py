"""The layer schedule and the timestep schedule give the same readouts (ARCHITECTURE.md).

Weights are multiples of 1/8 and inputs binary, so every sum is exact in float32 and
spike counts must agree exactly, whatever order XLA sums in.
"""
import numpy as np
import pytest

from ml_genn import Connection, Network, Population
from ml_genn.compilers import InferenceCompiler
from ml_genn.connectivity import AvgPoolConv2D, Conv2D, Dense, MaxPool2D, OneToOne
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


def conv_network(rng, input_neuron=None, delays=(0, 3)):
    """Conv -> conv (delayed) -> per-synapse-delayed Dense -> out, a delayed skip
    conv, a delayed AvgPoolConv2D branch and a delayed MaxPool2D (stateful) one: the
    layer schedule delays the stateless connections' weighted events and the stateful
    one's events."""
    net = Network()
    with net:
        inp = Population(input_neuron or PoissonInput(), (6, 6, 2), name="inp")
        c1 = Population(IntegrateFire(v_thresh=1.0), None, name="c1")
        c2 = Population(IntegrateFire(v_thresh=0.75), None, name="c2")
        pool = Population(IntegrateFire(v_thresh=0.5), None, name="pool")
        pooled = Population(IntegrateFire(v_thresh=0.25), None, name="pooled")
        out = Population(IntegrateFire(v_thresh=1.0, readout="spike_count"), 5, name="out")
        out_v = Population(IntegrateFire(v_thresh=1e9, readout="var"), 5, name="out_v")
        Connection(inp, c1, Conv2D(dyadic(rng, (3, 3, 2, 4)), 4, 3, conv_padding="same"))
        Connection(c1, c2, Conv2D(dyadic(rng, (3, 3, 4, 4)), 4, 3, conv_padding="same",
                                  delay=delays[1]))
        Connection(inp, c2, Conv2D(dyadic(rng, (1, 1, 2, 4)), 4, 1, delay=delays[0]))
        Connection(c1, pool, MaxPool2D(2, delay=2))
        Connection(c1, pooled, AvgPoolConv2D(dyadic(rng, (3, 3, 4, 4)), 4, 2, 3,
                                             conv_padding="same", delay=1))
        per_synapse = rng.integers(0, 4, (144, 5))
        Connection(c2, out, Dense(dyadic(rng, (144, 5)), delay=per_synapse))
        Connection(pool, out_v, Dense(dyadic(rng, (36, 5))))
        Connection(pooled, out_v, Dense(dyadic(rng, (36, 5))))
        Connection(c2, out_v, Dense(dyadic(rng, (144, 5)), delay=1))
    return net, inp, [out, out_v]


@pytest.mark.parametrize("chunk", [None, 4, 2])
def test_layer_equals_timestep_conv_delays_and_chunks(chunk):
    """Delays 0-3 (per synapse too), a stateful op, several chunks, T not a multiple of
    the chunk (4: 5 chunks and 3 steps) and chunks shorter than a delay's tail (2)."""
    rng = np.random.default_rng(4)
    net, inp, outs = conv_network(rng)
    x = rng.random((5, 6, 6, 2)).astype(np.float32)
    timestep = predict(net, inp, outs, x, "timestep", steps=23)
    layer = predict(net, inp, outs, x, "layer", steps=23, time_chunk=chunk)
    assert timestep[0].sum() > 0 and np.abs(timestep[1]).sum() > 0, "test network must spike"
    np.testing.assert_array_equal(layer[0], timestep[0])
    np.testing.assert_array_equal(layer[1], timestep[1])


@pytest.mark.parametrize("precision", ["fp16", "fp16x1", "bf16x2"])
def test_layer_low_precision_equals_timestep(precision):
    """Low-precision modes: the layer schedule hands its convolutions float16/bfloat16
    spikes straight from the neuron update, the timestep schedule float32 spikes that
    each op converts; with weights the format holds, both give the float32 readouts."""
    rng = np.random.default_rng(5)
    net, inp, outs = conv_network(rng)
    x = rng.random((4, 6, 6, 2)).astype(np.float32)
    exact = predict(net, inp, outs, x, "timestep", steps=13, precision="highest")
    layer = predict(net, inp, outs, x, "layer", steps=13, time_chunk=4, precision=precision)
    np.testing.assert_array_equal(layer[0], exact[0])
    np.testing.assert_array_equal(layer[1], exact[1])


def _equations(jaxpr):
    """``(jaxpr, equation)`` of every equation in ``jaxpr`` and its sub-jaxprs."""
    for eqn in jaxpr.eqns:
        yield jaxpr, eqn
        for value in eqn.params.values():
            inner = getattr(value, "jaxpr", value)
            if hasattr(inner, "eqns"):
                yield from _equations(inner)


def _producer(jaxpr, var):
    """The primitive that makes ``var`` in ``jaxpr``, looking through reshapes and an
    average pooling (window sums, times ``1/n``)."""
    for eqn in jaxpr.eqns:
        if any(v is var for v in eqn.outvars):
            if eqn.primitive.name in ("reshape", "reduce_window", "reduce_window_sum", "mul"):
                return _producer(jaxpr, eqn.invars[0])
            return eqn.primitive.name
    return "input"


def test_layer_convolutions_read_spikes_from_the_neuron_update():
    """In the chunk's program every convolution reads the neuron update's output (the
    scan) as it is, reshaped or average-pooled: no concatenation for the delay and, at
    "fp16", no conversion in between (the scan emits float16 spikes)."""
    import jax

    from ml_genn.backend.schedules import SCHEDULES

    rng = np.random.default_rng(6)
    net, inp, _ = conv_network(rng)
    for precision, dtype in (("highest", np.float32), ("fp16", np.float16)):
        compiled = InferenceCompiler(evaluate_timesteps=8, batch_size=2, time_chunk=4,
                                     precision=precision).compile(net)
        sim = compiled.simulator
        program = SCHEDULES["layer"].jitted(sim)
        x = {0: np.zeros((2, 1, 6, 6, 2), np.float32)}
        closed = jax.make_jaxpr(program)(sim.params, x, 0, 0)
        convs = [(j, e) for j, e in _equations(closed.jaxpr)
                 if e.primitive.name == "conv_general_dilated"]
        assert len(convs) == 4, precision
        for jaxpr, conv in convs:
            assert _producer(jaxpr, conv.invars[0]) == "scan", precision
            assert conv.invars[0].aval.dtype == dtype, precision

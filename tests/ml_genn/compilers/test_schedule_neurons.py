"""Every neuron model gives the same result under the layer and timestep schedules
(STYLE.md: one equivalence test per neuron)."""
import numpy as np
import pytest

from ml_genn import Connection, Network, Population
from ml_genn import neurons as N
from ml_genn.compilers import InferenceCompiler
from ml_genn.connectivity import Dense
from ml_genn.readouts import READOUTS

HIDDEN = {
    "IntegrateFire": lambda: N.IntegrateFire(v_thresh=1.0, relative_reset=True),
    "LeakyIntegrateFire": lambda: N.LeakyIntegrateFire(v_thresh=1.0, tau_mem=10.0, tau_refrac=2.0),
    "AdaptiveLeakyIntegrateFire": lambda: N.AdaptiveLeakyIntegrateFire(v_thresh=1.0, beta=0.5,
                                                                       tau_adapt=50.0),
    "LeakyIntegrate": lambda: N.LeakyIntegrate(tau_mem=10.0),
    "IFNeuron": lambda: N.IFNeuron(),
    "LIFNeuron": lambda: N.LIFNeuron(),
    "AdaptiveLIFNeuron": lambda: N.AdaptiveLIFNeuron(),
    "Izhikevich": lambda: N.Izhikevich(),
    "ExpLIF": lambda: N.ExpLIF(),
    "QuadraticIF": lambda: N.QuadraticIF(),
    "GLIF3": lambda: N.GLIF3(),
    "HodgkinHuxley": lambda: N.HodgkinHuxley(substep=0.05),
    "WindowedIntegrateFire": lambda: N.WindowedIntegrateFire(start_step=2, stop_step=20,
                                                             signed_spikes=True, max_spikes=6,
                                                             v=0.5),
}
#: input weight scale that makes each model spike (their units differ: mV, pA, ...)
INPUT_SCALE = {"Izhikevich": 20.0, "ExpLIF": 20.0, "QuadraticIF": 20.0, "GLIF3": 500.0,
               "HodgkinHuxley": 3000.0,
               "IFNeuron": 20.0, "LIFNeuron": 20.0, "AdaptiveLIFNeuron": 20.0}
INPUTS = {
    "BinarySpikeInput": (lambda: N.BinarySpikeInput(signed_spikes=True), "signed"),
    "PoissonInput": (lambda: N.PoissonInput(), "rate"),
    "IntegrateFireInput": (lambda: N.IntegrateFireInput(), "rate"),
    "LeakyIntegrateFireInput": (lambda: N.LeakyIntegrateFireInput(tau_mem=10.0), "rate"),
    "TraceInput": (lambda: N.TraceInput(), "binary"),
    "DirectInput": (lambda: N.DirectInput(), "rate"),
}


def run(net, inp, out, x, schedule, steps=30):
    compiled = InferenceCompiler(evaluate_timesteps=steps, batch_size=3, schedule=schedule,
                                 time_chunk=7).compile(net)
    with compiled:
        y, _ = compiled.predict({inp: x}, [out], callbacks=[])
    return y[out]


def data(kind, rng, shape):
    if kind == "signed":
        return rng.integers(-1, 2, shape).astype(np.float32)
    if kind == "binary":
        return (rng.random(shape) > 0.5).astype(np.float32)
    return rng.uniform(0, 0.8, shape).astype(np.float32)


@pytest.mark.parametrize("hidden", sorted(HIDDEN))
def test_hidden_neuron_layer_equals_timestep(hidden):
    rng = np.random.default_rng(5)
    neuron = HIDDEN[hidden]()
    neuron.readout = READOUTS.resolve("avg_var" if hidden == "LeakyIntegrate" else "spike_count")
    net = Network()
    with net:
        inp = Population(N.BinarySpikeInput(), 6)
        mid = Population(neuron, 5)
        out = Population(N.IntegrateFire(v_thresh=1e9, readout="var"), 3)
        scale = INPUT_SCALE.get(hidden, 1.0)
        Connection(inp, mid, Dense((rng.integers(0, 9, (6, 5)) / 8 * scale).astype(np.float32)))
        Connection(mid, out, Dense((rng.integers(-4, 5, (5, 3)) / 4).astype(np.float32)))
    x = data("binary", rng, (7, 6))
    for pop in (mid, out):
        layer, timestep = run(net, inp, pop, x, "layer"), run(net, inp, pop, x, "timestep")
        np.testing.assert_allclose(layer, timestep, rtol=1e-6, atol=1e-6)
    assert np.abs(timestep).sum() > 0 or hidden == "LeakyIntegrate", "hidden layer never spiked"
    assert np.abs(run(net, inp, mid, x, "timestep")).sum() > 0


@pytest.mark.parametrize("name", sorted(INPUTS))
def test_input_neuron_layer_equals_timestep(name):
    make, kind = INPUTS[name]
    rng = np.random.default_rng(6)
    net = Network()
    with net:
        inp = Population(make(), 6)
        out = Population(N.LeakyIntegrate(tau_mem=5.0, readout="sum_var"), 3)
        Connection(inp, out, Dense((rng.integers(-4, 5, (6, 3)) / 4).astype(np.float32)))
    x = data(kind, rng, (7, 6))
    layer, timestep = run(net, inp, out, x, "layer"), run(net, inp, out, x, "timestep")
    assert np.abs(timestep).sum() > 0
    np.testing.assert_allclose(layer, timestep, rtol=1e-6, atol=1e-6)


def test_rng_seed_makes_poisson_runs_deterministic():
    def poisson_counts(seed):
        net = Network()
        with net:
            inp = Population(N.PoissonInput(), 20)
            out = Population(N.IntegrateFire(v_thresh=1e9, readout="var"), 20)
            Connection(inp, out, Dense(np.eye(20, dtype=np.float32)))
        compiled = InferenceCompiler(evaluate_timesteps=50, batch_size=4,
                                     rng_seed=seed).compile(net)
        with compiled:
            y, _ = compiled.predict({inp: np.full((5, 20), 0.3, np.float32)}, [out], callbacks=[])
        return y[out]
    a, b, c = poisson_counts(1), poisson_counts(1), poisson_counts(2)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)


GENERATORS = {
    "PoissonGenerator": lambda: N.PoissonGenerator(rate=200.0, start=3.0, stop=25.0),
    "BernoulliGenerator": lambda: N.BernoulliGenerator(prob=0.3, start=2.0),
    "DCGenerator": lambda: N.DCGenerator(amplitude=0.4, start=5.0, stop=20.0),
    "SpikeGenerator": lambda: N.SpikeGenerator([[1.0, 4.0], [], [2.0, 9.0, 17.0], [6.0]]),
    "CustomGenerator": lambda: N.CustomGenerator(np.linspace(-1.0, 1.0, 24), start=4.0),
}


@pytest.mark.parametrize("name", sorted(GENERATORS))
def test_generator_layer_equals_timestep(name):
    """A generator (no data, no input) feeds an output beside the data input."""
    rng = np.random.default_rng(8)
    net = Network()
    with net:
        inp = Population(N.BinarySpikeInput(), 2)
        gen = Population(GENERATORS[name](), 4)
        out = Population(N.LeakyIntegrate(tau_mem=5.0, readout="sum_var"), 3)
        Connection(inp, out, Dense(np.full((2, 3), 0.25, np.float32)))
        Connection(gen, out, Dense((rng.integers(-4, 5, (4, 3)) / 4).astype(np.float32)))
    x = data("binary", rng, (5, 2))
    quiet = run(net, inp, out, np.zeros_like(x), "timestep")
    layer, timestep = run(net, inp, out, x, "layer"), run(net, inp, out, x, "timestep")
    np.testing.assert_allclose(layer, timestep, rtol=1e-6, atol=1e-6)
    assert np.abs(quiet).sum() > 0, "the generator had no effect"


def test_spike_input_layer_equals_timestep():
    """SpikeInput replays a raster (num_examples, T, N) under both schedules."""
    rng = np.random.default_rng(9)
    net = Network()
    with net:
        inp = Population(N.SpikeInput(max_spikes=200), 6)
        out = Population(N.LeakyIntegrate(tau_mem=5.0, readout="sum_var"), 3)
        Connection(inp, out, Dense((rng.integers(-4, 5, (6, 3)) / 4).astype(np.float32)))
    raster = (rng.random((5, 30, 6)) < 0.2).astype(np.float32)
    layer, timestep = run(net, inp, out, raster, "layer"), run(net, inp, out, raster, "timestep")
    assert np.abs(timestep).sum() > 0
    np.testing.assert_allclose(layer, timestep, rtol=1e-6, atol=1e-6)


def test_every_registered_neuron_has_an_equivalence_test():
    """A new neuron model must join one of the tables above (few-spike neurons are
    compared with the few-spike fast path in test_few_spike_compiler.py)."""
    covered = {*HIDDEN, *INPUTS, *GENERATORS, "SpikeInput", "FewSpikeRelu", "FewSpikeReluInput"}
    registered = {N.NEURONS.get_class(name).__name__ for name in N.NEURONS.names()}
    assert registered - covered == set()

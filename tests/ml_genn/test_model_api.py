"""The mlGeNN 2.x model API: networks, populations, connections, sequential networks."""
import gc

import numpy as np
import pytest

from ml_genn import Connection, InputLayer, Layer, Network, Population, SequentialNetwork
from ml_genn.compilers import FewSpikeCompiler, InferenceCompiler
from ml_genn.connectivity import Conv2D, Dense
from ml_genn.neurons import (
    BinarySpikeInput,
    FewSpikeRelu,
    FewSpikeReluInput,
    IntegrateFire,
    LeakyIntegrateFire,
    PoissonInput,
)


def test_populations_and_connections_join_the_enclosing_network():
    net = Network()
    with net:
        a = Population("poisson_input", 4)
        b = Population("integrate_fire", (2, 3), record_spikes=True)
        c = Connection(a, b, Dense(np.ones((4, 6))))
    assert net.populations == [a, b] and net.connections == [c]
    assert isinstance(a.neuron, PoissonInput) and isinstance(b.neuron, IntegrateFire)
    assert a.name.startswith("Pop") and c.name.startswith("Conn")
    assert b.record_spikes and not a.record_spikes


def test_connection_ends_and_population_lists_are_weak_references():
    net = Network()
    with net:
        a = Population("binary_spike_input", 3)
        b = Population("integrate_fire")
        c = Connection(a, b, Dense(np.ones((3, 2))))
    assert c.source() is a and c.target() is b
    assert a.outgoing_connections[0]() is c and b.incoming_connections[0]() is c
    assert b.shape == (2,)
    del c
    gc.collect()
    # the network still holds the connection, so the weak references stay valid
    assert a.outgoing_connections[0]() is net.connections[0]


def test_weak_references_die_with_their_objects():
    a = Population("binary_spike_input", 3, add_to_model=False)
    b = Population("integrate_fire", 2, add_to_model=False)
    c = Connection(a, b, Dense(np.ones((3, 2))), add_to_model=False)
    ref = a.outgoing_connections[0]
    del c
    gc.collect()
    assert ref() is None


def test_objects_outside_a_network_need_add_to_model_false():
    with pytest.raises(ValueError, match="must be created inside a 'with network:' block"):
        Population("integrate_fire", 3)


def test_default_params_fill_unspecified_arguments_only():
    net = Network(default_params={LeakyIntegrateFire: {"tau_mem": 5.0, "v_thresh": 2.0}})
    with net:
        pop = Population(LeakyIntegrateFire(v_thresh=3.0), 4)
    assert pop.neuron.tau_mem == 5.0 and pop.neuron.v_thresh == 3.0
    outside = LeakyIntegrateFire()
    assert outside.tau_mem == 20.0


def test_sequential_network_connects_each_layer_to_the_previous_one():
    rng = np.random.default_rng(0)
    net = SequentialNetwork()
    with net:
        inp = InputLayer(BinarySpikeInput(), (6, 6, 1))
        conv = Layer(Conv2D(rng.normal(size=(3, 3, 1, 2)).astype(np.float32), 2, 3),
                     IntegrateFire())
        out = Layer(Dense(rng.normal(size=(32, 3)).astype(np.float32)),
                    IntegrateFire(v_thresh=1e9, readout="var"))
    assert conv.population.shape == (4, 4, 2) and out.population.shape == (3,)
    assert out.connection.source() is conv.population
    assert len(net.populations) == 3 and len(net.connections) == 2
    compiled = InferenceCompiler(evaluate_timesteps=3, batch_size=2).compile(net)
    with compiled:
        y, _ = compiled.predict({inp: np.ones((3, 6, 6, 1))}, [out], callbacks=[])
    assert y[out].shape == (3, 3)


def test_layer_without_input_layer_is_rejected():
    with SequentialNetwork():
        with pytest.raises(ValueError, match="must start with an InputLayer"):
            Layer(Dense(np.ones((2, 2))), "integrate_fire")


def batches(x, y, size):
    for start in range(0, len(x), size):
        yield x[start:start + size], y[start:start + size]


@pytest.mark.parametrize("compiler", ["inference", "few_spike"])
def test_batch_iterators_match_array_api(compiler):
    rng = np.random.default_rng(1)
    w1 = (rng.integers(-4, 5, (5, 6)) / 4).astype(np.float32)
    w2 = (rng.integers(-4, 5, (6, 3)) / 4).astype(np.float32)
    net = Network()
    with net:
        if compiler == "inference":
            inp = Population(BinarySpikeInput(), 5)
            hid = Population(IntegrateFire(), 6)
            out = Population(IntegrateFire(v_thresh=1e9, readout="var"), 3)
        else:
            inp = Population(FewSpikeReluInput(k=8, alpha=2.0), 5)
            hid = Population(FewSpikeRelu(k=8, alpha=4.0), 6)
            out = Population(FewSpikeRelu(k=8, alpha=8.0, readout="var"), 3)
        Connection(inp, hid, Dense(w1))
        Connection(hid, out, Dense(w2))
    x = (rng.random((21, 5)) > 0.5).astype(np.float32)
    y = rng.integers(0, 3, 21)
    compiled = (InferenceCompiler(evaluate_timesteps=6, batch_size=8) if compiler == "inference"
                else FewSpikeCompiler(k=8, batch_size=8)).compile(net)
    with compiled:
        expected, _ = compiled.predict({inp: x}, [out], callbacks=[])
        metrics, _ = compiled.evaluate({inp: x}, {out: y}, callbacks=[])
        predicted, _ = compiled.predict_batch_iter(inp, out, batches(x, y, 8), callbacks=[])
        iter_metrics, _ = compiled.evaluate_batch_iter(inp, out, batches(x, y, 8), callbacks=[])
        limited, _ = compiled.predict_batch_iter(inp, out, batches(x, y, 8), num_batches=2,
                                                 callbacks=[])
    np.testing.assert_array_equal(predicted[out], expected[out])
    assert iter_metrics[out].result == metrics[out].result
    assert iter_metrics[out].total == 21
    np.testing.assert_array_equal(limited[out], expected[out][:16])

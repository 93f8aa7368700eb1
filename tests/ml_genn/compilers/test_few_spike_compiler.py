"""Few-spike pipelining and the fast path (SPEC 3.3, 3.4 and section 4)."""
import numpy as np
import pytest

from ml_genn import Connection, Network, Population
from ml_genn.callbacks import SpikeCountTotals
from ml_genn.compilers import FewSpikeCompiler
from ml_genn.connectivity import Dense
from ml_genn.neurons import FewSpikeRelu, FewSpikeReluInput, IntegrateFire


def delay_balancing_network(k=8, alpha=5.0):
    """Input feeding three chains of lengths 3, 2, 1 merged into one output (SPEC 4)."""
    net = Network()
    with net:
        inp = Population(FewSpikeReluInput(k=k, alpha=alpha), 1, name="inp")
        out = Population(FewSpikeRelu(k=k, alpha=alpha, readout="var"), 1, name="out")
        for length in (3, 2, 1):
            prev = inp
            for _ in range(length):
                pop = Population(FewSpikeRelu(k=k, alpha=alpha), 1)
                Connection(prev, pop, Dense(np.ones((1, 1))))
                prev = pop
            Connection(prev, out, Dense(np.full((1, 1), 1.0 / 3.0)))
    return net, inp, out


@pytest.mark.parametrize("schedule", ["few_spike_fast", "timestep"])
@pytest.mark.parametrize("batch_size", [1, 2, 5])
def test_delay_balancing(schedule, batch_size):
    net, inp, out = delay_balancing_network()
    x = np.array([0, 1, 2, 3, 4], np.float32)[:, None]
    compiled = FewSpikeCompiler(k=8, batch_size=batch_size, schedule=schedule).compile(net)
    assert compiled.schedule == schedule
    assert max(compiled.plan.depths) == 4
    with compiled:
        y, _ = compiled.predict({inp: x}, [out], callbacks=[])
    assert np.mean((y[out] - x) ** 2) < 0.1
    # each chain passes the input's 8-bit quantisation unchanged
    expected = 5.0 * 2.0 ** -8 * np.floor(2.0 ** 8 * x / 5.0)
    np.testing.assert_allclose(y[out], expected, atol=1e-5)


def test_pipeline_extra_delays():
    net, _, _ = delay_balancing_network()
    plan = FewSpikeCompiler(k=8).compile(net).plan
    delays = sorted(c.extra_delay for c in plan.connections
                    if plan.populations[c.target].name == "out")
    assert delays == [0, 8, 16]


def random_few_spike_network(rng, k, signed):
    """A DAG with a residual join, biases and dyadic weights (exact sums in float32)."""
    def w(shape):
        return (rng.integers(-8, 9, shape) / 16).astype(np.float32)
    net = Network()
    with net:
        inp = Population(FewSpikeReluInput(k=k, alpha=2.0, signed_input=signed), 8, name="inp")
        h1 = Population(FewSpikeRelu(k=k, alpha=4.0, bias=(rng.integers(-2, 3, 6) / 8)), 6)
        h2 = Population(FewSpikeRelu(k=k, alpha=2.0), 6)
        out = Population(FewSpikeRelu(k=k, alpha=8.0, readout="var"), 3, name="out")
        count = Population(FewSpikeRelu(k=k, alpha=8.0, readout="spike_count"), 3, name="count")
        Connection(inp, h1, Dense(w((8, 6))))
        Connection(h1, h2, Dense(w((6, 6))))
        Connection(inp, h2, Dense(w((8, 6))))  # shortcut, balanced by a delay of k
        Connection(h2, out, Dense(w((6, 3))))
        Connection(h1, count, Dense(w((6, 3))))
    return net, inp, [out, count]


@pytest.mark.parametrize("signed", [False, True])
def test_fast_path_equals_timestep(signed):
    rng = np.random.default_rng(4)
    net, inp, outs = random_few_spike_network(rng, k=8, signed=signed)
    x = (rng.integers(-32 if signed else 0, 33, (11, 8)) / 16).astype(np.float32)
    results = {}
    for schedule in ("few_spike_fast", "timestep"):
        compiled = FewSpikeCompiler(k=8, batch_size=4, schedule=schedule).compile(net)
        with compiled:
            y, _ = compiled.predict({inp: x}, outs, callbacks=[])
        results[schedule] = y
    assert np.abs(results["timestep"][outs[0]]).sum() > 0
    assert results["timestep"][outs[1]].sum() > 0
    for o in outs:
        np.testing.assert_array_equal(results["few_spike_fast"][o], results["timestep"][o])


def test_fast_path_counts_the_spikes_the_timestep_schedule_sends():
    """The fast path counts each encoded population's spikes from the values its
    targets read (round(m * scale) / scale); with alphas whose code scale is not a
    power of two (those products are rounded) and 10-bit codes, the totals must equal
    the events the timestep schedule sends step by step."""
    rng = np.random.default_rng(7)
    net = Network()
    with net:
        inp = Population(FewSpikeReluInput(k=10, alpha=3.7), 16, name="inp")
        hid = Population(FewSpikeRelu(k=10, alpha=2.9, bias=0.1), 12, name="hid")
        out = Population(FewSpikeRelu(k=10, alpha=5.3, readout="var"), 3, name="out")
        Connection(inp, hid, Dense(rng.normal(0, 0.5, (16, 12)).astype(np.float32)))
        Connection(hid, out, Dense(rng.normal(0, 0.5, (12, 3)).astype(np.float32)))
    x = rng.uniform(0, 3.7, (13, 16)).astype(np.float32)
    spikes = {}
    for schedule in ("few_spike_fast", "timestep"):
        compiled = FewSpikeCompiler(k=10, batch_size=4, schedule=schedule).compile(net)
        with compiled:
            _, data = compiled.predict({inp: x}, [out], callbacks=[SpikeCountTotals()])
        spikes[schedule] = data["spikes_per_neuron"]
    assert spikes["timestep"]["hid"] > 1.0
    assert spikes["few_spike_fast"] == spikes["timestep"]


def test_few_spike_compiler_rejects_other_neurons_and_k_mismatch():
    net = Network()
    with net:
        inp = Population(FewSpikeReluInput(k=8), 2)
        out = Population(IntegrateFire(readout="var"), 2, name="if_out")
        Connection(inp, out, Dense(np.eye(2)))
    with pytest.raises(ValueError, match="'if_out' uses IntegrateFire"):
        FewSpikeCompiler(k=8).compile(net)
    with pytest.raises(ValueError, match="has k=8 but the compiler has k=10"):
        FewSpikeCompiler(k=10).compile(net)

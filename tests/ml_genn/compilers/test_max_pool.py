"""MaxPool2D: exact for few-spike (both schedules, max and min channels), running max or
spike-count gating for rate coding."""
import numpy as np
import pytest

from ml_genn import Connection, Network, Population
from ml_genn.compilers import FewSpikeCompiler, InferenceCompiler
from ml_genn.connectivity import Dense, MaxPool2D, OneToOne
from ml_genn.neurons import BinarySpikeInput, FewSpikeRelu, FewSpikeReluInput, IntegrateFire


def numpy_max_pool(x, size, padding):
    n, h, w, c = x.shape
    if padding == "same":
        ph, pw = -h % size, -w % size
        x = np.pad(x, ((0, 0), (0, ph), (0, pw), (0, 0)), constant_values=-np.inf)
        h, w = h + ph, w + pw
    x = x[:, :h // size * size, :w // size * size]
    return x.reshape(n, h // size, size, w // size, size, c).max(axis=(2, 4))


@pytest.mark.parametrize("schedule", ["few_spike_fast", "timestep"])
@pytest.mark.parametrize("padding", ["valid", "same"])
def test_few_spike_max_pool_is_exact(schedule, padding):
    rng = np.random.default_rng(0)
    k, alpha = 8, 4.0
    net = Network()
    with net:
        inp = Population(FewSpikeReluInput(k=k, alpha=alpha), (5, 5, 2), name="inp")
        relu = Population(FewSpikeRelu(k=k, alpha=alpha), (5, 5, 2))
        pool = Population(FewSpikeRelu(k=k, alpha=alpha), None)
        out = Population(FewSpikeRelu(k=k, alpha=alpha, readout="var"), None, name="out")
        Connection(inp, relu, OneToOne(1.0))
        Connection(relu, pool, MaxPool2D(2, pool_padding=padding))
        Connection(pool, out, OneToOne(1.0))
    x = rng.uniform(0, 4, (6, 5, 5, 2)).astype(np.float32)
    compiled = FewSpikeCompiler(k=k, batch_size=4, schedule=schedule).compile(net)
    with compiled:
        y, _ = compiled.predict({inp: x}, [out], callbacks=[])
    quantised = alpha * 2.0 ** -k * np.minimum(np.floor(2.0 ** k * x / alpha), 2 ** k - 1)
    np.testing.assert_allclose(y[out], numpy_max_pool(quantised, 2, padding), atol=1e-6)


def numpy_gated_max_pool(spikes, size):
    """Per step, each window passes the spike of its neuron with the highest count so far
    (counts include the current step; ties go to the first neuron in the window)."""
    steps, h, w, c = spikes.shape
    counts = np.cumsum(spikes, axis=0)
    out = np.zeros((steps, h // size, w // size, c))
    for t in range(steps):
        for y in range(h // size):
            for x in range(w // size):
                win_c = counts[t, y * size:(y + 1) * size, x * size:(x + 1) * size].reshape(-1, c)
                win_s = spikes[t, y * size:(y + 1) * size, x * size:(x + 1) * size].reshape(-1, c)
                out[t, y, x] = win_s[np.argmax(win_c, axis=0), np.arange(c)]
    return out


@pytest.mark.parametrize("schedule", ["layer", "timestep"])
def test_rate_max_pool_gates_by_spike_count(schedule):
    rng = np.random.default_rng(1)
    steps = 12
    net = Network()
    with net:
        inp = Population(BinarySpikeInput(), (4, 4, 1), name="inp")
        hidden = Population(IntegrateFire(v_thresh=1.0, relative_reset=True), (4, 4, 1))
        out = Population(IntegrateFire(v_thresh=1e9, readout="var"), None, name="out")
        Connection(inp, hidden, OneToOne(1.0))
        Connection(hidden, out, MaxPool2D(2, rate_rule="spike_gate"))
    # constant input per example: hidden neuron i spikes at a rate set by its weight
    x = (rng.random((3, 4, 4, 1)) > 0.3).astype(np.float32)
    compiled = InferenceCompiler(evaluate_timesteps=steps, batch_size=2, schedule=schedule).compile(net)
    with compiled:
        v, _ = compiled.predict({inp: x}, [out], callbacks=[])
    for n in range(3):
        # hidden spikes at steps 1..T-1 where input is on (one-step delivery from the input)
        hidden_spikes = np.zeros((steps, 4, 4, 1))
        hidden_spikes[1:] = x[n]
        gated = numpy_gated_max_pool(hidden_spikes[:-1], 2)  # arriving one step later
        np.testing.assert_allclose(v[out][n], gated.sum(axis=0))


@pytest.mark.parametrize("schedule", ["layer", "timestep"])
def test_rate_max_pool_running_max_passes_the_max_count(schedule):
    """The target receives, up to the end, exactly the window's largest (min channel:
    smallest) spike count."""
    rng = np.random.default_rng(2)
    steps = 12
    net = Network()
    with net:
        inp = Population(BinarySpikeInput(), (4, 4, 2), name="inp")
        hidden = Population(IntegrateFire(v_thresh=1.0, relative_reset=True), (4, 4, 2))
        out = Population(IntegrateFire(v_thresh=1e9, readout="var"), None, name="out")
        Connection(inp, hidden, OneToOne(rng.uniform(0.1, 1.0, 32).astype(np.float32)))
        Connection(hidden, out, MaxPool2D(2, signs=[1, -1], rate_rule="running_max"))
    x = np.ones((2, 4, 4, 2), np.float32)
    compiled = InferenceCompiler(evaluate_timesteps=steps, batch_size=2,
                                 schedule=schedule).compile(net)
    with compiled:
        v, _ = compiled.predict({inp: x}, [out], callbacks=[])
    w = np.asarray(net.connections[0].connectivity.weight).reshape(4, 4, 2)
    # hidden receives w at steps 1..T-1; its spikes arrive at out one step later
    counts = np.floor(w * (steps - 2) + 1e-6)
    pooled = counts.reshape(2, 2, 2, 2, 2).transpose(0, 2, 1, 3, 4).reshape(2, 2, 4, 2)
    expected = np.stack([pooled[..., 0].max(-1), pooled[..., 1].min(-1)], axis=-1)
    np.testing.assert_allclose(v[out][0], expected)
    np.testing.assert_allclose(v[out][1], expected)


@pytest.mark.parametrize("schedule", ["few_spike_fast", "timestep"])
def test_few_spike_min_pool_with_padding_is_exact(schedule):
    rng = np.random.default_rng(3)
    k, alpha = 8, 4.0
    net = Network()
    with net:
        inp = Population(FewSpikeReluInput(k=k, alpha=alpha), (5, 5, 2), name="inp")
        relu = Population(FewSpikeRelu(k=k, alpha=alpha), (5, 5, 2))
        pool = Population(FewSpikeRelu(k=k, alpha=alpha), None)
        out = Population(FewSpikeRelu(k=k, alpha=alpha, readout="var"), None, name="out")
        Connection(inp, relu, OneToOne(1.0))
        Connection(relu, pool, MaxPool2D(2, pool_padding=((1, 0), (0, -1)), signs=[-1, 1]))
        Connection(pool, out, OneToOne(1.0))
    x = rng.uniform(0, 4, (6, 5, 5, 2)).astype(np.float32)
    compiled = FewSpikeCompiler(k=k, batch_size=4, schedule=schedule).compile(net)
    with compiled:
        y, _ = compiled.predict({inp: x}, [out], callbacks=[])
    q = alpha * 2.0 ** -k * np.minimum(np.floor(2.0 ** k * x / alpha), 2 ** k - 1)
    padded = np.pad(q[:, :, :4], ((0, 0), (1, 0), (0, 0), (0, 0)))   # 6 x 4
    windows = padded.reshape(6, 3, 2, 2, 2, 2)
    expected = np.stack([windows[..., 0].min(axis=(2, 4)), windows[..., 1].max(axis=(2, 4))],
                        axis=-1)
    np.testing.assert_allclose(y[out], expected, atol=1e-6)

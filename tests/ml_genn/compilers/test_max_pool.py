"""MaxPool2D: exact for few-spike (both schedules, max and min channels), running max or
spike-count gating for rate coding."""
import numpy as np
import pytest

from ml_genn import Connection, Network, Population
from ml_genn.compilers import FewSpikeCompiler, InferenceCompiler
from ml_genn.connectivity import MaxPool2D, OneToOne
from ml_genn.neurons import BinarySpikeInput, FewSpikeRelu, FewSpikeReluInput, IntegrateFire


def numpy_max_pool(x, size, padding):
    n, h, w, c = x.shape
    if padding == "same":
        ph, pw = -h % size, -w % size
        x = np.pad(x, ((0, 0), (0, ph), (0, pw), (0, 0)), constant_values=-np.inf)
        h, w = h + ph, w + pw
    x = x[:, :h // size * size, :w // size * size]
    return x.reshape(n, h // size, size, w // size, size, c).max(axis=(2, 4))


K, ALPHA = 8, 4.0


def few_spike_pool(pool, schedule, seed):
    """Random ``(6, 5, 5, 2)`` inputs in [0, 4) through a few-spike ReLU, the ``pool``
    connectivity and an output read out by value: (the inputs as the input population
    sends them, K-bit quantised; the output)."""
    rng = np.random.default_rng(seed)
    net = Network()
    with net:
        inp = Population(FewSpikeReluInput(k=K, alpha=ALPHA), (5, 5, 2), name="inp")
        relu = Population(FewSpikeRelu(k=K, alpha=ALPHA), (5, 5, 2))
        pooled = Population(FewSpikeRelu(k=K, alpha=ALPHA), None)
        out = Population(FewSpikeRelu(k=K, alpha=ALPHA, readout="var"), None, name="out")
        Connection(inp, relu, OneToOne(1.0))
        Connection(relu, pooled, pool)
        Connection(pooled, out, OneToOne(1.0))
    x = rng.uniform(0, 4, (6, 5, 5, 2)).astype(np.float32)
    compiled = FewSpikeCompiler(k=K, batch_size=4, schedule=schedule).compile(net)
    with compiled:
        y, _ = compiled.predict({inp: x}, [out], callbacks=[])
    quantised = ALPHA * 2.0 ** -K * np.minimum(np.floor(2.0 ** K * x / ALPHA), 2 ** K - 1)
    return quantised, y[out]


@pytest.mark.parametrize("schedule", ["few_spike_fast", "timestep"])
@pytest.mark.parametrize("padding", ["valid", "same"])
def test_few_spike_max_pool_is_exact(schedule, padding):
    quantised, y = few_spike_pool(MaxPool2D(2, pool_padding=padding), schedule, seed=0)
    np.testing.assert_allclose(y, numpy_max_pool(quantised, 2, padding), atol=1e-6)


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


STEPS = 12


def rate_pool(x, hidden_weight, pool, schedule):
    """Inputs ``x`` as binary spikes into integrate-and-fire neurons (threshold 1,
    weights ``hidden_weight``), pooled by ``pool`` into an output that integrates for
    :data:`STEPS` steps: its final potential."""
    net = Network()
    with net:
        inp = Population(BinarySpikeInput(), x.shape[1:], name="inp")
        hidden = Population(IntegrateFire(v_thresh=1.0, relative_reset=True), x.shape[1:])
        out = Population(IntegrateFire(v_thresh=1e9, readout="var"), None, name="out")
        Connection(inp, hidden, OneToOne(hidden_weight))
        Connection(hidden, out, pool)
    compiled = InferenceCompiler(evaluate_timesteps=STEPS, batch_size=2,
                                 schedule=schedule).compile(net)
    with compiled:
        v, _ = compiled.predict({inp: x}, [out], callbacks=[])
    return v[out]


@pytest.mark.parametrize("schedule", ["layer", "timestep"])
def test_rate_max_pool_gates_by_spike_count(schedule):
    rng = np.random.default_rng(1)
    # constant input per example: hidden neuron i spikes at a rate set by its weight
    x = (rng.random((3, 4, 4, 1)) > 0.3).astype(np.float32)
    v = rate_pool(x, 1.0, MaxPool2D(2, rate_rule="spike_gate"), schedule)
    for n in range(3):
        # hidden spikes at steps 1..T-1 where input is on (one-step delivery from the input)
        hidden_spikes = np.zeros((STEPS, 4, 4, 1))
        hidden_spikes[1:] = x[n]
        gated = numpy_gated_max_pool(hidden_spikes[:-1], 2)  # arriving one step later
        np.testing.assert_allclose(v[n], gated.sum(axis=0))


@pytest.mark.parametrize("schedule", ["layer", "timestep"])
def test_rate_max_pool_running_max_passes_the_max_count(schedule):
    """The target receives, up to the end, exactly the window's largest (min channel:
    smallest) spike count."""
    rng = np.random.default_rng(2)
    weight = rng.uniform(0.1, 1.0, 32).astype(np.float32)
    v = rate_pool(np.ones((2, 4, 4, 2), np.float32), weight,
                  MaxPool2D(2, signs=[1, -1], rate_rule="running_max"), schedule)
    w = weight.reshape(4, 4, 2)
    # hidden receives w at steps 1..T-1; its spikes arrive at out one step later
    counts = np.floor(w * (STEPS - 2) + 1e-6)
    pooled = counts.reshape(2, 2, 2, 2, 2).transpose(0, 2, 1, 3, 4).reshape(2, 2, 4, 2)
    expected = np.stack([pooled[..., 0].max(-1), pooled[..., 1].min(-1)], axis=-1)
    np.testing.assert_allclose(v[0], expected)
    np.testing.assert_allclose(v[1], expected)


@pytest.mark.parametrize("schedule", ["few_spike_fast", "timestep"])
def test_few_spike_min_pool_with_padding_is_exact(schedule):
    q, y = few_spike_pool(MaxPool2D(2, pool_padding=((1, 0), (0, -1)), signs=[-1, 1]),
                          schedule, seed=3)
    padded = np.pad(q[:, :, :4], ((0, 0), (1, 0), (0, 0), (0, 0)))   # 6 x 4
    windows = padded.reshape(6, 3, 2, 2, 2, 2)
    expected = np.stack([windows[..., 0].min(axis=(2, 4)), windows[..., 1].max(axis=(2, 4))],
                        axis=-1)
    np.testing.assert_allclose(y, expected, atol=1e-6)

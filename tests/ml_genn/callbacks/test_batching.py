"""Batching: ``predict`` on 37 examples with ``batch_size=16`` (last batch padded)
equals 37 independent single-example runs, readouts and recordings alike (SPEC 1.5)."""
from __future__ import annotations

import jax
import numpy as np
import pytest

from ml_genn import Connection, Network, Population
from ml_genn.callbacks import SpikeRecorder, VarRecorder
from ml_genn.compilers import FewSpikeCompiler, InferenceCompiler
from ml_genn.connectivity import Dense
from ml_genn.neurons import (
    BinarySpikeInput,
    FewSpikeRelu,
    FewSpikeReluInput,
    IntegrateFire,
    LeakyIntegrate,
)

N_EXAMPLES = 37
BATCH = 16
T = 10
K = 6


def _quarters(rng, shape):
    """Weights in multiples of 1/4: every sum is exact in float32, whatever the order in
    which a batched matmul adds it up, so batched and single runs must agree bit for bit."""
    return rng.choice([-0.5, -0.25, 0.25, 0.5, 0.75, 1.0], size=shape)


def _inference_network(rng):
    with Network() as net:
        inp = Population(BinarySpikeInput(input_frames=T), 5, name="inp")
        hid = Population(IntegrateFire(), 8, record_spikes=True, name="hid")
        out = Population(IntegrateFire(readout="spike_count"), 3, name="out")
        li = Population(LeakyIntegrate(tau_mem=4.0, readout="avg_var"), 2, name="li")
        Connection(inp, hid, Dense(rng.choice([0.25, 0.5, 0.75], size=(5, 8))))
        Connection(hid, out, Dense(rng.choice([-0.25, 0.5, 0.75], size=(8, 3))))
        Connection(hid, li, Dense(_quarters(rng, (8, 2))))
    x = (rng.random((N_EXAMPLES, T, 5)) < 0.5).astype(np.float32)
    return net, inp, hid, (out, li), x


def _few_spike_network(rng):
    with Network() as net:
        inp = Population(FewSpikeReluInput(k=K, alpha=4.0), 5, name="inp")
        hid = Population(FewSpikeRelu(k=K, alpha=4.0), 8, record_spikes=True, name="hid")
        out = Population(FewSpikeRelu(k=K, alpha=4.0, readout="var"), 3, name="out")
        out2 = Population(FewSpikeRelu(k=K, alpha=4.0, readout="spike_count"), 2, name="out2")
        Connection(inp, hid, Dense(_quarters(rng, (5, 8))))
        Connection(hid, out, Dense(_quarters(rng, (8, 3))))
        Connection(inp, out2, Dense(_quarters(rng, (5, 2))))  # shortcut
    x = (rng.integers(0, 64, (N_EXAMPLES, 5)) / 16).astype(np.float32)  # multiples of alpha 2^-K
    return net, inp, hid, (out, out2), x


CASES = [("inference", "layer"), ("inference", "timestep"),
         ("few_spike", "few_spike_fast"), ("few_spike", "timestep")]


def _compile(kind, schedule, batch_size):
    rng = np.random.default_rng(3)
    if kind == "inference":
        net, inp, hid, outs, x = _inference_network(rng)
        compiler = InferenceCompiler(evaluate_timesteps=T, batch_size=batch_size,
                                     schedule=schedule)
    else:
        net, inp, hid, outs, x = _few_spike_network(rng)
        compiler = FewSpikeCompiler(k=K, batch_size=batch_size, schedule=schedule)
    compiled = compiler.compile(net)
    assert compiled.schedule == schedule
    return compiled, inp, hid, outs, x


def _callbacks(hid):
    return [SpikeRecorder(hid, key="spikes"), VarRecorder(hid, "v", key="v")]


@pytest.mark.parametrize("kind,schedule", CASES)
def test_batched_predict_equals_single_example_runs(kind, schedule):
    compiled, inp, hid, outs, x = _compile(kind, schedule, BATCH)
    with compiled:
        batched, data = compiled.predict({inp: x}, list(outs), callbacks=_callbacks(hid))
    single, inp1, hid1, outs1, _ = _compile(kind, schedule, 1)
    with single:
        runs = [single.predict({inp1: x[e:e + 1]}, list(outs1), callbacks=_callbacks(hid1))
                for e in range(N_EXAMPLES)]
    for out, out1 in zip(outs, outs1, strict=True):
        assert batched[out].shape[0] == N_EXAMPLES
        expected = np.concatenate([preds[out1] for preds, _ in runs])
        np.testing.assert_array_equal(batched[out], expected)
    assert np.ptp(batched[outs[0]]) > 0  # examples differ, so a leak would show
    # exact on the CPU; a GPU may sum a batch of 16 in another order than a batch of 1
    np.testing.assert_allclose(data["v"], np.concatenate([d["v"] for _, d in runs]),
                               rtol=0, atol=0 if jax.default_backend() == "cpu" else 1e-6)
    times, ids = data["spikes"]
    assert len(times) == N_EXAMPLES
    for e, (_, d) in enumerate(runs):
        np.testing.assert_array_equal(times[e], d["spikes"][0][0])
        np.testing.assert_array_equal(ids[e], d["spikes"][1][0])


@pytest.mark.parametrize("kind,schedule", CASES)
def test_reversed_example_order_gives_reversed_predictions(kind, schedule):
    """Nothing depends on an example's position within or across batches."""
    compiled, inp, _, outs, x = _compile(kind, schedule, BATCH)
    with compiled:
        forward, _ = compiled.predict({inp: x}, list(outs), callbacks=[])
        backward, _ = compiled.predict({inp: x[::-1]}, list(outs), callbacks=[])
    for out in outs:
        np.testing.assert_array_equal(forward[out], backward[out][::-1])

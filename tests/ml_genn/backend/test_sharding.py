"""``devices=``: the batch axis sharded over the 2 fake CPU devices (conftest.py) gives
the same readouts, recordings and metrics as one device, for every schedule, with a
batch size that does not divide over the devices and a short last batch."""
from __future__ import annotations

import jax
import numpy as np
import pytest

from ml_genn import Connection, Network, Population
from ml_genn.backend.sharding import Placement, resolve_devices
from ml_genn.callbacks import SpikeRecorder
from ml_genn.compilers import FewSpikeCompiler, InferenceCompiler
from ml_genn.connectivity import Dense
from ml_genn.neurons import FewSpikeRelu, FewSpikeReluInput, IntegrateFire, PoissonInput

N_EXAMPLES = 7  # batches of 3: 3 + 3 + 1
BATCH = 3       # odd: padded to 4 on 2 devices


def _quarters(rng, shape):
    return rng.choice([-0.5, -0.25, 0.25, 0.5, 0.75], size=shape)


def _rate(rng):
    with Network() as net:
        inp = Population(PoissonInput(), 6, name="inp")  # per-example random draws
        hid = Population(IntegrateFire(), 5, record_spikes=True, name="hid")
        out = Population(IntegrateFire(readout="spike_count"), 3, name="out")
        Connection(inp, hid, Dense(_quarters(rng, (6, 5))))
        Connection(hid, out, Dense(_quarters(rng, (5, 3))))
    return net, inp, hid, out, rng.uniform(0, 0.8, (N_EXAMPLES, 6))


def _few_spike(rng):
    with Network() as net:
        inp = Population(FewSpikeReluInput(k=6, alpha=4.0), 6, name="inp")
        hid = Population(FewSpikeRelu(k=6, alpha=4.0), 5, record_spikes=True, name="hid")
        out = Population(FewSpikeRelu(k=6, alpha=4.0, readout="var"), 3, name="out")
        Connection(inp, hid, Dense(_quarters(rng, (6, 5))))
        Connection(hid, out, Dense(_quarters(rng, (5, 3))))
        Connection(inp, out, Dense(_quarters(rng, (6, 3))))  # shortcut: pipeline delay
    return net, inp, hid, out, rng.integers(0, 60, (N_EXAMPLES, 6)) / 16


CASES = [(_rate, "layer"), (_rate, "timestep"), (_few_spike, "few_spike_fast"),
         (_few_spike, "timestep")]


def _run(build, schedule, devices):
    net, inp, hid, out, x = build(np.random.default_rng(5))
    if build is _rate:
        compiler = InferenceCompiler(evaluate_timesteps=8, batch_size=BATCH, schedule=schedule,
                                     devices=devices)
    else:
        compiler = FewSpikeCompiler(k=6, batch_size=BATCH, schedule=schedule, devices=devices)
    compiled = compiler.compile(net)
    y = np.arange(N_EXAMPLES) % 3
    with compiled:
        pred, data = compiled.predict({inp: x}, out, callbacks=[SpikeRecorder(hid, key="s")])
        metrics, _ = compiled.evaluate({inp: x}, {out: y}, callbacks=[])
    return compiled, pred[out], data["s"], metrics[out].result


def test_two_fake_cpu_devices_are_configured():
    assert len(jax.devices()) == 2


@pytest.mark.parametrize("build,schedule", CASES)
def test_sharded_run_equals_one_device(build, schedule):
    compiled, pred, spikes, accuracy = _run(build, schedule, "all")
    assert compiled.simulator.placement.num_devices == 2
    assert compiled.simulator.batch_size == 4
    _, pred1, spikes1, accuracy1 = _run(build, schedule, None)
    assert pred.shape[0] == N_EXAMPLES and np.ptp(pred) > 0
    np.testing.assert_array_equal(pred, pred1)
    assert accuracy == accuracy1
    for a, b in zip(spikes, spikes1, strict=True):  # (times, ids) per example
        for e in range(N_EXAMPLES):
            np.testing.assert_array_equal(a[e], b[e])


def test_inputs_and_parameters_are_laid_out_over_the_devices():
    placement = Placement(jax.devices())
    x = placement.put_batched(np.zeros((2, 4, 3), np.float32), axis=1)
    assert {s.data.shape for s in x.addressable_shards} == {(2, 2, 3)}
    params = placement.put_replicated(np.ones(3, np.float32))
    assert {s.data.shape for s in params.addressable_shards} == {(3,)}


@pytest.mark.parametrize("devices,error,match", [
    ("gpus", ValueError, "devices must be None.*'all'.*received 'gpus'"),
    ([], TypeError, "non-empty list of JAX devices"),
    ([0, 1], TypeError, r"list of JAX devices.*\[0, 1\]"),
    (3, TypeError, "received int: 3"),
])
def test_bad_devices_are_refused(devices, error, match):
    with pytest.raises(error, match=match):
        resolve_devices(devices)


def test_bad_devices_are_refused_by_compile():
    net, *_ = _rate(np.random.default_rng(0))
    with pytest.raises(ValueError, match="received 'both'"):
        InferenceCompiler(evaluate_timesteps=2, devices="both").compile(net)

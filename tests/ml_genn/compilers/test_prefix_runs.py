"""Prefix runs (``prefix_runs=True``, ``CompiledNetwork.simulate_until``): the layer
schedule simulates only the first populations, without compiling again, and they give
exactly the readouts of a whole run."""
import numpy as np
import pytest
from test_schedules import conv_network, residual_network

from ml_genn.backend.simulator import Simulator
from ml_genn.compilers import InferenceCompiler
from ml_genn.neurons import BinarySpikeInput, PoissonInput
from ml_genn.readouts import READOUTS


def counted_everywhere(net):
    """Every non-input population read out by its spike count (or its ``var``)."""
    pops = [p for p in net.populations if not p.neuron.is_input]
    for p in pops:
        if p.neuron.readout is None:
            p.neuron.readout = READOUTS.resolve("spike_count")
    return pops


@pytest.mark.parametrize("make, x_shape, chunk", [
    (lambda rng: conv_network(rng), (5, 6, 6, 2), 4),     # stateful op, delays, 6 chunks
    (lambda rng: residual_network(rng, BinarySpikeInput(), delay=3), (5, 12), None),
])
def test_prefix_runs_equal_the_whole_run_up_to_the_limit_and_compile_once(
        make, x_shape, chunk, monkeypatch):
    rng = np.random.default_rng(4)
    net, inp, _ = make(rng)
    pops = counted_everywhere(net)
    x = (rng.random(x_shape) > 0.5).astype(np.float32)
    plain = InferenceCompiler(evaluate_timesteps=23, batch_size=4, time_chunk=chunk
                              ).compile(net)
    whole, _ = plain.predict({inp: x}, pops, callbacks=[])
    programs = []
    jit = Simulator.jit

    def counting_jit(self, key, builder):
        def build():                      # called on a cache miss only
            programs.append(key)
            return builder()
        return jit(self, key, build)

    monkeypatch.setattr(Simulator, "jit", counting_jit)
    compiled = InferenceCompiler(evaluate_timesteps=23, batch_size=4, time_chunk=chunk,
                                 prefix_runs=True).compile(net)
    assert compiled.schedule == "layer"
    order = compiled.plan.populations
    got, _ = compiled.predict({inp: x}, pops, callbacks=[])
    for p in pops:
        np.testing.assert_array_equal(got[p], whole[p])
    compiled_programs = len(programs)
    for last in pops[:-1]:
        compiled.simulate_until([last])
        got, _ = compiled.predict({inp: x}, pops, callbacks=[])
        for p in pops:
            if order.index(p) <= order.index(last):
                np.testing.assert_array_equal(got[p], whole[p])
            else:
                assert not np.any(got[p]), p.name
    compiled.simulate_until(None)
    got, _ = compiled.predict({inp: x}, pops, callbacks=[])
    assert all(np.array_equal(got[p], whole[p]) for p in pops)
    assert len(programs) == compiled_programs, programs
    assert sum(np.abs(whole[p]).sum() > 0 for p in pops) >= 3, "test network must spike"


def test_the_limit_survives_a_rebuilt_device_model():
    rng = np.random.default_rng(1)
    net, inp, outs = residual_network(rng, BinarySpikeInput())
    pops = counted_everywhere(net)
    x = (rng.random((4, 12)) > 0.5).astype(np.float32)
    compiled = InferenceCompiler(evaluate_timesteps=20, batch_size=4, prefix_runs=True
                                 ).compile(net)
    h1 = next(p for p in pops if p.name == "h1")
    compiled.simulate_until(h1)
    conn = net.connections[0]
    conn.connectivity.weight = conn.connectivity.weight * 2   # rebuilds the device model
    got, _ = compiled.predict({inp: x}, pops, callbacks=[])
    assert np.any(got[h1]) and not any(np.any(got[p]) for p in outs)


def test_simulate_until_needs_prefix_runs():
    rng = np.random.default_rng(2)
    net, inp, outs = residual_network(rng, PoissonInput())
    compiled = InferenceCompiler(evaluate_timesteps=5).compile(net)
    with pytest.raises(ValueError, match=r"simulate_until needs .*prefix_runs=True.*"
                                         r"prefix_runs=False, schedule='layer'"):
        compiled.simulate_until(outs[0])
    timestep = InferenceCompiler(evaluate_timesteps=5, schedule="timestep",
                                 prefix_runs=True).compile(net)
    with pytest.raises(ValueError, match="schedule='timestep'"):
        timestep.simulate_until(outs[0])

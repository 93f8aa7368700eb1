"""The layer schedule's neuron update as one Pallas kernel per population and chunk
(``ml_genn/backend/schedules/neuron_kernel.py``) gives the readouts of XLA's fusion.

On a CPU the kernel runs in Pallas' interpreter (``fuse_neuron_steps=True``), which
executes the kernel body as written: so these tests check its indexing (blocks, tails
of delayed input, remainder chunks) and its arithmetic order, bitwise.
"""
from types import SimpleNamespace

import jax
import numpy as np
import pytest

from ml_genn import Connection, Network, Population
from ml_genn.backend.neurons import build_dynamics
from ml_genn.backend.schedules import SCHEDULES
from ml_genn.backend.schedules.neuron_kernel import block_size, eligible, neuron_steps
from ml_genn.backend.sharding import Placement
from ml_genn.backend.simulator import kernel_mode
from ml_genn.compilers import InferenceCompiler
from ml_genn.connectivity import AvgPoolConv2D, Conv2D, Dense
from ml_genn.neurons import (
    BinarySpikeInput,
    IntegrateFire,
    LeakyIntegrateFire,
    PoissonInput,
    SpikeInput,
)


def dyadic(rng, shape, scale=8):
    return rng.integers(-scale, scale + 1, shape).astype(np.float32) / scale


def network(rng):
    """input 8x8x2 -> conv (8x8x8, IF) -> pooled conv (4x4x16, IF, absolute reset) +
    a strided conv from the input delayed by 2 steps -> dense 64 (LIF, not fusable) ->
    dense 64 (IF, bias) -> readouts: three hidden populations run in the kernel, the
    LIF and the two outputs in XLA."""
    net = Network()
    with net:
        inp = Population(BinarySpikeInput(), (8, 8, 2), name="inp")
        h1 = Population(IntegrateFire(v_thresh=1.0, relative_reset=True), None, name="h1")
        h2 = Population(IntegrateFire(v_thresh=0.75), None, name="h2")
        leaky = Population(LeakyIntegrateFire(v_thresh=0.5, tau_mem=20.0, tau_refrac=2.0),
                           None, name="leaky")
        h3 = Population(IntegrateFire(v_thresh=0.5, bias=0.125), None, name="h3")
        out = Population(IntegrateFire(readout="spike_count"), None, name="out")
        out_v = Population(IntegrateFire(v_thresh=1e9, readout="var"), None, name="out_v")
        Connection(inp, h1, Conv2D(dyadic(rng, (3, 3, 2, 8)), 8, 3, conv_padding="same"))
        Connection(h1, h2, AvgPoolConv2D(dyadic(rng, (3, 3, 8, 16)), 16, 2, 3,
                                         conv_padding="same"))
        Connection(inp, h2, Conv2D(dyadic(rng, (3, 3, 2, 16)), 16, 3, conv_strides=2,
                                   conv_padding="same", delay=2))
        Connection(h2, leaky, Dense(dyadic(rng, (256, 64))))
        Connection(leaky, h3, Dense(dyadic(rng, (64, 64)), delay=1))
        Connection(h3, out, Dense(dyadic(rng, (64, 5))))
        Connection(h3, out_v, Dense(dyadic(rng, (64, 5))))
    return net, inp, [out, out_v]


def run(net, inp, outs, x, **options):
    compiled = InferenceCompiler(evaluate_timesteps=13, batch_size=4, **options).compile(net)
    assert compiled.schedule == "layer"
    with compiled:
        result, _ = compiled.predict({inp: x}, outs, callbacks=[])
        sim = compiled.simulator
        jaxpr = jax.make_jaxpr(SCHEDULES["layer"].jitted(sim))(
            sim.params, {0: np.zeros((4, 1) + x.shape[1:], np.float32)}, 0, 0)
    return [result[o] for o in outs], str(jaxpr).count("pallas_call")


@pytest.mark.parametrize("precision, chunk", [("highest", 4), ("highest", None),
                                              ("fp16", 5)])
def test_kernel_gives_the_readouts_of_xla_fusion(precision, chunk):
    """Chunks of 4 over 13 steps leave a remainder of 1, shorter than the delayed
    connection's tail (3 steps); the chunk and its remainder are separate programs."""
    rng = np.random.default_rng(7)
    net, inp, outs = network(rng)
    x = (rng.random((6, 8, 8, 2)) > 0.6).astype(np.float32)
    xla, xla_kernels = run(net, inp, outs, x, precision=precision, time_chunk=chunk,
                           fuse_neuron_steps=False)
    fused, kernels = run(net, inp, outs, x, precision=precision, time_chunk=chunk,
                         fuse_neuron_steps=True)
    assert xla_kernels == 0
    # one kernel per hidden population in the chunk body and in the remainder chunk's
    # (automatic chunks: 10 steps, then 3)
    assert kernels == 6
    assert xla[0].sum() > 0 and np.abs(xla[1]).sum() > 0, "test network must spike"
    np.testing.assert_array_equal(fused[0], xla[0])
    np.testing.assert_array_equal(fused[1], xla[1])


def test_kernel_steps_match_a_numpy_integrate_and_fire():
    """Two delay groups' input summed: tails of 1 and 3 steps, the second group's sums in
    float16 times a factor (as ``"fp16"``'s convolutions give them); then
    v <- v + d + bias, spike if v >= thresh, reset by subtraction: a NumPy re-statement."""
    rng = np.random.default_rng(8)
    shape, batch, size = (4, 4, 8), 3, 5
    dyn = build_dynamics(IntegrateFire(v_thresh=0.7, bias=0.05, relative_reset=True),
                         shape, dt=1.0)
    p = dyn.params(rng)
    state = dyn.initial_state(p, batch, None)
    tails = [rng.uniform(0, 0.5, (n, batch) + shape).astype(np.float32) for n in (1, 3)]
    sums = [rng.uniform(-0.2, 0.6, (size, batch) + shape).astype(np.float32),
            rng.uniform(-0.4, 1.2, (size, batch) + shape).astype(np.float16)]
    drives = [[(tails[0], sums[0], None), (tails[1], sums[1], np.float32(0.5))]]
    state, events = neuron_steps(dyn, p, state, drives, np.float32, interpret=True)
    now = [sums[0], sums[1].astype(np.float32) * np.float32(0.5)]
    v = np.zeros((batch,) + shape, np.float32)
    expected = []
    for t in range(size):
        d = sum(np.concatenate([tail, x])[t] for tail, x in zip(tails, now, strict=True))
        v = v + d + np.float32(0.05)
        spike = v >= np.float32(0.7)
        v = np.where(spike, v - np.float32(0.7), v)
        expected.append(spike.astype(np.float32))
    assert 0 < np.sum(expected) < np.size(expected)
    np.testing.assert_array_equal(np.asarray(events), np.stack(expected))
    np.testing.assert_allclose(np.asarray(state.v), v, rtol=1e-6, atol=1e-6)


def test_which_populations_qualify():
    assert block_size(32 * 32 * 64) == 1024 and block_size(3 * 256) == 256
    assert block_size(10) == 0 and block_size(96) == 0
    assert eligible(build_dynamics(IntegrateFire(), (8, 8, 8), 1.0))
    assert not eligible(build_dynamics(IntegrateFire(), (10,), 1.0))   # too narrow
    assert not eligible(build_dynamics(LeakyIntegrateFire(), (8, 8, 8), 1.0))  # products
    assert not eligible(build_dynamics(PoissonInput(), (8, 8, 8), 1.0))  # random keys
    assert not eligible(build_dynamics(SpikeInput(max_spikes=4), (8, 8, 8), 1.0))


def test_kernel_mode_by_device():
    one, two = Placement(jax.devices()[:1]), Placement(jax.devices()[:2])
    assert kernel_mode(None, one) is None   # a CPU: XLA's fusion
    assert kernel_mode(True, one) == "interpret"
    assert kernel_mode(False, one) is None
    assert kernel_mode(None, two) is None
    with pytest.raises(ValueError, match="fuse_neuron_steps=True runs on one device; this "
                                         "network runs on 2"):
        kernel_mode(True, two)
    # GPUs (stand-ins: only the platform, the capability and the device count are read)
    def gpu(capability):
        device = SimpleNamespace(platform="gpu", compute_capability=capability)
        return SimpleNamespace(devices=[device], num_devices=1)
    assert kernel_mode(None, gpu("9.0")) == "compiled"
    assert kernel_mode(None, gpu("8.0")) == "compiled"
    assert kernel_mode(None, gpu("7.5")) is None       # before Ampere: XLA
    assert kernel_mode(None, gpu(None)) is None        # no CUDA capability (ROCm)
    assert kernel_mode(True, gpu("7.5")) == "compiled"
    assert kernel_mode(False, gpu("9.0")) is None
    with pytest.raises(ValueError, match="fuse_neuron_steps must be None, True or False, "
                                         "received 'yes'"):
        InferenceCompiler(evaluate_timesteps=4, fuse_neuron_steps="yes")


def test_chunks_grow_where_kernels_advance_every_hidden_population():
    """Chunks of up to KERNEL_TIME_CHUNK steps where every hidden population runs in a
    kernel; max_time_chunk where one (the leaky one) stays in XLA's fusion, or without
    kernels."""
    from ml_genn.backend.schedules.layer import KERNEL_TIME_CHUNK, time_chunk

    def chunk_of(net, fuse):
        compiled = InferenceCompiler(evaluate_timesteps=100, batch_size=2,
                                     fuse_neuron_steps=fuse).compile(net)
        return time_chunk(compiled.simulator, 2, 100)

    net, _, _ = network(np.random.default_rng(9))
    assert chunk_of(net, True) == chunk_of(net, False) == 10
    with net:
        leaky = net.find_population("leaky")
        leaky.neuron = IntegrateFire(v_thresh=0.5)
    assert KERNEL_TIME_CHUNK > 10
    assert chunk_of(net, True) == KERNEL_TIME_CHUNK
    assert chunk_of(net, False) == 10

"""Low-precision modes of the few-spike fast path (``precision="fp16x2"``, ...)."""
import jax.numpy as jnp
import numpy as np
import pytest

from ml_genn import Connection, Network, Population
from ml_genn.backend.precision import (
    LOW_PRECISION,
    input_pieces,
    input_shift,
    split_input,
    split_weights,
)
from ml_genn.backend.schedules.few_spike import code_differences
from ml_genn.compilers import FewSpikeCompiler, InferenceCompiler
from ml_genn.connectivity import AvgPoolConv2D, AvgPoolDense2D, Conv2D, Dense
from ml_genn.neurons import (
    DirectInput,
    FewSpikeRelu,
    FewSpikeReluInput,
    IntegrateFire,
    PoissonInput,
)


def cnn(rng, k=10, weight=None, alpha=3.7):
    """Conv -> pool+conv -> pool+dense -> dense, the pooled codes of k bits + 2."""
    weight = weight or (lambda shape, fan_in: rng.normal(0, np.sqrt(2 / fan_in), shape))
    net = Network()
    with net:
        inp = Population(FewSpikeReluInput(k=k, alpha=1.0), (12, 12, 3), name="inp")
        c1 = Population(FewSpikeRelu(k=k, alpha=alpha), None, name="c1")
        c2 = Population(FewSpikeRelu(k=k, alpha=alpha), None, name="c2")
        d1 = Population(FewSpikeRelu(k=k, alpha=alpha), None, name="d1")
        out = Population(FewSpikeRelu(k=k, alpha=alpha, readout="var"), None, name="out")
        Connection(inp, c1, Conv2D(weight((3, 3, 3, 16), 27), 16, 3, conv_padding="same"))
        Connection(c1, c2, AvgPoolConv2D(weight((3, 3, 16, 16), 144), 16, 2, 3,
                                         conv_padding="same"))
        Connection(c2, d1, AvgPoolDense2D(weight((144, 32), 144), 2))
        Connection(d1, out, Dense(weight((32, 10), 32)))
    return net, inp


def compiled(net, precision, k=10, batch=16):
    return FewSpikeCompiler(k=k, batch_size=batch, precision=precision).compile(net)


def differences(net, inp, x, precision, k=10):
    ref, other = compiled(net, "highest", k), compiled(net, precision, k)
    inputs = {0: jnp.asarray(x)[:, None]}
    assert ref.plan.populations[0] is inp
    return code_differences(ref.simulator, other.simulator, inputs)


@pytest.mark.parametrize("name", sorted(LOW_PRECISION))
def test_weight_pieces_bound(name):
    mode = LOW_PRECISION[name]
    w = np.random.default_rng(0).normal(0, 0.05, (300,)).astype(np.float32)
    pieces, scale = split_weights(w, mode)
    assert len(pieces) == mode.weight_pieces
    assert all(p.dtype == np.dtype(mode.dtype) and np.all(np.isfinite(p)) for p in pieces)
    approx = scale * sum(p.astype(np.float64) for p in pieces)
    bound = np.max(np.abs(w)) * 2.0 ** (1 - mode.bits * mode.weight_pieces)
    assert np.max(np.abs(approx - w)) <= max(bound, 2.0 ** -24 * np.max(np.abs(w)))
    assert np.log2(scale) == np.round(np.log2(scale))  # a power of two


@pytest.mark.parametrize("name", ["fp16x1", "bf16x1"])
def test_input_pieces_exact(name):
    mode = LOW_PRECISION[name]
    for bits in (mode.bits, mode.bits + 2, 2 * mode.bits):
        x = np.random.default_rng(bits).integers(-(2 ** bits) + 1, 2 ** bits, 1000)
        n, shift = input_pieces(bits, mode), input_shift(bits, mode)
        pieces = split_input(jnp.asarray(x * 2.0 ** -shift, jnp.float32), mode, n)
        assert n == -(-bits // mode.bits)
        total = sum(np.asarray(p, np.float64) for p in pieces) * 2.0 ** shift
        np.testing.assert_array_equal(total, x)
    # one piece too few loses the low bits of 12-bit codes
    x = jnp.asarray(np.arange(4096 - 64, 4096), jnp.float32)
    one = split_input(x, mode, 1)[0]
    assert np.any(np.asarray(one, np.float64) != np.asarray(x))


def test_exact_weights_give_the_float32_codes():
    """Weights that float16 holds exactly and dyadic alphas (float32 sums exact too):
    fp16x1 equals float32, pooled k=10 codes (12 bits, two exact pieces) included."""
    rng = np.random.default_rng(1)
    net, inp = cnn(rng, weight=lambda shape, fan_in: rng.integers(-12, 13, shape) / 64.0,
                   alpha=4.0)
    x = rng.uniform(0, 1, (16, 12, 12, 3)).astype(np.float32)
    for precision in ("fp16x1", "bf16x2"):
        differ, rel = differences(net, inp, x, precision)
        assert differ == 0.0 and rel < 1e-6, precision


def test_modes_within_bounds_of_float32():
    """Random weights, k=10: the fraction of hidden codes that differ from the float32
    ("highest") program and the outputs' relative error, within the bounds the README
    states (measured: fp16x1 ~10% of codes, fp16x2/x3 and bf16x3 < 1%)."""
    rng = np.random.default_rng(2)
    net, inp = cnn(rng)
    x = rng.uniform(0, 1, (16, 12, 12, 3)).astype(np.float32)
    got = {p: differences(net, inp, x, p)
           for p in ("fp16x1", "fp16x2", "fp16x3", "bf16x2", "fp16")}
    assert got["fp16x1"][0] > 3 * got["fp16x2"][0]          # one piece is TF32-class only
    assert got["fp16x2"][0] < 0.01 and got["fp16x2"][1] < 3e-3
    assert got["fp16x3"][0] <= got["fp16x2"][0] + 1e-3
    assert got["bf16x2"][0] > got["fp16x2"][0]              # 16 bits of weight, not 22
    # float16 sums: about as far as one float16 weight piece with float32 sums
    assert got["fp16"][0] < 2 * got["fp16x1"][0] and got["fp16"][1] < 2 * got["fp16x1"][1]


def test_float16_sums_never_overflow():
    """Every code at its maximum and large weights of one sign: the float16 sums stay
    finite (the weights are scaled by their largest column sum)."""
    rng = np.random.default_rng(5)
    net, inp = cnn(rng, weight=lambda shape, fan_in: np.full(shape, 40.0 / fan_in), alpha=0.5)
    x = np.ones((16, 12, 12, 3), np.float32)
    differ, rel = differences(net, inp, x, "fp16")
    assert np.isfinite(rel) and rel < 1e-2 and differ < 0.05


def rate_network(rng, weight, channels=2, filters=8):
    """Poisson input (8x8x``channels``) -> 3x3 conv of ``filters`` -> pool+dense, IF."""
    net = Network()
    with net:
        inp = Population(PoissonInput(), (8, 8, channels), name="inp")
        hid = Population(IntegrateFire(v_thresh=1.0), None, name="hid")
        out = Population(IntegrateFire(v_thresh=1.0, readout="spike_count"), None,
                         name="out")
        Connection(inp, hid, Conv2D(weight((3, 3, channels, filters)), filters, 3,
                                    conv_padding="same"))
        Connection(hid, out, AvgPoolDense2D(weight((16 * filters, 10)), 2))
    return net, inp, out


def spike_counts(net, inp, out, x, precision):
    compiled = InferenceCompiler(evaluate_timesteps=40, batch_size=8,
                                 precision=precision).compile(net)
    assert compiled.schedule == "layer"
    with compiled:
        y, _ = compiled.predict({inp: x}, [out], callbacks=[])
    return y[out]


def test_rate_coding_low_precision():
    """Spikes are exact in every format: weights float16 holds give the float32 spike
    counts; random weights with two pieces stay within a few spikes."""
    rng = np.random.default_rng(6)
    x = rng.uniform(0, 1, (8, 8, 8, 2)).astype(np.float32)
    net, inp, out = rate_network(rng, lambda s: rng.integers(-8, 9, s) / 16.0)
    exact = spike_counts(net, inp, out, x, "highest")
    assert exact.sum() > 0
    for precision in ("fp16x1", "fp16"):
        np.testing.assert_array_equal(spike_counts(net, inp, out, x, precision), exact)
    net, inp, out = rate_network(rng, lambda s: rng.normal(0, 0.4, s))
    exact = spike_counts(net, inp, out, x, "highest")
    two = spike_counts(net, inp, out, x, "fp16x2")
    assert np.abs(two - exact).max() <= 2 and np.abs(two - exact).sum() <= 0.02 * exact.sum()


def test_low_precision_errors():
    rng = np.random.default_rng(3)
    net, _ = cnn(rng)
    with pytest.raises(ValueError, match="schedule 'timestep' cannot run this network: "
                                         "precision='fp16x2' runs on the few-spike fast"):
        FewSpikeCompiler(k=10, precision="fp16x2", schedule="timestep").compile(net)
    net = Network()
    with net:
        inp = Population(FewSpikeReluInput(k=8, alpha=np.array([1.0, 2.0])), 2, name="inp")
        out = Population(FewSpikeRelu(k=8, alpha=2.0, readout="var"), 2, name="out")
        Connection(inp, out, Dense(np.eye(2)))
    with pytest.raises(ValueError, match="Population 'inp' .* one alpha per neuron.*"
                                         "precision='bf16x2'"):
        FewSpikeCompiler(k=8, precision="bf16x2").compile(net)
    assert FewSpikeCompiler(k=8, precision="highest").compile(net) is not None
    net = Network()
    with net:
        inp = Population(DirectInput(), 2, name="direct")
        out = Population(IntegrateFire(readout="spike_count"), 2, name="out")
        Connection(inp, out, Dense(np.eye(2)))
    with pytest.raises(ValueError, match="Population 'direct' \\(DirectInput\\) sends graded "
                                         "values.*precision='fp16'"):
        InferenceCompiler(evaluate_timesteps=4, precision="fp16").compile(net)


def test_input_split_survives_convert_folding():
    """The remainder of each input piece comes from ``reduce_precision``, not from a
    ``float32(float16(x))`` round trip that XLA's GPU compiler folds to ``x`` (which
    made the low piece zero on an H200)."""
    import jax

    for name in ("fp16x1", "bf16x1"):
        mode = LOW_PRECISION[name]
        jaxpr = str(jax.make_jaxpr(lambda x, mode=mode: split_input(x, mode, 2))(
            jnp.zeros(4, jnp.float32)))
        assert f"reduce_precision[exponent_bits={mode.exponent_bits} " \
               f"mantissa_bits={mode.bits - 1}]" in jaxpr, name


def _conv_same(x, w):
    """NumPy float64 re-statement of a stride-1 "same" convolution, NHWC x HWIO."""
    kh, kw = w.shape[:2]
    x = np.pad(x, ((0, 0), (kh // 2, kh // 2), (kw // 2, kw // 2), (0, 0)))
    rows, cols = x.shape[1] - kh + 1, x.shape[2] - kw + 1
    return sum(np.einsum("nhwc,cd->nhwd", x[:, i:i + rows, j:j + cols], w[i, j])
               for i in range(kh) for j in range(kw))


def _pool2(x):
    return x.reshape(x.shape[0], x.shape[1] // 2, 2, x.shape[2] // 2, 2, -1).mean((2, 4))


OPS_UNDER_TEST = {  # connectivity, source shape, weight shape, NumPy reference
    "conv": (lambda w: Conv2D(w, 8, 3, conv_padding="same"), (6, 6, 5), (3, 3, 5, 8),
             _conv_same),
    "pool_conv": (lambda w: AvgPoolConv2D(w, 8, 2, 3, conv_padding="same"), (8, 8, 5),
                  (3, 3, 5, 8), lambda x, w: _conv_same(_pool2(x), w)),
    "pool_dense": (lambda w: AvgPoolDense2D(w, 2), (4, 4, 5), (20, 7),
                   lambda x, w: _pool2(x).reshape(len(x), -1) @ w),
    "dense": (lambda w: Dense(w), (30,), (30, 7), lambda x, w: x @ w),
}


@pytest.mark.parametrize("op_name", sorted(OPS_UNDER_TEST))
@pytest.mark.parametrize("name", sorted(LOW_PRECISION))
def test_op_error_is_the_stated_weight_truncation(name, op_name):
    """One op on k=10 codes against a float64 NumPy re-statement: in the float32-sum
    modes the only error is the weights' truncation to ``pieces x bits`` (the products
    of exact code pieces and weight pieces, summed in float32); ``"fp16"`` also rounds
    the sums (and pooled 12-bit inputs) to 11 bits."""
    from ml_genn.backend.connectivity import build_op

    make, shape, w_shape, reference = OPS_UNDER_TEST[op_name]
    mode = LOW_PRECISION[name]
    rng = np.random.default_rng(7)
    w = rng.normal(0, 0.3, w_shape).astype(np.float32)
    codes = rng.integers(0, 2 ** 10, (4,) + shape).astype(np.float32)
    conn = make(w)
    conn.connect(Population(FewSpikeReluInput(k=10), shape, add_to_model=False),
                 Population(FewSpikeRelu(k=10), None, add_to_model=False))
    op = build_op(conn, name, code_bits=10)
    weights = op.prepare(rng)
    out = np.asarray(op.apply(weights, jnp.asarray(codes)), np.float64).reshape(4, -1)
    pieces, scale = split_weights(w, mode)
    truncated = scale * sum(p.astype(np.float64) for p in pieces)
    ref = reference(codes.astype(np.float64), w.astype(np.float64)).reshape(4, -1)
    ref_truncated = reference(codes.astype(np.float64), truncated).reshape(4, -1)
    magnitude = reference(np.abs(codes).astype(np.float64), np.abs(w).astype(np.float64))
    magnitude = magnitude.reshape(4, -1)
    if mode.result is np.float32:
        np.testing.assert_allclose(out, ref_truncated, rtol=0, atol=2e-6 * magnitude.max())
        bound = magnitude * 2.0 ** (1 - mode.bits * mode.weight_pieces) + 2e-6 * magnitude.max()
    else:
        bound = magnitude * (2.0 ** -mode.bits + 2.0 ** -12) + 2.0 ** -11 * np.abs(ref)
    assert np.all(np.abs(out - ref) <= bound)
    if mode.weight_pieces == 1:   # the bound is not vacuous: one piece's truncation shows
        assert np.abs(out - ref).max() > 2.0 ** -(mode.bits + 8) * magnitude.max()

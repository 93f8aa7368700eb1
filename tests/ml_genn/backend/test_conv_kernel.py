"""The two-piece convolution kernel (``connectivity/conv_kernel.py``), in Pallas'
interpreter on the CPU, against a NumPy re-statement and against XLA's program."""
import jax.numpy as jnp
import numpy as np
import pytest
from test_low_precision import rate_network

from ml_genn import Connection, Network, Population
from ml_genn.backend.connectivity import conv_kernel
from ml_genn.backend.connectivity.conv_kernel import fits, two_piece_conv
from ml_genn.backend.schedules.few_spike import code_differences
from ml_genn.compilers import FewSpikeCompiler, InferenceCompiler
from ml_genn.connectivity import Conv2D
from ml_genn.neurons import FewSpikeRelu, FewSpikeReluInput


@pytest.fixture
def kernel_calls(monkeypatch):
    """The image shapes ``two_piece_conv`` is traced with, in order."""
    calls = []
    real = conv_kernel.two_piece_conv

    def counted(*args, **kwargs):
        calls.append(args[0].shape)
        return real(*args, **kwargs)
    monkeypatch.setattr(conv_kernel, "two_piece_conv", counted)
    return calls


def numpy_conv(x, w, pads):
    """float64 stride-1 correlation of NHWC ``x`` with HWIO ``w`` (zero padding)."""
    (top, bottom), (left, right) = pads
    x = np.pad(np.asarray(x, np.float64), ((0, 0), (top, bottom), (left, right), (0, 0)))
    kh, kw = w.shape[:2]
    rows, cols = x.shape[1] - kh + 1, x.shape[2] - kw + 1
    out = np.zeros((x.shape[0], rows, cols, w.shape[3]))
    for dy in range(kh):
        for dx in range(kw):
            out += x[:, dy:dy + rows, dx:dx + cols] @ np.asarray(w[dy, dx], np.float64)
    return out


def pieces_of(rng, shape):
    w = rng.normal(0, 1, shape)
    hi = w.astype(np.float16)
    lo = (w - hi.astype(np.float64)).astype(np.float16)
    return hi, lo


@pytest.mark.parametrize("batch, size, channels, filters, kernel", [
    (3, 8, 16, 16, 3),     # one filter block, one channel block
    (2, 4, 16, 128, 3),    # two filter blocks (FILTERS = 64)
    (2, 4, 128, 16, 3),    # two channel blocks (CHANNELS = 64)
    (1, 6, 16, 32, 5),     # a 5x5 kernel, padding 2
    (4, 4, 32, 16, 1),     # 1x1, no padding
])
def test_two_piece_conv_is_the_sum_of_both_pieces(batch, size, channels, filters, kernel):
    rng = np.random.default_rng(size + channels + filters + kernel)
    x = rng.integers(0, 256, (batch, size, size, channels)).astype(np.float16)
    hi, lo = pieces_of(rng, (kernel, kernel, channels, filters))
    pads = ((kernel // 2, kernel // 2),) * 2
    y = two_piece_conv(jnp.asarray(x), jnp.asarray(np.concatenate([hi, lo], -1)), pads,
                       interpret=True)
    ref = numpy_conv(x, hi, pads) + numpy_conv(x, lo, pads)
    assert y.dtype == jnp.float32 and y.shape == ref.shape
    # each piece summed in float32: a few ulps of the largest sum
    assert np.max(np.abs(np.asarray(y) - ref)) <= 1e-6 * np.max(np.abs(ref))


def test_fits_small_stride_one_same_convolutions():
    same = ((1, 1), (1, 1))
    assert fits((32, 32, 16), (3, 3, 16, 16), (1, 1), same)       # ResNet-20
    assert fits((8, 8, 64), (3, 3, 64, 64), (1, 1), same)
    assert not fits((32, 32, 64), (3, 3, 64, 64), (1, 1), same)   # VGG-16: cuDNN's
    assert not fits((32, 32, 16), (3, 3, 16, 16), (2, 2), same)   # strided
    assert not fits((32, 32, 16), (3, 3, 16, 16), (1, 1), ((0, 0), (0, 0)))  # valid
    assert not fits((32, 32, 3), (3, 3, 3, 16), (1, 1), same)     # 3 input channels
    assert not fits((8, 8, 24), (3, 3, 24, 16), (1, 1), same)     # not a power of two
    assert not fits((7, 7, 32), (3, 3, 32, 32), (1, 1), same)     # batch 1: 49 pixels
    assert fits((4, 4, 32), (3, 3, 32, 32), (1, 1), same)


def resnet_like(rng):
    """Input -> conv (3 channels: XLA) -> conv -> conv (16 channels: the kernel)."""
    net = Network()
    with net:
        inp = Population(FewSpikeReluInput(k=8, alpha=1.0), (8, 8, 3), name="inp")
        pops = [Population(FewSpikeRelu(k=8, alpha=3.0), None, name=f"c{i}")
                for i in range(2)]
        out = Population(FewSpikeRelu(k=8, alpha=3.0, readout="var"), None, name="out")
        for src, trg, c in zip([inp] + pops, pops + [out], [3, 16, 16], strict=True):
            Connection(src, trg, Conv2D(rng.normal(0, np.sqrt(2 / (9 * c)), (3, 3, c, 16)),
                                        16, 3, conv_padding="same"))
    return net, inp


def test_bfloat16_pieces():
    """``"bf16x2"`` runs the kernel on bfloat16 codes and pieces."""
    import ml_dtypes
    rng = np.random.default_rng(7)
    x = rng.integers(0, 256, (2, 4, 4, 16)).astype(ml_dtypes.bfloat16)
    w = rng.normal(0, 1, (3, 3, 16, 16))
    hi = w.astype(ml_dtypes.bfloat16)
    lo = (w - hi.astype(np.float64)).astype(ml_dtypes.bfloat16)
    pads = ((1, 1), (1, 1))
    y = two_piece_conv(jnp.asarray(x), jnp.asarray(np.concatenate([hi, lo], -1)), pads,
                       interpret=True)
    ref = numpy_conv(x.astype(np.float64), hi.astype(np.float64), pads) + \
        numpy_conv(x.astype(np.float64), lo.astype(np.float64), pads)
    assert np.max(np.abs(np.asarray(y) - ref)) <= 1e-6 * np.max(np.abs(ref))


def test_fp16x2_network_through_the_kernel(monkeypatch, kernel_calls):
    """With the kernel (interpreted), a network's two 16-channel convolutions run it, and
    its codes differ from "highest" no more than XLA's two-piece program's do (each
    piece's sum kept apart: float32-class)."""
    rng = np.random.default_rng(4)
    net, inp = resnet_like(rng)
    x = {0: jnp.asarray(rng.uniform(0, 1, (8, 8, 8, 3)), jnp.float32)[:, None]}

    def compiled(precision, use):
        monkeypatch.setattr(conv_kernel, "USE", use)
        return FewSpikeCompiler(k=8, batch_size=8, precision=precision).compile(net)
    ref = compiled("highest", False)
    xla = code_differences(ref.simulator, compiled("fp16x2", False).simulator, x)
    assert kernel_calls == []
    kernel = compiled("fp16x2", True)
    assert kernel.simulator.op_kernels == "interpret"
    with_kernel = code_differences(ref.simulator, kernel.simulator, x)
    assert kernel_calls == [(8, 8, 8, 16)] * 2
    assert with_kernel[0] <= max(2 * xla[0], 0.01)
    assert with_kernel[1] <= max(2 * xla[1], 1e-5)


def test_rate_coded_fp16x2_through_the_kernel(monkeypatch, kernel_calls):
    """The layer schedule hands the kernel a chunk's spikes (batch x steps images) and
    gets the spike counts of XLA's two-piece program within a few spikes (float32 sums
    in another order)."""
    rng = np.random.default_rng(8)
    net, inp, out = rate_network(  # the conv's kernel is 4-D, the dense's matrix 2-D
        rng, lambda shape: rng.normal(0, 0.15 if len(shape) == 4 else 0.3, shape),
        channels=16, filters=16)
    x = rng.uniform(0, 1, (4, 8, 8, 16)).astype(np.float32)

    def counts(use):
        monkeypatch.setattr(conv_kernel, "USE", use)
        compiled = InferenceCompiler(evaluate_timesteps=20, batch_size=4,
                                     precision="fp16x2").compile(net)
        with compiled:
            return compiled.predict({inp: x}, [out], callbacks=[])[0][out]
    xla = counts(False)
    assert kernel_calls == [] and xla.sum() > 0
    kernel = counts(True)
    assert kernel_calls and all(shape[1:] == (8, 8, 16) for shape in kernel_calls)
    assert np.abs(kernel - xla).max() <= 2 and np.abs(kernel - xla).sum() <= 0.02 * xla.sum()

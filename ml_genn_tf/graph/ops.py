"""What each layer means, as typed NamedTuples of NumPy arrays, and how to evaluate it.

Handlers turn Keras layers into these ops; the rewrite passes fold and move them; the
mapping pass turns chains of linear ops into connectivities. :func:`apply_op` evaluates
an op on a batch in float64 NumPy (TF's geometry for padding and pooling), used for
biases pushed through chains, the generic exact fallback (a chain applied to an
identity basis) and derived calibration values. Layouts are Keras' (channels last,
batch axis first); shapes exclude the batch axis. Kernels are held as the layer holds
them (float32 for float32 weights, not a float64 copy); what is computed from them is
computed in float64.
"""
from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from ml_genn.connectivity.base_conv_2d import window_counts, window_geometry
from ml_genn.connectivity.conv_2d_transpose import transpose_output_size
from ml_genn.connectivity.upsample_2d import interpolation_matrix

Padding = str | tuple[tuple[int, int], tuple[int, int]]


class ActivationOp(NamedTuple):
    """An activation: ``"relu"`` (optionally saturating at ``max_value``), ``"softmax"``
    or ``"linear"`` (the identity, kept only where a layer's output is a model output)."""

    kind: str
    max_value: float | None = None


class InputOp(NamedTuple):
    """A model input; ``scale``/``offset`` hold folded preprocessing (broadcastable)."""

    shape: tuple[int, ...]
    scale: Any = 1.0
    offset: Any = 0.0


class DenseOp(NamedTuple):
    """``x @ kernel + bias`` over the last axis; ``kernel`` is ``(n_in, n_out)``."""

    kernel: np.ndarray
    bias: np.ndarray | None = None
    activation: ActivationOp | None = None


class Conv2DOp(NamedTuple):
    """Keras ``Conv2D`` (dilation and groups already expanded into ``kernel``)."""

    kernel: np.ndarray
    bias: np.ndarray | None = None
    strides: tuple[int, int] = (1, 1)
    padding: Padding = "valid"
    activation: ActivationOp | None = None


class DepthwiseConv2DOp(NamedTuple):
    """Keras ``DepthwiseConv2D``; ``kernel`` is ``(kh, kw, cin, depth_multiplier)``."""

    kernel: np.ndarray
    bias: np.ndarray | None = None
    strides: tuple[int, int] = (1, 1)
    padding: Padding = "valid"
    activation: ActivationOp | None = None


class Conv2DTransposeOp(NamedTuple):
    """Keras ``Conv2DTranspose``; ``kernel`` is ``(kh, kw, cout, cin)``, ``padding``
    ``"valid"`` or ``"same"`` (no output padding, no dilation)."""

    kernel: np.ndarray
    bias: np.ndarray | None = None
    strides: tuple[int, int] = (1, 1)
    padding: str = "valid"
    activation: ActivationOp | None = None


class UpsampleOp(NamedTuple):
    """Keras ``UpSampling2D``: ``"nearest"`` or ``"bilinear"`` by integer ``size``."""

    size: tuple[int, int]
    interpolation: str = "nearest"


class AffineOp(NamedTuple):
    """``x * scale + offset`` with arrays broadcastable to the tensor's shape
    (BatchNormalization, Rescaling, Normalization)."""

    scale: Any
    offset: Any


class AvgPoolOp(NamedTuple):
    """Average pooling, dividing by the real (unpadded) inputs per window, as TF."""

    pool_size: tuple[int, int]
    strides: tuple[int, int]
    padding: str = "valid"


class GlobalAvgPoolOp(NamedTuple):
    """Mean over rows and columns."""

    keepdims: bool = False


class MaxPoolOp(NamedTuple):
    """Max pooling. ``"same"`` padded positions never win; explicit padding
    ``((top, bottom), (left, right))`` adds zeros that take part (negative values crop).
    ``signs``: per-channel -1 turns the max into a min (None: max everywhere);
    ``keepdims=False`` flattens the result (GlobalMaxPooling2D)."""

    pool_size: tuple[int, int]
    strides: tuple[int, int]
    padding: Padding = "valid"
    signs: Any = None
    keepdims: bool = True


class ReshapeOp(NamedTuple):
    """A new shape of the same row-major values (Flatten, Reshape)."""

    shape: tuple[int, ...]


class IdentityOp(NamedTuple):
    """Does nothing at inference (Dropout, GaussianNoise, ActivityRegularization)."""

    reason: str = "inference no-op"


class AddOp(NamedTuple):
    """Element-wise sum of all inputs, input ``i`` times ``scales[i]`` (None: all 1)."""

    scales: tuple | None = None


class ConcatenateOp(NamedTuple):
    """Concatenation along ``axis`` (an index into the shape without batch axis)."""

    axis: int


class ZeroPaddingOp(NamedTuple):
    """Zero rows/columns around an image: ``((top, bottom), (left, right))``; negative
    values remove rows/columns (Cropping2D)."""

    padding: tuple[tuple[int, int], tuple[int, int]]


class EmbedOp(NamedTuple):
    """One branch of a concatenation: the input placed at ``start`` along ``axis`` of a
    zero tensor of ``size`` along that axis (created by the mapping pass)."""

    axis: int
    start: int
    size: int


WEIGHTED = (DenseOp, Conv2DOp, DepthwiseConv2DOp, Conv2DTransposeOp)
LINEAR = WEIGHTED + (AffineOp, AvgPoolOp, GlobalAvgPoolOp, ReshapeOp, IdentityOp, AddOp,
                     ConcatenateOp, ZeroPaddingOp, EmbedOp, UpsampleOp)


def is_linear(op: Any) -> bool:
    """Affine ops (and the linear activation): linear up to a constant."""
    if isinstance(op, ActivationOp):
        return op.kind == "linear"
    if isinstance(op, WEIGHTED):
        return op.activation is None or op.activation.kind == "linear"
    return isinstance(op, LINEAR)


# --- evaluation -----------------------------------------------------------------------
def _windows(x: np.ndarray, size, strides, padding, fill: float = 0.0):
    """Windows of an NHWC batch: ``(N, rows', cols', C, kh, kw)`` and the padding."""
    out, pads = window_geometry(x.shape[1:3], tuple(size), tuple(strides), padding)
    padded = np.pad(x, ((0, 0),) + tuple(pads) + ((0, 0),), constant_values=fill)
    view = np.lib.stride_tricks.sliding_window_view(padded, tuple(size), axis=(1, 2))
    return view[:, ::strides[0], ::strides[1]][:, :out[0], :out[1]]


def _chunks(n: int, per_example: int, budget: int = 2 ** 25):
    step = max(1, budget // max(per_example, 1))
    return [(s, min(n, s + step)) for s in range(0, n, step)] or [(0, 0)]


def _zero_output(x, kernel, size, strides, padding, channels: int) -> np.ndarray:
    """A convolution's output on an all-zero input (the constant of a chain, evaluated
    once per population by the mapping), without the products."""
    out, _ = window_geometry(x.shape[1:3], tuple(size), tuple(strides), padding)
    return np.zeros((x.shape[0],) + tuple(out) + (channels,), np.result_type(x, kernel))


def conv2d(x, kernel, strides, padding):
    """Keras Conv2D (no bias) in float64."""
    kh, kw, cin, cout = kernel.shape
    if not np.any(x):
        return _zero_output(x, kernel, (kh, kw), strides, padding, cout)
    k = kernel.transpose(2, 0, 1, 3)
    parts = []
    for a, b in _chunks(x.shape[0], int(np.prod(x.shape[1:3])) * cin * kh * kw):
        w = _windows(x[a:b], (kh, kw), strides, padding)
        parts.append(np.tensordot(w, k, axes=([3, 4, 5], [0, 1, 2])))
    return np.concatenate(parts)


def depthwise_conv2d(x, kernel, strides, padding):
    kh, kw, cin, mult = kernel.shape
    if not np.any(x):
        return _zero_output(x, kernel, (kh, kw), strides, padding, cin * mult)
    parts = []
    for a, b in _chunks(x.shape[0], int(np.prod(x.shape[1:3])) * cin * kh * kw):
        w = _windows(x[a:b], (kh, kw), strides, padding)
        out = np.einsum("nhwcij,ijcm->nhwcm", w, kernel)
        parts.append(out.reshape(out.shape[:3] + (cin * mult,)))
    return np.concatenate(parts)


def conv2d_transpose(x, kernel, strides, padding):
    """Keras Conv2DTranspose (no bias) in float64: each input pixel adds its kernel
    into the output at strides; "same" crops ``max(k - s, 0) // 2`` at the start."""
    kh, kw = kernel.shape[:2]
    n, rows, cols, _ = x.shape
    out_hw = [transpose_output_size(m, k, s, padding)
              for m, k, s in zip((rows, cols), (kh, kw), strides, strict=False)]
    crop = [max(k - s, 0) // 2 if padding == "same" else 0
            for k, s in zip((kh, kw), strides, strict=False)]
    full = np.zeros((n, max(out_hw[0] + crop[0], (rows - 1) * strides[0] + kh),
                     max(out_hw[1] + crop[1], (cols - 1) * strides[1] + kw), kernel.shape[2]))
    for i in range(kh):
        for j in range(kw):
            full[:, i:i + (rows - 1) * strides[0] + 1:strides[0],
                 j:j + (cols - 1) * strides[1] + 1:strides[1]] += x @ kernel[i, j].T
    return full[:, crop[0]:crop[0] + out_hw[0], crop[1]:crop[1] + out_hw[1]]


def upsample(x, size, interpolation):
    rows = interpolation_matrix(x.shape[1], size[0], interpolation)
    cols = interpolation_matrix(x.shape[2], size[1], interpolation)
    return np.einsum("Yy,Xx,nyxc->nYXc", rows, cols, x)


def avg_pool(x, size, strides, padding):
    counts = window_counts(x.shape[1:3], tuple(size), tuple(strides), padding)
    counts = counts.astype(np.result_type(x, np.float32), copy=False)   # keeps float32
    return _windows(x, size, strides, padding).sum(axis=(4, 5)) / counts[None, :, :, None]


def pad_or_crop(x: np.ndarray, pads) -> np.ndarray:
    """Zero padding (positive) or cropping (negative) of the rows and columns of NHWC."""
    (t, b), (lft, r) = pads
    x = x[:, max(-t, 0):x.shape[1] - max(-b, 0), max(-lft, 0):x.shape[2] - max(-r, 0)]
    return np.pad(x, ((0, 0), (max(t, 0), max(b, 0)), (max(lft, 0), max(r, 0)), (0, 0)))


def max_pool(x, size, strides, padding, signs=None):
    signs = 1.0 if signs is None else np.asarray(signs, np.result_type(x, np.float32))
    if not isinstance(padding, str):
        x, padding = pad_or_crop(x, padding), "valid"
    return _windows(x * signs, size, strides, padding, fill=-np.inf).max(axis=(4, 5)) * signs


def apply_activation(op: ActivationOp, x: np.ndarray) -> np.ndarray:
    if op.kind == "relu":
        y = np.maximum(x, 0.0)
        return y if op.max_value is None else np.minimum(y, op.max_value)
    if op.kind == "softmax":
        e = np.exp(x - x.max(axis=-1, keepdims=True))
        return e / e.sum(axis=-1, keepdims=True)
    return x


def apply_op(op: Any, inputs: list[np.ndarray], linear_only: bool = False,
             float64: bool = True) -> np.ndarray:
    """Evaluate ``op`` on a batch. ``linear_only`` drops biases and offsets (the linear
    part of an affine op); activations are applied unless the op is linear. A weighted
    op computes in float64 whatever the types of its input and kernel (float32 kernels
    stay float32 in the ops); ``float64=False`` computes in their own type (the float32
    pass of :func:`~ml_genn_tf.graph.keras_ops.apply_op_float32`)."""
    x = inputs[0]
    if float64 and isinstance(op, WEIGHTED):
        x = np.asarray(x, np.float64)
    bias = None if linear_only else getattr(op, "bias", None)
    if isinstance(op, DenseOp):
        y = x @ op.kernel
    elif isinstance(op, Conv2DOp):
        y = conv2d(x, op.kernel, op.strides, op.padding)
    elif isinstance(op, DepthwiseConv2DOp):
        y = depthwise_conv2d(x, op.kernel, op.strides, op.padding)
    elif isinstance(op, Conv2DTransposeOp):
        y = conv2d_transpose(x, op.kernel, op.strides, op.padding)
    elif isinstance(op, UpsampleOp):
        y = upsample(x, op.size, op.interpolation)
    elif isinstance(op, AffineOp):
        y = x * op.scale + (0.0 if linear_only else op.offset)
    elif isinstance(op, AvgPoolOp):
        y = avg_pool(x, op.pool_size, op.strides, op.padding)
    elif isinstance(op, GlobalAvgPoolOp):
        y = x.mean(axis=(1, 2), keepdims=op.keepdims)
    elif isinstance(op, MaxPoolOp):
        y = max_pool(x, op.pool_size, op.strides, op.padding, op.signs)
        y = y if op.keepdims else y.reshape(len(y), -1)
    elif isinstance(op, ReshapeOp):
        y = x.reshape((x.shape[0],) + tuple(op.shape))
    elif isinstance(op, (IdentityOp,)):
        y = x
    elif isinstance(op, AddOp):
        scales = op.scales or (1.0,) * len(inputs)
        y = sum(v * s for v, s in zip(inputs, scales, strict=False))
    elif isinstance(op, ConcatenateOp):
        y = np.concatenate(inputs, axis=op.axis + 1)
    elif isinstance(op, ZeroPaddingOp):
        y = pad_or_crop(x, op.padding)
    elif isinstance(op, EmbedOp):
        shape = list(x.shape)
        shape[op.axis + 1] = op.size
        y = np.zeros(shape, x.dtype)
        index = [slice(None)] * len(shape)
        index[op.axis + 1] = slice(op.start, op.start + x.shape[op.axis + 1])
        y[tuple(index)] = x
    elif isinstance(op, ActivationOp):
        return apply_activation(op, x)
    elif isinstance(op, InputOp):
        return x * op.scale + op.offset
    else:
        raise TypeError(f"Internal error: no evaluation for {type(op).__name__}.")
    if bias is not None:
        y = y + bias
    activation = getattr(op, "activation", None)
    if activation is not None:
        y = apply_activation(activation, y)
    return y

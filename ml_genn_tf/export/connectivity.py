"""NIR exporters of connectivities, and the refusals of those NIR cannot state.

Average pooling fused with weights (``AvgPoolConv2D``, ``AvgPoolDense2D``) becomes a
``SumPool2d`` node followed by the weights divided by the window size (the same
network); plain ``AvgPool2D`` becomes ``AvgPool2d``. A target's bias goes into the
Affine/Conv2d node of one of its incoming connections.
"""
from __future__ import annotations

from typing import Any

import nir
import numpy as np

from ml_genn.connectivity import (
    AvgPool2D,
    AvgPoolConv2D,
    AvgPoolDense2D,
    Conv2D,
    Dense,
    DepthwiseConv2D,
    MaxPool2D,
    OneToOne,
)
from ml_genn.connectivity.base_conv_2d import window_geometry

from .layout import affine_weight, conv_kernel, nir_shape, to_nir, values
from .registry import Chain, ExportContext, UnsupportedExport, register_connectivity_exporter


def _where(conn: Any) -> str:
    return (f"Connection '{conn.name}' ({type(conn.connectivity).__name__}, "
            f"{conn.source().name} -> {conn.target().name})")


def _weight(conn: Any, shape: tuple) -> np.ndarray:
    return values(conn.connectivity.weight, shape, "weight", _where(conn))


def _check_not_flattened(conn: Any) -> None:
    if getattr(conn.connectivity, "flatten", False):
        raise UnsupportedExport(f"{_where(conn)} flattens into a 1-D target, whose HWC order "
                                f"NIR's channels-first Flatten cannot state. Keep the target "
                                f"an image (flatten=False); a following Dense flattens.")


def _symmetric_pads(conn: Any, in_hw: tuple, k: tuple, s: tuple, padding: Any,
                    what: str) -> tuple[int, int]:
    """NIR's per-axis symmetric padding equal to ours, or a refusal."""
    _, pads = window_geometry(in_hw, k, s, padding)
    if any(before != after for before, after in pads):
        raise UnsupportedExport(
            f"{_where(conn)}: the {what} pads asymmetrically ((top, bottom), (left, right)) = "
            f"{pads} (the TF 'same' rule), which NIR's symmetric padding cannot state. Use "
            f"padding='valid' or sizes whose 'same' padding is even.")
    return pads[0][0], pads[1][0]


def _conv_bias(bias: np.ndarray | None, channels: int) -> tuple[np.ndarray, bool]:
    """Conv2d's per-channel bias from a population bias (None, or HWC), and whether it
    could carry it (one value per channel)."""
    if bias is None:
        return np.zeros(channels, np.float32), False
    per_channel = bias.reshape(-1, channels)
    if np.all(per_channel == per_channel[0]):
        return per_channel[0].astype(np.float32), True
    return np.zeros(channels, np.float32), False


def _pooled_hw(conn: Any) -> tuple[int, int]:
    """The pooled ``(rows, cols)`` of a pooling connectivity (refused unless unpadded)."""
    c = conn.connectivity
    rows, cols, _ = conn.source().shape
    pads = _symmetric_pads(conn, (rows, cols), c.pool_size, c.pool_strides, c.pool_padding,
                           "pooling window")
    if any(pads):
        raise UnsupportedExport(f"{_where(conn)}: 'same' average pooling divides by the "
                                f"real inputs per window, which NIR's pooling cannot state. "
                                f"Use pool_padding='valid'.")
    out, _ = window_geometry((rows, cols), c.pool_size, c.pool_strides, c.pool_padding)
    return out


def _pool_node(conn: Any, cls: type) -> Any:
    c = conn.connectivity
    return cls(kernel_size=np.array(c.pool_size), stride=np.array(c.pool_strides),
               padding=np.zeros(2, np.int64))


def _conv_node(conn: Any, in_hw: tuple, kernel: np.ndarray,
               bias: np.ndarray | None) -> tuple[Any, bool]:
    c = conn.connectivity
    pads = _symmetric_pads(conn, in_hw, c.conv_size, c.conv_strides, c.conv_padding,
                           "convolution")
    nir_bias, carried = _conv_bias(bias, kernel.shape[0])
    node = nir.Conv2d(input_shape=tuple(in_hw), weight=kernel, stride=c.conv_strides,
                      padding=pads, dilation=1, groups=1, bias=nir_bias)
    return node, carried


def _affine_node(conn: Any, weight: np.ndarray, source_shape: tuple,
                 bias: np.ndarray | None) -> tuple[list, bool]:
    target_shape = tuple(conn.target().shape)
    if len(target_shape) != 1:
        raise UnsupportedExport(f"{_where(conn)} feeds target shape {target_shape}; NIR has "
                                f"no reshape to unflatten an Affine output. Give the target "
                                f"a 1-D shape.")
    nodes = []
    if len(source_shape) > 1:
        nodes.append(("flatten", nir.Flatten(
            input_type={"input": np.array(nir_shape(source_shape, _where(conn)))},
            start_dim=0, end_dim=-1)))
    carried = bias is not None
    nir_bias = np.zeros(target_shape, np.float32) if bias is None else bias.reshape(-1)
    nodes.append(("affine", nir.Affine(weight=affine_weight(weight, source_shape),
                                       bias=nir_bias.astype(np.float32))))
    return nodes, carried


@register_connectivity_exporter(Dense)
def export_dense(conn: Any, ctx: ExportContext, bias: np.ndarray | None) -> Chain:
    """Dense -> ``Affine`` (after a ``Flatten`` from an image source)."""
    source_shape = tuple(conn.source().shape)
    n_in, n_out = int(np.prod(source_shape)), int(np.prod(conn.target().shape))
    nodes, carried = _affine_node(conn, _weight(conn, (n_in, n_out)), source_shape, bias)
    return Chain(nodes, carried)


@register_connectivity_exporter(Conv2D)
def export_conv_2d(conn: Any, ctx: ExportContext, bias: np.ndarray | None) -> Chain:
    """Conv2D -> ``Conv2d`` (OIHW kernel, symmetric padding)."""
    _check_not_flattened(conn)
    c = conn.connectivity
    rows, cols, channels = conn.source().shape
    kernel = conv_kernel(_weight(conn, c.conv_size + (channels, c.filters)))
    node, carried = _conv_node(conn, (rows, cols), kernel, bias)
    return Chain([("conv", node)], carried)


@register_connectivity_exporter(DepthwiseConv2D)
def export_depthwise_conv_2d(conn: Any, ctx: ExportContext, bias: np.ndarray | None) -> Chain:
    """DepthwiseConv2D -> ``Conv2d`` whose kernel is zero between different channels
    (output channel ``c * M + m`` sees input channel ``c`` only, as Keras). Grouped
    convolutions would state it more compactly, but nir 1.0.8 types a grouped Conv2d's
    input as ``C_in / groups`` channels and cannot read such a graph back."""
    _check_not_flattened(conn)
    c = conn.connectivity
    rows, cols, channels = conn.source().shape
    m = c.depth_multiplier
    kernel = _weight(conn, c.conv_size + (channels, m))
    full = np.zeros(c.conv_size + (channels, channels * m), np.float32)
    for channel in range(channels):
        full[:, :, channel, channel * m:(channel + 1) * m] = kernel[:, :, channel, :]
    node, carried = _conv_node(conn, (rows, cols), conv_kernel(full), bias)
    return Chain([("conv", node)], carried)


@register_connectivity_exporter(AvgPool2D)
def export_avg_pool_2d(conn: Any, ctx: ExportContext, bias: np.ndarray | None) -> Chain:
    """AvgPool2D ('valid') -> ``AvgPool2d``."""
    _check_not_flattened(conn)
    _pooled_hw(conn)
    return Chain([("pool", _pool_node(conn, nir.AvgPool2d))])


@register_connectivity_exporter(AvgPoolConv2D)
def export_avg_pool_conv_2d(conn: Any, ctx: ExportContext, bias: np.ndarray | None) -> Chain:
    """AvgPoolConv2D -> ``SumPool2d``, then ``Conv2d`` with the kernel divided by the
    pooling window size."""
    _check_not_flattened(conn)
    c = conn.connectivity
    channels = conn.source().shape[2]
    pooled_hw = _pooled_hw(conn)
    kernel = _weight(conn, c.conv_size + (channels, c.filters)) / np.prod(c.pool_size)
    node, carried = _conv_node(conn, pooled_hw, conv_kernel(kernel.astype(np.float32)), bias)
    return Chain([("pool", _pool_node(conn, nir.SumPool2d)), ("conv", node)], carried)


@register_connectivity_exporter(AvgPoolDense2D)
def export_avg_pool_dense_2d(conn: Any, ctx: ExportContext, bias: np.ndarray | None) -> Chain:
    """AvgPoolDense2D -> ``SumPool2d``, ``Flatten``, then ``Affine`` with the weights
    divided by the pooling window size."""
    c = conn.connectivity
    pooled_hw = _pooled_hw(conn)
    pooled = tuple(pooled_hw) + (conn.source().shape[2],)
    n_out = int(np.prod(conn.target().shape))
    weight = _weight(conn, (int(np.prod(pooled)), n_out)) / np.prod(c.pool_size)
    nodes, carried = _affine_node(conn, weight.astype(np.float32), pooled, bias)
    return Chain([("pool", _pool_node(conn, nir.SumPool2d))] + nodes, carried)


@register_connectivity_exporter(OneToOne)
def export_one_to_one(conn: Any, ctx: ExportContext, bias: np.ndarray | None) -> Chain:
    """OneToOne -> ``Scale`` (elementwise weights)."""
    shape = tuple(conn.target().shape)
    nir_shape(shape, _where(conn))
    return Chain([("scale", nir.Scale(scale=to_nir(_weight(conn, shape))))])


@register_connectivity_exporter(MaxPool2D)
def refuse_max_pool_2d(conn: Any, ctx: ExportContext, bias: np.ndarray | None) -> Chain:
    """MaxPool2D: refused (a stateful, non-linear gate with no NIR node)."""
    raise UnsupportedExport(
        f"{_where(conn)} approximates max pooling with a gate on the source with the most "
        f"spikes so far (rate coding, Rueckauer et al. 2017); NIR has no node for it. Use "
        f"AveragePooling2D in the Keras model (retrain) to export.")

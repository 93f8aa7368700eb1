"""Static counts of a network: synapses per connection, pipeline depths, synaptic
operations from spike counts, and the ANN's multiply-accumulates.

Synapses are counted from each connectivity's geometry (exactly for dense, one-to-one,
sparse, convolution and pooling connectivities: windows are clipped at the borders as
Keras/TF pad them; ``Conv2DTranspose`` counts every kernel tap and ``FixedProbability``
its expected number). A synaptic operation is one spike delivered over one synapse;
with per-population spike counts it is estimated as
:math:`\\sum_c \\text{spikes}(src_c) \\cdot \\text{synapses}_c / n_{src_c}` (the mean
fan-out of the source). The ANN computes one multiply-accumulate per synapse.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ..connectivity import (
    AvgPool2D,
    AvgPoolConv2D,
    AvgPoolDense2D,
    Conv2D,
    Conv2DTranspose,
    Dense,
    DepthwiseConv2D,
    FixedProbability,
    MaxPool2D,
    OneToOne,
    Sparse,
)
from ..connectivity.base_conv_2d import window_counts, window_geometry


def _taps(shape: tuple, size: tuple, strides: tuple, padding: Any) -> int:
    return int(window_counts(tuple(shape[:2]), size, strides, padding).sum())


def _pooled(conn: Any, source_shape: tuple) -> tuple:
    rows, cols, channels = source_shape
    out, _ = window_geometry((rows, cols), conn.pool_size, conn.pool_strides,
                             conn.pool_padding)
    area = conn.pool_size[0] * conn.pool_size[1]
    return (out[0], out[1], channels), area


def count_synapses(connectivity: Any) -> float | None:
    """Number of synapses of a connected connectivity (None if its kind is unknown)."""
    c = connectivity
    if c.source_shape is None or c.target_shape is None:
        raise ValueError(f"{type(c).__name__} is not connected yet; count the synapses of "
                         f"a connection's connectivity.")
    src: tuple = tuple(c.source_shape)
    n_src = int(np.prod(src))
    n_trg = int(np.prod(c.target_shape))
    if isinstance(c, Dense):
        w = c.weight
        return float(np.count_nonzero(w)) if isinstance(w, np.ndarray) and w.ndim == 2 \
            else float(n_src * n_trg)
    if isinstance(c, OneToOne):
        return float(n_trg)
    if isinstance(c, Sparse):
        return float(len(c.pre_ind))
    if isinstance(c, FixedProbability):
        return float(vars(c)["p"] * n_src * n_trg)
    if isinstance(c, Conv2D):
        return float(_taps(src, c.conv_size, c.conv_strides, c.conv_padding)
                     * src[2] * c.filters)
    if isinstance(c, DepthwiseConv2D):
        return float(_taps(src, c.conv_size, c.conv_strides, c.conv_padding)
                     * src[2] * c.depth_multiplier)
    if isinstance(c, Conv2DTranspose):
        return float(n_src * c.conv_size[0] * c.conv_size[1] * c.filters)
    if isinstance(c, AvgPoolConv2D):
        pooled, area = _pooled(c, src)
        return float(_taps(pooled, c.conv_size, c.conv_strides, c.conv_padding)
                     * pooled[2] * c.filters * area)
    if isinstance(c, AvgPoolDense2D):
        pooled, area = _pooled(c, src)
        return float(int(np.prod(pooled)) * n_trg * area)
    if isinstance(c, (AvgPool2D, MaxPool2D)):
        return float(_taps(src, c.pool_size, c.pool_strides, c.pool_padding)
                     * src[2])
    return None


def synapse_counts(network: Any) -> dict[str, float | None]:
    """Synapses of every connection, by connection name."""
    return {conn.name: count_synapses(conn.connectivity) for conn in network.connections}


def synaptic_operations(network: Any, spikes_per_neuron: dict[str, float],
                        synapses_by_name: dict[str, float | None] | None = None
                        ) -> tuple[float | None, dict[str, float | None]]:
    """Synaptic operations per example: the total and per target population.

    Args:
        network: the network.
        spikes_per_neuron: mean spikes per neuron per example, by population name.
        synapses_by_name: :func:`synapse_counts` of the network, if already known
            (counting a large dense layer's non-zero weights takes a while).
    """
    if synapses_by_name is None:
        synapses_by_name = synapse_counts(network)
    per_target: dict[str, float | None] = {p.name: 0.0 for p in network.populations
                                           if not p.neuron.is_input}
    for conn in network.connections:
        source, target = conn.source(), conn.target()
        synapses = synapses_by_name[conn.name]
        spikes = spikes_per_neuron.get(source.name)
        current = per_target.get(target.name)
        if synapses is None or spikes is None or current is None:
            per_target[target.name] = None
        else:
            per_target[target.name] = current + spikes * synapses
    values = list(per_target.values())
    total = None if any(v is None for v in values) else float(sum(v or 0.0 for v in values))
    return total, per_target


def multiply_accumulates(network: Any) -> float | None:
    """The ANN's multiply-accumulates per example: one per synapse."""
    counts = list(synapse_counts(network).values())
    return None if any(c is None for c in counts) else float(sum(c or 0.0 for c in counts))


def pipeline_depths(network: Any) -> dict[str, int]:
    """Depth of every population (inputs 0, others ``max(depth(source)) + 1``), by name;
    the network must be feed-forward."""
    sources: dict[str, list[str]] = {p.name: [] for p in network.populations}
    for conn in network.connections:
        sources[conn.target().name].append(conn.source().name)
    depths: dict[str, int] = {}

    def depth(name: str, path: tuple = ()) -> int:
        if name not in depths:
            if name in path:
                raise ValueError(f"The network is recurrent (population '{name}' is in a "
                                 f"cycle); pipeline depths need a feed-forward network.")
            depths[name] = max((depth(s, path + (name,)) + 1 for s in sources[name]),
                               default=0)
        return depths[name]

    for name in sources:
        depth(name)
    return depths

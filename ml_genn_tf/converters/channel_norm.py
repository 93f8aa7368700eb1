r"""Channel-wise normalisation: one scale per channel instead of one per layer.

With one :math:`\lambda_l` per layer, a channel whose activations stay far below the
layer's largest fires at a low rate and is quantised coarsely at small T. Channel-wise
normalisation (Kim et al. 2020, Spiking-YOLO; the per-channel threshold balancing of
local threshold balancing, Bu, Li and Yu, CVPR 2025) gives channel :math:`c` its own
:math:`\lambda_{l,c}` (the same statistic over that channel's activations), which is
the same as a per-channel threshold :math:`\theta_{l,c} = \lambda_{l,c}/\lambda_l` in
units of the layer's :math:`\lambda_l`, with each spike worth :math:`\theta_{l,c}`
downstream. It is built with thresholds 1: the weight from source channel :math:`i` to
target channel :math:`j` is multiplied by :math:`g_{src,i}/g_{trg,j}` and the bias of
channel :math:`j` divided by :math:`g_{trg,j}`, with the gain
:math:`g_{l,c} = \lambda_{l,c}/\lambda_l` (folded into every connectivity by
:func:`~ml_genn_tf.graph.mapping.rescaled_connection`).
"""
from __future__ import annotations

import numpy as np

from ..graph.mapping import MappedModel, rescaled_connection


def channel_gains(mapped: MappedModel, stats: dict, scales: dict, mode: str,
                  percentile: float, is_scaled: dict) -> dict:
    """:math:`g_{l,c} = \\lambda_{l,c}/\\lambda_l` of every ReLU population (channels
    without positive activations keep 1), max-pool populations taking their source's;
    inputs and unscaled outputs (``is_scaled[name]`` False) have none."""
    gains: dict = {}
    for name, spec in mapped.populations.items():
        if spec.kind == "max_pool":
            gains[name] = gains.get(spec.sources[0])
            continue
        if spec.kind == "input" or not is_scaled[name]:
            gains[name] = None
            continue
        value = np.asarray(stats[name].channel_statistic(mode, percentile), np.float64)
        if spec.max_value is not None:
            value = np.minimum(value, spec.max_value)
        gain = np.where(value > 0, value / scales[name], 1.0)
        gains[name] = None if np.all(gain == 1.0) else gain
    return gains


def apply_channel_gains(mapped: MappedModel, gains: dict) -> None:
    """Fold ``gains`` into the connections of ``mapped`` (in place): each connection's
    weights times :math:`g_{src}/g_{trg}` per channel. Max-pool populations keep their
    connections (their gains are their source's)."""
    for spec in mapped.populations.values():
        if spec.kind in ("input", "max_pool"):
            continue
        target = gains.get(spec.name)
        if target is None and all(gains.get(c.source) is None for c in spec.chains):
            continue
        target_gain = 1.0 if target is None else target
        spec.connections = [
            rescaled_connection(mapped, spec, chain,
                                1.0 if gains.get(chain.source) is None
                                else gains[chain.source], target_gain)
            for chain in spec.chains]


def full_gain(gain: np.ndarray | None, keras_shape: tuple, shape: tuple) -> np.ndarray:
    """``gain`` (per channel) for every neuron of a population of ``shape``."""
    if gain is None:
        return np.ones(shape)
    return np.broadcast_to(gain, keras_shape).reshape(shape)

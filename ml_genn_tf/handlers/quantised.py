"""Handler of the quantised activation :class:`~ml_genn_tf.layers.QuantisedReLU`."""
from __future__ import annotations

from ..errors import InvalidLayer
from ..graph.ops import ActivationOp
from ..layers import QuantisedReLU
from .common import weights
from .registry import register_handler


def learned_clip(layer: QuantisedReLU) -> float:
    """The trained clip :math:`\\lambda` of a QuantisedReLU layer (checked > 0)."""
    clip = float(weights(layer, ["clip"])["clip"])
    if not clip > 0.0:
        raise InvalidLayer(layer, f"its learned clip is {clip} (must be > 0)",
                           "Retrain it with a positive clip.")
    return clip


@register_handler(QuantisedReLU)
def convert_quantised_relu(layer, ctx) -> ActivationOp:
    """QuantisedReLU (QCFS, L levels, learned clip) -> a population: with the ``QCFS``
    converter, integrate-and-fire neurons with threshold = clip x T/L (the clip at
    T = L), initial potential half of it, reset by subtraction, at most L spikes, exact
    for constant input; other converters see ReLU(max_value=clip)."""
    return ActivationOp("relu", learned_clip(layer))

"""Up-sampling connectivity (**ours**, for Keras UpSampling2D)."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from .base_conv_2d import BaseResize2D, Pair, check_pair

if TYPE_CHECKING:
    from ..population import Population

INTERPOLATIONS = ("nearest", "bilinear")


def interpolation_matrix(size: int, factor: int, interpolation: str) -> np.ndarray:
    """``(size * factor, size)`` weights of one axis: nearest repeats each row
    ``factor`` times; bilinear uses half-pixel centres, ``u = (o + 1/2)/factor - 1/2``
    clamped to ``[0, size - 1]``, interpolating rows ``floor(u)`` and ``floor(u) + 1``
    (TensorFlow/JAX ``resize`` when enlarging)."""
    out = np.arange(size * factor)
    matrix = np.zeros((size * factor, size))
    if interpolation == "nearest":
        matrix[out, out // factor] = 1.0
        return matrix
    u = np.clip((out + 0.5) / factor - 0.5, 0.0, size - 1)
    low = np.floor(u).astype(int)
    high = np.minimum(low + 1, size - 1)
    frac = u - low
    np.add.at(matrix, (out, low), 1.0 - frac)
    np.add.at(matrix, (out, high), frac)
    return matrix


class Upsample2D(BaseResize2D):
    r"""Up-sampling of a ``(rows, cols, channels)`` source by integer factors, as Keras
    ``UpSampling2D`` (linear, per channel):

    .. math:: I_{y,x,c} = \sum_{i,j} R_{y,i}\, C_{x,j}\, s_{i,j,c}

    with the per-axis matrices of :func:`interpolation_matrix` (``"nearest"``: each
    source neuron fills a ``size`` block; ``"bilinear"``: half-pixel interpolation).

    Args:
        size: factors, int or ``(rows, cols)``.
        interpolation: ``"nearest"`` or ``"bilinear"``.
        flatten: give the target a 1-D shape.
        delay: axonal delay [timesteps], one for all synapses.

    Example:
        >>> from ml_genn import Network, Population, Connection
        >>> with Network():
        ...     inp = Population("binary_spike_input", (4, 3, 2))
        ...     out = Population("integrate_fire")
        ...     _ = Connection(inp, out, Upsample2D((2, 3), "bilinear"))
        >>> out.shape
        (8, 9, 2)
    """

    def __init__(self, size: Any, interpolation: str = "nearest", flatten: bool = False,
                 delay: Any = 0):
        super().__init__(flatten, delay)
        self.size = check_pair(size, "size", "Upsample2D")
        if interpolation not in INTERPOLATIONS:
            raise ValueError(f"Upsample2D: interpolation must be one of {INTERPOLATIONS}, "
                             f"received {interpolation!r}.")
        self.interpolation = interpolation

    def _output_size(self, source: Population, rows: int, cols: int) -> Pair:
        return rows * self.size[0], cols * self.size[1]

"""Average pooling connectivity."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .base_pool_2d import BasePool2D

if TYPE_CHECKING:
    from ..population import Population


class AvgPool2D(BasePool2D):
    r"""Average pooling of a ``(rows, cols, channels)`` source, as Keras
    ``AveragePooling2D``; each channel is pooled separately:

    .. math::
        I_{y,x,c} = \frac{1}{n_{y,x}} \sum_{(i,j) \in W_{y,x}} s_{i,j,c}

    where :math:`W_{y,x}` is the window of output :math:`(y, x)` and :math:`n_{y,x}` the
    number of real source neurons in it: :math:`k_h k_w` with ``"valid"`` padding, fewer
    at the borders with ``"same"`` (as Keras/TF divide by the non-padded elements).

    Args:
        pool_size: window size, int or ``(kh, kw)``.
        flatten: give the target the 1-D shape ``(rows * cols * channels,)``.
        pool_strides: strides, int or pair (default ``pool_size``).
        delay: axonal delay [timesteps], one for all synapses.
        pool_padding: **ours**, ``"valid"`` or ``"same"``.

    Example:
        >>> from ml_genn import Network, Population, Connection
        >>> with Network():
        ...     inp = Population("binary_spike_input", (28, 28, 3))
        ...     out = Population("integrate_fire")
        ...     _ = Connection(inp, out, AvgPool2D(2))
        >>> out.shape
        (14, 14, 3)
    """

    def __init__(self, pool_size: Any, flatten: bool = False, pool_strides: Any = None,
                 delay: Any = 0, pool_padding: str = "valid"):
        super().__init__(None, delay)
        self._init_pool(pool_size, pool_strides, pool_padding)
        self.flatten = bool(flatten)

    def connect(self, source: Population, target: Population) -> None:
        self._connect_image(source, target, self._pooled_shape(source))

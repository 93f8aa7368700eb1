"""Max pooling connectivity (**ours**, non-linear and stateful)."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .base_pool_2d import BasePool2D

if TYPE_CHECKING:
    from ..population import Population


class MaxPool2D(BasePool2D):
    r"""Max pooling of a ``(rows, cols, channels)`` source, as Keras ``MaxPooling2D``:

    .. math:: I_{y,x,c} = \max_{(i,j) \in W_{y,x}} a_{i,j,c}

    over the window :math:`W_{y,x}` of output :math:`(y, x)` (padded positions of
    ``"same"`` never win). Unlike the other connectivities it is non-linear, has no
    weights and keeps state: max pooling is applied to each source neuron's value
    accumulated over a pipeline stage (few-spike: exact) or gated by the source neuron
    with the highest spike count so far (rate coding: approximation, Rueckauer et al. 2017).

    Args:
        pool_size: window size, int or ``(kh, kw)``.
        pool_strides: strides, int or pair (default ``pool_size``).
        pool_padding: ``"valid"`` or ``"same"``.
        flatten: give the target the 1-D shape ``(rows * cols * channels,)``.
        delay: axonal delay [timesteps], one for all synapses.

    Example:
        >>> from ml_genn import Network, Population, Connection
        >>> with Network():
        ...     inp = Population("binary_spike_input", (5, 5, 2))
        ...     out = Population("integrate_fire")
        ...     _ = Connection(inp, out, MaxPool2D(2, pool_padding="same"))
        >>> out.shape
        (3, 3, 2)
    """

    #: Non-linear: the compiler must not treat it as a weighted sum of spikes.
    linear = False

    def __init__(self, pool_size: Any, pool_strides: Any = None, pool_padding: str = "valid",
                 flatten: bool = False, delay: Any = 0):
        super().__init__(None, delay)
        self._init_pool(pool_size, pool_strides, pool_padding)
        self.flatten = bool(flatten)

    def connect(self, source: Population, target: Population) -> None:
        self._connect_image(source, target, self._pooled_shape(source))

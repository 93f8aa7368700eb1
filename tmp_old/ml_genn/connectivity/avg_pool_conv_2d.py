"""Average pooling followed by a 2-D convolution, fused."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from ..utils.validation import check_positive_int
from .base_conv_2d import check_padding, check_pair, window_geometry
from .base_pool_2d import BasePool2D

if TYPE_CHECKING:
    from ..population import Population


class AvgPoolConv2D(BasePool2D):
    r"""Average pooling (as :class:`AvgPool2D`) followed by a convolution (as
    :class:`Conv2D`) in one connectivity, like Keras ``AveragePooling2D`` then
    ``Conv2D(use_bias=False)``:

    .. math::
        P_{y,x,c} = \frac{1}{n_{y,x}} \sum_{(i,j) \in W_{y,x}} s_{i,j,c}, \qquad
        I_{y,x,f} = \sum_{i,j,c} w_{i,j,c,f}\; P_{y s_h + i - p_t,\; x s_w + j - p_l,\; c}

    Args:
        weight: Keras kernel ``(kh, kw, cin, filters)``, a scalar or an Initializer.
        filters: number of output channels.
        pool_size: pooling window, int or pair.
        conv_size: kernel size, int or pair.
        flatten: give the target a 1-D shape.
        pool_strides: pooling strides (default ``pool_size``).
        conv_strides: convolution strides (default 1).
        conv_padding: ``"valid"``, ``"same"`` or explicit ``((top, bottom), (left, right))``
            padding of the pooled image.
        delay: axonal delay [timesteps], one for all synapses.
        pool_padding: **ours**, ``"valid"`` or ``"same"``.

    Example:
        >>> import numpy as np
        >>> from ml_genn import Network, Population, Connection
        >>> with Network():
        ...     inp = Population("binary_spike_input", (32, 32, 3))
        ...     out = Population("integrate_fire")
        ...     _ = Connection(inp, out, AvgPoolConv2D(np.zeros((3, 3, 3, 16)), 16, 2, 3))
        >>> out.shape
        (14, 14, 16)
    """

    def __init__(self, weight: Any, filters: int, pool_size: Any, conv_size: Any,
                 flatten: bool = False, pool_strides: Any = None, conv_strides: Any = None,
                 conv_padding: Any = "valid", delay: Any = 0, pool_padding: str = "valid"):
        super().__init__(weight, delay)
        owner = "AvgPoolConv2D"
        self._init_pool(pool_size, pool_strides, pool_padding)
        self.filters = check_positive_int(filters, "filters", owner)
        self.conv_size = check_pair(conv_size, "conv_size", owner)
        self.flatten = bool(flatten)
        self.conv_strides = check_pair(1 if conv_strides is None else conv_strides,
                                       "conv_strides", owner)
        self.conv_padding = check_padding(conv_padding, "conv_padding", owner)
        self._check_kernel(self.conv_size + (None, self.filters), "(kh, kw, cin, filters)")

    def connect(self, source: Population, target: Population) -> None:
        rows, cols, channels = self._pooled_shape(source)
        if isinstance(self.weight, np.ndarray) and self.weight.ndim == 4:
            self._check_channels(source, channels, self.weight.shape[2], "the kernel")
        out_hw, _ = window_geometry((rows, cols), self.conv_size, self.conv_strides,
                                    self.conv_padding)
        self._check_window_fits(source, out_hw, "kernel (after pooling)",
                                pooled_shape=(rows, cols, channels), conv_size=self.conv_size,
                                conv_strides=self.conv_strides, conv_padding=self.conv_padding)
        self._connect_image(source, target, out_hw + (self.filters,))

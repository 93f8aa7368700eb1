"""2-D convolution connectivity."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from ..utils.validation import check_positive_int
from .base_conv_2d import BaseConv2D, check_padding, check_pair, window_geometry

if TYPE_CHECKING:
    from ..population import Population


class Conv2D(BaseConv2D):
    r"""2-D convolution of a ``(rows, cols, channels)`` source, as Keras ``Conv2D``
    (no bias, no dilation):

    .. math::
        I_{y,x,f} = \sum_{i,j,c} w_{i,j,c,f}\; s_{y s_h + i - p_t,\; x s_w + j - p_l,\; c}

    where :math:`s_h, s_w` are the strides, :math:`p_t, p_l` the top/left padding and
    source neurons outside the image count as silent.

    Args:
        weight: Keras kernel ``(kh, kw, cin, filters)``, a scalar or an Initializer.
        filters: number of output channels.
        conv_size: kernel size, int or ``(kh, kw)``.
        flatten: give the target the 1-D shape ``(rows * cols * filters,)``.
        conv_strides: strides, int or pair (default 1).
        conv_padding: ``"valid"``, ``"same"`` (TF rule, see
            :mod:`~ml_genn.connectivity.base_conv_2d`) or, **ours**, explicit
            ``((top, bottom), (left, right))`` zero padding.
        delay: axonal delay [timesteps], one for all synapses.

    Example:
        >>> import numpy as np
        >>> from ml_genn import Network, Population, Connection
        >>> with Network():
        ...     inp = Population("binary_spike_input", (28, 28, 1))
        ...     out = Population("integrate_fire")
        ...     _ = Connection(inp, out, Conv2D(np.zeros((3, 3, 1, 8)), 8, 3,
        ...                                     conv_strides=2, conv_padding="same"))
        >>> out.shape
        (14, 14, 8)
    """

    def __init__(self, weight: Any, filters: int, conv_size: Any, flatten: bool = False,
                 conv_strides: Any = None, conv_padding: Any = "valid", delay: Any = 0):
        super().__init__(weight, delay)
        self.filters = check_positive_int(filters, "filters", "Conv2D")
        self.conv_size = check_pair(conv_size, "conv_size", "Conv2D")
        self.flatten = bool(flatten)
        self.conv_strides = check_pair(1 if conv_strides is None else conv_strides,
                                       "conv_strides", "Conv2D")
        self.conv_padding = check_padding(conv_padding, "conv_padding", "Conv2D")
        self._check_kernel(self.conv_size + (None, self.filters), "(kh, kw, cin, filters)")

    def connect(self, source: Population, target: Population) -> None:
        rows, cols, channels = self._image_shape(source)
        if isinstance(self.weight, np.ndarray) and self.weight.ndim == 4:
            self._check_channels(source, channels, self.weight.shape[2], "the kernel")
        out_hw, _ = window_geometry((rows, cols), self.conv_size, self.conv_strides,
                                    self.conv_padding)
        self._check_window_fits(source, out_hw, "kernel", conv_size=self.conv_size,
                                conv_strides=self.conv_strides, conv_padding=self.conv_padding)
        self._connect_image(source, target, out_hw + (self.filters,))

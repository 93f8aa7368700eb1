"""Depthwise 2-D convolution connectivity (**ours**, for Keras ``DepthwiseConv2D``)."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from ..utils.validation import check_positive_int
from .base_conv_2d import BaseConv2D, check_padding, check_pair, window_geometry

if TYPE_CHECKING:
    from ..population import Population


class DepthwiseConv2D(BaseConv2D):
    r"""Depthwise 2-D convolution, as Keras ``DepthwiseConv2D`` (no bias, no dilation):
    each input channel :math:`c` is convolved with its own ``depth_multiplier`` kernels,
    giving output channel :math:`c \cdot M + m` (Keras order):

    .. math::
        I_{y,x,cM+m} = \sum_{i,j} w_{i,j,c,m}\; s_{y s_h + i - p_t,\; x s_w + j - p_l,\; c}

    Args:
        weight: Keras depthwise kernel ``(kh, kw, cin, depth_multiplier)``, a scalar or an
            Initializer.
        conv_size: kernel size, int or ``(kh, kw)``.
        depth_multiplier: output channels per input channel :math:`M`.
        flatten: give the target the 1-D shape ``(rows * cols * cin * M,)``.
        conv_strides: strides, int or pair (default 1).
        conv_padding: ``"valid"``, ``"same"`` or explicit ``((top, bottom), (left, right))``.
        delay: axonal delay [timesteps], one for all synapses.

    Example:
        >>> import numpy as np
        >>> from ml_genn import Network, Population, Connection
        >>> with Network():
        ...     inp = Population("binary_spike_input", (8, 8, 3))
        ...     out = Population("integrate_fire")
        ...     _ = Connection(inp, out, DepthwiseConv2D(np.zeros((3, 3, 3, 2)), 3,
        ...                                              depth_multiplier=2))
        >>> out.shape
        (6, 6, 6)
    """

    def __init__(self, weight: Any, conv_size: Any, depth_multiplier: int = 1,
                 flatten: bool = False, conv_strides: Any = None, conv_padding: Any = "valid",
                 delay: Any = 0):
        super().__init__(weight, delay)
        owner = "DepthwiseConv2D"
        self.conv_size = check_pair(conv_size, "conv_size", owner)
        self.depth_multiplier = check_positive_int(depth_multiplier, "depth_multiplier", owner)
        self.flatten = bool(flatten)
        self.conv_strides = check_pair(1 if conv_strides is None else conv_strides,
                                       "conv_strides", owner)
        self.conv_padding = check_padding(conv_padding, "conv_padding", owner)
        self._check_kernel(self.conv_size + (None, self.depth_multiplier),
                           "(kh, kw, cin, depth_multiplier)")

    def connect(self, source: Population, target: Population) -> None:
        rows, cols, channels = self._image_shape(source)
        if isinstance(self.weight, np.ndarray) and self.weight.ndim == 4:
            self._check_channels(source, channels, self.weight.shape[2], "the kernel")
        out_hw, _ = window_geometry((rows, cols), self.conv_size, self.conv_strides,
                                    self.conv_padding)
        self._check_window_fits(source, out_hw, "kernel", conv_size=self.conv_size,
                                conv_strides=self.conv_strides, conv_padding=self.conv_padding)
        self._connect_image(source, target, out_hw + (channels * self.depth_multiplier,))

"""Transposed 2-D convolution connectivity."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from ..utils.validation import check_positive_int
from .base_conv_2d import BaseConv2D, Padding, check_padding, check_pair

if TYPE_CHECKING:
    from ..population import Population


def transpose_output_size(size: int, k: int, s: int, padding: Padding) -> int:
    """Keras' output size of a transposed convolution (no output padding, no dilation)."""
    return size * s if padding == "same" else size * s + max(k - s, 0)


class Conv2DTranspose(BaseConv2D):
    r"""Transposed 2-D convolution, as Keras ``Conv2DTranspose`` (no bias, no dilation,
    no output padding): each source neuron adds its kernel into the target, at strides:

    .. math::
        I_{y s_h + i - p_t,\; x s_w + j - p_l,\; f} \mathrel{+}= w_{i,j,f,c}\; s_{y,x,c}

    The output is ``rows * s_h + max(kh - s_h, 0)`` rows for ``"valid"`` and
    ``rows * s_h`` for ``"same"`` (which crops ``p_t = max(kh - s_h, 0) // 2`` rows at the
    top), likewise for columns.

    Args:
        weight: Keras kernel ``(kh, kw, filters, cin)``, a scalar or an Initializer.
        filters: number of output channels.
        conv_size: kernel size, int or ``(kh, kw)``.
        flatten: give the target a 1-D shape.
        conv_strides: strides, int or pair (default 1).
        conv_padding: ``"valid"`` or ``"same"``.
        delay: axonal delay [timesteps], one for all synapses.

    Example:
        >>> import numpy as np
        >>> from ml_genn import Network, Population, Connection
        >>> with Network():
        ...     inp = Population("binary_spike_input", (7, 7, 4))
        ...     out = Population("integrate_fire")
        ...     _ = Connection(inp, out, Conv2DTranspose(np.zeros((3, 3, 2, 4)), 2, 3,
        ...                                              conv_strides=2))
        >>> out.shape
        (15, 15, 2)
    """

    def __init__(self, weight: Any, filters: int, conv_size: Any, flatten: bool = False,
                 conv_strides: Any = None, conv_padding: Any = "valid", delay: Any = 0):
        super().__init__(weight, delay)
        owner = "Conv2DTranspose"
        self.filters = check_positive_int(filters, "filters", owner)
        self.conv_size = check_pair(conv_size, "conv_size", owner)
        self.flatten = bool(flatten)
        self.conv_strides = check_pair(1 if conv_strides is None else conv_strides,
                                       "conv_strides", owner)
        self.conv_padding = check_padding(conv_padding, "conv_padding", owner, explicit=False)
        self._check_kernel(self.conv_size + (self.filters, None), "(kh, kw, filters, cin)")

    def connect(self, source: Population, target: Population) -> None:
        rows, cols, channels = self._image_shape(source)
        if isinstance(self.weight, np.ndarray) and self.weight.ndim == 4:
            self._check_channels(source, channels, self.weight.shape[3], "the kernel")
        out_hw = tuple(transpose_output_size(n, k, s, self.conv_padding) for n, k, s in
                       zip((rows, cols), self.conv_size, self.conv_strides, strict=True))
        self._connect_image(source, target, out_hw + (self.filters,))

"""Shared code of the pooling connectivities (average and max pooling, fused or not)."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .base_conv_2d import BaseConv2D, check_padding, check_pair, window_geometry

if TYPE_CHECKING:
    from ..population import Population


class BasePool2D(BaseConv2D):
    """Base of connectivities that pool a ``(rows, cols, channels)`` source first.

    ``pool_strides`` default to ``pool_size``; ``pool_padding`` is ``"valid"`` or
    ``"same"`` (Keras/TF rule; a "same" average divides by the real inputs per window).
    """

    def _init_pool(self, pool_size: Any, pool_strides: Any, pool_padding: Any) -> None:
        owner = type(self).__name__
        self.pool_size = check_pair(pool_size, "pool_size", owner)
        self.pool_strides = self.pool_size if pool_strides is None \
            else check_pair(pool_strides, "pool_strides", owner)
        self.pool_padding = check_padding(pool_padding, "pool_padding", owner, explicit=False)

    def _pooled_shape(self, source: Population) -> tuple[int, int, int]:
        """``(rows, cols, channels)`` after pooling the source (checked to fit)."""
        rows, cols, channels = self._image_shape(source)
        out_hw, _ = window_geometry((rows, cols), self.pool_size, self.pool_strides,
                                    self.pool_padding)
        self._check_window_fits(source, out_hw, "pooling window", pool_size=self.pool_size,
                                pool_strides=self.pool_strides, pool_padding=self.pool_padding)
        return out_hw + (channels,)

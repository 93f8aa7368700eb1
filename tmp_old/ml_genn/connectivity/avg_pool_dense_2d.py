"""Average pooling followed by a dense connectivity, fused."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from .base_pool_2d import BasePool2D

if TYPE_CHECKING:
    from ..population import Population


class AvgPoolDense2D(BasePool2D):
    r"""Average pooling (as :class:`AvgPool2D`) of a ``(rows, cols, channels)`` source,
    flattened row-major, followed by all-to-all weights (as :class:`Dense`), like Keras
    ``AveragePooling2D``, ``Flatten`` and ``Dense(use_bias=False)``:

    .. math::
        P_{y,x,c} = \frac{1}{n_{y,x}} \sum_{(i,j) \in W_{y,x}} s_{i,j,c}, \qquad
        I_j = \sum_{(y,x,c)} w_{(y W' + x) C + c,\; j}\; P_{y,x,c}

    Args:
        weight: ``(n_pooled, n_trg)`` array with ``n_pooled = rows' * cols' * channels``
            (a target without shape takes ``(n_trg,)``), a scalar or an Initializer.
        pool_size: pooling window, int or pair.
        pool_strides: pooling strides (default ``pool_size``).
        delay: axonal delay [timesteps], one for all synapses.
        pool_padding: **ours**, ``"valid"`` or ``"same"``.

    Example:
        >>> import numpy as np
        >>> from ml_genn import Network, Population, Connection
        >>> with Network():
        ...     inp = Population("binary_spike_input", (8, 8, 2))
        ...     out = Population("integrate_fire")
        ...     _ = Connection(inp, out, AvgPoolDense2D(np.zeros((32, 10)), 2))
        >>> out.shape
        (10,)
    """

    def __init__(self, weight: Any, pool_size: Any, pool_strides: Any = None, delay: Any = 0,
                 pool_padding: str = "valid"):
        super().__init__(weight, delay)
        self._init_pool(pool_size, pool_strides, pool_padding)
        self._check_kernel((None, None), "(n_pooled, n_trg)")

    def connect(self, source: Population, target: Population) -> None:
        n_pooled = int(np.prod(self._pooled_shape(source)))
        target_shape = target.shape
        if isinstance(self.weight, np.ndarray) and self.weight.ndim == 2:
            rows, n_trg = self.weight.shape
            if rows != n_pooled:
                raise ValueError(f"AvgPoolDense2D: weight has {rows} rows but pooling source "
                                 f"'{source.name}' (shape {source.shape}) gives shape "
                                 f"{self._pooled_shape(source)} ({n_pooled} values).")
            if target_shape is None:
                target_shape = (n_trg,)
            elif int(np.prod(target_shape)) != n_trg:
                raise ValueError(f"AvgPoolDense2D: weight has {n_trg} columns but target "
                                 f"'{target.name}' has shape {target_shape} "
                                 f"({int(np.prod(target_shape))} neurons).")
        elif target_shape is None:
            raise ValueError(f"AvgPoolDense2D with a scalar/initializer weight needs a target "
                             f"shape (population '{target.name}').")
        self._set_shapes(source, target, target_shape)

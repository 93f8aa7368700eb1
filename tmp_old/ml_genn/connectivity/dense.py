"""All-to-all connectivity."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from .connectivity import Connectivity

if TYPE_CHECKING:
    from ..population import Population


class Dense(Connectivity):
    r"""All-to-all synapses: :math:`I_j = \sum_i w_{ij}\, s_i` over the flattened
    (row-major) source and target.

    Args:
        weight: ``(n_src, n_trg)`` array (a 1-D target takes its size from it), a scalar
            or an Initializer (then the target needs a shape).
        delay: [timesteps]; scalar or ``(n_src, n_trg)`` array.

    Example:
        >>> import numpy as np
        >>> Dense(np.zeros((3, 2))).weight.shape
        (3, 2)
    """

    supports_synapse_delays = True

    def __init__(self, weight: Any, delay: Any = 0):
        super().__init__(weight, delay)

    def connect(self, source: Population, target: Population) -> None:
        target_shape = target.shape
        if isinstance(self.weight, np.ndarray) and self.weight.ndim > 0:
            if self.weight.ndim != 2:
                raise ValueError(f"Dense weight must be 2-D (n_src, n_trg), received "
                                 f"shape {self.weight.shape}.")
            n_src, n_trg = self.weight.shape
            if source.shape is not None and int(np.prod(source.shape)) != n_src:
                raise ValueError(f"Dense weight has {n_src} rows but source "
                                 f"'{source.name}' has {int(np.prod(source.shape))} neurons "
                                 f"(shape {source.shape}).")
            if target_shape is None:
                target_shape = (n_trg,)
            elif int(np.prod(target_shape)) != n_trg:
                raise ValueError(f"Dense weight has {n_trg} columns but target "
                                 f"'{target.name}' has {int(np.prod(target_shape))} neurons "
                                 f"(shape {target_shape}).")
        elif target_shape is None:
            raise ValueError(f"Dense with a scalar/initializer weight needs a target shape "
                             f"(population '{target.name}').")
        self._set_shapes(source, target, target_shape)

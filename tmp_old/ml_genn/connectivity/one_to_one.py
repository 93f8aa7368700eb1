"""One-to-one connectivity."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from .connectivity import Connectivity

if TYPE_CHECKING:
    from ..population import Population


class OneToOne(Connectivity):
    r"""Neuron :math:`i` of the source drives neuron :math:`i` of the target:
    :math:`I_i = w_i s_i` (one weight, or one per neuron).

    Example:
        >>> OneToOne(2.0).weight
        2.0
    """

    def __init__(self, weight: Any, delay: Any = 0):
        super().__init__(weight, delay)

    def connect(self, source: Population, target: Population) -> None:
        if source.shape is None:
            raise ValueError(f"source population '{source.name}' needs a shape.")
        target_shape = target.shape or source.shape
        if int(np.prod(target_shape)) != int(np.prod(source.shape)):
            raise ValueError(f"OneToOne needs equal sizes; source '{source.name}' has shape "
                             f"{source.shape}, target '{target.name}' has shape {target_shape}.")
        if isinstance(self.weight, np.ndarray) and self.weight.ndim > 0 \
                and self.weight.size != int(np.prod(source.shape)):
            raise ValueError(f"OneToOne weight has {self.weight.size} values but the "
                             f"populations have {int(np.prod(source.shape))} neurons.")
        self._set_shapes(source, target, target_shape)

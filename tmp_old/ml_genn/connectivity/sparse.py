"""Sparse connectivity from explicit synapse lists (**ours**)."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from ..utils.value import check_init_value
from .connectivity import Connectivity, check_delay

if TYPE_CHECKING:
    from ..population import Population


def check_indices(indices: Any, name: str, owner: str) -> np.ndarray:
    """A 1-D array of non-negative whole numbers, as int64."""
    array = np.asarray(indices)
    if array.ndim != 1 or (array.size and (array.dtype.kind not in "iuf"
                                           or np.any(array < 0)
                                           or np.any(array != np.round(array)))):
        raise ValueError(f"{owner}: {name} must be a 1-D array of non-negative neuron "
                         f"indices, received {indices!r}.")
    return array.astype(np.int64)


class Sparse(Connectivity):
    r"""Explicit synapses: synapse :math:`k` connects flat (row-major) source index
    ``pre_ind[k]`` to flat target index ``post_ind[k]`` with weight :math:`w_k`:

    .. math:: I_j = \sum_{k:\ \mathrm{post}_k = j} w_k\, s_{\mathrm{pre}_k}

    Repeated ``(pre, post)`` pairs are separate synapses (their weights add up).

    Args:
        pre_ind: source index of each synapse, ``(n_syn,)`` ints.
        post_ind: target index of each synapse, ``(n_syn,)`` ints.
        weight: scalar, ``(n_syn,)`` array or Initializer (one draw per synapse).
        delay: axonal delay [timesteps]; scalar or ``(n_syn,)`` array.

    Example:
        >>> from ml_genn import Network, Population, Connection
        >>> with Network():
        ...     inp = Population("binary_spike_input", 3)
        ...     out = Population("integrate_fire", 2)
        ...     c = Connection(inp, out, Sparse([0, 2, 2], [1, 0, 0], [0.5, 1.0, 2.0],
        ...                                     delay=[0, 1, 1]))
        >>> c.connectivity.num_synapses
        3
    """

    supports_synapse_delays = True
    array_names = ("pre_ind", "post_ind", "weight", "delay")

    def __init__(self, pre_ind: Any, post_ind: Any, weight: Any, delay: Any = 0):
        self.pre_ind = check_indices(pre_ind, "pre_ind", "Sparse")
        self.post_ind = check_indices(post_ind, "post_ind", "Sparse")
        if len(self.pre_ind) != len(self.post_ind):
            raise ValueError(f"Sparse: pre_ind and post_ind must have the same length, "
                             f"received {len(self.pre_ind)} and {len(self.post_ind)}.")
        super().__init__(weight, delay)
        self._check_per_synapse("weight", self.weight)
        self._check_per_synapse("delay", self.delay)

    @property
    def num_synapses(self) -> int:
        return len(self.pre_ind)

    def _check_per_synapse(self, name: str, value: Any) -> None:
        if isinstance(value, np.ndarray) and value.ndim > 0 and value.size != self.num_synapses:
            raise ValueError(f"Sparse: {name} must be a scalar or have one value per synapse "
                             f"({self.num_synapses}), received shape {value.shape}.")

    def connect(self, source: Population, target: Population) -> None:
        if source.shape is None:
            raise ValueError(f"Sparse: source population '{source.name}' needs a shape.")
        if target.shape is None:
            raise ValueError(f"Sparse: target population '{target.name}' needs a shape "
                             f"(it cannot be inferred from synapse lists).")
        for pop, name, ind, size in (
                (source, "pre_ind", self.pre_ind, int(np.prod(source.shape))),
                (target, "post_ind", self.post_ind, int(np.prod(target.shape)))):
            if ind.size and int(ind.max()) >= size:
                raise ValueError(f"Sparse: {name} contains index {int(ind.max())} but "
                                 f"population '{pop.name}' has {size} neurons "
                                 f"(shape {pop.shape}).")
        self._set_shapes(source, target, target.shape)

    def set_array(self, name: str, value: Any) -> None:
        if name in ("pre_ind", "post_ind"):
            setattr(self, name, check_indices(value, name, "Sparse"))
        elif name == "delay":
            self.delay = check_delay(value, "Sparse")
        elif name == "weight":
            self.weight = check_init_value(value, name, "Sparse")
        else:
            super().set_array(name, value)

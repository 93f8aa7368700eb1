"""Base class of connectivities: how source spikes become target input."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from ..utils.value import check_init_value

if TYPE_CHECKING:
    from ..population import Population


def check_delay(delay: Any, owner: str) -> Any:
    """Delays are whole timesteps >= 0: a scalar, or an array for per-synapse delays."""
    array = np.asarray(delay)
    if array.dtype.kind not in "iuf" or np.any(array < 0) or np.any(array != np.round(array)):
        raise ValueError(f"{owner}: delay must be a non-negative whole number of timesteps "
                         f"(scalar or array), received {delay!r}.")
    return int(array) if array.ndim == 0 else array.astype(np.int32)


class Connectivity:
    """Describes the synapses of a connection (weights, structure, delays).

    Subclasses implement :meth:`connect` (shape inference and checks). The backend op that
    applies the connectivity to a batch of spikes lives in ``ml_genn.backend.connectivity``.

    Args:
        weight: InitValue of the weights (see subclass for the expected shape).
        delay: axonal delay [timesteps], scalar (or per-synapse array where supported).
    """

    supports_synapse_delays = False

    def __init__(self, weight: Any = None, delay: Any = 0):
        owner = type(self).__name__
        self.weight = None if weight is None else check_init_value(weight, "weight", owner)
        self.delay = check_delay(delay, owner)
        if not np.isscalar(self.delay) and not self.supports_synapse_delays:
            raise ValueError(f"{owner}: per-synapse delays are not supported; give one "
                             f"delay (in timesteps) for the whole connection.")
        self.source_shape: tuple[int, ...] | None = None
        self.target_shape: tuple[int, ...] | None = None

    def connect(self, source: Population, target: Population) -> None:
        """Infer or check the shapes of ``source`` and ``target`` (populations)."""
        raise NotImplementedError(f"{type(self).__name__} must implement connect().")

    def _set_shapes(self, source: Population, target: Population, target_shape: Any) -> None:
        if source.shape is None:
            raise ValueError(f"source population '{source.name}' needs a shape.")
        target.shape = target_shape
        self.source_shape, self.target_shape = source.shape, target.shape

    # --- save / load -------------------------------------------------------------
    array_names: tuple[str, ...] = ("weight",)

    def get_arrays(self) -> dict[str, Any]:
        """The connectivity's saveable arrays (weights; delays where per-synapse)."""
        return {name: getattr(self, name) for name in self.array_names
                if getattr(self, name, None) is not None}

    def set_array(self, name: str, value: Any) -> None:
        if name not in self.array_names:
            raise KeyError(f"{type(self).__name__} has no array '{name}'; "
                           f"arrays: {self.array_names}.")
        setattr(self, name, check_init_value(value, name, type(self).__name__))

    def __repr__(self) -> str:
        return (f"{type(self).__name__}(source_shape={self.source_shape}, "
                f"target_shape={self.target_shape})")

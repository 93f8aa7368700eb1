"""Base class of serialisers: store arrays under tuples of keys."""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np


def join_keys(keys: Sequence[Any]) -> str:
    """Keys joined with ``-`` (mlGeNN's file naming): ``("net", "Conn0", "weight")`` ->
    ``"net-Conn0-weight"``."""
    if not keys:
        raise ValueError("Serialiser keys must not be empty.")
    return "-".join(str(k) for k in keys)


class Serialiser:
    """``serialise(keys, array)``, ``deserialise(keys)``, ``deserialise_all(prefix)``."""

    def serialise(self, keys: Sequence[Any], data: np.ndarray) -> None:
        raise NotImplementedError

    def deserialise(self, keys: Sequence[Any]) -> np.ndarray:
        raise NotImplementedError

    def deserialise_all(self, keys: Sequence[Any]) -> dict[str, np.ndarray]:
        """All arrays stored under the prefix ``keys``, by their remaining key."""
        raise NotImplementedError

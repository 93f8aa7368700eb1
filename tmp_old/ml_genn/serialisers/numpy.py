"""One ``.npy`` file per array."""
from __future__ import annotations

import os
import tempfile
from collections.abc import Sequence
from typing import Any

import numpy as np

from .serialiser import Serialiser, join_keys


class Numpy(Serialiser):
    """Stores each array as ``<path>/<keys joined by '->.npy``, written atomically.

    Example:
        >>> import numpy as np, tempfile
        >>> s = Numpy(tempfile.mkdtemp())
        >>> s.serialise(("net", "w"), np.arange(3))
        >>> s.deserialise(("net", "w")).tolist()
        [0, 1, 2]
    """

    def __init__(self, path: str = ""):
        self.path = path

    def _file(self, keys) -> str:
        return os.path.join(self.path, join_keys(keys) + ".npy")

    def serialise(self, keys: Sequence[Any], data: np.ndarray) -> None:
        if self.path:
            os.makedirs(self.path, exist_ok=True)
        target = self._file(keys)
        fd, tmp = tempfile.mkstemp(dir=os.path.dirname(target) or ".", suffix=".npy.tmp")
        try:
            with os.fdopen(fd, "wb") as f:
                np.save(f, np.asarray(data))
            os.replace(tmp, target)
        except BaseException:
            os.unlink(tmp)
            raise

    def deserialise(self, keys: Sequence[Any]) -> np.ndarray:
        target = self._file(keys)
        if not os.path.exists(target):
            raise FileNotFoundError(f"Numpy serialiser: no file '{target}' for keys {tuple(keys)}.")
        return np.load(target)

    def deserialise_all(self, keys: Sequence[Any]) -> dict[str, np.ndarray]:
        prefix = join_keys(keys) + "-"
        folder = self.path or "."
        return {name[len(prefix):-4]: np.load(os.path.join(folder, name))
                for name in sorted(os.listdir(folder))
                if name.startswith(prefix) and name.endswith(".npy")}

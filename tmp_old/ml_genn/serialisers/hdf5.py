"""All arrays in one HDF5 file (h5py)."""
from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Sequence
from typing import Any

import h5py
import numpy as np

from .serialiser import Serialiser, join_keys


class HDF5(Serialiser):
    """Stores arrays as datasets named by the joined keys in one HDF5 file; each write
    goes to a temporary copy that replaces the file, so it is never half-written.

    Example:
        >>> import numpy as np, tempfile, os
        >>> s = HDF5(os.path.join(tempfile.mkdtemp(), "weights.h5"))
        >>> s.serialise(("net", "w"), np.ones(2))
        >>> s.deserialise_all(("net",))["w"].tolist()
        [1.0, 1.0]
    """

    def __init__(self, path: str = "ml_genn.h5"):
        self.path = path

    def serialise(self, keys: Sequence[Any], data: np.ndarray) -> None:
        folder = os.path.dirname(os.path.abspath(self.path))
        os.makedirs(folder, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=folder, suffix=".h5.tmp")
        os.close(fd)
        try:
            if os.path.exists(self.path):
                shutil.copyfile(self.path, tmp)
            with h5py.File(tmp, "a") as f:
                name = join_keys(keys)
                if name in f:
                    del f[name]
                f.create_dataset(name, data=np.asarray(data))
            os.replace(tmp, self.path)
        except BaseException:
            if os.path.exists(tmp):
                os.unlink(tmp)
            raise

    def _open(self):
        if not os.path.exists(self.path):
            raise FileNotFoundError(f"HDF5 serialiser: no file '{self.path}'.")
        return h5py.File(self.path, "r")

    def deserialise(self, keys: Sequence[Any]) -> np.ndarray:
        with self._open() as f:
            name = join_keys(keys)
            if name not in f:
                raise KeyError(f"HDF5 serialiser: '{self.path}' has no dataset '{name}'.")
            return f[name][()]

    def deserialise_all(self, keys: Sequence[Any]) -> dict[str, np.ndarray]:
        prefix = join_keys(keys) + "-"
        with self._open() as f:
            return {name[len(prefix):]: f[name][()]
                    for name in sorted(f) if name.startswith(prefix)}

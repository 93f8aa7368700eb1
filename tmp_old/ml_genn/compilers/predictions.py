"""Where ``predict`` puts the readouts it reads back, batch by batch."""
from __future__ import annotations

from typing import Any

import numpy as np

from ..backend.plan import Plan


class Predictions:
    """Where ``predict`` puts the readouts: the caller's arrays (``out``) or growing lists.

    Example:
        >>> from ml_genn import Network, Population
        >>> with Network() as net:
        ...     out = Population("integrate_fire", 2, name="out")
        >>> plan = Plan(net.populations, [], True, 1.0, 0, None)
        >>> target = np.zeros((3, 2), np.float32)
        >>> sink = Predictions([(out, 0)], plan, {out: target})
        >>> sink.write(1, [np.ones((2, 2), np.float32)])
        >>> sink.result()[out].tolist()
        [[0.0, 0.0], [1.0, 1.0], [1.0, 1.0]]
    """

    def __init__(self, outputs: list[tuple[Any, int]], plan: Plan, out: dict | None):
        self.keys = [k for k, _ in outputs]
        self.names = [plan.populations[i].name for _, i in outputs]
        self.shapes = [tuple(plan.populations[i].shape) for _, i in outputs]
        self.out = out
        self.rows = 0
        if out is not None:
            for key, name, shape in zip(self.keys, self.names, self.shapes, strict=True):
                if key not in out:
                    raise ValueError(f"out has no array for output '{name}'; give "
                                     f"{{output: array of shape (N, *{shape})}} for each.")
                array = out[key]
                if not isinstance(array, np.ndarray) or tuple(array.shape[1:]) != shape:
                    raise ValueError(f"out array for output '{name}' must be a NumPy array "
                                     f"of shape (N, *{shape}), received "
                                     f"{getattr(array, 'shape', type(array).__name__)}.")
        self.parts: list[list] = [[] for _ in self.keys]

    def write(self, start: int, readouts: list) -> None:
        count = len(readouts[0])
        if self.out is not None:
            for key, name, r in zip(self.keys, self.names, readouts, strict=True):
                if start + count > len(self.out[key]):
                    raise ValueError(f"out array for output '{name}' has {len(self.out[key])} "
                                     f"rows; the data has more examples. Give it one row "
                                     f"per example.")
                self.out[key][start:start + count] = r
        else:
            for part, r in zip(self.parts, readouts, strict=True):
                part.append(r)
        self.rows = max(self.rows, start + count)

    def result(self) -> dict:
        if self.out is not None:
            return {key: self.out[key][:self.rows] for key in self.keys}
        return {key: np.concatenate(p) if p else np.zeros((0,) + shape, np.float32)
                for key, p, shape in zip(self.keys, self.parts, self.shapes, strict=True)}

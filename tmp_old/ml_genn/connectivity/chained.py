"""A chain of linear connectivities applied in order (**ours**)."""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from .connectivity import Connectivity
from .sparse import Sparse


class _Shape:
    """A population stand-in for shape inference between the steps of a chain (only
    ``name`` and ``shape`` are read by ``connect``)."""

    def __init__(self, name: str, shape: tuple | None):
        self.name, self.shape = name, shape


class Chained(Connectivity):
    r"""Linear connectivities applied one after the other, with nothing built between
    them (no matrix of the whole chain):

    .. math:: I = w \cdot (C_n \circ \dots \circ C_1)(s)

    Each step sees the previous step's output, viewed in the shape ``shapes[i]`` (row-major
    values, so a view is free); ``w`` is a scalar. Steps must be linear, weight-only
    connectivities with one delay: e.g. :class:`Conv2D`, :class:`Dense`,
    :class:`DepthwiseConv2D`, :class:`AvgPool2D`, :class:`OneToOne`, :class:`Sparse`,
    :class:`Pad2D`, :class:`Upsample2D`, :class:`Conv2DTranspose`.

    Args:
        steps: the connectivities, applied in order.
        shapes: the input shape of each step (None: the previous step's output shape, or
            the source's shape for the first).
        weight: a scalar multiplying the result.
        delay: axonal delay [timesteps], one for all synapses.

    Example:
        >>> import numpy as np
        >>> from ml_genn import Network, Population, Connection
        >>> from ml_genn.connectivity import Conv2D, Pad2D
        >>> with Network():
        ...     inp = Population("binary_spike_input", (6, 6, 2))
        ...     out = Population("integrate_fire")
        ...     chain = Chained([Pad2D(((-1, 0), (0, 0))), Conv2D(np.ones((3, 3, 2, 4)), 4, 3)])
        ...     _ = Connection(inp, out, chain)
        >>> out.shape
        (3, 4, 4)
    """

    def __init__(self, steps: Sequence[Connectivity], shapes: Sequence[Any] | None = None,
                 weight: Any = 1.0, delay: Any = 0):
        super().__init__(None, delay)
        self.steps = list(steps)
        if not self.steps:
            raise ValueError("Chained: give at least one step.")
        for step in self.steps:
            if not isinstance(step, Connectivity) or getattr(step, "linear", True) is False:
                raise TypeError(f"Chained: every step must be a linear Connectivity, "
                                f"received {type(step).__name__}.")
            if not np.isscalar(step.delay) or step.delay != 0:
                raise ValueError(f"Chained: a step ({type(step).__name__}) has a delay; give "
                                 f"the delay to the Chained connectivity.")
        self.shapes = [None if s is None else tuple(int(n) for n in s)
                       for s in (shapes or [None] * len(self.steps))]
        if len(self.shapes) != len(self.steps):
            raise ValueError(f"Chained: {len(self.shapes)} shapes given for "
                             f"{len(self.steps)} steps.")
        if not isinstance(weight, (int, float, np.integer, np.floating)):
            raise ValueError(f"Chained: weight must be a scalar, received {weight!r}.")
        self.weight = float(weight)

    def connect(self, source, target) -> None:
        if source.shape is None:
            raise ValueError(f"Chained: source population '{source.name}' needs a shape.")
        shape = tuple(source.shape)
        for i, (step, view) in enumerate(zip(self.steps, self.shapes, strict=False)):
            if view is not None:
                if int(np.prod(view)) != int(np.prod(shape)):
                    raise ValueError(f"Chained: step {i} ({type(step).__name__}) views "
                                     f"{int(np.prod(shape))} values as shape {view}.")
                shape = view
            # Sparse cannot infer its target's shape: give it the next step's view
            following = self.shapes[i + 1] if i + 1 < len(self.shapes) else target.shape
            out = _Shape(f"{target.name}/step{i}",
                         following if isinstance(step, Sparse) else None)
            step.connect(_Shape(f"{source.name}/step{i}" if i else source.name, shape),  # type: ignore[arg-type]
                         out)  # type: ignore[arg-type]
            if out.shape is None:
                raise ValueError(f"Chained: step {i} ({type(step).__name__}) gave no shape.")
            shape = tuple(out.shape)
        if target.shape is not None:
            if int(np.prod(target.shape)) != int(np.prod(shape)):
                raise ValueError(f"Chained from '{source.name}' gives shape {shape}, but "
                                 f"target '{target.name}' has shape {target.shape}.")
            shape = tuple(target.shape)
        self._set_shapes(source, target, shape)

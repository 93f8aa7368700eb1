"""Registries of NIR exporters, keyed by neuron class and by connectivity class.

Each neuron or connectivity class brings its own exporter; a class without one is
refused with a message naming it (never exported as its base class, whose dynamics may
differ). Lookups are by exact class.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np


class UnsupportedExport(NotImplementedError):
    """The network (or part of it) has no faithful NIR equivalent; the message says
    which population or connection, why, and what to do."""


class ExportContext(NamedTuple):
    """What every exporter may need besides its population or connection.

    Attributes:
        dt: simulation timestep [ms]; integrators get ``r = 1/dt`` so that an Euler step
            of ``dt`` adds the per-step input once, as ``V += I`` does.
        comparison: the threshold comparison the graph states: ``">="`` (ours; thresholds
            written as they are) or ``">"`` (NIR's IF equation; thresholds written as the
            largest float32 below ours, so that ``v > v_threshold`` fires exactly when
            ``v >= threshold`` does in float32).
    """

    dt: float
    comparison: str = ">="


class NeuronNode(NamedTuple):
    """A population's NIR node and the constant input it needs from its connections.

    Attributes:
        node: the NIR neuron node (``nir.IF``, ``nir.I``, ...), in NIR layout.
        bias: per-step constant input in the population's own (HWC) shape, or ``None``;
            carried by the Affine/Conv2d node of one incoming connection.
    """

    node: Any
    bias: np.ndarray | None = None


class Chain(NamedTuple):
    """The NIR nodes of one connection, in order from source to target.

    Attributes:
        nodes: ``(suffix, node)`` pairs; nodes are named ``<connection>`` (one node) or
            ``<connection>.<suffix>``.
        carries_bias: whether the last node took the target's bias.
    """

    nodes: list
    carries_bias: bool = False


class ExporterRegistry:
    """Exporter functions by exact class, added with a decorator that refuses duplicates.

    Args:
        kind: ``"neuron"`` or ``"connectivity"`` (for messages).

    Example:
        >>> registry = ExporterRegistry("neuron")
        >>> class MyNeuron: pass
        >>> @registry.register(MyNeuron)
        ... def export_my_neuron(pop, ctx): ...
        >>> registry.get(MyNeuron(), "population 'p'") is export_my_neuron
        True
    """

    def __init__(self, kind: str):
        self.kind = kind
        self._exporters: dict[type, Callable] = {}

    def register(self, cls: type) -> Callable[[Callable], Callable]:
        """Decorator registering the exporter of ``cls``.

        Raises:
            ValueError: ``cls`` already has an exporter.
        """
        def decorator(exporter: Callable) -> Callable:
            if cls in self._exporters:
                raise ValueError(f"{cls.__name__} already has a NIR {self.kind} exporter "
                                 f"({self._exporters[cls].__qualname__}).")
            self._exporters[cls] = exporter
            return exporter
        return decorator

    def classes(self) -> list[type]:
        return list(self._exporters)

    def get(self, obj: Any, where: str) -> Callable:
        """The exporter of ``type(obj)``.

        Raises:
            UnsupportedExport: no exporter is registered for that exact class.
        """
        cls = type(obj)
        try:
            return self._exporters[cls]
        except KeyError:
            known = ", ".join(sorted(c.__name__ for c in self._exporters))
            raise UnsupportedExport(
                f"{where}: {self.kind} {cls.__name__} has no NIR exporter (exporters exist "
                f"for {known}). Register one with ml_genn_tf.export.register_{self.kind}"
                f"_exporter({cls.__name__}).") from None


NEURON_EXPORTERS = ExporterRegistry("neuron")
CONNECTIVITY_EXPORTERS = ExporterRegistry("connectivity")
register_neuron_exporter = NEURON_EXPORTERS.register
register_connectivity_exporter = CONNECTIVITY_EXPORTERS.register

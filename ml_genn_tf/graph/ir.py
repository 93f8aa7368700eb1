"""The graph the converter works on: one node per tensor of the Keras model.

A :class:`Node` is the output of one call of one Keras layer (a shared layer called twice
gives two nodes); its ``inputs`` name the nodes it was called on. After the handlers ran,
``op`` holds the layer's meaning as a typed NamedTuple (:mod:`ml_genn_tf.graph.ops`),
and the rewrite passes work on ops only: they never touch the user's layers.
"""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Node:
    """One tensor of the model.

    Attributes:
        name: unique name (the layer's name; ``name#i`` for the i-th call of a shared
            layer; ``outer/inner`` inside a nested model).
        layer: the Keras layer that produced it (an ``InputLayer`` for inputs), or None
            for nodes the rewrite passes created.
        inputs: names of the nodes it was computed from, in call order.
        shape: its shape without the batch axis (None if Keras could not infer it).
        keras_tensor: the public KerasTensor of this value in the top-level model, when
            Keras gives one (``layer.output`` of a layer called once at top level);
            calibration reads these with one multi-output ``keras.Model``.
        op: the layer's meaning (a NamedTuple of :mod:`ml_genn_tf.graph.ops`).
        layers: every Keras layer whose output this node's value is (folded layers
            included), for ``keras_layer_to_population``.
    """

    name: str
    layer: Any
    inputs: list[str]
    shape: tuple[int, ...] | None
    keras_tensor: Any = None
    op: Any = None
    layers: list = field(default_factory=list)

    @property
    def known_shape(self) -> tuple[int, ...]:
        """``shape``, which the check pass guarantees is known before mapping."""
        if self.shape is None:
            raise ValueError(f"Internal error: node '{self.name}' has no static shape; "
                             "the check pass should have reported it.")
        return self.shape

    @property
    def layer_name(self) -> str:
        return getattr(self.layer, "name", self.name)

    @property
    def class_name(self) -> str:
        return type(self.layer).__name__ if self.layer is not None else type(self.op).__name__


@dataclass
class Graph:
    """Nodes in topological order, with the model's input and output node names."""

    name: str
    nodes: dict[str, Node] = field(default_factory=dict)
    inputs: list[str] = field(default_factory=list)
    outputs: list[str] = field(default_factory=list)

    def add(self, node: Node) -> Node:
        if node.name in self.nodes:
            raise ValueError(f"Internal error: duplicate graph node '{node.name}'.")
        self.nodes[node.name] = node
        return node

    def __getitem__(self, name: str) -> Node:
        return self.nodes[name]

    def __iter__(self) -> Iterator[Node]:
        return iter(list(self.nodes.values()))

    def consumers(self, name: str) -> list[Node]:
        """Nodes that take ``name`` as an input (once each)."""
        return [n for n in self.nodes.values() if name in n.inputs]

    def remove(self, name: str, replacement: str) -> None:
        """Remove node ``name``; its consumers (and the outputs) read ``replacement``."""
        for node in self.nodes.values():
            node.inputs = [replacement if i == name else i for i in node.inputs]
        self.outputs = [replacement if o == name else o for o in self.outputs]
        del self.nodes[name]

    def reorder(self) -> None:
        """Restore topological order after a pass moved edges (stable)."""
        ordered: dict[str, Node] = {}
        pending = list(self.nodes.values())
        while pending:
            progress = False
            for node in list(pending):
                if all(i in ordered for i in node.inputs):
                    ordered[node.name] = node
                    pending.remove(node)
                    progress = True
            if not progress:
                raise ValueError(f"Internal error: the graph of '{self.name}' has a cycle "
                                 f"through {[n.name for n in pending]}.")
        self.nodes = ordered

    def unique_name(self, base: str) -> str:
        name, i = base, 1
        while name in self.nodes:
            name, i = f"{base}_{i}", i + 1
        return name

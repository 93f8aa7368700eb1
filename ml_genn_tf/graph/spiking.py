"""Which graph nodes a population can carry (their values are sent as spikes)."""
from __future__ import annotations

from .ir import Graph, Node
from .ops import ActivationOp, InputOp, MaxPoolOp, ReshapeOp


def is_spiking(node: Node) -> bool:
    """Nodes whose value a population can carry: inputs, ReLU, max pooling."""
    op = node.op
    return isinstance(op, (InputOp, MaxPoolOp)) or \
        (isinstance(op, ActivationOp) and op.kind == "relu")


def view_source(graph: Graph, name: str) -> tuple[str, list[str]]:
    """The node ``name`` is a reshaped view of (through ReshapeOp nodes), and the reshape
    nodes passed, source first."""
    views: list[str] = []
    while isinstance(graph[name].op, ReshapeOp):
        views.insert(0, name)
        name = graph[name].inputs[0]
    return name, views

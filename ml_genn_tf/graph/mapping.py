"""The mapping pass: which tensors become populations, and what connects them.

Populations: every input, every ReLU (also a Dense/Conv2D with ``activation='relu'``),
every MaxPooling2D (its own population) and every model output. Everything between
populations is linear and is fused into connections: for a target population, the
linear ops between its input and the source populations form a *region*; each path from
a source through the region is one connection (so ``Add`` gives one connection per
branch and a concatenation branch slices the next kernel), and the region's constant
part (every bias and offset pushed through the rest of the chain) becomes the target's
per-neuron bias. This is exact: a region is affine in its sources.

A population's shape is the shape of the Keras tensor it stands for, except where all
the connections entering and leaving it need another view of the same values
(``Reshape`` then ``Conv2D``; ``Conv1D`` as a 2-D convolution of height 1): then it
takes that view. Connections that need another view become ``Chained``.

A connection does not keep the weights folded from its chain (BatchNorm into a kernel: a
float64 copy per path through the layer): the chain folds them again when the connection
is built (:meth:`~ml_genn_tf.graph.chains.ConnectionSpec.with_weights`).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..errors import Problem
from .chains import Chain, ChainMatch, ChainStep, ConnectionSpec, chained_match, match_chain
from .ir import Graph
from .ops import (
    ActivationOp,
    AddOp,
    AffineOp,
    ConcatenateOp,
    EmbedOp,
    InputOp,
    MaxPoolOp,
    ReshapeOp,
    apply_op,
    is_linear,
)
from .spiking import is_spiking, view_source

#: Most paths through one region before the mapping gives up.
MAX_PATHS = 256


@dataclass
class PopulationSpec:
    """A population to build.

    Attributes:
        name: population name (the graph node's name: the Keras layer's name).
        kind: ``"input"``, ``"relu"``, ``"max_pool"`` (these carry spikes onwards),
            ``"linear"`` or ``"softmax"`` (outputs read out as logits).
        shape: shape of the population (see module docstring).
        keras_shape: shape of the Keras tensor it stands for.
        layer: the Keras layer it is named after (passed to ``create_neurons``).
        layers: the Keras layers whose output it carries.
        is_output: whether it is a model output.
        max_value: saturation of a ReLU(max_value).
        input_op: for inputs, the InputOp with folded preprocessing.
        sink: graph node whose value is this population's input (pre-activation).
        chains: incoming chains; connections: the connections built from them.
        bias: constant input of each neuron (shape ``keras_shape``), or None.
        keras_tensor: public KerasTensor of its value (pre-activation for outputs), if any.
    """

    name: str
    kind: str
    shape: tuple
    keras_shape: tuple
    layer: Any
    layers: list
    is_output: bool = False
    max_value: float | None = None
    input_op: InputOp | None = None
    sink: str | None = None
    chains: list = field(default_factory=list)
    connections: list = field(default_factory=list)
    bias: np.ndarray | None = None
    keras_tensor: Any = None

    @property
    def is_source(self) -> bool:
        return self.kind in ("input", "relu", "max_pool")

    @property
    def sources(self) -> list[str]:
        return list(dict.fromkeys(c.source for c in self.connections))


@dataclass
class MappedModel:
    """The populations (topological order) and connections of a converted model."""

    graph: Graph
    populations: dict = field(default_factory=dict)
    inputs: list = field(default_factory=list)
    outputs: list = field(default_factory=list)

    def __getitem__(self, name: str) -> PopulationSpec:
        return self.populations[name]

    def ancestors(self, name: str) -> set:
        """Population ``name`` and every population it is reached from."""
        found, todo = set(), [name]
        while todo:
            current = todo.pop()
            if current not in found:
                found.add(current)
                todo.extend(self.populations[current].sources)
        return found

    def levels(self, targets: list[str]) -> list[list[str]]:
        """``targets`` grouped so that each group depends only on targets of earlier
        groups: a target's level is the number of targets on the longest path from an
        input to it, itself excluded (other populations pass it on). A calibration that
        changes targets one after the other can change a whole level from one run.

        Example:
            >>> m = MappedModel(None)
            >>> m.populations = {n: PopulationSpec(n, "relu", (1,), (1,), None, [])
            ...                  for n in "abcd"}
            >>> def link(source):
            ...     return [ConnectionSpec(source, "", object, {}, None, (), ())]
            >>> m.populations["b"].connections = link("a")
            >>> m.populations["c"].connections = link("a")
            >>> m.populations["d"].connections = link("b")
            >>> m.levels(["b", "c", "d"])
            [['b', 'c'], ['d']]
        """
        wanted = set(targets)
        level: dict[str, int] = {}
        for name, spec in self.populations.items():               # DAG order
            level[name] = max((level[s] + (s in wanted) for s in spec.sources), default=0)
        grouped: dict[int, list[str]] = {}
        for name in targets:
            grouped.setdefault(level[name], []).append(name)
        return [grouped[k] for k in sorted(grouped)]


def _problem(node, reason: str, hint: str, unsupported: bool = True) -> Problem:
    return Problem(node.layer_name, node.class_name, reason, hint, unsupported)


def _kind(node) -> str:
    op = node.op
    if isinstance(op, InputOp):
        return "input"
    if isinstance(op, MaxPoolOp):
        return "max_pool"
    if isinstance(op, ActivationOp):
        return op.kind
    return "linear"


def _branch_op(node, index: int, graph: Graph):
    """The op applied to input ``index`` of ``node`` on a path (None: pass through)."""
    op = node.op
    if isinstance(op, AddOp):
        scale = 1.0 if op.scales is None else float(op.scales[index])
        return None if scale == 1.0 else AffineOp(scale, 0.0)
    if isinstance(op, ConcatenateOp):
        start = sum(graph[i].known_shape[op.axis] for i in node.inputs[:index])
        return EmbedOp(op.axis, start, node.known_shape[op.axis])
    return op


class _Mapper:
    def __init__(self, graph: Graph):
        self.graph = graph
        self.problems: list[Problem] = []
        self.pops: dict[str, PopulationSpec] = {}

    # --- populations ------------------------------------------------------------------
    def find_populations(self) -> None:
        graph = self.graph
        for node in graph:
            is_output = node.name in graph.outputs
            if not (node.name in graph.inputs or is_spiking(node) or is_output):
                if isinstance(node.op, ActivationOp) and node.op.kind == "softmax":
                    self.problems.append(_problem(
                        node, "softmax is only supported on a model output",
                        "Remove it, or make it the last layer."))
                continue
            if is_output and node.name in graph.inputs:
                self.problems.append(_problem(node, "a model input is also a model output",
                                              "Outputs must be computed by layers."))
                continue
            spec = PopulationSpec(node.name, _kind(node), node.known_shape, node.known_shape,
                                  node.layer, list(node.layers), is_output,
                                  getattr(node.op, "max_value", None),
                                  node.op if isinstance(node.op, InputOp) else None)
            spec.keras_tensor = node.keras_tensor
            if spec.kind in ("relu", "softmax"):
                spec.sink = node.inputs[0]
                sink = graph[spec.sink]
                while not is_spiking(sink) and len(graph.consumers(sink.name)) == 1:
                    # the layers folded into this population's input (Conv2D, BatchNorm)
                    spec.layers += [layer for layer in sink.layers if layer not in spec.layers]
                    if len(sink.inputs) != 1 or not is_linear(sink.op):
                        break
                    sink = graph[sink.inputs[0]]
                if spec.kind == "softmax":
                    # the logits: the value right before the softmax (``sink`` has walked
                    # back through the folded layers above)
                    spec.keras_tensor = graph[spec.sink].keras_tensor
            elif spec.kind == "linear":
                spec.sink = node.name
            self.pops[node.name] = spec
        for node in graph:
            if isinstance(node.op, ReshapeOp) and node.inputs[0] in self.pops \
                    and node.name not in self.pops:
                self.pops[node.inputs[0]].layers.extend(node.layers)
            source = graph[view_source(graph, node.inputs[0])[0]] \
                if isinstance(node.op, MaxPoolOp) else None
            if source is not None and not is_spiking(source):
                self.problems.append(_problem(
                    node, f"its input '{source.layer_name}' is not an activation, and max "
                          f"pooling does not commute with the layers in between; max "
                          f"pooling of a linear value has no spiking equivalent",
                    "Put MaxPooling2D right after a ReLU (ZeroPadding2D, Cropping2D, "
                    "Concatenate and per-channel scaling may sit in between)."))

    # --- regions ---------------------------------------------------------------------------
    def paths(self, name: str, target: str) -> list[tuple[str, list]]:
        """Every path from a source population to node ``name`` (inclusive)."""
        node = self.graph[name]
        if name in self.pops and self.pops[name].is_source:
            return [(name, [])]
        if not is_linear(node.op):
            self.problems.append(_problem(
                node, f"its output reaches population '{target}' through linear layers "
                      f"only, but it is not linear ({type(node.op).__name__})",
                "Only linear layers may sit between activations."))
            return []
        result = []
        for index, inp in enumerate(node.inputs):
            op = _branch_op(node, index, self.graph)
            for source, steps in self.paths(inp, target):
                step = [ChainStep(op, name, self.graph[inp].known_shape, node.known_shape)] \
                    if op is not None else []
                result.append((source, steps + step))
                if len(result) > MAX_PATHS:
                    self.problems.append(_problem(
                        node, f"more than {MAX_PATHS} paths of linear layers lead into "
                              f"population '{target}'", "Insert activations."))
                    return []
        return result

    def evaluate(self, name: str, values: dict) -> np.ndarray:
        """Value of node ``name`` given the values of the source populations."""
        if name not in values:
            node = self.graph[name]
            values[name] = apply_op(node.op, [self.evaluate(i, values) for i in node.inputs])
        return values[name]

    def find_chains(self, spec: PopulationSpec) -> None:
        if spec.kind == "max_pool":
            node = self.graph[spec.name]
            source, views = view_source(self.graph, node.inputs[0])
            steps = [ChainStep(self.graph[v].op, v,
                               self.graph[self.graph[v].inputs[0]].known_shape,
                               self.graph[v].known_shape) for v in views]
            steps.append(ChainStep(node.op, node.name, self.graph[node.inputs[0]].known_shape,
                                   node.known_shape))
            spec.chains = [Chain(source, tuple(steps))]
            return
        assert spec.sink is not None, "every population that is not a max pool has a sink"
        spec.chains = [Chain(src, tuple(steps)) for src, steps in self.paths(spec.sink,
                                                                             spec.name)]
        zeros = {c.source: np.zeros((1,) + self.pops[c.source].keras_shape)
                 for c in spec.chains}
        bias = self.evaluate(spec.sink, zeros)[0]
        spec.bias = bias if np.any(bias != 0) else None

    # --- shapes and connections -------------------------------------------------------------
    def connect(self) -> None:
        views: dict[str, set] = {name: set() for name in self.pops}
        for spec in self.pops.values():
            for chain in spec.chains:
                match = match_chain(chain)   # its folded weights are dropped right away
                if match is not None and match.source_view is not None:
                    views[chain.source].add(tuple(match.source_view))
                if match is not None and match.out_shape is not None \
                        and len(spec.keras_shape) > 1:
                    views[spec.name].add(tuple(match.out_shape))
        for name, requested in views.items():
            spec = self.pops[name]
            if len(requested) == 1 and spec.keras_shape not in requested:
                spec.shape = next(iter(requested))
        for spec in self.pops.values():
            for chain in spec.chains:
                spec.connections.append(self.connection(spec, chain, match_chain(chain)))

    def connection(self, spec: PopulationSpec, chain: Chain,
                   match: ChainMatch | None) -> ConnectionSpec | None:
        source = self.pops[chain.source]
        layers = tuple(dict.fromkeys(self.graph[s.node].layer_name for s in chain.steps))
        if match is not None and match.source_view is not None \
                and tuple(match.source_view) != tuple(source.shape):
            match = None
        if match is not None and match.out_shape is not None \
                and tuple(match.out_shape) != tuple(spec.shape):
            same_size = int(np.prod(match.out_shape)) == int(np.prod(spec.shape))
            if match.flattens and len(spec.shape) == 1 and same_size:
                match = match._replace(params=dict(match.params, flatten=True))
            else:
                match = None
        if match is None:
            if spec.kind == "max_pool":
                node = self.graph[spec.name]
                self.problems.append(_problem(node, "its input cannot be viewed as an image",
                                              "Apply MaxPooling2D to an image."))
                return None
            match = chained_match(chain)
        return ConnectionSpec(source.name, spec.name, match.cls, match.params, match.weight,
                              layers, tuple(source.shape)).without_weights(chain)


def map_populations(graph: Graph) -> tuple[MappedModel, list[Problem]]:
    """Populations and connections of a rewritten graph, and the problems found."""
    mapper = _Mapper(graph)
    mapper.find_populations()
    if not mapper.problems:
        for spec in mapper.pops.values():
            if spec.kind != "input":
                mapper.find_chains(spec)
    if not mapper.problems:
        mapper.connect()
    mapped = MappedModel(graph, mapper.pops, [n for n in graph.inputs if n in mapper.pops],
                         list(dict.fromkeys(o for o in graph.outputs if o in mapper.pops)))
    return mapped, mapper.problems


def rescaled_connection(mapped: MappedModel, spec: PopulationSpec, chain: Chain,
                        source_gain: Any, target_gain: Any) -> ConnectionSpec | None:
    """The connection of ``chain`` into ``spec`` for a source whose values are sent
    multiplied by ``1 / source_gain`` and a target whose input is wanted divided by
    ``target_gain``: the chain between ``AffineOp(source_gain)`` and
    ``AffineOp(1 / target_gain)``, matched again (the gains are per channel, the last
    axis, or per neuron, and fold into the connectivity's weights). Channel-wise
    normalisation uses it."""
    steps = list(chain.steps)
    first = tuple(steps[0].in_shape) if steps else tuple(mapped[chain.source].keras_shape)
    last = tuple(steps[-1].out_shape) if steps else first
    start = steps[0].node if steps else chain.source
    stop = steps[-1].node if steps else chain.source
    pre = ChainStep(AffineOp(np.asarray(source_gain, np.float64), 0.0), start, first, first)
    post = ChainStep(AffineOp(1.0 / np.asarray(target_gain, np.float64), 0.0), stop, last,
                     last)
    scaled = Chain(chain.source, (pre, *steps, post))
    mapper = _Mapper(mapped.graph)
    mapper.pops = mapped.populations
    return mapper.connection(spec, scaled, match_chain(scaled))

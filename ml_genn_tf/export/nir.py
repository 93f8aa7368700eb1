"""``export_nir``: a converted network as a NIR graph (Neuromorphic Intermediate
Representation, PyPI ``nir``), written atomically.

Every population becomes one neuron node named after it; every connection a chain of
nodes (``<connection>`` or ``<connection>.<suffix>``) from its source's node to its
target's; several connections into one population are several edges into its node
(NIR sums them). The graph's ``input`` nodes feed the input populations' nodes; the
output populations' nodes feed ``output`` nodes. Whatever NIR cannot state is refused,
all problems at once, never exported as a different network.
"""
from __future__ import annotations

import os
import tempfile
from itertools import pairwise
from pathlib import Path
from typing import Any

import nir
import numpy as np

from ml_genn.synapses import Delta
from ml_genn.utils.registry import snake_case

from . import connectivity as _connectivity  # noqa: F401  (registers the exporters)
from . import neurons as _neurons  # noqa: F401  (registers the exporters)
from .layout import nir_shape, to_nir, values
from .registry import CONNECTIVITY_EXPORTERS, NEURON_EXPORTERS, ExportContext, UnsupportedExport

#: What the graph's metadata says about the semantics that NIR leaves open.
SEMANTICS = {
    "synapse": "delta: a spike reaches its targets' input on the step after it is emitted",
    "input_encoding": "current: every step, each input node receives input_scale * x + "
                      "input_offset, integrated by the input population's IF node",
    "time_unit": "ms",
}


def _io_name(kind: str, pop: Any, many: bool, taken: set) -> str:
    name = f"{kind}_{pop.name}" if many else kind
    while name in taken:
        name += "_"
    return name


def _dt(model: Any) -> float:
    options = getattr(model, "compile_options", None) or {}
    return float(options.get("dt", getattr(getattr(model, "compiler", None), "dt", 1.0)))


def _io_metadata(model: Any, metadata: dict, input_names: list) -> None:
    many = len(model.inputs) > 1
    for pop, node_name in zip(model.inputs, input_names, strict=True):
        where = f"Input population '{pop.name}'"
        for key in ("input_scale", "input_offset"):
            array = to_nir(values(getattr(pop.neuron, key, 0.0 if "offset" in key else 1.0),
                                  tuple(pop.shape), key, where))
            value = float(array.flat[0]) if np.all(array == array.flat[0]) else array
            metadata[f"{key}_{node_name}" if many else key] = value
    readouts = [snake_case(type(p.neuron.readout).__name__) if p.neuron.readout is not None
                else "none" for p in model.outputs]
    metadata["readout"] = readouts[0] if len(readouts) == 1 else ",".join(readouts)


#: Comparisons a graph may state (see ExportContext).
COMPARISONS = (">=", ">")


def _model_metadata(model: Any, ctx: ExportContext) -> dict:
    metadata: dict = {**SEMANTICS, "dt": ctx.dt, "threshold_comparison": ctx.comparison}
    if ctx.comparison == ">":
        metadata["v_threshold"] = ("the largest float32 below the network's threshold, so "
                                   "that v > v_threshold fires exactly when v >= threshold")
    recorded = getattr(model, "metadata", None) or {}
    converter = getattr(model, "converter", None)
    found = {"method": getattr(model, "method", None) or recorded.get("method"),
             "converter": type(converter).__name__ if converter is not None
             else recorded.get("converter"),
             "source_model": recorded.get("source_model"),
             "evaluate_timesteps": getattr(model, "evaluate_timesteps", None)}
    metadata.update({k: v for k, v in found.items() if v is not None})
    return metadata


def _connection_chain(conn: Any, ctx: ExportContext, bias: Any) -> Any:
    where = (f"Connection '{conn.name}' ({type(conn.connectivity).__name__}, "
             f"{conn.source().name} -> {conn.target().name})")
    if not isinstance(conn.synapse, Delta):
        raise UnsupportedExport(f"{where} uses {type(conn.synapse).__name__} synapses; NIR "
                                f"export handles delta synapses only (synapse='delta').")
    if np.any(np.asarray(conn.connectivity.delay) != 0):
        raise UnsupportedExport(f"{where} has delay={conn.connectivity.delay!r}; NIR "
                                f"export handles delay 0 only.")
    return CONNECTIVITY_EXPORTERS.get(conn.connectivity, where)(conn, ctx, bias)


def to_nir_graph(model: Any, threshold_comparison: str = ">=") -> nir.NIRGraph:
    """The NIR graph of a converted model (see :func:`export_nir`).

    Raises:
        UnsupportedExport: what NIR cannot state, every problem listed.
        ValueError: an unknown ``threshold_comparison``.
    """
    if threshold_comparison not in COMPARISONS:
        raise ValueError(f"threshold_comparison must be one of {COMPARISONS}, received "
                         f"{threshold_comparison!r}.")
    network = model.network
    ctx = ExportContext(_dt(model), threshold_comparison)
    nodes: dict = {}
    edges: list = []
    problems: list[str] = []
    biases: dict = {}
    for pop in network.populations:
        try:
            exported = NEURON_EXPORTERS.get(pop.neuron, f"Population '{pop.name}'")(pop, ctx)
        except (UnsupportedExport, ValueError, TypeError) as err:
            problems.append(str(err))
            continue
        nodes[pop.name] = exported.node
        if exported.bias is not None:
            biases[pop.name] = exported.bias
    for conn in network.connections:
        source, target = conn.source().name, conn.target().name
        try:
            chain = _connection_chain(conn, ctx, biases.get(target))
        except (UnsupportedExport, ValueError, TypeError) as err:
            problems.append(str(err))
            continue
        if chain.carries_bias:
            del biases[target]
        names = [conn.name if len(chain.nodes) == 1 else f"{conn.name}.{suffix}"
                 for suffix, _ in chain.nodes]
        nodes.update({name: node for name, (_, node) in zip(names, chain.nodes, strict=True)})
        path = [source] + names + [target]
        edges += list(pairwise(path))
    problems += [f"Population '{name}' has a bias (constant input each step) that none of "
                 f"its incoming connections can carry (only Affine nodes and Conv2d nodes "
                 f"with one bias per channel can). Remove the bias or connect the population "
                 f"through a Dense or convolution." for name in biases]
    if problems:
        raise UnsupportedExport(f"Cannot export '{getattr(model, 'network_name', 'network')}' "
                                f"to NIR ({len(problems)} problem(s)):\n- " +
                                "\n- ".join(problems))
    taken = set(nodes)
    input_names = [_io_name("input", p, len(model.inputs) > 1, taken) for p in model.inputs]
    output_names = [_io_name("output", p, len(model.outputs) > 1, taken)
                    for p in model.outputs]
    for pop, name in zip(model.inputs, input_names, strict=True):
        nodes[name] = nir.Input(input_type={"input": np.array(nir_shape(pop.shape, name))})
        edges.append((name, pop.name))
    for pop, name in zip(model.outputs, output_names, strict=True):
        nodes[name] = nir.Output(output_type={"output": np.array(nir_shape(pop.shape, name))})
        edges.append((pop.name, name))
    metadata = _model_metadata(model, ctx)
    resets = [n.v_reset for n in nodes.values() if isinstance(n, nir.IF)]
    metadata["reset_mode"] = "zero" if all(np.all(r == 0) for r in resets) else "v_reset"
    _io_metadata(model, metadata, input_names)
    return nir.NIRGraph(nodes=nodes, edges=edges, metadata=metadata)


def export_nir(model: Any, path: str | os.PathLike, threshold_comparison: str = ">=") -> Path:
    r"""Write a converted network as a NIR graph (an HDF5 file, read by ``nir.read``).

    Nodes: ``IF`` per spiking population (:math:`\dot v = R I` with :math:`R = 1/dt`;
    spike; :math:`v = v_{reset}`), ``I`` per population that never fires (the rate
    converters' ``readout="var"`` output), ``Affine`` / ``Conv2d`` / ``SumPool2d`` /
    ``AvgPool2d`` / ``Flatten`` / ``Scale`` for the connections, in NIR's channels-first
    layout. The graph's metadata states what NIR leaves open: ``reset_mode`` ("zero", or
    "v_reset" where one is not 0; never subtraction), ``threshold_comparison`` (below),
    ``dt`` [ms], ``synapse`` (one step per connection),
    ``input_encoding`` (the input is a current into integrate-and-fire input neurons),
    ``input_scale`` and ``input_offset`` (feed :math:`\text{input\_scale}\cdot x +
    \text{input\_offset}`), ``readout``, and the conversion ``method``,
    ``evaluate_timesteps`` and ``converter`` where known.

    Args:
        model: a converted model: anything with ``network``, ``inputs`` and ``outputs``
            (a :class:`~ml_genn_tf.ConvertedModel`, or a ``RunnableModel`` loaded with
            ``ml_genn.load``); ``compile_options``/``compiler`` give ``dt`` (default 1),
            ``metadata`` the conversion method and converter.
        path: the file to write; replaced atomically (a temporary file renamed).
        threshold_comparison: ``">="`` (default): thresholds as they are; ours fire at
            :math:`V \ge V_{th}` where NIR's IF equation says :math:`>`, and the metadata
            says so. ``">"``: for consumers that follow NIR's equation to the letter,
            each threshold is written as the largest float32 below it, so that
            :math:`v > v_{threshold}` fires exactly when :math:`V \ge V_{th}` does.

    Returns:
        The path written.

    Raises:
        UnsupportedExport: the network has parts NIR cannot state (reset by subtraction:
            convert with ``reset="zero"``; few-spike neurons; max-pooling approximation;
            Poisson or binary spike input: convert with ``input_type="if"``; ...), every
            problem listed with what to do.

    Example:
        >>> import keras, nir, numpy as np, tempfile, os
        >>> from ml_genn_tf import convert_model, export_nir
        >>> model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3)])
        >>> snn = convert_model(model, "simple", input_type="if", reset="zero")
        >>> path = export_nir(snn, os.path.join(tempfile.mkdtemp(), "snn.nir"))
        >>> graph = nir.read(path)
        >>> sorted(type(n).__name__ for n in graph.nodes.values())
        ['Affine', 'I', 'IF', 'Input', 'Output']
        >>> str(graph.metadata["threshold_comparison"])
        '>='
    """
    graph = to_nir_graph(model, threshold_comparison)
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp",
                               dir=path.parent if str(path.parent) else ".")
    os.close(fd)
    try:
        nir.write(tmp, graph)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise
    return path

"""Build the tensor graph of a Keras 3 model through public API only.

How the graph is read (Keras 3.15):

- **Functional** models: the topology comes from ``model.get_config()`` (the public,
  documented serialisation format that ``.keras`` files store). Each layer entry lists
  its ``inbound_nodes``, one per call, whose ``args`` hold the input tensors as
  ``keras_history = [layer name, node index, tensor index]``. This covers shared layers
  (one node per call) and nested models (a layer whose class is a ``keras.Model`` is
  walked recursively with its inputs bound to the outer tensors). Quirk handled here:
  ``output_layers`` counts a nested Functional model's construction node, ``args`` do
  not, so an output reference to a nested Functional is one higher.
- **Sequential** models: ``model.layers`` in order (``model.inputs`` gives the input).
- Shapes come from ``layer.compute_output_spec`` on ``keras.KerasTensor`` placeholders,
  which neither builds nor calls the layer, so the user's model is never changed.
- ``layer.output`` is public but returns the *first* call's tensor, so it is only used
  (for calibration) for layers called once at top level.

Subclassed models (``call`` written in Python) have no graph and raise ``TypeError``.
Keras operations called on tensors in a Functional model (``x + y``, ``keras.ops.*``) are
not layers (``get_layer`` does not know them): they are found in ``model.operations`` and
become nodes like layers (the lowering reports those it cannot convert).
"""
from __future__ import annotations

from typing import Any

import keras

from ..errors import ConversionError, Problem
from .ir import Graph, Node


def walk_model(model: Any) -> Graph:
    """The :class:`~ml_genn_tf.graph.ir.Graph` of a Sequential or Functional model.

    Raises:
        TypeError: ``model`` is not a Keras model, or is a subclassed model.
        ValueError: the model has no input shape yet.
    """
    if not isinstance(model, keras.Model):
        raise TypeError(f"Expected a keras.Model (Sequential or Functional) or a path to a "
                        f".keras/.h5 file, received {type(model).__name__}.")
    graph = Graph(name=model.name)
    _Walker(graph).walk(model, None, "", top_level=True)
    return graph


def _operation(model: Any, name: str) -> Any:
    """The layer, or the Keras operation, called ``name`` in ``model``."""
    for operation in model.operations:
        if operation.name == name:
            return operation
    return model.get_layer(name)   # raises ValueError naming the known layers


def _is_sequential(model: Any) -> bool:
    return isinstance(model, keras.Sequential)


def _check_graph_model(model: Any) -> None:
    if _is_sequential(model):
        try:
            model.inputs  # noqa: B018
        except (AttributeError, ValueError):
            raise ValueError(f"Sequential model '{model.name}' has no input shape yet: start "
                             f"it with keras.Input(shape) or call model.build(input_shape) "
                             f"before converting.") from None
        if not model.inputs:
            raise ValueError(f"Sequential model '{model.name}' has no input shape yet: start "
                             f"it with keras.Input(shape) or call model.build(input_shape).")
        return
    config = None
    try:
        config = model.get_config()
    except NotImplementedError:
        pass
    if not isinstance(config, dict) or "layers" not in config or "input_layers" not in config:
        raise TypeError(f"Model '{model.name}' ({type(model).__name__}) is a subclassed model "
                        f"whose graph Keras cannot describe; rebuild it as a Sequential or "
                        f"Functional model (keras.Model(inputs, outputs)).")


def _refs(structure: Any) -> list[tuple[str, int, int]]:
    """Tensor references ``[name, node, tensor]`` in a nested config structure."""
    if isinstance(structure, (list, tuple)) and len(structure) == 3 \
            and isinstance(structure[0], str) and isinstance(structure[1], int):
        return [(structure[0], structure[1], structure[2])]
    if isinstance(structure, dict):
        return [r for value in structure.values() for r in _refs(value)]
    if isinstance(structure, (list, tuple)):
        return [r for item in structure for r in _refs(item)]
    return []


def _tensor_refs(structure: Any) -> list[tuple[str, int, int]]:
    """``keras_history`` of every serialised KerasTensor in call arguments, in order."""
    if isinstance(structure, dict):
        if structure.get("class_name") == "__keras_tensor__":
            return [tuple(structure["config"]["keras_history"])]
        return [r for value in structure.values() for r in _tensor_refs(value)]
    if isinstance(structure, (list, tuple)):
        return [r for item in structure for r in _tensor_refs(item)]
    return []


def _placeholders(structure: Any, shapes: list) -> Any:
    """Replace serialised tensors by KerasTensor placeholders of the given shapes."""
    if isinstance(structure, dict):
        if structure.get("class_name") == "__keras_tensor__":
            shape = shapes.pop(0)
            return keras.KerasTensor((None,) + tuple(shape)) if shape is not None else None
        return {k: _placeholders(v, shapes) for k, v in structure.items()}
    if isinstance(structure, (list, tuple)):
        return type(structure)(_placeholders(v, shapes) for v in structure)
    return structure


class _Walker:
    def __init__(self, graph: Graph):
        self.graph = graph

    # --- shapes -------------------------------------------------------------------
    @staticmethod
    def _output_shape(layer: Any, args: Any) -> tuple[int, ...] | None:
        try:
            spec = layer.compute_output_spec(*args)
        except Exception:  # noqa: BLE001  (a layer we cannot convert anyway)
            return None
        if isinstance(spec, (list, tuple)):
            if len(spec) != 1:
                return None
            spec = spec[0]
        shape = getattr(spec, "shape", None)
        if shape is None or any(s is None for s in shape[1:]):
            return None
        return tuple(int(s) for s in shape[1:])

    def _add(self, layer: Any, inputs: list[str], args: Any, name: str,
             keras_tensor: Any) -> str:
        shape = self._output_shape(layer, args)
        node = Node(self.graph.unique_name(name), layer, list(inputs), shape, keras_tensor,
                    layers=[layer])
        self.graph.add(node)
        return node.name

    def _input_node(self, layer: Any, tensor: Any, prefix: str) -> str:
        shape = tuple(int(s) for s in tensor.shape[1:])
        node = Node(self.graph.unique_name(prefix + layer.name), layer, [], shape, tensor,
                    layers=[layer])
        self.graph.add(node)
        self.graph.inputs.append(node.name)
        return node.name

    # --- models ---------------------------------------------------------------------
    def walk(self, model: Any, bound: list[str] | None, prefix: str,
             top_level: bool) -> list[str]:
        """Add ``model``'s nodes; returns its output node names. ``bound``: the outer
        nodes its inputs are bound to (None at top level)."""
        _check_graph_model(model)
        if _is_sequential(model):
            outputs = self._walk_sequential(model, bound, prefix, top_level)
        else:
            outputs = self._walk_functional(model, bound, prefix, top_level)
        if top_level:
            self.graph.outputs = list(outputs)
        return outputs

    def _call(self, layer: Any, inputs: list[str], args: Any, prefix: str, call_index: int,
              calls: int, top_level: bool) -> list[str]:
        if isinstance(layer, keras.Model):
            return self.walk(layer, inputs, f"{prefix}{layer.name}/", top_level=False)
        name = prefix + layer.name + (f"#{call_index}" if calls > 1 else "")
        tensor = layer.output if top_level and calls == 1 \
            and isinstance(layer, keras.layers.Layer) else None
        return [self._add(layer, inputs, args, name, tensor)]

    def _walk_sequential(self, model, bound, prefix, top_level) -> list[str]:
        if bound is None:
            input_config = model.get_config()["layers"][0]["config"]
            input_layer = _NamedInput(input_config.get("name", "input"))
            current = self._input_node(input_layer, model.inputs[0], prefix)
        else:
            if len(bound) != 1:
                raise ValueError(f"Sequential model '{model.name}' takes one input, called "
                                 f"with {len(bound)}.")
            current = bound[0]
        for layer in model.layers:
            shape = self.graph[current].shape
            args = (keras.KerasTensor((None,) + shape),) if shape is not None else (None,)
            current = self._call(layer, [current], args, prefix, 0, 1, top_level)[0]
        return [current]

    def _walk_functional(self, model, bound, prefix, top_level) -> list[str]:
        config = model.get_config()
        tensors: dict[tuple[str, int, int], str] = {}
        input_refs = _refs(config["input_layers"])
        if bound is not None and len(bound) != len(input_refs):
            raise ValueError(f"Model '{model.name}' takes {len(input_refs)} inputs, called "
                             f"with {len(bound)}.")
        for i, ref in enumerate(input_refs):
            if bound is None:
                layer = model.get_layer(ref[0])
                tensors[ref] = self._input_node(layer, layer.output, prefix)
            else:
                tensors[ref] = bound[i]
        pending = []
        for entry in config["layers"]:
            if entry["class_name"] == "InputLayer" or not entry["inbound_nodes"]:
                continue
            calls = len(entry["inbound_nodes"])
            for index, call in enumerate(entry["inbound_nodes"]):
                pending.append((entry["name"], index, calls, call))
        while pending:
            progress = False
            for item in list(pending):
                layer_name, index, calls, call = item
                refs = _tensor_refs(call.get("args", []))
                if not all(r in tensors for r in refs):
                    continue
                self._check_call(model, layer_name, call, refs)
                layer = _operation(model, layer_name)
                inputs = [tensors[r] for r in refs]
                args = _placeholders(call.get("args", []),
                                     [self.graph[i].shape for i in inputs])
                outputs = self._call(layer, inputs, args, prefix, index, calls, top_level)
                for t, out in enumerate(outputs):
                    tensors[(layer_name, index, t)] = out
                pending.remove(item)
                progress = True
            if not progress:
                missing = sorted({r[0] for item in pending
                                  for r in _tensor_refs(item[3].get("args", []))
                                  if r not in tensors})
                raise ValueError(f"Model '{model.name}': cannot order its layers; inputs "
                                 f"from {missing} are never produced.")
        outputs = []
        for ref in _refs(config["output_layers"]):
            if ref not in tensors and isinstance(_operation(model, ref[0]), keras.Model):
                ref = (ref[0], ref[1] - 1, ref[2])   # nested Functional: see module doc
            outputs.append(tensors[ref])
        return outputs

    @staticmethod
    def _check_call(model, layer_name, call, refs) -> None:
        problems = []
        layer = _operation(model, layer_name)
        if any(r[2] != 0 for r in refs):
            problems.append(Problem(layer_name, type(layer).__name__,
                                    "it takes the second or later output of a multi-output "
                                    "layer", "Only single-output layers can be converted."))
        if _tensor_refs(call.get("kwargs", {})):
            problems.append(Problem(layer_name, type(layer).__name__,
                                    "it is called with tensors as keyword arguments "
                                    "(e.g. a mask)", "Pass tensors positionally, or remove "
                                    "the masking layer."))
        if problems:
            raise ConversionError.from_problems(problems, model.name)


class _NamedInput:
    """Stands in for a Sequential model's InputLayer (not in ``model.layers``)."""

    def __init__(self, name: str):
        self.name = name

    def __repr__(self) -> str:
        return f"<InputLayer name={self.name}>"


_NamedInput.__name__ = "InputLayer"

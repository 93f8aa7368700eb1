"""The converter base class: the mlGeNN 2.x ``Converter`` API over our graph passes."""
from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np

from ml_genn import Connection, Network, Population
from ml_genn.compilers import Compiler, InferenceCompiler
from ml_genn.neurons import Neuron
from ml_genn.utils.validation import check_init_value

from ..errors import ConversionError, LayerError, Problem
from ..graph.lower import lower_layers
from ..graph.mapping import MappedModel, PopulationSpec, map_populations
from ..graph.ops import WEIGHTED, ActivationOp
from ..graph.rewrite import PASSES, fold_input_preprocessing
from ..graph.walk import walk_model
from ..keras_model_file import load_keras_model

if TYPE_CHECKING:
    import keras

#: What :meth:`Converter.convert` returns: the network, its input and output populations
#: and each Keras layer's population (keys: ``keras.layers.Layer``).
ConvertResult = tuple[Network, list[Population], list[Population], dict[Any, Population]]


class LayerConfig(NamedTuple):
    """What ``validate_tf_layer(layer, config)`` learns about a layer.

    Attributes:
        name: the layer's name.
        is_output: whether its output is a model output.
        has_activation: whether it applies an activation (ReLU, softmax).
        population: name of the population carrying its output, or None.
    """

    name: str
    is_output: bool
    has_activation: bool
    population: str | None


def _compact(value: np.ndarray, shape: tuple) -> Any:
    full = np.broadcast_to(np.asarray(value, np.float64), shape)
    return float(full.flat[0]) if np.all(full == full.flat[0]) else full.astype(np.float32)


class Converter:
    """Converts a Keras model into an ml_genn network (mlGeNN 2.x API).

    ``convert`` walks the model, runs the layer handlers and the check pass (every
    problem reported at once), rewrites and maps the graph to populations and
    connections, then asks the hooks for neurons. Subclasses choose neurons, scales and
    the compiler through the hooks:

    - ``pre_convert(model)``: compute anything the other hooks need (e.g. statistics);
      its result is passed to them as ``pre``.
    - ``create_input_neurons(pre)``, ``create_neurons(layer, pre, is_output)``: the
      neuron of each population (``self.current_population`` is the
      :class:`~ml_genn_tf.graph.mapping.PopulationSpec` being built).
    - ``validate_tf_layer(layer, config)``: raise ``NotImplementedError``/``ValueError``
      for layers this converter refuses (collected with every other problem).
    - ``post_convert(network, inputs, outputs)``: change the built network.
    - ``create_compiler(**kwargs)``: the matching compiler.

    **ours**: ``population_scale(spec, pre)`` (the value one unit of a population
    stands for; connections are scaled by ``scale(source) / scale(target)``, biases by
    ``1 / scale(target)`` and inputs by ``1 / scale(input)``) and ``bias_scale``.

    Attributes:
        mapped: the :class:`~ml_genn_tf.graph.mapping.MappedModel` of the last
            conversion (populations, connections, biases).

    Example:
        >>> import keras
        >>> from ml_genn.neurons import BinarySpikeInput, IntegrateFire
        >>> class Binary(Converter):
        ...     def create_input_neurons(self, pre):
        ...         return BinarySpikeInput()
        ...     def create_neurons(self, layer, pre, is_output):
        ...         return IntegrateFire(readout="spike_count" if is_output else None)
        >>> model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3, name="out")])
        >>> net, inputs, outputs, layer_pops = Binary().convert(model)
        >>> outputs[0].name, layer_pops[model.layers[0]] is outputs[0]
        ('out', True)
    """

    #: Fold Rescaling/Normalization right after an input into the input neurons.
    fold_input = True
    #: The compiler class ``create_compiler`` returns (its options are the converter's
    #: compiler options, see :mod:`ml_genn_tf.options`).
    compiler_class: type[Compiler] = InferenceCompiler
    #: Show a progress bar while calibrating, once calibration has taken over
    #: :data:`ml_genn_tf.progress.PROGRESS_DELAY_S` seconds.
    progress: bool = True

    mapped: MappedModel | None = None
    #: What ``pre_convert`` returned in the last conversion (scales, alphas, ...).
    pre_convert_output: Any = None
    current_population: PopulationSpec | None = None

    # --- the mlGeNN API -------------------------------------------------------------
    def convert(self, tf_model: keras.Model | str | os.PathLike[str]) -> ConvertResult:
        """Convert ``tf_model`` (a Keras model, or a path to a ``.keras``/``.h5`` file).

        Returns:
            ``(network, input_populations, output_populations, keras_layer_to_population)``.

        Raises:
            ConversionError: every problem found (``NotImplementedError`` for unsupported
                layers or settings, ``ValueError`` for bad values).
        """
        model = load_keras_model(tf_model)
        self.mapped = self.map_model(model)
        return self.convert_mapped(model)

    def convert_mapped(self, model: keras.Model) -> ConvertResult:
        """:meth:`convert` from ``pre_convert`` on, with the mapping already in
        ``self.mapped`` (**ours**: a k sweep maps the model once; the mapping does not
        depend on the converter's thresholds or k, and building only reads it)."""
        mapped = self._require_mapped()
        pre = self.pre_convert(model)
        self.pre_convert_output = pre
        network, inputs, outputs, layer_pops = self.build_network(mapped, pre)
        self.post_convert(network, inputs, outputs)
        return network, inputs, outputs, layer_pops

    def pre_convert(self, tf_model: keras.Model) -> Any:
        return None

    def post_convert(self, mlg_network: Network, mlg_network_inputs: list[Population],
                     mlg_model_outputs: list[Population]) -> None:
        pass

    def create_input_neurons(self, pre_convert_output: Any) -> Neuron:
        raise NotImplementedError(f"{type(self).__name__} must implement "
                                  f"create_input_neurons(pre_convert_output).")

    def create_neurons(self, tf_layer: keras.layers.Layer, pre_convert_output: Any,
                       is_output: bool) -> Neuron:
        raise NotImplementedError(f"{type(self).__name__} must implement "
                                  f"create_neurons(tf_layer, pre_convert_output, is_output).")

    def validate_tf_layer(self, tf_layer: keras.layers.Layer, config: LayerConfig) -> None:
        """Raise for layers this converter refuses (default: accept what the handlers
        accept)."""

    def create_compiler(self, **kwargs: Any) -> Compiler:
        return self.compiler_class(**kwargs)

    # --- scaling hooks (ours) -------------------------------------------------------------
    def population_scale(self, spec: PopulationSpec, pre: Any) -> float:
        """The value one unit of population ``spec`` represents (1: no normalisation)."""
        return 1.0

    def unit(self, spec: PopulationSpec, pre: Any) -> np.ndarray:
        """The ANN value of one unit of membrane charge of ``spec``, per channel (an
        array that broadcasts against its Keras shape; default: one value per
        population, :meth:`population_scale`)."""
        return np.full(1, self.population_scale(spec, pre), np.float64)

    def bias_scale(self, spec: PopulationSpec, pre: Any) -> float:
        return 1.0 / self.population_scale(spec, pre)

    def check_mapped(self, mapped: MappedModel) -> list[Problem]:
        """Converter-specific problems of a mapped model (collected with the others)."""
        return []

    # --- passes -----------------------------------------------------------------------------
    def map_model(self, model: Any) -> MappedModel:
        """Walk, check, rewrite and map ``model``; raises one ConversionError with every
        problem found."""
        graph = walk_model(model)
        problems = lower_layers(graph)
        layers = [(node.layer, node.name in graph.outputs) for node in graph
                  if node.name not in graph.inputs]
        activations = {id(node.layer) for node in graph
                       if isinstance(node.op, ActivationOp) and node.op.kind != "linear"
                       or (isinstance(node.op, WEIGHTED) and node.op.activation is not None)}
        mapped = None
        if not problems:
            for rewrite_pass in PASSES:
                if rewrite_pass is not fold_input_preprocessing or self.fold_input:
                    rewrite_pass(graph)
            mapped, problems = map_populations(graph)
        owners = {} if mapped is None else {id(layer): spec.name for spec in
                                            mapped.populations.values() for layer in spec.layers}
        seen = set()
        for layer, is_output in layers:
            if id(layer) in seen:
                continue
            seen.add(id(layer))
            config = LayerConfig(layer.name, is_output, id(layer) in activations,
                                 owners.get(id(layer)))
            try:
                self.validate_tf_layer(layer, config)
            except LayerError as err:
                problems.append(err.problem)
            except (NotImplementedError, ValueError) as err:
                problems.append(Problem(layer.name, type(layer).__name__, str(err), "",
                                        not isinstance(err, ValueError)))
        if mapped is not None:
            problems += self.check_mapped(mapped)
        if problems:
            raise ConversionError.from_problems(problems, model.name)
        assert mapped is not None, "map_populations ran and found no problems"
        return mapped

    def _require_mapped(self) -> MappedModel:
        """The model being converted, for the hooks that :meth:`convert` calls."""
        if self.mapped is None:
            raise ValueError(f"{type(self).__name__}: pre_convert and post_convert run "
                             "inside convert(); call convert(model) instead.")
        return self.mapped

    # --- building --------------------------------------------------------------------------
    def _input_transform(self, neuron: Any, spec: PopulationSpec, pre: Any) -> None:
        op = spec.input_op
        assert op is not None, "input populations carry their InputOp"
        factor = 1.0 / self.population_scale(spec, pre)
        scale = np.asarray(op.scale, np.float64) * factor
        offset = np.asarray(op.offset, np.float64) * factor
        if np.all(scale == 1.0) and np.all(offset == 0.0):
            return
        if not hasattr(neuron, "input_scale"):
            raise ValueError(f"Input population '{spec.name}' needs input_scale/input_offset "
                             f"(folded preprocessing or normalisation) but "
                             f"{type(neuron).__name__} has none; return an input neuron "
                             f"from create_input_neurons.")
        neuron.input_scale = check_init_value(_compact(scale, spec.shape), "input_scale",
                                              type(neuron).__name__)
        neuron.input_offset = check_init_value(_compact(offset, spec.shape), "input_offset",
                                               type(neuron).__name__)

    def _bias(self, neuron: Any, spec: PopulationSpec, pre: Any) -> None:
        if spec.bias is None:
            return
        if "bias" not in getattr(neuron, "param_names", ()):
            raise ValueError(f"Population '{spec.name}' needs a bias (from the layers "
                             f"{[layer.name for layer in spec.layers]}) but "
                             f"{type(neuron).__name__} has no 'bias' parameter; return a "
                             f"neuron with one (IntegrateFire, FewSpikeRelu) from "
                             f"create_neurons.")
        bias = spec.bias.reshape(spec.shape) * self.bias_scale(spec, pre)
        neuron.bias = check_init_value(_compact(bias, spec.shape), "bias",
                                       type(neuron).__name__)

    def make_neuron(self, spec: PopulationSpec, pre: Any) -> Neuron:
        """The neuron of ``spec`` from the hooks, with bias and input transform set."""
        self.current_population = spec
        try:
            if spec.kind == "input":
                neuron = self.create_input_neurons(pre)
                self._input_transform(neuron, spec, pre)
            else:
                neuron = self.create_neurons(spec.layer, pre, spec.is_output)
                self._bias(neuron, spec, pre)
        finally:
            self.current_population = None
        return neuron

    def build_network(self, mapped: MappedModel, pre: Any, only: set | None = None,
                      neurons: dict[str, Neuron] | None = None) -> ConvertResult:
        """Build the network of ``mapped`` (or of the populations ``only``), with
        ``neurons`` overriding the hooks' neurons by population name."""
        network = Network()
        pops, layer_pops = {}, {}
        names = [n for n in mapped.populations if only is None or n in only]
        with network:
            for name in names:
                spec = mapped[name]
                neuron = (neurons or {}).get(name) or self.make_neuron(spec, pre)
                pops[name] = Population(neuron, spec.shape, name=name)
                for layer in spec.layers:
                    layer_pops[layer] = pops[name]
            counts: dict = {}
            for name in names:
                spec = mapped[name]
                for conn in spec.connections:
                    if conn.source not in pops:
                        continue
                    scale = self.population_scale(mapped[conn.source], pre) / \
                        self.population_scale(spec, pre)
                    key = (conn.source, name)
                    counts[key] = counts.get(key, 0) + 1
                    label = f"{conn.source}_to_{name}" + \
                        (f"_{counts[key]}" if counts[key] > 1 else "")
                    Connection(pops[conn.source], pops[name], conn.build(scale), name=label)
        inputs = [pops[n] for n in mapped.inputs if n in pops]
        outputs = [pops[n] for n in mapped.outputs if n in pops]
        return network, inputs, outputs, layer_pops

"""The result of :func:`ml_genn_tf.convert_model`: a network with its compiler."""
from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

import keras
import numpy as np

from ml_genn import Network, Population
from ml_genn.callbacks import SpikeCountTotals
from ml_genn.compilers import CompiledNetwork, Compiler

if TYPE_CHECKING:
    from .converters.converter import Converter


def _as_list(x: Any) -> list:
    return list(x) if isinstance(x, (list, tuple)) else [x]


def _format_value(value: Any) -> str:
    if isinstance(value, np.ndarray) and value.ndim > 0:
        return f"array{tuple(value.shape)} in [{value.min():.4g}, {value.max():.4g}]"
    if isinstance(value, (int, float, np.floating)):
        return f"{float(value):.4g}"
    return type(value).__name__


class ConvertedModel:
    """A converted network, ready to run: ``evaluate``, ``predict``, ``summary``.

    Attributes:
        network: the ml_genn :class:`~ml_genn.Network`.
        inputs, outputs: its input and output populations (in Keras order).
        layer_to_population: Keras layer -> population carrying its output.
        converter: the converter used.
        mapped: the converter's mapping of ``keras_model`` (populations and connections).
        compiler: the compiler (``compiler.batch_size``; ``evaluate_timesteps`` or ``k``).
        keras_model: the (unchanged) Keras model.
        method: the conversion method's name.

    ``predict`` returns the output populations' readouts: for few-spike, the logits
    (each output's input before its activation); for rate methods the output spike counts
    (``readout="spike_count"``) or the membrane potentials, proportional to the logits
    (``readout="var"``).

    Example:
        >>> import keras, numpy as np
        >>> from ml_genn_tf import convert_model
        >>> model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3)])
        >>> snn = convert_model(model, "simple", evaluate_timesteps=10, batch_size=2)
        >>> snn.compile_options["evaluate_timesteps"], len(snn.network.populations)
        (10, 2)
        >>> snn.evaluate(np.ones((2, 4)), np.zeros(2))["num_examples"]
        2
    """

    def __init__(self, keras_model: keras.Model, converter: Converter, network: Network,
                 inputs: list[Population], outputs: list[Population],
                 layer_to_population: dict[Any, Population], compiler: Compiler, method: str):
        if converter.mapped is None:
            raise ValueError("ConvertedModel: the converter has not converted a model yet; "
                             "call converter.convert(model) first.")
        self.mapped = converter.mapped
        self.keras_model = keras_model
        self.converter = converter
        self.network = network
        self.inputs = inputs
        self.outputs = outputs
        self.layer_to_population = layer_to_population
        self.compiler = compiler
        self.method = method
        self._compiled: CompiledNetwork | None = None

    # --- compile options -----------------------------------------------------------------
    @property
    def batch_size(self) -> int:
        return self.compiler.batch_size

    @property
    def evaluate_timesteps(self) -> int | None:
        return getattr(self.compiler, "evaluate_timesteps", None)

    @property
    def k(self) -> int | None:
        return getattr(self.compiler, "k", None)

    @property
    def compile_options(self) -> dict:
        """Batch size, timesteps (or k), precision and schedule of the compiler."""
        options = {"batch_size": self.batch_size}
        if self.evaluate_timesteps is not None:
            options["evaluate_timesteps"] = self.evaluate_timesteps
        if self.k is not None:
            options["k"] = self.k
        for name in ("dt", "precision", "schedule", "rng_seed"):
            if hasattr(self.compiler, name):
                options[name] = getattr(self.compiler, name)
        return options

    def compiled(self) -> CompiledNetwork:
        """The compiled network (compiled once, on first use)."""
        if self._compiled is None:
            self._compiled = self.compiler.compile(self.network, self.network_name,
                                                   inputs=self.inputs, outputs=self.outputs)
        return self._compiled

    @property
    def network_name(self) -> str:
        return getattr(self.keras_model, "name", "converted")

    # --- running ---------------------------------------------------------------------------
    def _inputs(self, x: Any) -> dict:
        if isinstance(x, dict):
            missing = [p.name for p in self.inputs if p.name not in x]
            if missing:
                raise ValueError(f"Inputs given as a dict lack {missing}; keys: {sorted(x)}.")
            x = [x[p.name] for p in self.inputs]
        xs = _as_list(x) if len(self.inputs) > 1 else [x]
        if len(xs) != len(self.inputs):
            raise ValueError(f"The model has {len(self.inputs)} inputs; pass a list of "
                             f"{len(self.inputs)} arrays, received {len(xs)}.")
        data = {}
        for pop, array in zip(self.inputs, xs, strict=True):
            array = np.asarray(array, np.float32)
            shape = tuple(self.mapped[pop.name].shape)
            size = int(np.prod(shape))
            if array.ndim == 0 or int(np.prod(array.shape[1:])) != size:
                raise ValueError(f"Input for '{pop.name}' has shape {array.shape}; expected "
                                 f"(num_examples, ...) with {size} values per example "
                                 f"(population shape {shape}).")
            data[pop] = array.reshape((len(array),) + shape)
        return data

    def _output_shape(self, index: int) -> tuple:
        spec = self.mapped[self.outputs[index].name]
        return tuple(spec.keras_shape)

    def predict(self, x: Any, callbacks: Any = ()) -> np.ndarray | list[np.ndarray]:
        """The outputs' readouts for ``x`` (an array ``(N, *input shape)``, or a list of
        arrays, or a dict by input name, for several inputs): one array ``(N, *output shape)``
        per output (a list if there are several)."""
        data = self._inputs(x)
        compiled = self.compiled()
        with compiled:
            out, _ = compiled.predict(data, self.outputs, callbacks=list(callbacks))
        results = [np.asarray(out[pop]).reshape((-1,) + self._output_shape(i))
                   for i, pop in enumerate(self.outputs)]
        return results[0] if len(results) == 1 else results

    def evaluate(self, x: Any, y: Any, spikes: bool = True, progress: bool = False) -> dict:
        """Accuracy (argmax of the readout against integer labels ``y``) and activity.

        Returns:
            ``{"accuracy": float}`` (a list for several outputs), ``"num_examples"``,
            ``"time_s"`` (wall time of the simulation), and with ``spikes``:
            ``"spikes_per_neuron"`` (mean spikes per non-input neuron per example) and
            ``"spikes_per_population"`` (by population name).
        """
        data = self._inputs(x)
        ys = _as_list(y) if len(self.outputs) > 1 else [y]
        labels = {pop: np.asarray(v) for pop, v in zip(self.outputs, ys, strict=True)}
        callbacks = (["batch_progress_bar"] if progress else []) + \
            ([SpikeCountTotals()] if spikes else [])
        compiled = self.compiled()
        start = time.perf_counter()
        with compiled:
            metrics, data_cb = compiled.evaluate(data, labels, callbacks=callbacks)
        elapsed = time.perf_counter() - start
        accuracy = [float(metrics[pop].result) for pop in self.outputs]
        results: dict[str, Any] = {
            "accuracy": accuracy[0] if len(accuracy) == 1 else accuracy,
            "num_examples": int(len(next(iter(data.values())))), "time_s": elapsed}
        if spikes and "spikes_per_neuron" in data_cb:
            per_pop = dict(data_cb["spikes_per_neuron"])
            results["spikes_per_neuron"] = per_pop.pop("__all__")
            results["spikes_per_population"] = per_pop
        return results

    # --- reporting -------------------------------------------------------------------------
    def summary(self) -> str:
        """Populations (neuron, shape, size, thresholds/alphas, bias), connections and
        compile options, as text."""
        mapped = self.mapped
        lines = [f"Converted model '{self.network_name}' (method: {self.method}, converter: "
                 f"{type(self.converter).__name__})", "", "Populations:"]
        header = f"  {'name':<24} {'neuron':<20} {'shape':<16} {'neurons':>8}  parameters"
        lines.append(header)
        total = 0
        for pop in self.network.populations:
            params = ", ".join(f"{k}={_format_value(v)}" for k, v in pop.neuron.get_params().items()
                               if k not in ("v", "v_reset") and not
                               (k == "bias" and np.all(np.asarray(v) == 0)))
            if getattr(pop.neuron, "relative_reset", None) is not None and \
                    "v_thresh" in pop.neuron.param_names:
                params += ", reset=" + ("subtract" if pop.neuron.relative_reset else "zero")
            readout = getattr(pop.neuron, "readout", None)
            if readout is not None:
                params += f", readout={type(readout).__name__}"
            total += pop.num_neurons
            lines.append(f"  {pop.name:<24} {type(pop.neuron).__name__:<20} "
                         f"{str(pop.shape):<16} {pop.num_neurons:>8}  {params}")
        lines.append(f"  total neurons: {total}")
        lines += ["", "Connections:"]
        for conn in self.network.connections:
            source, target = conn.source(), conn.target()
            if source is None or target is None:
                continue
            spec = next((c for c in mapped[target.name].connections
                         if c is not None and c.source == source.name), None)
            layers = "" if spec is None else \
                (f" [from {', '.join(spec.layers)}]" if spec.layers else " [identity]")
            lines.append(f"  {source.name} -> {target.name}: "
                         f"{type(conn.connectivity).__name__}{layers}")
        lines += ["", "Compile options: " + ", ".join(f"{k}={v}" for k, v in
                                                       self.compile_options.items())]
        return "\n".join(lines)

    def __repr__(self) -> str:
        return (f"ConvertedModel('{self.network_name}', method='{self.method}', "
                f"populations={len(self.network.populations)}, "
                f"{', '.join(f'{k}={v}' for k, v in self.compile_options.items())})")

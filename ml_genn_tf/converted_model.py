"""The result of :func:`ml_genn_tf.convert_model`: a runnable model that keeps its Keras
model and converter."""
from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from ml_genn import Network, Population, RunnableModel
from ml_genn.compilers import Compiler
from ml_genn.runnable import SweepTable

from .metadata import conversion_metadata

if TYPE_CHECKING:  # Keras is imported where it is used, never by loading a saved model
    import keras

    from .converters.converter import Converter


class ConvertedModel(RunnableModel):
    """A converted network, ready to run (see :class:`ml_genn.RunnableModel`:
    ``evaluate``, ``predict``, ``summary``, ``save``, ``sweep``), with what needs Keras:
    the ANN's accuracy and sweeps that re-run part of the conversion.

    Attributes:
        keras_model: the (unchanged) Keras model.
        converter: the converter used.
        mapped: the converter's mapping of ``keras_model`` (populations and connections).
        method: the conversion method's name.
        layer_to_population: Keras layer object -> population (mlGeNN's map;
            ``layer_populations`` is the same by layer name).

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
                 layer_to_population: dict, compiler: Compiler, method: str):
        self.keras_model = keras_model
        self.converter = converter
        self.method = method
        self.layer_to_population = layer_to_population
        mapped = converter.mapped
        if mapped is None:
            raise ValueError(f"{type(converter).__name__} has not converted a model yet; "
                             f"call converter.convert(model) first.")
        self.mapped = mapped
        output_shapes = [tuple(mapped[p.name].keras_shape) for p in outputs]
        super().__init__(network, inputs, outputs, compiler,
                         layer_populations={layer.name: pop for layer, pop in
                                            layer_to_population.items()},
                         output_shapes=output_shapes)
        self.metadata = conversion_metadata(keras_model, converter, method,
                                            self.compile_options)

    @property
    def network_name(self) -> str:
        return self.name

    def evaluate_ann(self, x: Any, y: Any, batch_size: int | None = None) -> float:
        """The Keras model's accuracy (argmax against integer labels ``y``) on ``x``;
        recorded in ``metadata["ann_accuracy"]``."""
        out = self.keras_model.predict(x, batch_size=batch_size or self.batch_size, verbose=0)
        out = out[0] if isinstance(out, list) else out
        labels = np.asarray(y[0] if isinstance(y, list) else y).reshape(-1)
        accuracy = float(np.mean(np.asarray(out).reshape(len(labels), -1).argmax(1) == labels))
        self.metadata["ann_accuracy"] = {"accuracy": accuracy, "num_examples": len(labels)}
        return accuracy

    def sweep(self, x: Any, y: Any, timesteps: Sequence[int] | None = None,
              k: Sequence[int] | None = None) -> SweepTable:
        """Accuracy and activity against ``timesteps`` (rate methods: one simulation to
        the largest T, read at each checkpoint) or ``k`` (few-spike: one calibration
        pass reused for every k). Spike-norm thresholds calibrated for the model's own T
        (``norm_timesteps`` equal to ``evaluate_timesteps``) depend on T, so that sweep
        warns and re-calibrates for each T.

        Returns:
            A :class:`~ml_genn.runnable.SweepTable` (T or k, accuracy, spikes per neuron,
            synaptic operations, latency in timesteps).
        """
        from .tools.sweep import sweep_converted
        return sweep_converted(self, x, y, timesteps=timesteps, k=k)

    def __repr__(self) -> str:
        return (f"ConvertedModel('{self.name}', method='{self.method}', "
                f"populations={len(self.network.populations)}, "
                f"{', '.join(f'{k}={v}' for k, v in self.compile_options.items())})")

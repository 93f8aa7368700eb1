"""QCFS conversion (Bu et al. 2022): quantised-ReLU ANNs as SNNs at T = L timesteps."""
from __future__ import annotations

from typing import Any, NamedTuple

import keras

from ml_genn import Network, Population
from ml_genn.compilers import InferenceCompiler
from ml_genn.neurons import Neuron, WindowedIntegrateFire

from ..errors import Problem
from ..graph.mapping import MappedModel, PopulationSpec
from ..layers import QuantisedReLU
from .input_type import InputType
from .rate import NEVER, RateConverter


class PreConvertOutput(NamedTuple):
    """QCFS's ``pre_convert`` result.

    Attributes:
        scales: the value one unit of each population stands for (its threshold
            :math:`\\lambda T/L` for a QuantisedReLU population), by population name.
        depths: each population's depth (longest path from an input), by name.
    """

    scales: dict
    depths: dict


def quantisation_levels(model: keras.Model) -> list[int]:
    """The ``levels`` of every :class:`~ml_genn_tf.layers.QuantisedReLU` in ``model``
    (nested models included), in layer order; empty if there is none."""
    levels = []
    for layer in model.layers:
        if isinstance(layer, QuantisedReLU):
            levels.append(layer.levels)
        elif isinstance(layer, keras.Model):
            levels += quantisation_levels(layer)
    return levels


def population_depths(mapped: MappedModel) -> dict[str, int]:
    """Longest path (in connections) from an input to each population."""
    depths: dict[str, int] = {}
    for name, spec in mapped.populations.items():  # topological order
        depths[name] = 1 + max((depths[s] for s in spec.sources), default=-1)
    return depths


class QCFS(RateConverter):
    r"""Converts an ANN trained with :class:`~ml_genn_tf.layers.QuantisedReLU`
    (quantisation clip-floor-shift, Bu et al. 2022) into integrate-and-fire neurons that
    reproduce it in ``evaluate_timesteps`` :math:`T` (:math:`L` or a multiple) steps.

    A QuantisedReLU with clip :math:`\lambda` and :math:`L` levels becomes
    integrate-and-fire neurons with threshold :math:`\theta = \lambda T/L` (the clip at
    :math:`T = L`; each spike stands for one level :math:`\lambda/L`), initial membrane
    potential :math:`\theta/2`, reset by subtraction and at most :math:`L` spikes (the
    clip). As in every rate converter here, the threshold is 1 in the network: weights
    are scaled by :math:`\theta_{src}/\theta_{trg}` and biases by
    :math:`1/\theta_{trg}`. For a constant input :math:`z` per step,
    :math:`V_T = \theta/2 + Tz - N\theta` ends in :math:`[0, \theta)` while
    :math:`0 \le z \le \lambda`, so the count is
    :math:`N = \mathrm{clip}(\lfloor zL/\lambda + 1/2\rfloor, 0, L)` and
    :math:`N\lambda/L` is exactly the layer's output. Inputs are analog
    (``input_type="direct"``, the default), so the first layer is exact. Deeper layers
    receive uneven spike trains; with ``signed_spikes`` (**ours**, the default) a neuron
    takes back a spike that later input made wrong (negative spike, Wang et al. 2022),
    which keeps each layer's count equal to its rounded total input except where a
    window is too short to emit them all; ``signed_spikes=False`` gives the paper's
    neurons, whose early spikes stay (Bu et al.'s unevenness error).

    Synapses delay spikes by one step, so each population integrates in its own window
    :math:`[d, d+T)` of :class:`~ml_genn.neurons.WindowedIntegrateFire` at its depth
    :math:`d`, and connections skipping layers are delayed to match: a network of
    depth :math:`D` runs :math:`T + D` steps (``create_compiler``) and computes what a
    network whose layers update in the same step computes in :math:`T`. Outputs read
    out ``"var"`` (the logits integrated over :math:`T` steps). Max pooling needs
    ``max_pool="spike_gate"`` (an approximation); use AveragePooling2D for exactness.

    Args:
        evaluate_timesteps: timesteps :math:`T` each layer integrates (``None``: the
            largest ``levels`` of the model's QuantisedReLU layers, set by
            :meth:`convert`).
        signed_spikes: negative spikes (default True); False: the paper's neurons.
        signed_input: inputs may be negative (only with ``input_type="direct"``).
        input_type: :class:`~ml_genn_tf.converters.InputType`, ``"direct"`` by default;
            spike-coded inputs must lie in [0, 1].
        max_pool: ``"error"`` (default: refuse MaxPooling2D, since the approximations
            are not exact with negative spikes), or ``"spike_gate"``/``"running_max"``,
            see :class:`~ml_genn_tf.converters.rate.RateConverter`.

    Example:
        >>> import keras
        >>> from ml_genn_tf.layers import QuantisedReLU
        >>> model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(4),
        ...                           QuantisedReLU(levels=4, name="q"),
        ...                           keras.layers.Dense(2)])
        >>> converter = QCFS()
        >>> net, inputs, outputs, _ = converter.convert(model)
        >>> converter.evaluate_timesteps, converter.create_compiler().evaluate_timesteps
        (4, 6)
    """

    def __init__(self, evaluate_timesteps: int | None = None, signed_spikes: bool = True,
                 signed_input: bool = False, input_type: Any = InputType.DIRECT,
                 max_pool: str = "error"):
        super().__init__(1 if evaluate_timesteps is None else evaluate_timesteps,
                         signed_input, input_type, "subtract", "var", max_pool)
        self.signed_spikes = bool(signed_spikes)
        self._timesteps_given = evaluate_timesteps is not None
        if signed_input and self.input_type != InputType.DIRECT:
            raise ValueError(f"QCFS: signed_input=True needs input_type='direct', "
                             f"received input_type={self.input_type.value!r}.")
        self.latency: int | None = None

    def check_mapped(self, mapped: MappedModel) -> list[Problem]:
        problems = super().check_mapped(mapped)
        for spec in mapped.populations.values():
            if spec.kind == "relu" and not isinstance(spec.layer, QuantisedReLU):
                problems.append(Problem(
                    spec.layer.name, type(spec.layer).__name__,
                    "QCFS conversion needs QuantisedReLU activations (their learned clip "
                    "is the threshold)", "Replace the ReLU with "
                    "ml_genn_tf.layers.QuantisedReLU(levels) and fine-tune (see "
                    "models/finetune_quantised.py), or use DataNorm.", True))
        return problems

    def pre_convert(self, tf_model: keras.Model) -> PreConvertOutput:
        mapped = self._require_mapped()
        if not self._timesteps_given:
            self.evaluate_timesteps = max(quantisation_levels(tf_model), default=1)
        scales: dict[str, float] = {}
        for name, spec in mapped.populations.items():
            if spec.kind == "max_pool":
                scales[name] = scales[spec.sources[0]]
            elif spec.kind == "relu":
                assert spec.max_value is not None, "a QuantisedReLU maps to ReLU(clip)"
                scales[name] = spec.max_value * self.evaluate_timesteps / spec.layer.levels
            else:
                scales[name] = 1.0
        depths = population_depths(mapped)
        self.latency = max((depths[name] for name in mapped.outputs), default=0)
        return PreConvertOutput(scales, depths)

    def population_scale(self, spec: PopulationSpec, pre: Any) -> float:
        return pre.scales[spec.name]

    def create_neurons(self, tf_layer: keras.layers.Layer, pre_convert_output: Any,
                       is_output: bool) -> Neuron:
        spec = self.current_population
        assert spec is not None, "create_neurons runs inside convert()"
        start = pre_convert_output.depths[spec.name]
        window = dict(start_step=start, stop_step=start + self.evaluate_timesteps)
        if spec.kind == "max_pool":
            return WindowedIntegrateFire(**window, signed_spikes=self.signed_spikes,
                                         readout="spike_count" if is_output else None)
        if not spec.is_source:
            return WindowedIntegrateFire(**window, v_thresh=NEVER, readout="var")
        return WindowedIntegrateFire(**window, v=0.5, signed_spikes=self.signed_spikes,
                                     max_spikes=spec.layer.levels,
                                     readout="spike_count" if is_output else None)

    def post_convert(self, mlg_network: Network, mlg_network_inputs: list[Population],
                     mlg_model_outputs: list[Population]) -> None:
        """Delay every connection that skips layers so that spikes arrive in the target's
        window: ``depth(target) - depth(source) - 1`` steps."""
        depths = population_depths(self._require_mapped())
        for connection in mlg_network.connections:
            source, target = connection.source(), connection.target()
            assert source is not None and target is not None, "the network holds both"
            connection.connectivity.delay = depths[target.name] - depths[source.name] - 1

    def create_compiler(self, **kwargs: Any) -> InferenceCompiler:
        """An InferenceCompiler running :math:`T + D` steps (see the class docstring)."""
        if self.latency is None:
            raise ValueError("QCFS: call convert(model) before create_compiler(): the "
                             "steps to simulate depend on the network's depth.")
        return self.compiler_class(evaluate_timesteps=self.evaluate_timesteps + self.latency,
                                 **kwargs)

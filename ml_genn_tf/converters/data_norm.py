"""Data-based normalisation (Diehl et al. 2015; percentile mode of Rueckauer et al. 2017)."""
from __future__ import annotations

from typing import Any, NamedTuple

import keras
import numpy as np

from ml_genn import Network, Population
from ml_genn.neurons import IntegrateFire, IntegrateFireInput, Neuron

from ..calibration import calibrate
from ..graph.mapping import PopulationSpec
from .channel_norm import apply_channel_gains, channel_gains, full_gain
from .input_type import InputType
from .layer_calibration import (
    CALIBRATIONS,
    LAYER_CALIBRATION_EXAMPLES,
    CalibrationSet,
    LayerCalibration,
    calibration_set,
    delayed_output,
)
from .rate import DEFAULT_MAX_POOL, RateConverter, check_choice

MODES = ("percentile", "max")


class PreConvertOutput(NamedTuple):
    """DataNorm's ``pre_convert`` result.

    Attributes:
        scales: :math:`\\lambda` of every population, by population name.
        thresholds: the equivalent mlGeNN threshold :math:`\\lambda_l/\\lambda_{prev}`
            of each single-source population (for reporting).
        gains: with ``channel_wise``, each population's per-channel
            :math:`\\lambda_{l,c}/\\lambda_l` (None: layer-wise).
    """

    scales: dict
    thresholds: dict
    gains: dict | None = None


class DataNorm(RateConverter):
    r"""Rate-coded conversion normalised by activation statistics of ``norm_data``.

    For each population :math:`l`, :math:`\lambda_l` is the 99.9th percentile of its
    positive activations (``mode="percentile"``, Rueckauer et al. 2017) or
    :math:`\max(\max a_l, \max w_l)` (``mode="max"``, mlGeNN/Diehl et al. 2015), capped
    at a ReLU's ``max_value``. Every connection's weights are scaled by
    :math:`\lambda_{src}/\lambda_{trg}` and biases by :math:`1/\lambda_{trg}`, with
    thresholds 1. For a chain this equals mlGeNN's thresholds
    :math:`\theta_l = \lambda_l/\lambda_{l-1}`; unlike a threshold, it also normalises
    joins of branches with different scales (ResNets), so every population of any DAG
    is normalised. Max-pooling populations keep their source's :math:`\lambda`. Inputs
    are divided by :math:`\lambda_{in} = \max(1, \text{statistic of } |x|)` (**ours**)
    so that rate-coded inputs do not saturate.

    Args:
        evaluate_timesteps: timesteps per example.
        signed_input: inputs may be negative.
        norm_data: calibration data: mlGeNN's ``[iterable of (x, y) batches]``, a NumPy
            array, an ``(x, y)`` tuple, a ``tf.data.Dataset`` or an iterable of batches;
            for several inputs a dict by input name or a list of one array per input
            (every format: :mod:`ml_genn_tf.calibration_data`).
        input_type: :class:`~ml_genn_tf.converters.InputType` (default Poisson, as
            mlGeNN; ``convert_model`` uses ``"if"``, more accurate: see
            :class:`~ml_genn_tf.converters.rate.RateConverter`).
        mode: **ours**, ``"percentile"`` (default) or ``"max"``.
        percentile: **ours**, the percentile of ``mode="percentile"`` (99.9).
        reset, readout, max_pool: **ours**, see
            :class:`~ml_genn_tf.converters.rate.RateConverter`.
        initial_potential: **ours**, the initial membrane potential of every
            integrate-and-fire neuron (hidden and input), as a fraction of its threshold.
            0 (default) is mlGeNN's; 0.5 (Rueckauer et al. 2017; Bu et al., ICLR 2022,
            QCFS: :math:`V_0 = \theta/2`) makes the spike count the *rounded* rather
            than the floored charge, halving the expected quantisation error and
            letting neurons fire a step earlier.
        channel_wise: **ours**, one :math:`\lambda` per channel instead of one per
            layer (channel-wise thresholds, as the per-channel threshold balancing of
            local threshold balancing, Bu, Li and Yu, CVPR 2025; Kim et al. 2020): see
            :mod:`ml_genn_tf.converters.channel_norm`. Weakly active channels then
            fire at the same full-scale rate as the strongest ones.
        calibration: **ours**, layer-wise calibration against the ANN (Li et al.,
            ICML 2021): ``None`` (default), ``"bias"`` (shift each channel's bias by
            the mean difference between the ANN's activation and the SNN's rate x
            threshold, layer by layer in DAG order) or ``"potential"`` (put the same
            correction into the initial membrane potential); see
            :mod:`ml_genn_tf.converters.layer_calibration`. It compiles the SNN once
            and runs it once per level of the DAG (populations corrected from the
            same run do not depend on each other) on the first
            ``calibration_examples`` calibration examples, for ``evaluate_timesteps``
            steps: levels x T x examples simulated example-steps of the whole network
            (a ResNet50 has about 50 levels).
        readout_delay: **ours**, ignore the output's first ``readout_delay`` steps
            (the output integrates from that step on, when the layers before it have
            settled); ``"auto"``: the delay up to T/2 whose predictions agree best
            with the ANN's on the calibration examples (from the calibration's last
            run, or one SNN run of its own without calibration). Needs
            ``readout="var"``. Default 0 (mlGeNN reads every step).
        calibration_examples: **ours**, how many of the first calibration examples
            ``calibration`` and ``readout_delay="auto"`` run the SNN on (default
            1,024, as Li et al.).

    The low-latency options keep mlGeNN's behaviour by default here;
    :func:`~ml_genn_tf.convert_model` turns on ``input_type="if"``,
    ``initial_potential=0.5`` and, up to T=64 (above, they no longer pay for their
    simulation: README, "Low-latency rate conversion"), ``calibration="potential"`` and
    ``readout_delay="auto"``.
    Measured (``bench/latency.py``; Fashion-MNIST ResNet without max pooling, T=32,
    first 1,000 test images, ANN 92.70%, calibration on 1,024 training images), each
    option alone on top of current input (61.5%): ``initial_potential=0.5`` 87.8%,
    ``channel_wise`` 63.7%, ``calibration="bias"`` 89.8%, ``"potential"`` 92.6%,
    ``readout_delay="auto"`` 76.4%; ``convert_model``'s combination 93.1% (with
    ``calibration="bias"`` instead: 92.4%; Poisson input, mlGeNN's default: 49.8%).

    Attributes:
        readout_delays: the delay of each output population of the last conversion.
        calibration_errors: with ``calibration``, the mean difference ANN - SNN per
            channel that each population was corrected by (ANN units).

    Example:
        >>> import numpy as np
        >>> converter = DataNorm(200, norm_data=np.zeros((4, 3)), mode="max")
        >>> converter.mode, converter.reset, converter.initial_potential
        ('max', 'subtract', 0.0)
    """

    def __init__(self, evaluate_timesteps: int, signed_input: bool = False,
                 norm_data: Any = None, input_type: Any = InputType.POISSON,
                 mode: str = "percentile", percentile: float = 99.9,
                 reset: str = "subtract", readout: str = "var",
                 max_pool: str = DEFAULT_MAX_POOL, initial_potential: float = 0.0,
                 channel_wise: bool = False, calibration: str | None = None,
                 readout_delay: int | str = 0,
                 calibration_examples: int = LAYER_CALIBRATION_EXAMPLES):
        super().__init__(evaluate_timesteps, signed_input, input_type, reset, readout,
                         max_pool)
        self.norm_data = norm_data
        self.mode = check_choice(mode, "mode", MODES, "DataNorm")
        if not 0.0 < float(percentile) <= 100.0:
            raise ValueError(f"DataNorm: percentile must be in (0, 100], received "
                             f"{percentile!r}.")
        self.percentile = float(percentile)
        if isinstance(initial_potential, bool) or \
                not 0.0 <= float(initial_potential) < 1.0:
            raise ValueError(f"DataNorm: initial_potential is a fraction of the threshold "
                             f"in [0, 1), received {initial_potential!r}; 0.5 starts "
                             f"every neuron half-way to its threshold.")
        self.initial_potential = float(initial_potential)
        self.channel_wise = bool(channel_wise)
        self.calibration = check_choice(calibration, "calibration", CALIBRATIONS, "DataNorm")
        self.readout_delay = _readout_delay(readout_delay, self.evaluate_timesteps,
                                            self.readout)
        if isinstance(calibration_examples, bool) or \
                not isinstance(calibration_examples, (int, np.integer)) or \
                calibration_examples < 1:
            raise ValueError(f"DataNorm: calibration_examples must be a whole number >= 1, "
                             f"received {calibration_examples!r}.")
        self.calibration_examples = int(calibration_examples)
        self.readout_delays: dict = {}
        self.calibration_errors: dict = {}
        self._calibration_set: CalibrationSet | None = None

    def pre_convert(self, tf_model: keras.Model) -> PreConvertOutput:
        if self.norm_data is None:
            raise ValueError("DataNorm needs norm_data (calibration inputs) to normalise; "
                             "pass norm_data=..., or use the Simple converter.")
        mapped = self._require_mapped()
        names = [n for n, s in mapped.populations.items() if s.kind != "max_pool"]
        stats = calibrate(tf_model, mapped, self.norm_data, names,
                          signed_input=self.signed_input, progress=self.progress,
                          channels=self.channel_wise)
        scales: dict = {}
        for name, spec in mapped.populations.items():
            scales[name] = self._scale(spec, stats, scales)
        thresholds = {name: scales[name] / scales[spec.sources[0]]
                      for name, spec in mapped.populations.items()
                      if len(spec.sources) == 1}
        gains = None
        if self.channel_wise:
            is_scaled = {name: not (spec.is_output and not spec.is_source
                                    and self.readout == "var")
                         for name, spec in mapped.populations.items()}
            gains = channel_gains(mapped, stats, scales, self.mode, self.percentile,
                                  is_scaled)
            apply_channel_gains(mapped, gains)
        self._calibration_set = None
        if self.calibration is not None or self.readout_delay == "auto":
            self._calibration_set = calibration_set(tf_model, mapped, self.norm_data,
                                                    self.calibration_examples)
        return PreConvertOutput(scales, thresholds, gains)

    def _scale(self, spec: PopulationSpec, stats: dict, scales: dict) -> float:
        if spec.kind == "max_pool":
            return scales[spec.sources[0]]
        if spec.kind == "input":
            return max(1.0, stats[spec.name].statistic(self.mode, self.percentile))
        if spec.is_output and not spec.is_source and self.readout == "var":
            return 1.0
        value = stats[spec.name].statistic(self.mode, self.percentile)
        if self.mode == "max" and spec.connections:
            value = max(value, max(c.max_weight for c in spec.connections))
        if spec.max_value is not None:
            value = min(value, spec.max_value) if value > 0 else spec.max_value
        return value if value > 0 else 1.0

    def population_scale(self, spec: PopulationSpec, pre: Any) -> float:
        return pre.scales[spec.name]

    def unit(self, spec: PopulationSpec, pre: Any) -> np.ndarray:
        """The ANN value of one unit of membrane charge (one spike) of ``spec``, per
        channel: :math:`\\lambda_l g_{l,c}`."""
        gain = None if pre.gains is None else pre.gains.get(spec.name)
        return pre.scales[spec.name] * (np.ones(1) if gain is None else gain)

    def bias_scale(self, spec: PopulationSpec, pre: Any) -> Any:
        gain = None if pre.gains is None else pre.gains.get(spec.name)
        if gain is None:
            return 1.0 / pre.scales[spec.name]
        return 1.0 / (pre.scales[spec.name] * full_gain(gain, tuple(spec.keras_shape),
                                                        tuple(spec.shape)))

    def create_input_neurons(self, pre_convert_output: Any) -> Neuron:
        neuron = super().create_input_neurons(pre_convert_output)
        if isinstance(neuron, IntegrateFireInput) and self.initial_potential:
            neuron.v = self.initial_potential * float(neuron.v_thresh)
        return neuron

    def create_neurons(self, tf_layer: keras.layers.Layer, pre_convert_output: Any,
                       is_output: bool) -> Neuron:
        neuron = super().create_neurons(tf_layer, pre_convert_output, is_output)
        spec = self.current_population
        if self.initial_potential and spec is not None and spec.kind == "relu" and \
                isinstance(neuron, IntegrateFire):
            neuron.v = self.initial_potential * float(neuron.v_thresh)
        return neuron

    def post_convert(self, mlg_network: Network, mlg_network_inputs: list[Population],
                     mlg_model_outputs: list[Population]) -> None:
        """Layer-wise calibration and the delayed readout (when asked for)."""
        data, self._calibration_set = self._calibration_set, None
        mapped = self._require_mapped()
        pre = self.pre_convert_output
        pops = {p.name: p for p in mlg_network.populations}
        outputs = [name for name in mapped.outputs
                   if not mapped[name].is_source and self.readout == "var"]
        self.calibration_errors = {}
        self.readout_delays = {name: 0 if self.readout_delay == "auto" else
                               int(self.readout_delay) for name in outputs}
        if data is not None:
            hidden = [n for n, spec in mapped.populations.items() if spec.kind == "relu"]
            run = LayerCalibration(
                lambda neurons: self.build_network(mapped, pre, neurons=neurons),
                mapped, pops, data, self.evaluate_timesteps,
                lambda name: self.unit(mapped[name], pre), self.progress)
            self.calibration_errors, self.readout_delays = run.run(
                hidden, outputs, self.calibration, self.readout_delay)
        for name, delay in self.readout_delays.items():
            if delay:
                pops[name].neuron = delayed_output(pops[name].neuron, int(delay))


def _readout_delay(value: Any, timesteps: int, readout: str) -> int | str:
    if value == "auto" or value == 0:
        if value == "auto" and readout != "var":
            raise ValueError(f"DataNorm: readout_delay='auto' needs readout='var' (the "
                             f"output's membrane potential), received readout={readout!r}.")
        return value
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) \
            or not 0 <= int(value) < timesteps:
        raise ValueError(f"DataNorm: readout_delay must be 'auto' or a whole number of "
                         f"steps in [0, evaluate_timesteps={timesteps}), received "
                         f"{value!r}.")
    if readout != "var":
        raise ValueError(f"DataNorm: readout_delay needs readout='var' (the output's "
                         f"membrane potential), received readout={readout!r}.")
    return int(value)

"""Data-based normalisation (Diehl et al. 2015; percentile mode of Rueckauer et al. 2017)."""
from __future__ import annotations

from typing import Any, NamedTuple

import keras

from ..calibration import calibrate
from ..graph.mapping import PopulationSpec
from .input_type import InputType
from .rate import DEFAULT_MAX_POOL, RateConverter, check_choice

MODES = ("percentile", "max")


class PreConvertOutput(NamedTuple):
    """DataNorm's ``pre_convert`` result.

    Attributes:
        scales: :math:`\\lambda` of every population, by population name.
        thresholds: the equivalent mlGeNN threshold :math:`\\lambda_l/\\lambda_{prev}`
            of each single-source population (for reporting).
    """

    scales: dict
    thresholds: dict


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
        input_type: :class:`~ml_genn_tf.converters.InputType` (default Poisson).
        mode: **ours**, ``"percentile"`` (default) or ``"max"``.
        percentile: **ours**, the percentile of ``mode="percentile"`` (99.9).
        reset, readout, max_pool: **ours**, see
            :class:`~ml_genn_tf.converters.rate.RateConverter`.

    Example:
        >>> import numpy as np
        >>> converter = DataNorm(200, norm_data=np.zeros((4, 3)), mode="max")
        >>> converter.mode, converter.reset
        ('max', 'subtract')
    """

    def __init__(self, evaluate_timesteps: int, signed_input: bool = False,
                 norm_data: Any = None, input_type: Any = InputType.POISSON,
                 mode: str = "percentile", percentile: float = 99.9,
                 reset: str = "subtract", readout: str = "var",
                 max_pool: str = DEFAULT_MAX_POOL):
        super().__init__(evaluate_timesteps, signed_input, input_type, reset, readout,
                         max_pool)
        self.norm_data = norm_data
        self.mode = check_choice(mode, "mode", MODES, "DataNorm")
        if not 0.0 < float(percentile) <= 100.0:
            raise ValueError(f"DataNorm: percentile must be in (0, 100], received "
                             f"{percentile!r}.")
        self.percentile = float(percentile)

    def pre_convert(self, tf_model: keras.Model) -> PreConvertOutput:
        if self.norm_data is None:
            raise ValueError("DataNorm needs norm_data (calibration inputs) to normalise; "
                             "pass norm_data=..., or use the Simple converter.")
        mapped = self._require_mapped()
        names = [n for n, s in mapped.populations.items() if s.kind != "max_pool"]
        stats = calibrate(tf_model, mapped, self.norm_data, names,
                          signed_input=self.signed_input, progress=self.progress)
        scales: dict = {}
        for name, spec in mapped.populations.items():
            scales[name] = self._scale(spec, stats, scales)
        thresholds = {name: scales[name] / scales[spec.sources[0]]
                      for name, spec in mapped.populations.items()
                      if len(spec.sources) == 1}
        return PreConvertOutput(scales, thresholds)

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

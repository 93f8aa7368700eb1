"""Few-spike conversion (Stöckl & Maass 2021)."""
from __future__ import annotations

from typing import Any, NamedTuple

import keras
import numpy as np

from ml_genn.compilers import FewSpikeCompiler
from ml_genn.neurons import FewSpikeRelu, FewSpikeReluInput, Neuron
from ml_genn.utils.value import check_init_value

from ..calibration import calibrate
from ..errors import Problem
from ..graph.mapping import MappedModel, PopulationSpec
from .converter import Converter
from .data_norm import MODES
from .few_spike_k import SAMPLE as K_CHECK_SAMPLE
from .few_spike_k import check_k
from .rate import check_choice

#: FewSpike's ``rounding`` choices.
ROUNDINGS = ("nearest", "floor")


class PreConvertOutput(NamedTuple):
    """FewSpike's ``pre_convert`` result.

    Attributes:
        layer_alpha: alpha by Keras layer (mlGeNN's field).
        input_alpha: alpha of the (first) input, or None without data.
        alphas: alpha of every population, by population name (**ours**).
    """

    layer_alpha: dict
    input_alpha: float | None
    alphas: dict


class FewSpike(Converter):
    r"""Few-spike conversion: every ReLU becomes a :class:`~ml_genn.neurons.FewSpikeRelu`
    population that sends its value in ``k`` binary-weighted spikes; inputs use
    :class:`~ml_genn.neurons.FewSpikeReluInput`; the network runs pipelined in
    :class:`~ml_genn.compilers.FewSpikeCompiler`.

    Alpha (the largest value a population can send, :math:`\alpha(1-2^{-K})`) is, per
    population, :math:`\max(a)/(1-2^{-K})` over ``norm_data`` (``mode="max"``, the
    default) or the ``percentile`` of its positive values over :math:`1-2^{-K}`
    (``mode="percentile"``), capped at :math:`m/(1-2^{-K})` for a ReLU(max_value=m),
    which then saturates exactly at :math:`m`. The input alpha is
    :math:`\max x/(1-2^{-K})`, or :math:`\max|x|/(1-2^{-K/2})` with ``signed_input``
    (K/2 bits per polarity). Without ``norm_data`` every alpha is ``alpha``.

    Biases enter as the constant each stage adds (``FewSpikeRelu(bias=...)``).
    Max-pooling populations take their source's alpha, so the max is sent exactly.
    Residual joins need no common alpha: every few-spike event carries the threshold its
    source sent it with, so the target accumulates ``sum(w * value)`` whatever the
    sources' alphas are (tested). Output populations read out ``"var"``: the stage's
    input, i.e. the logits.

    Args:
        k: timesteps per stage K (even with ``signed_input``).
        alpha: alpha without data.
        signed_input: inputs may be negative.
        norm_data: calibration data (see :class:`~ml_genn_tf.converters.DataNorm`).
        mode: **ours**, ``"max"`` (default) or ``"percentile"``.
        percentile: **ours**, percentile of ``mode="percentile"`` (99.9).
        rounding: **ours**, ``"floor"`` (default, mlGeNN's behaviour: the greedy K-bit
            code truncates each hidden value) or ``"nearest"`` (half a code step,
            :math:`\alpha 2^{-(K+1)}`, is added to each hidden ReLU population's bias, so
            the code rounds to the nearest step; truncation's bias of half a step per
            neuron otherwise accumulates over the layers). ``convert_model`` uses
            ``"nearest"``: it needs fewer bits for the same accuracy
            (``python bench/few_spike_k.py``, 2,000 test images, calibration on 10,000
            training images: MNIST CNN 98.15% at k=3 against 11.50% with floor, ANN
            98.60%; Fashion ResNet 91.55% at k=6 against 90.35%, ANN 91.85%; equal
            within 0.1 point at k=10).

    A conversion with calibration data warns when k is too small for the network: the
    SNN's predictions on 256 calibration examples, computed exactly from the quantised
    activations without simulation (:mod:`~ml_genn_tf.converters.few_spike_k`), agree
    with the ANN's on fewer than 99.5% of them; the warning names a k that would do.

    Example:
        >>> FewSpike(k=8).create_compiler(batch_size=16).k
        8
    """

    compiler_class: type[FewSpikeCompiler] = FewSpikeCompiler

    def __init__(self, k: int = 10, alpha: float = 25, signed_input: bool = False,
                 norm_data: Any = None, mode: str = "max", percentile: float = 99.9,
                 rounding: str = "floor"):
        if isinstance(k, bool) or int(k) != k or int(k) <= 0:
            raise ValueError(f"FewSpike: k must be a positive integer, received {k!r}.")
        if signed_input and int(k) % 2:
            raise ValueError(f"FewSpike: k must be even with signed_input=True (K/2 bits "
                             f"per polarity), received k={k}.")
        if not float(alpha) > 0:
            raise ValueError(f"FewSpike: alpha must be > 0, received {alpha!r}.")
        self.k = int(k)
        self.alpha = float(alpha)
        self.signed_input = bool(signed_input)
        self.norm_data = norm_data
        self.mode = check_choice(mode, "mode", MODES, "FewSpike")
        if not 0.0 < float(percentile) <= 100.0:
            raise ValueError(f"FewSpike: percentile must be in (0, 100], received "
                             f"{percentile!r}.")
        self.percentile = float(percentile)
        self.rounding = check_choice(rounding, "rounding", ROUNDINGS, "FewSpike")

    #: Calibration statistics to use instead of running ``norm_data`` (a k sweep sets
    #: them so that every k reuses one calibration pass).
    precomputed_stats: dict | None = None
    #: The statistics of the last conversion (None without data).
    stats: dict | None = None

    @property
    def max_fraction(self) -> float:
        """Largest sendable value over alpha: :math:`1-2^{-K}`."""
        return 1.0 - 2.0 ** -self.k

    def check_mapped(self, mapped: MappedModel) -> list[Problem]:
        problems = []
        if self.signed_input:
            for spec in mapped.populations.values():
                if spec.kind == "max_pool" and mapped[spec.sources[0]].kind == "input":
                    problems.append(Problem(
                        spec.layer.name, type(spec.layer).__name__,
                        "max pooling of signed inputs is not supported by FewSpike "
                        "conversion", "Pool after the first ReLU, or use unsigned input."))
        return problems

    def pre_convert(self, tf_model: keras.Model) -> PreConvertOutput:
        mapped = self._require_mapped()
        stats = self.precomputed_stats
        if stats is None and self.norm_data is not None:
            names = [n for n, s in mapped.populations.items() if s.kind != "max_pool"]
            stats = calibrate(tf_model, mapped, self.norm_data, names,
                              signed_input=self.signed_input, progress=self.progress,
                              keep=K_CHECK_SAMPLE)
            self.stats = stats
            check_k(self, tf_model)
        self.stats = stats
        alphas = self.population_alphas(mapped, stats)
        layer_alpha = {layer: alphas[name] for name, spec in mapped.populations.items()
                       for layer in spec.layers}
        first = mapped.inputs[0] if mapped.inputs else None
        return PreConvertOutput(layer_alpha, alphas.get(first) if stats and first else None,
                                alphas)

    def population_alphas(self, mapped: MappedModel, stats: dict | None,
                          k: int | None = None) -> dict[str, float]:
        """Alpha of every population of ``mapped`` for ``k`` steps (default ``self.k``)
        from calibration ``stats`` (None: every alpha is ``alpha``)."""
        alphas: dict[str, float] = {}
        for name, spec in mapped.populations.items():
            alphas[name] = self._alpha(spec, stats, alphas, self.k if k is None else int(k))
        return alphas

    def _alpha(self, spec: PopulationSpec, stats: dict | None, alphas: dict, k: int) -> float:
        if spec.kind == "max_pool":
            return alphas[spec.sources[0]]
        alpha = self.alpha
        max_fraction = 1.0 - 2.0 ** -k
        if stats is not None:
            value = stats[spec.name].statistic(self.mode, self.percentile)
            if spec.kind == "input":
                bits = k // 2 if self.signed_input else k
                value = stats[spec.name].max if self.mode == "max" else value
                alpha = value / (1.0 - 2.0 ** -bits) if value > 0 else self.alpha
            else:
                alpha = value / max_fraction if value > 0 else self.alpha
        if spec.max_value is not None:
            alpha = min(alpha, spec.max_value / max_fraction)
        return float(alpha)

    def create_input_neurons(self, pre_convert_output: Any) -> Neuron:
        spec = self.current_population
        alpha = self.alpha
        if pre_convert_output is not None and spec is not None:
            alpha = pre_convert_output.alphas.get(spec.name, alpha)
        return FewSpikeReluInput(self.k, alpha, self.signed_input)

    def create_neurons(self, tf_layer: keras.layers.Layer, pre_convert_output: Any,
                       is_output: bool) -> Neuron:
        spec = self.current_population
        alpha = self.alpha
        if pre_convert_output is not None and spec is not None:
            alpha = pre_convert_output.alphas.get(spec.name, alpha)
        return FewSpikeRelu(self.k, alpha, readout="var" if is_output else None)

    def make_neuron(self, spec: PopulationSpec, pre: Any) -> Any:
        neuron = super().make_neuron(spec, pre)
        if self.rounding == "nearest" and spec.kind == "relu" and not spec.is_output \
                and isinstance(neuron, FewSpikeRelu):
            # half a step of the K-bit code added to the input: floor becomes rounding
            half = float(getattr(neuron, "alpha")) * 2.0 ** -(self.k + 1)  # noqa: B009
            bias = getattr(neuron, "bias")  # noqa: B009
            bias = np.asarray(bias, np.float32) + half if isinstance(bias, np.ndarray) \
                else float(bias) + half
            setattr(neuron, "bias", check_init_value(bias, "bias",  # noqa: B010
                                                     type(neuron).__name__))
        return neuron

    def create_compiler(self, **kwargs: Any) -> FewSpikeCompiler:
        return self.compiler_class(k=self.k, **kwargs)

r"""The value each population of the SNN sends, in the ANN's units.

Rate coding. A converter gives every population a scale :math:`s` (the value one unit of
membrane charge stands for: DataNorm's :math:`\lambda`, folded into the weights) and a
threshold :math:`\theta` (1, or Spike-norm's threshold). The weights into a population
assume that a spike of source :math:`j` is worth :math:`q_j = s_j \theta_j` for
DataNorm, and :math:`s_j` otherwise, so a population's membrane unit is worth
:math:`u = s\,q_{src}/s_{src}` and its spike :math:`q = u\,\theta`, both fixed **at
conversion** (they are what the rest of the network assumes). A channel-wise DataNorm
conversion gives channel :math:`c` its own :math:`s_c = \lambda g_c`, so :math:`u` and
:math:`q` are per channel. The SNN's value is then

.. math:: \hat a = q\,\frac{n}{T - d}

with :math:`n` the spikes of a neuron and :math:`d` the population's depth (delta
synapses deliver one step later per connection, so it receives :math:`T - d` steps of
input; a delayed readout that integrates from step :math:`D > d` receives
:math:`T - D`). A threshold edited by hand changes :math:`n`, not :math:`q`, so it
shows as an error. Output populations read out by membrane potential (``readout="var"``) give
:math:`\hat a = u\,V_T/(T - d)`.

Few-spike coding sends values, so the value is exact: a ReLU population sends
:math:`y - V_K` (its stage input minus what is left after the :math:`K` steps), an input
population its value minus :math:`V_K`, and an output population's logits are :math:`y`.
"""
from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from ml_genn.neurons import FewSpikeRelu, FewSpikeReluInput
from ml_genn.readouts import Var
from ml_genn.utils.value import materialise

from .recording import Recording

#: A rate neuron left with this many thresholds of charge could not fire fast enough.
SATURATED_RESIDUAL = 2.0


class Decoded(NamedTuple):
    """One population's SNN value and activity, all ``(N, neurons)`` arrays.

    Attributes:
        value: the decoded value in the ANN's units.
        counts: spikes per neuron and example.
        saturated: values at the top few-spike code, or of rate neurons that fired
            at every step but one they received input or were left with
            :data:`SATURATED_RESIDUAL` thresholds of charge.
        residual: charge left at the end relative to the threshold (None: not a
            spiking integrator).
        threshold: the population's threshold as it stands (None if none).
        spiking: whether the value is carried by spikes (False for outputs read out by
            their membrane potential or logits).
    """

    value: np.ndarray
    counts: np.ndarray
    saturated: np.ndarray
    residual: np.ndarray | None
    threshold: float | None
    spiking: bool = True


def parameter(neuron: Any, name: str, shape: tuple) -> np.ndarray:
    """A neuron parameter as a flat float64 array of the population's size."""
    value = materialise(getattr(neuron, name), shape, name, type(neuron).__name__,
                        np.random.default_rng(0))
    return np.broadcast_to(np.asarray(value, np.float64), shape).reshape(-1)


def design_threshold(converter: Any, spec: Any) -> float:
    """The threshold the conversion gave population ``spec`` (Spike-norm's
    ``thresholds``, else the rate converters' ``threshold`` hook, else 1)."""
    thresholds = getattr(converter, "thresholds", None) or {}
    if spec.name in thresholds:
        return float(thresholds[spec.name])
    if spec.kind not in ("input", "max_pool") and hasattr(converter, "threshold"):
        return float(converter.threshold(spec, converter.pre_convert_output))
    return 1.0


def spike_values(converter: Any) -> dict:
    """``{population name: (u, q)}``: the ANN value of one unit of membrane charge and
    of one spike, per neuron (``(neurons,)`` arrays), as the conversion set them (see
    the module docstring). A channel-wise conversion gives each channel its own
    :math:`s` (the converter's ``unit``), which the weights into the next population
    undo channel by channel, so only the threshold factor carries down the chain."""
    mapped, pre = converter.mapped, getattr(converter, "pre_convert_output", None)
    result: dict = {}
    factors: dict = {}       # q / s of every population
    for name, spec in mapped.populations.items():
        factor = 1.0 if spec.kind == "input" or not spec.sources \
            else factors[spec.sources[0]]
        unit = np.broadcast_to(np.asarray(converter.unit(spec, pre), np.float64),
                               tuple(spec.keras_shape)).reshape(-1) * factor
        threshold = design_threshold(converter, spec)
        factors[name] = factor * threshold
        result[name] = (unit, unit * threshold)
    return result


def _few_spike(pop: Any, rec: Recording, ann: np.ndarray) -> Decoded:
    neuron, shape = pop.neuron, pop.shape
    alpha = parameter(neuron, "alpha", shape)
    counts = rec.counts[pop.name]
    v = rec.final[(pop.name, "v")]
    if isinstance(neuron, FewSpikeReluInput):
        bits = neuron.k // 2 if neuron.signed_input else neuron.k
        value = ann - v
        top = alpha * (1.0 - 2.0 ** -bits)
        quantum = alpha * 2.0 ** -bits
        saturated = np.abs(value) >= top * (1 - 1e-6)
        left = np.abs(v) if neuron.signed_input else np.maximum(v, 0)
        return Decoded(value, counts, saturated, left / quantum, None)
    y = rec.final[(pop.name, "y")]
    if isinstance(neuron.readout, Var):
        return Decoded(y, counts, np.zeros(y.shape, bool), None, None, spiking=False)
    value = y - v
    top = alpha * (1.0 - 2.0 ** -neuron.k)
    saturated = value >= top * (1 - 1e-6)
    return Decoded(value, counts, saturated, np.maximum(v, 0) / (alpha * 2.0 ** -neuron.k),
                   None)


def decode(pop: Any, rec: Recording, ann: np.ndarray, depth: int,
           values: tuple[Any, Any]) -> Decoded:
    """The SNN value of population ``pop`` (see the module docstring); ``ann`` is its
    ANN value ``(N, neurons)``, ``values`` its ``(u, q)`` from :func:`spike_values`."""
    neuron = pop.neuron
    if isinstance(neuron, (FewSpikeRelu, FewSpikeReluInput)):
        return _few_spike(pop, rec, ann)
    counts = rec.counts[pop.name]
    # a windowed neuron (a delayed readout) integrates from its start_step on
    steps = max(rec.timesteps - max(depth, getattr(neuron, "start_step", 0)), 1)
    u, q = values
    threshold = None
    residual = None
    if "v_thresh" in getattr(neuron, "param_names", ()):
        threshold_array = parameter(neuron, "v_thresh", pop.shape)
        threshold = float(np.mean(threshold_array))
        if (pop.name, "v") in rec.final:
            v = rec.final[(pop.name, "v")]
            residual = np.maximum(v, 0) / threshold_array
    if isinstance(neuron.readout, Var) and (pop.name, "v") in rec.final:
        value = u * rec.final[(pop.name, "v")] / steps
        return Decoded(value, counts, np.zeros(value.shape, bool), None, threshold,
                       spiking=False)
    value = q * counts / steps
    # An input can only be saturated by its charge (Poisson and binary inputs have none).
    saturated = counts >= steps - 1 if depth > 0 else np.zeros(counts.shape, bool)
    if residual is not None:
        saturated = saturated | (residual >= SATURATED_RESIDUAL)
    return Decoded(value, counts, saturated, residual, threshold)

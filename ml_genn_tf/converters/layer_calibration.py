r"""Post-training calibration of a rate-coded SNN against its ANN, layer by layer.

Li et al. (ICML 2021, "A free lunch from ANN: towards efficient, accurate spiking neural
networks calibration") run the converted SNN on a small calibration set, one layer at a
time in DAG order, each layer after the layers before it are calibrated, and correct the
layer's expected output towards the ANN's:

.. math:: \delta_c = \mathbb{E}\left[a_c - \hat a_c\right], \qquad
          \hat a = q\,\frac{n}{T - d}

with :math:`a` the ANN activation, :math:`\hat a` the SNN's value of the same neuron
(:math:`n` spikes in :math:`T` steps, :math:`q` the value of one spike, :math:`d` the
population's depth: it receives :math:`T - d` steps of input), the mean taken over the
calibration examples and, for images, over the positions of channel :math:`c`. In
membrane units (the threshold is 1 and one unit is worth :math:`q`):

- **bias calibration** adds :math:`\delta_c (T - d) / (q\,T)` to the neuron's bias (it
  is integrated every one of the :math:`T` steps);
- **potential calibration** adds :math:`\delta_c (T - d) / q` to its initial membrane
  potential (the same charge, given at once, so it also shortens the latency).

Output populations read out by membrane potential are calibrated alike (their value is
:math:`u V_T / (T - d)`, with the readout window of a delayed readout). Calibration is
specific to ``evaluate_timesteps`` T.

The **delayed readout** ignores the output's first :math:`D` steps, in which the layers
before it have not settled: the output integrates only in :math:`D \le t < T`
(:class:`~ml_genn.neurons.WindowedIntegrateFire`). The automatic estimate runs the SNN
once on the calibration set, records the output potential of every step and takes the
:math:`D \le T/2` whose readout :math:`V_{T-1} - V_{D-1}` agrees best with the ANN's
class (ties: the smallest :math:`D`).
"""
from __future__ import annotations

import copy
import gc
from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np

from ml_genn import Population
from ml_genn.callbacks import VarRecorder
from ml_genn.compilers import InferenceCompiler
from ml_genn.neurons import IntegrateFire, Neuron, WindowedIntegrateFire
from ml_genn.readouts import READOUTS
from ml_genn.utils.activity import pipeline_depths
from ml_genn.utils.value import materialise

from ..calibration import PopulationValues, input_shapes
from ..calibration_data import CALIBRATION_BATCH, CalibrationData
from ..graph.mapping import MappedModel

#: Calibration examples the layer-wise runs use (the first ones; Li et al. use 1,024).
LAYER_CALIBRATION_EXAMPLES = 1024
#: ``calibration`` choices: None, or what the correction changes.
CALIBRATIONS = (None, "bias", "potential")


class CalibrationSet(NamedTuple):
    """The calibration inputs and what the calibration needs of the ANN on them.

    Attributes:
        inputs: the inputs by input population name, ``(N, *shape)``.
        ann_means: the ANN's mean value of every population per channel (last axis;
            per neuron for 1-D populations), over the examples and positions.
        ann_outputs: the ANN's value of every output population, ``(N, *keras_shape)``.
    """

    inputs: dict
    ann_means: dict
    ann_outputs: dict

    @property
    def num_examples(self) -> int:
        return len(next(iter(self.inputs.values())))


def calibration_set(model: Any, mapped: MappedModel, data: Any,
                    limit: int = LAYER_CALIBRATION_EXAMPLES) -> CalibrationSet:
    """The first ``limit`` examples of ``data`` and the ANN's channel means (and output
    values) on them, computed chunk by chunk: memory holds one chunk of the ANN's
    values, never every population over every example."""
    inputs: dict = {name: [] for name in mapped.inputs}
    seen = 0
    for batch in CalibrationData(data, input_shapes(mapped)):
        for name, x in zip(mapped.inputs, batch, strict=True):
            inputs[name].append(np.asarray(x, np.float32)[:limit - seen])
        seen += len(batch[0])
        if seen >= limit:
            break
    if seen == 0:
        raise ValueError("The calibration data is empty.")
    arrays = {name: np.concatenate(parts) for name, parts in inputs.items()}
    sums: dict = {}
    rows: dict = {}
    outputs: dict = {name: [] for name in mapped.outputs}
    for values in PopulationValues(model, mapped, list(mapped.populations))(
            [arrays[n] for n in mapped.inputs]):
        for name, value in values.items():
            flat = value.reshape(-1, value.shape[-1])
            sums[name] = sums.get(name, 0.0) + flat.sum(axis=0, dtype=np.float64)
            rows[name] = rows.get(name, 0) + len(flat)
        for name, parts in outputs.items():
            parts.append(np.asarray(values[name], np.float64))
    means = {name: total / rows[name] for name, total in sums.items()}
    return CalibrationSet(arrays, means,
                          {name: np.concatenate(parts) for name, parts in outputs.items()})


def _full(neuron: Neuron, param: str, shape: tuple) -> np.ndarray:
    value = materialise(getattr(neuron, param), shape, param, type(neuron).__name__,
                        np.random.default_rng(0))
    return np.array(np.broadcast_to(np.asarray(value, np.float64), shape))


def _channel_mean(values: np.ndarray) -> np.ndarray:
    """Mean over examples and, for images, positions: one value per channel (last axis),
    or per neuron for 1-D populations."""
    return values.reshape(-1, values.shape[-1]).mean(axis=0)


class LayerCalibration:
    """Runs the calibration of :mod:`ml_genn_tf.converters.layer_calibration` on a built
    network.

    Args:
        build: ``build(only, neurons)`` -> ``(network, inputs, outputs, layer_pops)``
            (the converter's ``build_network`` for the sub-network ``only``, with
            ``neurons`` by population name).
        mapped: the mapped model.
        pops: the built network's populations by name (their neurons are changed).
        data: the :class:`CalibrationSet`.
        timesteps: ``evaluate_timesteps`` T.
        unit: ``unit(name)``: the value of one unit of membrane charge of a population,
            per channel (the value of one spike: thresholds are 1).
    """

    def __init__(self, build: Callable, mapped: MappedModel, pops: dict[str, Population],
                 data: CalibrationSet, timesteps: int, unit: Callable[[str], np.ndarray]):
        self.build, self.mapped, self.pops = build, mapped, pops
        self.data, self.timesteps, self.unit = data, timesteps, unit

    def _run(self, name: str, readout: str, callbacks: list | None = None) -> tuple:
        """Run the network up to ``name`` (read out with ``readout``) on the data."""
        members = self.mapped.ancestors(name)
        neurons = {n: copy.copy(self.pops[n].neuron) for n in members}
        neurons[name].readout = READOUTS.resolve(readout)
        sub, inputs, _, _ = self.build(members, neurons)
        target = next(p for p in sub.populations if p.name == name)
        recorders = [cb(target) for cb in callbacks or []]
        batch = int(min(CALIBRATION_BATCH, self.data.num_examples))
        compiled = InferenceCompiler(evaluate_timesteps=self.timesteps,
                                     batch_size=batch).compile(sub)
        data = {p: self.data.inputs[p.name].reshape((-1,) + tuple(self.mapped[p.name].shape))
                for p in inputs}
        with compiled:
            out, cb_data = compiled.predict(data, [target], callbacks=recorders)
        depth = pipeline_depths(sub)[name]
        del compiled
        # The compiled sub-network (jitted programs, device weights) sits in reference
        # cycles: collect it now, or one per population piles up (DenseNet121: +0.16 GB
        # a population, 120 populations).
        gc.collect()
        return np.asarray(out[target], np.float64), cb_data, depth

    def snn_value(self, name: str) -> tuple[np.ndarray, int]:
        """The SNN's value of population ``name`` in the ANN's units, ``(N, *keras
        shape)``, and the number of steps it received input."""
        spec = self.mapped[name]
        neuron = self.pops[name].neuron
        is_var = spec.is_output and not spec.is_source
        out, _, depth = self._run(name, "var" if is_var else "spike_count")
        start = getattr(neuron, "start_step", 0) if is_var else 0
        steps = max(self.timesteps - max(depth, start), 1)
        shape = (len(out),) + tuple(spec.keras_shape)
        return (out.reshape(shape) / steps) * self.unit(name), steps

    def correct(self, name: str, mode: str) -> np.ndarray:
        """Shift population ``name``'s bias (``mode="bias"``) or initial potential
        (``"potential"``) by the mean difference to the ANN; returns that difference
        per channel (ANN units)."""
        spec = self.mapped[name]
        neuron = self.pops[name].neuron
        value, steps = self.snn_value(name)
        delta = self.data.ann_means[name] - _channel_mean(value)
        charge = delta * steps / self.unit(name)          # membrane units over the window
        shape = tuple(spec.shape)
        keras_shape = tuple(spec.keras_shape)
        start = getattr(neuron, "start_step", 0)
        if mode == "bias":
            shift = np.broadcast_to(charge / (self.timesteps - start), keras_shape)
            neuron.bias = (_full(neuron, "bias", shape) + shift.reshape(shape)).astype(np.float32)
        else:
            shift = np.broadcast_to(charge, keras_shape)
            neuron.v = (_full(neuron, "v", shape) + shift.reshape(shape)).astype(np.float32)
        return delta

    def output_potentials(self, name: str) -> np.ndarray:
        """The output's membrane potential after every step, ``(N, T, neurons)``."""
        _, cb_data, _ = self._run(name, "var", [lambda pop: VarRecorder(pop, "v", key="v")])
        return np.asarray(cb_data["v"], np.float64)


def estimate_readout_delay(potentials: np.ndarray, ann: np.ndarray) -> int:
    """The delay :math:`D \\le T/2` whose readout :math:`V_{T-1} - V_{D-1}` agrees best
    with the ANN's classes ``argmax(ann)`` (ties: the smallest).

    Args:
        potentials: the output potentials after every step, ``(N, T, classes)``.
        ann: the ANN's outputs ``(N, classes)``.

    Example:
        >>> v = np.zeros((1, 4, 2)); v[0, :, 0] = [5, 5, 5, 5]; v[0, :, 1] = [0, 1, 2, 3]
        >>> estimate_readout_delay(v, np.array([[0.0, 1.0]]))
        1
    """
    n, timesteps = potentials.shape[:2]
    target = np.argmax(ann.reshape(n, -1), axis=1)
    final = potentials[:, -1].reshape(n, -1)
    best, best_agreement = 0, -1.0
    for delay in range(timesteps // 2 + 1):
        before = 0.0 if delay == 0 else potentials[:, delay - 1].reshape(n, -1)
        agreement = float(np.mean(np.argmax(final - before, axis=1) == target))
        if agreement > best_agreement:
            best, best_agreement = delay, agreement
    return best


def delayed_output(neuron: IntegrateFire, delay: int) -> WindowedIntegrateFire:
    """An output neuron like ``neuron`` (never-firing, read out by ``"var"``) that
    integrates only from step ``delay`` on."""
    return WindowedIntegrateFire(start_step=delay, v_thresh=neuron.v_thresh,
                                 v=neuron.v, readout="var", bias=neuron.bias,
                                 relative_reset=True)

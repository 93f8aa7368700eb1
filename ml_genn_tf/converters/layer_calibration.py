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

**Cost** (ours: :class:`LayerCalibration`): the whole SNN is compiled once and run once
per *level* (populations whose corrections do not depend on each other are corrected
from the same run: a level is the number of corrected populations on the longest path
from an input). Each level's run simulates only the populations up to its targets, in
topological order (``prefix_runs``: the populations after them are skipped on the
device, at no new compilation), and only its targets' readouts are reduced, so the
calibration simulates about levels x T x examples steps of half the network, where
running each population's sub-network (as the method is stated) costs as many steps and
one compilation per population. Memory stays flat across levels: one batch of readouts
and per-channel sums.

The **delayed readout** ignores the output's first :math:`D` steps, in which the layers
before it have not settled: the output integrates only in :math:`D \le t < T`
(:class:`~ml_genn.neurons.WindowedIntegrateFire`). The automatic estimate records the
output potential of every step on the calibration set (in the run of the outputs'
level) and takes the :math:`D \le T/2` whose readout :math:`V_{T-1} - V_{D-1}` agrees
best with the ANN's class (ties: the smallest :math:`D`); the outputs' own correction
then follows from the same potentials (an output never fires:
:math:`V_{T-1} - V_{D-1} + V_0` is what it reads out from step :math:`D` on).
"""
from __future__ import annotations

import copy
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
from ..progress import AdvanceBar, progress_bar

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
    """Parameter ``param`` of ``neuron`` as a float32 array of ``shape``."""
    value = materialise(getattr(neuron, param), shape, param, type(neuron).__name__,
                        np.random.default_rng(0))
    return np.array(np.broadcast_to(np.asarray(value, np.float32), shape))


def _channel_mean(values: np.ndarray, keras_shape: tuple) -> np.ndarray:
    """Mean over examples and, for images, positions: one value per channel (last axis),
    or per neuron for 1-D populations."""
    return values.reshape((-1, keras_shape[-1])).mean(axis=0)


class _Sums:
    """Sums over the calibration examples of one target's readout: its spike counts
    (hidden populations) or, for an output, its potential after every step, with how
    many examples each readout delay classifies as the ANN does."""

    def __init__(self) -> None:
        self.total: Any = 0.0
        self.agree: Any = 0.0
        self.examples = 0

    def add(self, readout: np.ndarray, ann: np.ndarray | None) -> None:
        """``readout``: spike counts ``(n, neurons)`` or potentials ``(n, T, neurons)``
        (with ``ann``, the ANN's outputs of the same examples)."""
        self.total = self.total + readout.sum(axis=0, dtype=np.float64)
        if ann is not None:
            self.agree = self.agree + delay_agreement(readout, ann)
        self.examples += len(readout)


class LayerCalibration:
    """Runs the calibration of :mod:`ml_genn_tf.converters.layer_calibration` on a built
    network. The whole network is built and compiled **once**, with every target read
    out (spike counts of the hidden populations; the potential after every step of the
    outputs), and run once per level of
    :meth:`~ml_genn_tf.graph.mapping.MappedModel.levels` (targets of one level do not
    depend on each other), each run simulating the populations up to the level's
    targets only; a level's corrections reach the compiled network as new parameter
    values of the corrected populations, without compiling again, before the next run
    (the cost: the module's docstring).

    Args:
        build: ``build(neurons)`` -> ``(network, inputs, outputs, layer_pops)``: the
            converter's network with ``neurons`` by population name.
        mapped: the mapped model.
        pops: the converted network's populations by name (their neurons get the
            corrections).
        data: the :class:`CalibrationSet`.
        timesteps: ``evaluate_timesteps`` T.
        unit: ``unit(name)``: the value of one unit of membrane charge of a population,
            per channel (the value of one spike: thresholds are 1).
        progress: show a progress bar over the runs' batches.
    """

    def __init__(self, build: Callable, mapped: MappedModel, pops: dict[str, Population],
                 data: CalibrationSet, timesteps: int, unit: Callable[[str], np.ndarray],
                 progress: bool = False):
        self.build, self.mapped, self.pops = build, mapped, pops
        self.data, self.timesteps, self.unit = data, timesteps, unit
        self.progress = progress

    def run(self, hidden: list[str], outputs: list[str], mode: str | None,
            readout_delay: int | str) -> tuple[dict, dict]:
        """Correct the spiking populations ``hidden`` and the ``outputs`` (read out by
        potential) level by level with ``mode`` (``"bias"`` or ``"potential"``; None
        corrects nothing), each output read out from step ``readout_delay`` on
        (``"auto"``: the delay of :func:`estimate_readout_delay`).

        Returns:
            ``(errors, delays)``: the mean ANN - SNN difference per channel that each
            population was corrected by (ANN units), and each output's delay.
        """
        targets = (hidden if mode is not None else []) + outputs
        neurons = {n: copy.copy(self.pops[n].neuron) for n in targets}
        for name in targets:      # arrays from the start: new values keep their shapes
            neuron, shape = neurons[name], tuple(self.mapped[name].shape)
            neuron.v, neuron.bias = _full(neuron, "v", shape), _full(neuron, "bias", shape)
            if name not in outputs:
                neuron.readout = READOUTS.resolve("spike_count")
        network, inputs, _, _ = self.build(neurons)
        built = {p.name: p for p in network.populations}
        depths = pipeline_depths(network)
        batch = int(min(CALIBRATION_BATCH, self.data.num_examples))
        compiled = InferenceCompiler(evaluate_timesteps=self.timesteps, batch_size=batch,
                                     prefix_runs=True).compile(network)
        levels = self.mapped.levels(targets)
        starts = range(0, self.data.num_examples, batch)
        errors: dict = {}
        delays: dict = {}
        with progress_bar(total=len(levels) * len(starts), desc="Layer-wise calibration",
                          enabled=self.progress) as bar, compiled:
            for level in levels:
                bar.set_postfix_str(", ".join(level)[:60], refresh=False)
                if compiled.schedule == "layer":    # (the timestep one runs them all)
                    compiled.simulate_until([built[n] for n in level])
                sums = self._run(compiled, inputs, [built[n] for n in targets], level,
                                 outputs, starts, bar)
                for name in level:
                    if name in outputs:
                        delays[name] = (int(np.argmax(sums[name].agree))
                                        if readout_delay == "auto" else int(readout_delay))
                    if mode is not None:
                        errors[name] = self._correct(name, mode, sums[name], depths[name],
                                                     delays.get(name, 0), built[name].neuron)
        return errors, delays

    def _run(self, compiled: Any, inputs: list[Population], read: list[Population],
             level: list[str], outputs: list[str], starts: range, bar: Any
             ) -> dict[str, _Sums]:
        """One run over the calibration examples, a batch at a time, reduced to the sums
        of the targets of ``level`` (every run reads the same targets ``read``: one
        compiled program; those after the level read zero)."""
        recorders = [VarRecorder(p, "v", key=p.name) for p in read if p.name in outputs]
        read_level = [p for p in read if p.name in level]
        sums = {p.name: _Sums() for p in read_level}
        batch = compiled.batch_size
        for start in starts:
            x = {p: self.data.inputs[p.name][start:start + batch].reshape(
                (-1,) + tuple(self.mapped[p.name].shape)) for p in inputs}
            out, recorded = compiled.predict(x, read, callbacks=recorders + [AdvanceBar(bar)])
            for p in read_level:
                if p.name in outputs:
                    sums[p.name].add(np.asarray(recorded[p.name], np.float64),
                                     self.data.ann_outputs[p.name][start:start + batch])
                else:
                    sums[p.name].add(np.asarray(out[p]), None)   # float32, summed in float64
        return sums

    def _correct(self, name: str, mode: str, sums: _Sums, depth: int, delay: int,
                 built_neuron: IntegrateFire) -> np.ndarray:
        """Shift population ``name``'s bias (``mode="bias"``) or initial potential
        (``"potential"``), in the converted and in the compiled network, by the mean
        difference to the ANN; returns that difference per channel (ANN units)."""
        spec = self.mapped[name]
        shape, keras_shape = tuple(spec.shape), tuple(spec.keras_shape)
        mean = sums.total / sums.examples
        if mean.ndim == 2:     # an output's potentials (T, neurons), read from ``delay``
            v0 = _full(built_neuron, "v", shape).reshape(-1)
            mean = mean[-1] - (mean[delay - 1] - v0 if delay else 0.0)
        steps = max(self.timesteps - max(depth, delay), 1)   # steps of input
        value = _channel_mean(mean, keras_shape) / steps * self.unit(name)
        delta = self.data.ann_means[name] - value
        charge = delta * steps / self.unit(name)           # membrane units over the window
        neuron = self.pops[name].neuron
        if mode == "bias":
            shift = np.broadcast_to(charge / (self.timesteps - delay), keras_shape)
            new = _full(neuron, "bias", shape) + shift.reshape(shape)
            neuron.bias, built_neuron.bias = new.astype(np.float32), new.astype(np.float32)
        else:
            new = _full(neuron, "v", shape) + np.broadcast_to(charge, keras_shape).reshape(shape)
            neuron.v, built_neuron.v = new.astype(np.float32), new.astype(np.float32)
        return delta


def delay_agreement(potentials: np.ndarray, ann: np.ndarray) -> np.ndarray:
    r"""For each delay :math:`D = 0 \dots T/2`, the number of examples whose readout
    :math:`V_{T-1} - V_{D-1}` (:math:`V_{-1} = 0`) has the class of the ANN's
    ``argmax(ann)``.

    Args:
        potentials: the output potentials after every step, ``(N, T, classes)``.
        ann: the ANN's outputs ``(N, classes)``.
    """
    n, timesteps = potentials.shape[:2]
    target = np.argmax(ann.reshape(n, -1), axis=1)
    final = potentials[:, -1].reshape(n, -1)
    before = np.concatenate([np.zeros((n, 1) + potentials.shape[2:]),
                             potentials[:, :timesteps // 2]], axis=1).reshape(
        n, timesteps // 2 + 1, -1)
    return np.sum(np.argmax(final[:, None] - before, axis=2) == target[:, None], axis=0)


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
    return int(np.argmax(delay_agreement(potentials, ann)))   # ties: the smallest


def delayed_output(neuron: IntegrateFire, delay: int) -> WindowedIntegrateFire:
    """An output neuron like ``neuron`` (never-firing, read out by ``"var"``) that
    integrates only from step ``delay`` on."""
    return WindowedIntegrateFire(start_step=delay, v_thresh=neuron.v_thresh,
                                 v=neuron.v, readout="var", bias=neuron.bias,
                                 relative_reset=True)

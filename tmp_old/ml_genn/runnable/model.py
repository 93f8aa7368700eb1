"""A ready-to-run spiking network: network, compiler options, inputs/outputs, the map
from Keras layer names to populations, and metadata (Keras-free)."""
from __future__ import annotations

import copy
import os
import time
import warnings
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import numpy as np

from ..callbacks import SpikeCountTotals
from ..utils.activity import pipeline_depths, synapse_counts, synaptic_operations
from ..utils.dtypes import input_array
from .summary import format_summary
from .sweep import CHECKPOINT_READOUTS, CheckpointReadouts, SweepTable


def _as_list(x: Any) -> list:
    return list(x) if isinstance(x, (list, tuple)) else [x]


def _parts(network: Any) -> list:
    """The objects a compiled network is planned from, compared by identity."""
    return [obj for p in network.populations for obj in (p, p.neuron)] + \
        [obj for c in network.connections for obj in (c, c.connectivity, c.synapse)]


def _counted_from(network: Any) -> list:
    """What the synapse counts are computed from (each connectivity and its attributes,
    a weight array among them), compared by identity: arrays are read-only once
    compiled, so a change is a new object."""
    return [obj for c in network.connections
            for obj in (c, c.connectivity, *vars(c.connectivity).values())]


def _is_batch_iterator(x: Any) -> bool:
    """A generator, iterator or ``tf.data.Dataset`` of batches (not arrays, lists of
    arrays or dicts)."""
    return not isinstance(x, (np.ndarray, list, tuple, dict)) and \
        hasattr(x, "__iter__") and not hasattr(x, "__array__")


class RunnableModel:
    """A spiking network with everything needed to run it (mlGeNN has no such object).

    Args:
        network: the :class:`~ml_genn.Network`.
        inputs, outputs: its input and output populations, in model order.
        compiler: the compiler (an ``InferenceCompiler`` or ``FewSpikeCompiler``).
        layer_populations: Keras layer **name** -> population carrying its output.
        metadata: a JSON-ready dict (source model, method, options, versions, ...);
            ``metadata["population_scales"]`` (by population name) gives the value one
            unit of a population stands for, shown in :meth:`summary`.
        output_shapes: shape of each output's readout per example (default: the
            population's shape).

    Example:
        >>> import numpy as np
        >>> from ml_genn import Network, Population, Connection, RunnableModel
        >>> from ml_genn.compilers import InferenceCompiler
        >>> from ml_genn.connectivity import Dense
        >>> from ml_genn.neurons import IntegrateFire
        >>> with Network() as net:
        ...     inp = Population("binary_spike_input", 2, name="x")
        ...     out = Population(IntegrateFire(readout="spike_count"), 2, name="y")
        ...     _ = Connection(inp, out, Dense(np.eye(2)))
        >>> model = RunnableModel(net, [inp], [out], InferenceCompiler(evaluate_timesteps=4))
        >>> model.predict(np.array([[1.0, 0.0]])).tolist()
        [[3.0, 0.0]]
        >>> model.evaluate(np.array([[1.0, 0.0]]), np.array([0]))["accuracy"]
        1.0
    """

    def __init__(self, network: Any, inputs: Sequence[Any], outputs: Sequence[Any],
                 compiler: Any, layer_populations: dict | None = None,
                 metadata: dict | None = None, output_shapes: Sequence[tuple] | None = None):
        self.network = network
        self.inputs = list(inputs)
        self.outputs = list(outputs)
        self.compiler = compiler
        self.layer_populations = dict(layer_populations or {})
        self.metadata = dict(metadata or {})
        self.output_shapes = [tuple(s) for s in output_shapes] if output_shapes is not None \
            else [tuple(p.shape) for p in self.outputs]
        self._compiled = None
        self._parts: list = []
        self._synapses: tuple[list, dict] | None = None

    # --- options ----------------------------------------------------------------------
    @property
    def name(self) -> str:
        return str(self.metadata.get("source_model") or "model")

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
        """Batch size, timesteps (or k), dt, precision, schedule and seed of the compiler."""
        options = {"batch_size": self.batch_size}
        for name in ("evaluate_timesteps", "k", "dt", "precision", "schedule", "rng_seed"):
            if getattr(self.compiler, name, None) is not None:
                options[name] = getattr(self.compiler, name)
        return options

    @property
    def latency_timesteps(self) -> int:
        """Timesteps from an example's input to its readout: ``evaluate_timesteps``, or
        ``(depth + 1) * k`` for a pipelined few-spike network."""
        if self.k is not None:
            depths = pipeline_depths(self.network)
            return (max(depths[p.name] for p in self.outputs) + 1) * self.k
        if self.evaluate_timesteps is None:
            raise ValueError(f"{type(self.compiler).__name__} has neither k nor "
                             f"evaluate_timesteps; the latency is unknown.")
        return int(self.evaluate_timesteps)

    def _synapse_counts(self) -> dict:
        """:func:`~ml_genn.utils.activity.synapse_counts`, counted again only when a
        connection, its connectivity or one of its attributes was replaced."""
        sources = _counted_from(self.network)
        if self._synapses is None or len(sources) != len(self._synapses[0]) or \
                any(a is not b for a, b in zip(sources, self._synapses[0], strict=True)):
            self._synapses = (sources, synapse_counts(self.network))
        return self._synapses[1]

    def compiled(self) -> Any:
        """The compiled network, compiled on first use and again when a population,
        connection, neuron, connectivity or synapse was added or replaced. A value given
        to one of them (a threshold or weight tuned by hand) is seen by the compiled
        network itself (it rebuilds its device model; its arrays are read-only), so
        every run sees the network as it stands without hashing the weights per call."""
        parts = _parts(self.network)
        if self._compiled is None or len(parts) != len(self._parts) or \
                any(a is not b for a, b in zip(parts, self._parts, strict=True)):
            self._compiled = self.compiler.compile(self.network, self.name,
                                                   inputs=self.inputs, outputs=self.outputs)
            self._parts = parts
        return self._compiled

    # --- running -----------------------------------------------------------------------
    def input_dict(self, x: Any) -> dict:
        """``{input population: array}`` from an array, a list of arrays (several inputs)
        or a dict by input name."""
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
            array = input_array(array)
            size = int(np.prod(pop.shape))
            if array.ndim == 0 or int(np.prod(array.shape[1:])) != size:
                raise ValueError(f"Input for '{pop.name}' has shape {array.shape}; expected "
                                 f"(num_examples, ...) with {size} values per example "
                                 f"(population shape {pop.shape}).")
            data[pop] = array.reshape((len(array),) + tuple(pop.shape))
        return data

    def _labels(self, y: Any) -> dict:
        ys = _as_list(y) if len(self.outputs) > 1 else [y]
        if len(ys) != len(self.outputs):
            raise ValueError(f"The model has {len(self.outputs)} outputs; pass a list of "
                             f"{len(self.outputs)} label arrays, received {len(ys)}.")
        return {pop: np.asarray(v) for pop, v in zip(self.outputs, ys, strict=True)}

    def _batches(self, data: Any, labelled: bool) -> Iterator:
        """A generator of ``x`` or ``(x, y)`` batches, each ``x`` checked and shaped like
        :meth:`input_dict`, read one batch at a time."""
        for item in data:
            x, y = item if isinstance(item, tuple) and len(item) == 2 else (item, None)
            xs = list(self.input_dict(x).values())
            yield (xs if len(xs) > 1 else xs[0], y) if labelled else \
                (xs if len(xs) > 1 else xs[0])

    def predict(self, x: Any, callbacks: Any = (), progress: bool = False) -> Any:
        """The outputs' readouts for ``x`` (an array ``(N, *input shape)``, a list of
        arrays or a dict by input name for several inputs; or an iterator of such
        batches, read as the run goes): one array ``(N, *output shape)`` per output (a
        list if there are several). ``progress``: a progress bar over the batches."""
        callbacks = (["batch_progress_bar"] if progress else []) + list(callbacks)
        compiled = self.compiled()
        with compiled:
            if _is_batch_iterator(x):
                out, _ = compiled.predict_batch_iter(self.inputs, self.outputs,
                                                     self._batches(x, False),
                                                     callbacks=callbacks)
            else:
                out, _ = compiled.predict(self.input_dict(x), self.outputs,
                                          callbacks=callbacks)
        results = [np.asarray(out[pop]).reshape((-1,) + shape)
                   for pop, shape in zip(self.outputs, self.output_shapes, strict=True)]
        return results[0] if len(results) == 1 else results

    def evaluate(self, x: Any, y: Any = None, spikes: bool = True,
                 progress: bool = False) -> dict:
        """Accuracy (argmax of the readout against integer labels ``y``) and activity.
        ``x`` may also be an iterator of ``(x, y)`` batches (``y`` then left out), read
        as the run goes so that memory stays bounded by the batch.

        Returns:
            ``{"accuracy": float}`` (a list for several outputs), ``"num_examples"``,
            ``"time_s"`` (wall time of the simulation), ``"latency_timesteps"``, and with
            ``spikes``: ``"spikes_per_neuron"`` (mean spikes per non-input neuron per
            example), ``"spikes_per_population"`` (by population name),
            ``"synaptic_operations"`` (per example; None if a connectivity cannot be
            counted) and ``"synaptic_operations_per_population"`` (by target).
        """
        callbacks = (["batch_progress_bar"] if progress else []) + \
            ([SpikeCountTotals()] if spikes else [])
        compiled = self.compiled()
        start = time.perf_counter()
        with compiled:
            if _is_batch_iterator(x):
                if y is not None:
                    raise ValueError("evaluate: given an iterator of (x, y) batches, leave y "
                                     "out (the labels come with the batches).")
                metrics, data_cb = compiled.evaluate_batch_iter(
                    self.inputs, self.outputs, self._batches(x, True), callbacks=callbacks)
            else:
                if y is None:
                    raise ValueError("evaluate: give labels y for the array x (or pass an "
                                     "iterator of (x, y) batches as x).")
                metrics, data_cb = compiled.evaluate(self.input_dict(x), self._labels(y),
                                                     callbacks=callbacks)
        elapsed = time.perf_counter() - start
        accuracy = [float(metrics[pop].result) for pop in self.outputs]
        results: dict = {"accuracy": accuracy[0] if len(accuracy) == 1 else accuracy,
                         "num_examples": int(metrics[self.outputs[0]].total),
                         "time_s": elapsed, "latency_timesteps": self.latency_timesteps}
        if spikes and "spikes_per_neuron" in data_cb:
            per_pop = dict(data_cb["spikes_per_neuron"])
            results["spikes_per_neuron"] = per_pop.pop("__all__")
            results["spikes_per_population"] = per_pop
            total, per_target = synaptic_operations(self.network, per_pop,
                                                    self._synapse_counts())
            results["synaptic_operations"] = total
            results["synaptic_operations_per_population"] = per_target
        return results

    # --- sweeps ---------------------------------------------------------------------------
    def sweep(self, x: Any, y: Any, timesteps: Sequence[int] | None = None,
              k: Sequence[int] | None = None) -> SweepTable:
        """Accuracy and activity for several numbers of timesteps, from **one**
        simulation to the largest (readouts taken at each checkpoint).

        Args:
            x, y: inputs and integer labels (as for :meth:`evaluate`).
            timesteps: the checkpoints (rate-coded networks).
            k: few-spike stage lengths; needs the calibration statistics of the
                conversion, so only ``ml_genn_tf.ConvertedModel.sweep`` offers it.

        Returns:
            A :class:`~ml_genn.runnable.sweep.SweepTable`, one row per value.
        """
        if k is not None:
            raise NotImplementedError("A k sweep re-derives each few-spike alpha from the "
                                      "calibration statistics, which only the converter "
                                      "has: use ml_genn_tf's ConvertedModel.sweep(x, y, "
                                      "k=[...]).")
        if not timesteps:
            raise ValueError("sweep: pass timesteps=[...] (a non-empty list of positive "
                             "integers).")
        return self._sweep_timesteps(x, y, timesteps)

    def _sweep_timesteps(self, x: Any, y: Any, timesteps: Sequence[int]) -> SweepTable:
        if self.evaluate_timesteps is None:
            raise ValueError(f"sweep(timesteps=...) needs a rate-coded network run by an "
                             f"InferenceCompiler; this one uses "
                             f"{type(self.compiler).__name__}. Sweep k instead.")
        if any(isinstance(t, bool) or int(t) != t or int(t) <= 0 for t in timesteps):
            raise ValueError(f"sweep: timesteps must be positive integers, received "
                             f"{list(timesteps)!r}.")
        for pop in self.outputs:
            if not isinstance(pop.neuron.readout, CHECKPOINT_READOUTS):
                raise NotImplementedError(
                    f"sweep: output '{pop.name}' reads out "
                    f"{type(pop.neuron.readout).__name__}, which has no checkpoint value; "
                    f"supported: {[c.__name__ for c in CHECKPOINT_READOUTS]}.")
        norm_timesteps = self.metadata.get("options", {}).get("norm_timesteps")
        if norm_timesteps is not None and norm_timesteps == self.evaluate_timesteps:
            warnings.warn(f"'{self.name}' has thresholds calibrated with norm_timesteps="
                          f"{norm_timesteps} (its own T); this sweep keeps them for every T. "
                          f"Re-calibrating per T needs the Keras model: use ml_genn_tf's "
                          f"ConvertedModel.sweep.", UserWarning, stacklevel=3)
        data, labels = self.input_dict(x), self._labels(y)
        compiler = copy.copy(self.compiler)
        compiler.evaluate_timesteps = max(int(t) for t in timesteps)
        recorder = CheckpointReadouts(self.outputs, self.network.populations, timesteps)
        saved = {id(p): p.record_spikes for p in self.outputs}
        for pop in self.outputs:
            pop.record_spikes = True
        try:
            compiled = compiler.compile(self.network, self.name, inputs=self.inputs,
                                        outputs=self.outputs)
            with compiled:
                compiled.predict(data, self.outputs, callbacks=[recorder])
        finally:
            for pop in self.outputs:
                pop.record_spikes = saved[id(pop)]
        table = SweepTable()
        for t in recorder.timesteps:
            accuracy = [float(np.mean(recorder.readout_at(t, pop).reshape(len(labels[pop]), -1)
                                      .argmax(axis=1) == labels[pop].reshape(-1)))
                        for pop in self.outputs]
            per_pop = recorder.spikes_per_neuron_at(t)
            total = per_pop.pop("__all__")
            synops, _ = synaptic_operations(self.network, per_pop, self._synapse_counts())
            table.append({"timesteps": t,
                          "accuracy": accuracy[0] if len(accuracy) == 1 else accuracy,
                          "spikes_per_neuron": total, "synaptic_operations": synops,
                          "latency_timesteps": t})
        return table

    # --- reporting and saving -----------------------------------------------------------
    def summary(self, print_fn: Callable[[str], Any] | None = None) -> None:
        """Print the populations (neuron, shape, neurons, effective threshold, sources,
        Keras layers), totals, latency and compile options, like Keras'
        ``model.summary()``.

        Args:
            print_fn: called with each line (default :func:`print`).
        """
        for line in format_summary(self):
            (print_fn or print)(line)

    def save(self, path: str | os.PathLike) -> None:
        """Write the model to one HDF5 file (atomically); :func:`ml_genn.load` reads it
        back without Keras."""
        from ..saving import save_model
        save_model(self, path)

    def __repr__(self) -> str:
        return (f"{type(self).__name__}('{self.name}', "
                f"populations={len(self.network.populations)}, "
                f"{', '.join(f'{k}={v}' for k, v in self.compile_options.items())})")

"""What compiled networks share: input checks, batching, metrics, callbacks, saving."""
from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import replace
from typing import Any

import numpy as np

from ..backend import runner
from ..backend.metrics import device_metric
from ..backend.plan import Plan
from ..backend.simulator import Simulator
from ..backend.transfer import (
    HostBatch,
    NonFiniteInput,
    array_groups,
    device_groups,
    example_bytes,
    group_size,
    host_groups,
)
from ..backend.watch import changed_parts, snapshot
from ..callbacks import CALLBACKS, Callback, CallbackList
from ..connection import as_population
from ..metrics import METRICS
from ..serialisers import SERIALISERS
from ..utils.dtypes import input_array
from ..utils.recording import SPIKE_COUNT, SPIKE_TOTAL, SPIKES
from .host_recordings import HostRecordings
from .predictions import Predictions


def _as_list(obj: Any) -> list:
    return list(obj) if isinstance(obj, (list, tuple)) else [obj]


class CompiledNetwork:
    """A network compiled for one batch size; use it as a context manager.

    The device model (parameters and weights on the device) is built by the compiler's
    ``compile()``, which raises every error about the network. ``schedule`` names how it
    runs: ``"timestep"``, ``"layer"`` or ``"few_spike_fast"``.

    Changing the network after ``compile()``: a parameter or weight given a new value
    (``pop.neuron.v_thresh = 2.0``, ``conn.connectivity.weight = w``) is seen by the
    next run (the device model is rebuilt; new neuron parameters of unchanged shapes are
    only copied to the device, without compiling again). Arrays cannot be changed in place: they are
    read-only once compiled, so ``conn.connectivity.weight[0] = 1`` raises instead of
    being silently ignored.

    Runs are asynchronous: batches are dispatched ahead, readouts and metrics stay on
    the device, and nothing waits per batch unless a callback asks for per-batch data
    (which it gets, in order). Memory is bounded by the batch size: batch iterators are
    read as they run, and ``predict(..., out=...)`` writes into the caller's arrays.
    """

    def __init__(self, plan: Plan, name: str | None):
        self.plan = plan
        self.name = name
        self.batch_size = plan.batch_size
        self.num_timesteps = plan.num_timesteps
        self._simulator = Simulator(plan)
        self._snapshot = snapshot(plan)
        self._last: int | None = None   # the last population a run simulates (None: all)

    @property
    def schedule(self) -> str:
        return self.plan.schedule

    @property
    def simulator(self) -> Simulator:
        """The device model, updated first if the network changed since it was built:
        new neuron parameters of the same shapes are copied to the device (the compiled
        programs are kept), any other change rebuilds it."""
        pops, conns = changed_parts(self.plan, self._snapshot)
        if pops or conns:
            if conns or not self._simulator.reload_neuron_params(pops):
                self._simulator = Simulator(self.plan)
                if self._last is not None:
                    self._simulator.set_limit(self._last)
            self._snapshot = snapshot(self.plan)
        return self._simulator

    def simulate_until(self, populations: Any) -> None:
        """**Ours**: let the next runs simulate only what ``populations`` depend on (the
        populations up to the last of them in the plan's topological order), without
        compiling again; the readouts of the populations after them are zero. ``None``
        simulates every population again. For calibrating a network layer by layer.

        Raises:
            ValueError: if the network was not compiled with ``prefix_runs=True`` (or
                does not run on the layer schedule, which the prefix runs need).
        """
        if not self.plan.prefix_runs or self.schedule != "layer":
            raise ValueError(f"simulate_until needs a feed-forward network compiled with "
                             f"prefix_runs=True on the layer schedule; this one has "
                             f"prefix_runs={self.plan.prefix_runs}, schedule="
                             f"'{self.schedule}'.")
        last = len(self.plan.populations) - 1 if populations is None else \
            max(self._index(p, "simulate_until") for p in _as_list(populations))
        self._last = last
        self._simulator.set_limit(last)

    def __enter__(self) -> CompiledNetwork:
        return self

    def __exit__(self, *exc_info: object) -> None:
        pass

    def __repr__(self) -> str:
        return (f"{type(self).__name__}(populations={len(self.plan.populations)}, "
                f"connections={len(self.plan.connections)}, schedule='{self.schedule}', "
                f"batch_size={self.batch_size})")

    # --- saving -----------------------------------------------------------------
    def save(self, keys: Sequence[Any] = (), serialiser: Any = "numpy") -> None:
        """Save every connection's arrays under ``keys + (connection name, array name)``;
        ``Network.load`` reads them back."""
        serialiser = SERIALISERS.resolve(serialiser)
        for c, op in zip(self.plan.connections, self.simulator.ops, strict=True):
            conn = c.connection
            for array_name, value in conn.connectivity.get_arrays().items():
                if array_name == "weight" and getattr(op, "drawn_weight", None) is not None:
                    value = op.drawn_weight
                serialiser.serialise(tuple(keys) + (conn.name, array_name), np.asarray(value))

    # --- inputs -------------------------------------------------------------------
    def _index(self, key: Any, role: str) -> int:
        try:
            pop = as_population(key)
        except TypeError:
            raise TypeError(f"{role} keys must be populations or layers, received "
                            f"{type(key).__name__}: {key!r}.") from None
        try:
            return self.plan.index(pop)
        except KeyError as err:
            raise ValueError(f"{role}: {err.args[0]}") from None

    def _input_array(self, index: int, data: Any, num_examples: int | None) -> np.ndarray:
        """Check one input population's data and shape it ``(N, frames, *shape)`` (NaN
        and infinity are looked for on the device, as the run goes). Data of a type that
        float32 holds exactly (``uint8`` images, ``int16``, ``float16``, ``bool``) stays
        in that type, so the copies to the device are that much smaller; the device
        program converts it (``Simulator.frame``), with the same values as float32
        data; any other type is converted to float32 here."""
        pop = self.plan.populations[index]
        neuron = pop.neuron
        if hasattr(neuron, "prepare_input"):
            data = neuron.prepare_input(data, self.num_timesteps, self.plan.dt, shape=pop.shape)
        array = input_array(data)
        if array.ndim == 0:
            raise ValueError(f"Input for population '{pop.name}' must be an array with one "
                             f"row per example, received a scalar.")
        n = array.shape[0]
        size = int(np.prod(pop.shape))
        frames = getattr(neuron, "input_frames", 1)
        if hasattr(neuron, "prepare_input"):
            frames = array.shape[1]
        per_example = array.shape[1:]
        if per_example == pop.shape and frames == 1:
            array = array.reshape((n, 1) + pop.shape)
        elif per_example == (frames,) + pop.shape:
            pass
        elif int(np.prod(per_example)) == frames * size and len(per_example) == 1:
            array = array.reshape((n, frames) + pop.shape)
        else:
            expected = pop.shape if frames == 1 else (frames,) + pop.shape
            raise ValueError(f"Input for population '{pop.name}' has shape {array.shape}; "
                             f"expected (num_examples, *{expected}) "
                             f"({frames} frame(s) of shape {pop.shape}).")
        if num_examples is not None and n != num_examples:
            raise ValueError(f"Input for population '{pop.name}' has {n} examples but "
                             f"other inputs/labels have {num_examples}.")
        return array

    def _prepare_inputs(self, x: dict, num_examples: int | None = None) -> tuple[dict, int]:
        if not isinstance(x, dict):
            raise TypeError(f"Inputs must be a dict {{input population: array}}, received "
                            f"{type(x).__name__}.")
        indices = {self._index(k, "Input"): v for k, v in x.items()}
        needed = [i for i, p in enumerate(self.plan.populations) if p.neuron.is_input
                  and not getattr(p.neuron, "takes_no_data", False)]
        missing = [self.plan.populations[i].name for i in needed if i not in indices]
        if missing:
            raise ValueError(f"No input data given for input population(s) {missing}; pass "
                             f"{{population: array}} for each.")
        for i in indices:
            if i not in needed:
                neuron = type(self.plan.populations[i].neuron).__name__
                raise ValueError(f"Population '{self.plan.populations[i].name}' is not an "
                                 f"input population ({neuron}); "
                                 f"inputs go to populations with an input neuron.")
        arrays = {}
        for i, data in indices.items():
            arrays[i] = self._input_array(i, data, num_examples)
            num_examples = arrays[i].shape[0]
        return arrays, int(num_examples or 0)

    def _output_indices(self, outputs: Any) -> list[tuple[Any, int]]:
        result = []
        for key in _as_list(outputs):
            i = self._index(key, "Output")
            if self.plan.populations[i].neuron.readout is None:
                raise ValueError(f"Population '{self.plan.populations[i].name}' has no "
                                 f"readout; give its neuron readout='spike_count' (or "
                                 f"'var', ...) to use it as an output.")
            result.append((key, i))
        return result

    # --- batching -----------------------------------------------------------------
    def _iter_batches(self, input_keys: Any, data: Iterable, num_batches: int | None,
                      labelled: bool) -> Iterator[HostBatch]:
        """Batches from an iterable of ``(x, y)`` or ``x`` (``x``: array or one per input;
        ``y``: array or one per output), read one at a time."""
        indices = [self._index(k, "Input") for k in _as_list(input_keys)]
        start = 0
        for n, item in enumerate(data):
            if num_batches is not None and n >= num_batches:
                break
            x, y = item if isinstance(item, tuple) and len(item) == 2 else (item, None)
            if labelled and y is None:
                raise ValueError(f"Batch {n} from the iterator has no labels; evaluate needs "
                                 f"(x, y) batches.")
            xs = _as_list(x) if len(indices) > 1 else [x]
            pops = [self.plan.populations[i] for i in indices]
            arrays, count = self._prepare_inputs(
                dict(zip(pops, (np.asarray(v) for v in xs), strict=True)))
            if count > self.batch_size:
                raise ValueError(f"A batch from the iterator has {count} examples, more than "
                                 f"the compiled batch_size={self.batch_size}.")
            yield HostBatch(arrays, y if labelled else None, start, count)
            start += count

    def _total_request(self, request: Any) -> tuple[int, str]:
        """``(population index, SPIKE_TOTAL or SPIKE_COUNT)`` of a total request (a
        population, or a pair of one and the name)."""
        pop, var = request if isinstance(request, tuple) else (request, SPIKE_TOTAL)
        if var not in (SPIKE_TOTAL, SPIKE_COUNT):
            raise ValueError(f"A total request names SPIKE_TOTAL or SPIKE_COUNT, received "
                             f"{var!r} in {request!r}.")
        return self._index(pop, "Total"), var

    @staticmethod
    def _resolve_callbacks(callbacks: Any) -> list:
        """Names become new callbacks; the user's instances are used as they are."""
        return [cb if isinstance(cb, Callback) else CALLBACKS.resolve(cb)
                for cb in _as_list(callbacks or [])]

    def _recording_spec(self, sim: Simulator, callbacks: CallbackList) -> HostRecordings:
        """The callbacks' recording requests, checked and split between device and host."""
        spec = []
        for pop, var in callbacks.recording_requests():
            i = self._index(pop, "Recording")
            population = self.plan.populations[i]
            if var == SPIKES:
                if not (population.record_spikes or population.record_spike_events):
                    raise ValueError(f"Population '{population.name}' must be created with "
                                     f"record_spikes=True to record its spikes.")
            spec.append((i, var))
        return HostRecordings(sim, tuple(dict.fromkeys(spec)), self.num_timesteps)

    def _resolve_metrics(self, metrics: Any, outputs: list[tuple[Any, int]]) -> list:
        if isinstance(metrics, dict):
            return [METRICS.resolve(metrics[key]) for key, _ in outputs]
        return [METRICS.resolve(metrics) for key, _ in outputs]

    def _labels(self, y: dict, outputs: list[tuple[Any, int]], metrics: list,
                num_examples: int | None) -> dict:
        """Labels by output position, as int32/float32 arrays, checked against the
        outputs and their metrics before anything runs."""
        labels = {}
        for n, ((key, i), metric) in enumerate(zip(outputs, metrics, strict=True)):
            pop = self.plan.populations[i]
            if key not in y:
                raise ValueError(f"No labels given for output '{pop.name}'.")
            array = np.asarray(y[key])
            if array.ndim == 0:
                raise ValueError(f"Labels for output '{pop.name}' must have one row per "
                                 f"example, received a scalar.")
            if num_examples is not None and len(array) != num_examples:
                raise ValueError(f"Labels for output '{pop.name}' have {len(array)} rows "
                                 f"but the inputs have {num_examples} examples.")
            dtype = np.int32 if array.dtype.kind in "biu" else np.float32
            labels[n] = array.astype(dtype, copy=False)
            device = device_metric(metric)
            if device is not None:
                device.check(metric, array.shape, (len(array),) + tuple(pop.shape), pop.name)
        return labels

    def _labelled(self, batches: Iterator[HostBatch], outputs: list[tuple[Any, int]],
                  metrics: list) -> Iterator[HostBatch]:
        """Iterator batches with their labels checked and keyed by output position."""
        keys = [k for k, _ in outputs]
        for b in batches:
            ys = _as_list(b.y) if len(keys) > 1 else [b.y]
            y = self._labels(dict(zip(keys, ys, strict=True)), outputs, metrics, b.count)
            yield replace(b, y=y)

    # --- the batch loop ---------------------------------------------------------------
    def _run(self, groups: Callable[[int], Iterable], outputs: list[tuple[Any, int]],
             metrics: list | None, callbacks: Any, num_batches: int | None,
             out: dict | None, collect: bool):
        """Run the transfer groups of ``groups(device batch size)``; returns (metrics by
        output or predictions by output, callback data)."""
        sim = self.simulator
        callback_list = CallbackList(self._resolve_callbacks(callbacks), compiled_network=self,
                                     num_batches=num_batches, num_timesteps=self.num_timesteps,
                                     batch_size=self.batch_size, dt=self.plan.dt)
        recordings = self._recording_spec(sim, callback_list)
        record = recordings.device
        requests = list(dict.fromkeys(callback_list.total_requests()))
        counted = [self._total_request(r) for r in requests]
        sink = Predictions(outputs, self.plan, out) if collect else None
        metric_dict = {} if metrics is None else \
            {k: m for (k, _), m in zip(outputs, metrics, strict=True)}
        examples = [0]

        def on_batch(batch, readouts, device_data):
            examples[0] += batch.count
            callback_list.on_batch_begin(batch.index)
            if sink is not None:
                sink.write(batch.start, readouts)
            if record or recordings.host:
                data = {(self.plan.populations[i], var): np.swapaxes(r, 0, 1)
                        for (i, var), r in zip(record, device_data or (), strict=True)}
                data.update({(self.plan.populations[i], var): r for (i, var), r
                             in recordings.data(batch.start, batch.count).items()})
                callback_list.on_batch_recorded(batch.index,
                                                np.arange(batch.start, batch.start + batch.count),
                                                data)
            if callback_list.timestep_hooks:
                for t in range(self.num_timesteps):
                    callback_list.on_timestep_begin(t)
                    callback_list.on_timestep_end(t)
            callback_list.on_batch_end(batch.index, metric_dict)

        callback_list.on_test_begin()
        totals = tuple(range(len(record), len(record) + len(counted)))
        try:
            summed = runner.run(
                sim, device_groups(recordings.watch(groups(sim.batch_size)), sim.placement),
                [i for _, i in outputs], metrics, record + tuple(counted),
                callback_list.per_batch, collect, on_batch, totals)
        except NonFiniteInput as err:
            raise ValueError(f"Input for population '{self.plan.populations[err.key].name}' "
                             f"contains NaN or infinite values (first at flat index "
                             f"{err.flat_index}); nothing was returned.") from None
        if counted:
            callback_list.on_recorded_totals(
                {r: summed[t] for r, t in zip(requests, totals, strict=True)}, examples[0])
        callback_list.on_test_end(metric_dict)
        if sink is not None:
            return sink.result(), callback_list.get_data()
        return metric_dict, callback_list.get_data()

    # --- public API ----------------------------------------------------------------------
    def evaluate(self, x: dict, y: dict, metrics: Any = "sparse_categorical_accuracy",
                 callbacks: Any = ("batch_progress_bar",)) -> tuple[dict, dict]:
        """Evaluate on ``x`` ({input: array}) against ``y`` ({output: labels}).

        Returns:
            (metrics per output, callback data by key).
        """
        arrays, n = self._prepare_inputs(x)
        outputs = self._output_indices(list(y.keys()))
        metric_list = self._resolve_metrics(metrics, outputs)
        labels = self._labels(y, outputs, metric_list, n)
        return self._run(self._array_groups(arrays, labels, n), outputs, metric_list,
                         callbacks, -(-n // self.batch_size), None, collect=False)

    def predict(self, x: dict, outputs: Any, callbacks: Any = ("batch_progress_bar",),
                out: dict | None = None) -> tuple[dict, dict]:
        """Readouts of ``outputs`` for inputs ``x``: ({output: array (N, *shape)}, callback data).

        Args:
            out: **ours**, ``{output: array}`` to write the readouts into (rows ``0..N-1``)
                instead of allocating; the result holds views of these arrays.
        """
        arrays, n = self._prepare_inputs(x)
        outs = self._output_indices(outputs)
        return self._run(self._array_groups(arrays, None, n), outs, None, callbacks,
                         -(-n // self.batch_size), out, collect=True)

    def evaluate_batch_iter(self, inputs: Any, outputs: Any, data: Iterable,
                            num_batches: int | None = None,
                            metrics: Any = "sparse_categorical_accuracy",
                            callbacks: Any = ("batch_progress_bar",)) -> tuple[dict, dict]:
        """Evaluate on an iterable of ``(x, y)`` batches (a generator, a
        ``tf.data.Dataset``...), read as the run goes: memory is bounded by the batch."""
        outs = self._output_indices(outputs)
        metric_list = self._resolve_metrics(metrics, outs)
        batches = self._labelled(self._iter_batches(inputs, data, num_batches, True), outs,
                                 metric_list)
        return self._run(self._iter_groups(batches), outs, metric_list, callbacks,
                         num_batches, None, collect=False)

    def predict_batch_iter(self, inputs: Any, outputs: Any, data: Iterable,
                           num_batches: int | None = None,
                           callbacks: Any = ("batch_progress_bar",),
                           out: dict | None = None) -> tuple[dict, dict]:
        """Predict on an iterable of batches (``x`` or ``(x, y)``), read as the run goes.

        Args:
            out: **ours**, ``{output: array}`` with a row per example to write the
                readouts into, so that memory does not grow with the number of examples.
        """
        outs = self._output_indices(outputs)
        batches = self._iter_batches(inputs, data, num_batches, False)
        return self._run(self._iter_groups(batches), outs, None, callbacks, num_batches, out,
                         collect=True)

    # --- transfer groups ----------------------------------------------------------------
    @property
    def _on_cpu(self) -> bool:
        # the devices of the model as built (a rebuild keeps them): no check for changes
        return self._simulator.placement.on_cpu

    def _array_groups(self, arrays: dict, labels: dict | None, n: int) -> Callable:

        def groups(batch: int):
            size = group_size(example_bytes(arrays), batch, self._on_cpu)
            return array_groups(arrays, labels, n, self.batch_size, batch, size,
                                ramp=not self._on_cpu)
        return groups

    def _iter_groups(self, batches: Iterator[HostBatch]) -> Callable:

        def groups(batch: int):
            first = next(batches, None)
            if first is None:
                return iter(())
            size = group_size(example_bytes(first.x), batch, self._on_cpu)
            return host_groups(itertools.chain([first], batches), batch, size,
                               ramp=not self._on_cpu)
        return groups

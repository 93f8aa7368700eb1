"""What compiled networks share: input checks, batching, metrics, callbacks, saving."""
from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from ..callbacks import CALLBACKS, Callback, CallbackList
from ..connection import as_population
from ..metrics import METRICS
from ..serialisers import SERIALISERS
from ..utils.recording import SPIKES
from .plan import Plan

if TYPE_CHECKING:
    from ..backend.simulator import Simulator


def _as_list(obj: Any) -> list:
    return list(obj) if isinstance(obj, (list, tuple)) else [obj]


class CompiledNetwork:
    """A network compiled for one batch size; use it as a context manager.

    ``schedule`` names how it runs: ``"timestep"``, ``"layer"`` or ``"few_spike_fast"``.
    """

    def __init__(self, plan: Plan, name: str | None, batch_size: int, num_timesteps: int):
        self.plan = plan
        self.name = name
        self.batch_size = batch_size
        self.num_timesteps = num_timesteps
        self._simulator: Simulator | None = None

    @property
    def schedule(self) -> str:
        return self.plan.schedule

    @property
    def simulator(self) -> Simulator:
        if self._simulator is None:
            from ..backend.simulator import Simulator
            self._simulator = Simulator(self.plan)
        return self._simulator

    def __enter__(self) -> CompiledNetwork:
        self.simulator  # noqa: B018  (build device arrays now)
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
        """Check one input population's data and shape it ``(N, frames, *shape)``."""
        pop = self.plan.populations[index]
        neuron = pop.neuron
        if hasattr(neuron, "prepare_input"):
            data = neuron.prepare_input(data, self.num_timesteps, self.plan.dt, shape=pop.shape)
        array = np.asarray(data, dtype=np.float32)
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
        if not np.all(np.isfinite(array)):
            raise ValueError(f"Input for population '{pop.name}' contains NaN or infinite "
                             f"values (first at flat index {int(np.argmin(np.isfinite(array)))}).")
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
    def _split(self, arrays: dict, num_examples: int) -> Iterator[tuple[dict, int, int]]:
        """Batches of ``batch_size`` (the last padded with zeros): (inputs, start, count)."""
        b = self.batch_size
        for start in range(0, num_examples, b):
            count = min(b, num_examples - start)
            batch = {}
            for i, a in arrays.items():
                chunk = a[start:start + count]
                if count < b:
                    chunk = np.concatenate([chunk, np.zeros((b - count,) + chunk.shape[1:],
                                                            chunk.dtype)])
                batch[i] = chunk
            yield batch, start, count

    def _iter_batches(self, input_keys: Any, data: Iterable, num_batches: int | None
                      ) -> Iterator[tuple[dict, Any, int, int]]:
        """Batches from an iterable of ``(x, y)`` (``x``: array or one per input)."""
        indices = [self._index(k, "Input") for k in _as_list(input_keys)]
        start = 0
        for n, item in enumerate(data):
            if num_batches is not None and n >= num_batches:
                break
            x, y = item if isinstance(item, tuple) and len(item) == 2 else (item, None)
            xs = _as_list(x) if len(indices) > 1 else [x]
            pops = [self.plan.populations[i] for i in indices]
            arrays, count = self._prepare_inputs(
                dict(zip(pops, (np.asarray(v) for v in xs), strict=True)))
            if count > self.batch_size:
                raise ValueError(f"A batch from the iterator has {count} examples, more than "
                                 f"the compiled batch_size={self.batch_size}.")
            for batch, _, _ in self._split(arrays, count):
                yield batch, y, start, count
            start += count

    @staticmethod
    def _resolve_callbacks(callbacks: Any) -> list:
        """Names become new callbacks; the user's instances are used as they are."""
        return [cb if isinstance(cb, Callback) else CALLBACKS.resolve(cb)
                for cb in _as_list(callbacks or [])]

    def _recording_spec(self, callbacks: CallbackList) -> tuple:
        spec = []
        for pop, var in callbacks.recording_requests():
            i = self._index(pop, "Recording")
            population = self.plan.populations[i]
            if var == SPIKES:
                if not (population.record_spikes or population.record_spike_events):
                    raise ValueError(f"Population '{population.name}' must be created with "
                                     f"record_spikes=True to record its spikes.")
            spec.append((i, var))
        return tuple(dict.fromkeys(spec))

    def _resolve_metrics(self, metrics: Any, outputs: list[tuple[Any, int]]) -> dict:
        if isinstance(metrics, dict):
            return {key: METRICS.resolve(metrics[key]) for key, _ in outputs}
        return {key: METRICS.resolve(metrics) for key, _ in outputs}

    # --- the batch loop ---------------------------------------------------------------
    def _run(self, batches: Iterable, outputs: list[tuple[Any, int]], metrics: dict | None,
             callbacks: Any, num_batches: int | None, collect: bool):
        """Run batches of ``(inputs, labels, first example, count)``; returns
        (metrics or predictions, callback data)."""
        callback_list = CallbackList(self._resolve_callbacks(callbacks), compiled_network=self,
                                     num_batches=num_batches, num_timesteps=self.num_timesteps,
                                     batch_size=self.batch_size, dt=self.plan.dt)
        record = self._recording_spec(callback_list)
        predictions: dict[Any, list[np.ndarray]] = {key: [] for key, _ in outputs}
        callback_list.on_test_begin()
        for batch_index, (result, labels, start, count) in enumerate(
                self._execute(batches, record, callback_list)):
            readouts, recordings = result
            for key, i in outputs:
                pred = np.asarray(readouts[i])[:count]
                if metrics is not None:
                    if labels is None or key not in labels:
                        raise ValueError(f"No labels given for output "
                                         f"'{self.plan.populations[i].name}'.")
                    metrics[key].update(np.asarray(labels[key])[:count], pred)
                if collect:
                    predictions[key].append(pred)
            if record:
                data = {(self.plan.populations[i], var):
                        np.swapaxes(np.asarray(r), 0, 1)[:count]
                        for (i, var), r in zip(record, recordings, strict=True)}
                callback_list.on_batch_recorded(batch_index, np.arange(start, start + count), data)
            if callback_list.timestep_hooks:
                for t in range(self.num_timesteps):
                    callback_list.on_timestep_begin(t)
                    callback_list.on_timestep_end(t)
            callback_list.on_batch_end(batch_index, metrics or {})
        callback_list.on_test_end(metrics or {})
        if collect:
            return ({key: np.concatenate(p) if p else np.zeros((0,))
                     for key, p in predictions.items()},
                    callback_list.get_data())
        return metrics, callback_list.get_data()

    def _execute(self, batches, record, callbacks) -> Iterator:
        """Yield ``((readouts, recordings), labels, start, count)`` per batch, in order."""
        raise NotImplementedError

    # --- public API ----------------------------------------------------------------------
    def evaluate(self, x: dict, y: dict, metrics: Any = "sparse_categorical_accuracy",
                 callbacks: Any = ("batch_progress_bar",)) -> tuple[dict, dict]:
        """Evaluate on ``x`` ({input: array}) against ``y`` ({output: labels}).

        Returns:
            (metrics per output, callback data by key).
        """
        arrays, n = self._prepare_inputs(x)
        outputs = self._output_indices(list(y.keys()))
        labels = {}
        for key, i in outputs:
            labels[key] = np.asarray(y[key])
            if len(labels[key]) != n:
                raise ValueError(f"Labels for output '{self.plan.populations[i].name}' have "
                                 f"{len(labels[key])} rows but the inputs have {n} examples.")
        batches = ((b, {k: v[s:s + c] for k, v in labels.items()}, s, c)
                   for b, s, c in self._split(arrays, n))
        return self._run(batches, outputs, self._resolve_metrics(metrics, outputs), callbacks,
                         -(-n // self.batch_size), collect=False)

    def predict(self, x: dict, outputs: Any, callbacks: Any = ("batch_progress_bar",)
                ) -> tuple[dict, dict]:
        """Readouts of ``outputs`` for inputs ``x``: ({output: array (N, *shape)},
        callback data)."""
        arrays, n = self._prepare_inputs(x)
        outs = self._output_indices(outputs)
        batches = ((b, None, s, c) for b, s, c in self._split(arrays, n))
        return self._run(batches, outs, None, callbacks, -(-n // self.batch_size), collect=True)

    def evaluate_batch_iter(self, inputs: Any, outputs: Any, data: Iterable,
                            num_batches: int | None = None,
                            metrics: Any = "sparse_categorical_accuracy",
                            callbacks: Any = ("batch_progress_bar",)) -> tuple[dict, dict]:
        """Evaluate on an iterable of ``(x, y)`` batches (e.g. a ``tf.data.Dataset``)."""
        outs = self._output_indices(outputs)
        keys = [k for k, _ in outs]
        batches = ((b, {keys[j]: v for j, v in enumerate(_as_list(y) if len(keys) > 1 else [y])},
                    s, c) for b, y, s, c in self._iter_batches(inputs, data, num_batches))
        return self._run(batches, outs, self._resolve_metrics(metrics, outs), callbacks,
                         num_batches, collect=False)

    def predict_batch_iter(self, inputs: Any, outputs: Any, data: Iterable,
                           num_batches: int | None = None,
                           callbacks: Any = ("batch_progress_bar",)) -> tuple[dict, dict]:
        """Predict on an iterable of batches (``x`` or ``(x, y)``)."""
        outs = self._output_indices(outputs)
        batches = ((b, None, s, c) for b, _, s, c in self._iter_batches(inputs, data, num_batches))
        return self._run(batches, outs, None, callbacks, num_batches, collect=True)

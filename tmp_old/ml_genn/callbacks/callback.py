"""Base class of callbacks, and the list that dispatches to them."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np


class Callback:
    """Hooks called by ``evaluate``/``predict``; subclass and override what you need.

    The whole batch runs as one XLA program, so ``on_timestep_begin``/``on_timestep_end``
    are called after the batch has run, once per timestep in order: they observe the
    simulation (through recordings) but cannot change it.

    Recording: a callback that needs per-timestep data returns ``(population, var)``
    pairs from :meth:`recording_requests` and receives them in :meth:`on_batch_recorded`,
    keyed the same way. ``var`` is a neuron variable name, ``SPIKES`` (per-neuron events,
    needs ``record_spikes=True``) or ``SPIKE_TOTAL`` (spiking neurons per step).

    Totals: a callback that only needs counts summed over every example of the run
    returns populations from :meth:`total_requests`; their ``SPIKE_TOTAL`` is summed on
    the device, exactly, and :meth:`on_recorded_totals` receives it once, at the end, so
    nothing is read back per batch. A request ``(population, SPIKE_COUNT)`` asks for the
    events summed over the steps as well (one number; cheaper on the device: a few-spike
    population's set code bits in one reduction).

    Example:
        >>> class CountBatches(Callback):
        ...     def __init__(self):
        ...         self.n = 0
        ...     def on_batch_end(self, batch, metrics):
        ...         self.n += 1
        >>> CountBatches().n
        0
    """

    def set_params(self, **params: Any) -> None:
        """Called before a run with ``compiled_network``, ``num_batches``,
        ``num_timesteps``, ``batch_size`` and ``dt``."""

    def on_test_begin(self) -> None: ...
    def on_test_end(self, metrics: dict) -> None: ...
    def on_batch_begin(self, batch: int) -> None: ...
    def on_batch_end(self, batch: int, metrics: dict) -> None: ...
    def on_timestep_begin(self, timestep: int) -> None: ...
    def on_timestep_end(self, timestep: int) -> None: ...

    def recording_requests(self) -> list[tuple[Any, str | None]]:
        return []

    def on_batch_recorded(self, batch: int, examples: np.ndarray, recordings: dict) -> None:
        """``examples``: global indices of the batch's real examples; ``recordings``:
        ``(population, var)`` -> array ``(len(examples), timesteps, ...)``."""

    def total_requests(self) -> list[Any]:
        """Populations (or ``(population, SPIKE_TOTAL or SPIKE_COUNT)`` pairs) whose
        events are summed over the run."""
        return []

    def on_recorded_totals(self, totals: dict, num_examples: int) -> None:
        """``totals``: each request of :meth:`total_requests` -> its events summed over
        the run's ``num_examples`` examples, an int64 array ``(timesteps,)`` (spiking
        neurons per step) or ``(1,)`` (``SPIKE_COUNT``: over all steps)."""

    def get_data(self) -> tuple[Any, Any] | None:
        """``(key, data)`` returned in ``evaluate``'s callback data, or None."""
        return None


def _overrides(callback: Callback, *hooks: str) -> bool:
    return any(getattr(type(callback), h) is not getattr(Callback, h) for h in hooks)


class CallbackList:
    """Dispatches each hook to every callback, in order."""

    def __init__(self, callbacks: list[Callback], **params: Any):
        self.callbacks = callbacks
        for cb in callbacks:
            cb.set_params(**params)
        self.timestep_hooks = any(_overrides(cb, "on_timestep_begin", "on_timestep_end")
                                  for cb in callbacks)
        #: some callback wants data after every batch: runs then read each batch's
        #: metrics back (a few batches late, in order); otherwise nothing per batch
        self.per_batch = self.timestep_hooks or any(
            _overrides(cb, "on_batch_begin", "on_batch_end", "on_batch_recorded")
            or cb.recording_requests() for cb in callbacks)

    def __getattr__(self, hook: str) -> Callable[..., None]:
        if not hook.startswith("on_"):
            raise AttributeError(hook)

        def dispatch(*args: Any) -> None:
            for cb in self.callbacks:
                getattr(cb, hook)(*args)
        return dispatch

    def recording_requests(self) -> list:
        return [req for cb in self.callbacks for req in cb.recording_requests()]

    def total_requests(self) -> list:
        return [pop for cb in self.callbacks for pop in cb.total_requests()]

    def get_data(self) -> dict:
        data = {}
        for cb in self.callbacks:
            item = cb.get_data()
            if item is not None:
                key, value = item
                data[key] = value
        return data

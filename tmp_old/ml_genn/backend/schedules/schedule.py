"""Base class of schedules: how a plan runs on the device, batch after batch.

A schedule is one module with three parts:

* :meth:`Schedule.blocker`: why it cannot run a plan (``None`` if it can), checked in
  ``compile()``;
* its device program(s): pure functions of ``(params, ...)`` jitted once per
  (batch size, timesteps, recordings) through :meth:`Simulator.jit`;
* :meth:`Schedule.run`, its host loop: takes the batches (already on their way to the
  device) and yields each batch's readouts and recordings as device arrays, in order,
  without waiting for any of them (JAX dispatch is asynchronous).

A schedule whose batches are independent (fresh state, same program for every batch)
also offers that program through :meth:`Schedule.batch_program`, so that the runner can
fuse it with the update of the metrics into one dispatch per batch.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any, ClassVar, NamedTuple

from ..plan import Plan
from ..transfer import DeviceBatch


class BatchResult(NamedTuple):
    """A batch's results on the device: readouts per population (None where it has no
    readout) and one recording ``(timesteps, batch, ...)`` per requested ``(pop, var)``."""

    batch: DeviceBatch
    readouts: tuple
    recordings: tuple


class BatchProgram(NamedTuple):
    """A schedule's per-batch program, pure: ``fn(params, x, first) -> (readouts,
    recordings)`` for inputs ``x`` {population: (B, ...)} and the batch's first example
    index ``first``; each recording's time axis has ``timesteps`` entries. ``grouped``:
    the runner runs a transfer group's batches in one program (``lax.scan``; one
    compile per group size) instead of one dispatch per batch, for batches short enough
    that a dispatch per batch would cost the device time."""

    fn: Callable
    timesteps: int
    grouped: bool = False


class Schedule:
    """One way of running a plan. Subclasses set ``name`` and implement the three parts.

    Example:
        >>> from ml_genn.backend.schedules import SCHEDULES
        >>> list(SCHEDULES)  # registration order
        ['few_spike_fast', 'layer', 'timestep']
    """

    name: ClassVar[str] = ""

    def blocker(self, plan: Plan) -> str | None:
        """Why this schedule cannot run ``plan`` exactly (None if it can)."""
        raise NotImplementedError

    def batch_program(self, sim: Any, record: tuple) -> BatchProgram | None:
        """The program that runs any one batch on its own, where every batch runs the
        same program from a fresh state (None where batches depend on each other)."""
        return None

    def run(self, sim: Any, batches: Iterable[DeviceBatch], record: tuple
            ) -> Iterator[BatchResult]:
        """The host loop: dispatch every batch's program and yield its results in order."""
        raise NotImplementedError


#: name -> schedule, in registration order (fastest first).
SCHEDULES: dict[str, Schedule] = {}


def register_schedule(cls: type[Schedule]) -> type[Schedule]:
    """Class decorator registering a :class:`Schedule` under its ``name``."""
    if not cls.name or cls.name in SCHEDULES:
        raise ValueError(f"Schedule {cls.__name__}: name {cls.name!r} is empty or taken.")
    SCHEDULES[cls.name] = cls()
    return cls

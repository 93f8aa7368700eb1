"""Schedules, one module each, behind one registry.

``SCHEDULES`` maps a name to the schedule; a compiler offers the names it supports
(fastest first) and :func:`choose_schedule` takes the first with no blocker, or checks
the one the user forced.
"""
from __future__ import annotations

from ..plan import Plan
from . import few_spike, layer, timestep  # noqa: F401  (registration)
from .schedule import SCHEDULES, BatchProgram, BatchResult, Schedule, register_schedule


def choose_schedule(plan: Plan, names: tuple[str, ...], forced: str, owner: str) -> str:
    """The first of ``names`` that can run ``plan`` (``forced="auto"``), or ``forced``.

    Raises:
        ValueError: if the forced schedule cannot run the plan (with the reason).
    """
    if forced != "auto":
        reason = SCHEDULES[forced].blocker(plan)
        if reason is not None:
            raise ValueError(f"{owner}: schedule '{forced}' cannot run this network: "
                             f"{reason}.")
        return forced
    for name in names:
        if SCHEDULES[name].blocker(plan) is None:
            return name
    raise ValueError(f"{owner}: no schedule among {names} can run this network.")


__all__ = ["SCHEDULES", "BatchProgram", "BatchResult", "Schedule", "choose_schedule",
           "register_schedule"]

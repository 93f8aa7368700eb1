"""The culprit rule: the first population that adds a large error of its own.

Each population is compared twice with the ANN: globally (``relative_error``: its
decoded value against the ANN's value for the same inputs) and locally
(``local_error``: against the ANN's layers applied to the SNN's own decoded source
values, i.e. the error the population adds to what it received). Rate coding's noise
and the Poisson input's compression make global errors grow slowly from layer to layer;
a population whose weights or threshold are off, that saturates, or that stays silent
adds a large local error. The culprit is the first population, in network order, whose
``local_error`` is above :data:`LOCAL_BOUND` and whose ``relative_error`` is above
:data:`ERROR_BOUND` (the error matters at that point). An input population (no sources,
so no local error) is the culprit when its relative error is above the bound and a hint
names a cause (negative inputs to unsigned input neurons, saturated input codes).
"""
from __future__ import annotations

#: Smallest relative error (against the ANN) of a culprit.
ERROR_BOUND = 0.3
#: Smallest local error (the error a population adds) of a culprit.
LOCAL_BOUND = 0.3


def adds_error(row: dict) -> bool:
    """Whether ``row`` adds a large error of its own (see the module docstring)."""
    if row["relative_error"] <= ERROR_BOUND:
        return False
    if row["local_error"] is None:
        return bool(row["hint"])
    return row["local_error"] > LOCAL_BOUND


def find_culprit(rows: list[dict]) -> str | None:
    """The ``layer`` of the first row that adds a large error, or None."""
    return next((row["layer"] for row in rows if adds_error(row)), None)

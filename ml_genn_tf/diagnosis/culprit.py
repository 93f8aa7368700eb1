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
#: Below this agreement of ANN and SNN predictions, a diagnosis without a culprit says
#: that the error accumulates over the layers.
AGREEMENT_BOUND = 0.97


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


def accumulation_note(rows: list[dict], agreement: float | None, steps: str) -> str | None:
    """Without a culprit, when ANN and SNN agree on fewer than :data:`AGREEMENT_BOUND`
    of the examples: every population adds some error and no single one is to blame
    (``steps``: ``"T=..."`` or ``"k=..."``). None otherwise.

    Example:
        >>> rows = [{"local_error": None}, {"local_error": 0.12}, {"local_error": 0.19}]
        >>> note = accumulation_note(rows, 0.83, "T=64")
        >>> note.split("; ")
        ['no single layer: ANN and SNN agree on 83.0% and every population adds some error \
(local errors 0.12 to 0.19)', 'use more timesteps than T=64, or few-spike']
        >>> accumulation_note(rows, 0.99, "T=64") is None
        True
    """
    if agreement is None or agreement >= AGREEMENT_BOUND:
        return None
    local = [r["local_error"] for r in rows if r["local_error"] is not None]
    if not local:
        return None
    fix = f"raise k ({steps})" if steps.startswith("k=") else \
        f"use more timesteps than {steps}, or few-spike"
    return (f"no single layer: ANN and SNN agree on {100 * agreement:.1f}% and every "
            f"population adds some error (local errors {min(local):.2f} to "
            f"{max(local):.2f}); {fix}")

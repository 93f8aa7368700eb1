r"""Per-population agreement between the ANN's values :math:`a` and the SNN's decoded
values :math:`\hat a` (both over every example and neuron of the population).

* ``correlation``: Pearson's :math:`r(a, \hat a)` (None if either is constant).
* ``relative_error``: :math:`\lVert \hat a - a\rVert_2 / \lVert a\rVert_2`.
* ``gain``: the least-squares slope :math:`\sum a\hat a / \sum a^2` (1: same scale).
* ``local_error``, ``local_gain``: the same against :math:`f(\hat a_{src})`, the ANN's
  layers applied to the SNN's own decoded source values: the error this population
  adds, whatever it received (None for inputs).
* ``saturated``: fraction of values at the maximum rate (a spike every step it receives
  input) or at the top few-spike code.
* ``silent``: of the values the ANN makes *clearly positive* (above
  :data:`CLEAR_FRACTION` of the population's 99th percentile), the fraction whose neuron
  never fired (None for outputs read out without spikes).
* ``residual``: mean charge left at the end over the threshold (few-spike: over the
  smallest threshold :math:`\alpha 2^{-K}`), counting positive charge only.
* ``spikes_per_neuron``: mean spikes per neuron and example.
"""
from __future__ import annotations

import numpy as np

from .decoding import Decoded

#: A value is clearly positive above this fraction of the population's 99th percentile.
CLEAR_FRACTION = 0.1


def clearly_positive(ann: np.ndarray) -> np.ndarray:
    """Mask of the ANN values that are clearly positive (see :data:`CLEAR_FRACTION`)."""
    positive = ann[ann > 0]
    if positive.size == 0:
        return np.zeros(ann.shape, bool)
    return ann > CLEAR_FRACTION * float(np.percentile(positive, 99))


def _fraction(mask: np.ndarray, where: np.ndarray | None = None) -> float:
    if where is not None:
        mask = mask[where]
    return float(np.mean(mask)) if mask.size else 0.0


def relative_error(reference: np.ndarray, value: np.ndarray) -> float:
    r""":math:`\lVert v - r\rVert_2 / \lVert r\rVert_2` (inf if only r is 0)."""
    norm = float(np.linalg.norm(reference))
    if norm > 0:
        return float(np.linalg.norm(value - reference)) / norm
    return 0.0 if not np.any(value) else float("inf")


def gain(reference: np.ndarray, value: np.ndarray) -> float | None:
    """Least-squares slope of ``value`` on ``reference`` through 0 (None if r is 0)."""
    r, v = reference.ravel(), value.ravel()
    energy = float(np.dot(r, r))
    return float(np.dot(r, v)) / energy if energy > 0 else None


def compare(ann: np.ndarray, decoded: Decoded, expected: np.ndarray | None) -> dict:
    r"""The statistics of the module docstring for one population (``ann``: ``(N,
    neurons)``, ``decoded``: the SNN's side, ``expected``: :math:`f(\hat a_{src})` or
    None)."""
    snn = decoded.value
    a, s = ann.ravel(), snn.ravel()
    correlation = None
    if np.std(a) > 0 and np.std(s) > 0:
        correlation = float(np.corrcoef(a, s)[0, 1])
    clear = clearly_positive(ann)
    residual = None if decoded.residual is None else float(np.mean(decoded.residual))
    local = {"local_error": None, "local_gain": None} if expected is None else \
        {"local_error": relative_error(expected, snn), "local_gain": gain(expected, snn)}
    return {"correlation": correlation, "relative_error": relative_error(ann, snn),
            "gain": gain(ann, snn), **local,
            "saturated": _fraction(decoded.saturated),
            "silent": _fraction(decoded.counts == 0, clear) if decoded.spiking else None,
            "residual": residual,
            "spikes_per_neuron": float(np.mean(decoded.counts)),
            "threshold": decoded.threshold}

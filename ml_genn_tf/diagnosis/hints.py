"""Concrete advice for one population, from its numbers.

Rules, first match first (at most two hints per population):

1. Input with negative values and unsigned input neurons: ``signed_input=True``.
2. ``saturated`` above :data:`SATURATED`: the scale is too small; the fix names the
   option that sets it (the percentile, with one more nine: 99.9 to 99.99, 50 to 95;
   ``mode='max'``; ``alpha``) or the hand-edited threshold or alpha that lowered it.
3. ``local_gain`` outside :data:`STRONG_GAIN_RANGE` (and not saturated, which lowers
   the gain too): the weights into it or its threshold are off by that factor.
4. ``silent`` above :data:`SILENT`: too few timesteps to resolve its values; the
   suggested ``T`` (or ``k``) is the one at which 90% of its clearly positive values
   would get two spikes (one bit).
5. ``local_gain`` outside :data:`GAIN_RANGE` (a milder version of 3).
6. A large error of its own (:mod:`~ml_genn_tf.diagnosis.culprit`) with none of the
   above: more timesteps, or few-spike.
"""
from __future__ import annotations

import math
from typing import Any, NamedTuple

import numpy as np

from .culprit import adds_error
from .decoding import Decoded, design_threshold, parameter
from .statistics import clearly_positive

#: Fraction of saturated values above which a population gets a hint.
SATURATED = 0.05
#: Fraction of silent clearly positive values above which a population gets a hint.
SILENT = 0.2
#: Range of the local gain that needs no hint.
GAIN_RANGE = (0.7, 1.4)
#: Range outside which a gain hint comes before a silence hint.
STRONG_GAIN_RANGE = (0.5, 2.0)
#: Largest number of hints per population.
MAX_HINTS = 2


class Context(NamedTuple):
    """What the hints need to know about the conversion."""

    converter: Any
    method: str
    timesteps: int | None
    k: int | None
    network: Any

    @classmethod
    def of(cls, converted: Any) -> Context:
        return cls(converted.converter, converted.method, converted.evaluate_timesteps,
                   converted.k, converted.network)

    def option(self, name: str, default: Any = None) -> Any:
        return getattr(self.converter, name, default)

    def population(self, name: str) -> Any:
        return next(p for p in self.network.populations if p.name == name)


def _percent(value: float) -> str:
    return f"{100 * value:.0f}%"


def _scale_fix(context: Context) -> str:
    """How to raise the scale of a population, in the converter's own options."""
    if context.option("norm_data") is None and context.method == "few_spike":
        return "pass data= to calibrate alpha, or raise alpha"
    if context.method in ("data_norm", "few_spike"):
        if context.option("mode") == "percentile":
            percentile = float(context.option("percentile"))
            higher = 100.0 - (100.0 - percentile) / 10.0
            return (f"raise the percentile ({percentile:g}) to {higher:g}, or use "
                    f"mode='max'")
        return "calibrate on data that covers these inputs"
    if context.method == "simple":
        return "use data_norm, which normalises the weights to the activations"
    return "calibrate on more data (norm_data) or more norm_timesteps"


def _edited_scale(row: dict, decoded: Decoded, context: Context) -> str | None:
    """A threshold (rate) or alpha (few-spike) lowered by hand below the conversion's."""
    spec = context.converter.mapped[row["population"]]
    if context.k is not None:
        alphas = getattr(context.option("pre_convert_output"), "alphas", None) or {}
        if spec.name not in alphas:
            return None
        pop = context.population(spec.name)
        alpha = float(np.mean(parameter(pop.neuron, "alpha", pop.shape)))
        if alpha < 0.99 * alphas[spec.name]:
            return (f"its alpha {alpha:.3g} is below the {alphas[spec.name]:.3g} set by the "
                    f"conversion; restore it")
        return None
    design = design_threshold(context.converter, spec)
    if decoded.threshold is not None and decoded.threshold < 0.99 * design:
        return (f"its threshold {decoded.threshold:.3g} is below the {design:.3g} set by the "
                f"conversion; restore it")
    return None


def _saturation(row: dict, decoded: Decoded, context: Context) -> str | None:
    if row["saturated"] <= SATURATED:
        return None
    what = "at the top code" if context.k is not None else "at the maximum rate"
    text = f"{row['layer']} saturates {_percent(row['saturated'])} of its neurons {what}: "
    return text + (_edited_scale(row, decoded, context) or _scale_fix(context))


def _gain(row: dict, context: Context, bounds: tuple[float, float]) -> str | None:
    local = row["local_gain"]
    if local is None or bounds[0] <= local <= bounds[1]:
        return None
    factor = 1.0 / local if local > 0 else float("inf")
    text = (f"{row['layer']} carries {local:.2f}x the value its inputs imply: multiply the "
            f"weights into '{row['population']}' by {factor:.3g}")
    if row["threshold"] is not None and row["silent"] is not None:
        spec = context.converter.mapped[row["population"]]
        design = design_threshold(context.converter, spec)
        text += f" or divide its threshold ({row['threshold']:.3g}) by {factor:.3g}"
        if abs(row["threshold"] - design) > 1e-6 * max(abs(design), 1.0):
            text += f" (the conversion set {design:.3g})"
    return text


def _suggest_timesteps(ann: np.ndarray, decoded: Decoded, steps: int, depth: int) -> int:
    """The power of two T at which 90% of the clearly positive values would get two
    spikes: their expected spike counts now are ``ann / (value of one spike)``, over
    ``steps - depth`` timesteps of input."""
    clear = clearly_positive(ann)
    fired = decoded.counts > 0
    per_spike = decoded.value[fired].sum() / max(decoded.counts[fired].sum(), 1)
    expected = ann[clear] / per_spike if per_spike > 0 else np.zeros(0)
    low = float(np.percentile(expected, 10)) if expected.size else 0.0
    needed = depth + 2.0 * max(steps - depth, 1) / low if low > 0 else 4.0 * steps
    return int(2 ** math.ceil(math.log2(max(needed, 2.0 * steps))))


def _silence(row: dict, ann: np.ndarray, decoded: Decoded, context: Context,
             depth: int) -> str | None:
    if row["silent"] is None or row["silent"] <= SILENT:
        return None
    if context.k is not None:
        pop = context.population(row["population"])
        alpha = float(np.max(parameter(pop.neuron, "alpha", pop.shape)))
        low = np.percentile(ann[clearly_positive(ann)], 10) if np.any(clearly_positive(ann)) \
            else alpha * 2.0 ** -context.k
        k = int(math.ceil(math.log2(alpha / max(low, 1e-30)))) + 1
        return (f"{row['layer']}: {_percent(row['silent'])} of its neurons send nothing "
                f"where the ANN is clearly positive; k={context.k} resolves "
                f"{alpha * 2.0 ** -context.k:.3g} (alpha {alpha:.3g}): use k >= "
                f"{max(k, context.k + 2)}")
    suggested = _suggest_timesteps(ann, decoded, context.timesteps or 1, depth)
    return (f"{row['layer']}: {_percent(row['silent'])} of neurons have not fired by "
            f"T={context.timesteps}: use T >= {suggested}, or few-spike")


def _negative_inputs(row: dict, ann: np.ndarray, context: Context) -> str | None:
    if row["kind"] != "input" or context.option("signed_input", False):
        return None
    low = float(ann.min()) if ann.size else 0.0
    if low >= 0:
        return None
    share = float(np.mean(ann < 0))
    return (f"negative inputs ({_percent(share)} of values, min {low:.3g}): pass "
            f"signed_input=True")


def hint_for(row: dict, ann: np.ndarray, decoded: Decoded, context: Context,
             depth: int = 0) -> str:
    """The hints of the module docstring for ``row`` (``ann``: its ANN values,
    ``decoded``: its SNN side, ``depth``: its depth), joined by ``"; "`` ("" if none)."""
    saturation = _saturation(row, decoded, context)
    strong = None if saturation else _gain(row, context, STRONG_GAIN_RANGE)
    found = [_negative_inputs(row, ann, context), saturation, strong,
             _silence(row, ann, decoded, context, depth),
             None if strong or saturation else _gain(row, context, GAIN_RANGE)]
    hints = [h for h in found if h]
    if not hints and row["local_error"] is not None and adds_error(row):
        fix = f"use more timesteps (T={context.timesteps}) or few-spike" \
            if context.k is None else f"raise k ({context.k})"
        hints.append(f"{row['layer']} adds a relative error of {row['local_error']:.2f} "
                     f"to what it receives: {fix}")
    return "; ".join(hints[:MAX_HINTS])

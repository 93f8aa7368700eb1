"""Sweeps of a converted model over timesteps T or few-spike k.

Rate methods simulate once, to the largest T, and read every output at each checkpoint
(:meth:`ml_genn.RunnableModel.sweep`). A few-spike k sweep builds one network per k from
**one** calibration pass (the activation statistics do not depend on k; each alpha is
re-derived from them). Spike-norm thresholds found with ``norm_timesteps`` equal to the
model's T depend on T, so that sweep says so and re-calibrates for every T. DataNorm's
layer-wise calibration and automatic readout delay are found for the model's T too:
that sweep says so and reads the network as it stands (as a saved copy's sweep does).
"""
from __future__ import annotations

import copy
import warnings
from collections.abc import Sequence
from typing import Any

from ml_genn import RunnableModel
from ml_genn.runnable import SweepTable


def _positive_ints(values: Sequence[Any], name: str) -> list[int]:
    values = list(values)
    if not values or any(isinstance(v, bool) or int(v) != v or int(v) <= 0 for v in values):
        raise ValueError(f"sweep: {name} must be a non-empty list of positive integers, "
                         f"received {values!r}.")
    return [int(v) for v in values]


#: Converter attributes whose change leaves the mapping (populations, connections) as
#: it is, so that :func:`reconvert` reuses it.
MAPPING_FREE = frozenset({"k"})


def reconvert(model: Any, converter_changes: dict, compiler_changes: dict,
              precomputed_stats: Any = None) -> Any:
    """A new :class:`~ml_genn_tf.ConvertedModel` from ``model``'s Keras model with some
    converter and compiler attributes changed (the original is left as it is). Where
    only :data:`MAPPING_FREE` attributes change, the original's mapping is reused (the
    model is not walked and mapped again)."""
    from ..converted_model import ConvertedModel
    converter = copy.copy(model.converter)
    for name, value in converter_changes.items():
        setattr(converter, name, value)
    if precomputed_stats is not None:
        converter.precomputed_stats = precomputed_stats
    if converter.mapped is not None and set(converter_changes) <= MAPPING_FREE:
        network, inputs, outputs, layer_pops = converter.convert_mapped(model.keras_model)
    else:
        network, inputs, outputs, layer_pops = converter.convert(model.keras_model)
    converter.precomputed_stats = None
    compiler = copy.copy(model.compiler)
    for name, value in compiler_changes.items():
        setattr(compiler, name, value)
    return ConvertedModel(model.keras_model, converter, network, inputs, outputs,
                          layer_pops, compiler, model.method)


def _row(key: str, value: int, results: dict) -> dict:
    return {key: value, "accuracy": results["accuracy"],
            "spikes_per_neuron": results.get("spikes_per_neuron"),
            "synaptic_operations": results.get("synaptic_operations"),
            "latency_timesteps": results["latency_timesteps"]}


def sweep_k(model: Any, x: Any, y: Any, ks: Sequence[int]) -> SweepTable:
    """Few-spike accuracy and activity for each k, reusing the model's calibration."""
    from ..converters import FewSpike
    converter = model.converter
    if not isinstance(converter, FewSpike):
        raise ValueError(f"sweep(k=...) needs a few-spike conversion; this model was "
                         f"converted with {type(converter).__name__} "
                         f"(method {model.method!r}). Sweep timesteps instead.")
    ks = _positive_ints(ks, "k")
    if converter.signed_input and any(k % 2 for k in ks):
        raise ValueError(f"sweep: k must be even with signed_input=True (K/2 bits per "
                         f"polarity), received k={ks}.")
    table = SweepTable()
    for k in ks:
        variant = reconvert(model, {"k": k}, {"k": k}, precomputed_stats=converter.stats)
        table.append(_row("k", k, variant.evaluate(x, y)))
    return table


def sweep_converted(model: Any, x: Any, y: Any, timesteps: Sequence[int] | None = None,
                    k: Sequence[int] | None = None) -> SweepTable:
    """``ConvertedModel.sweep``: see the module docstring."""
    from ..converters import DataNorm, SpikeNorm
    if (timesteps is None) == (k is None):
        raise ValueError("sweep: pass exactly one of timesteps=[...] (rate methods) or "
                         "k=[...] (few-spike).")
    if k is not None:
        return sweep_k(model, x, y, k)
    converter = model.converter
    if isinstance(converter, SpikeNorm) and \
            converter.norm_timesteps == converter.evaluate_timesteps:
        steps = _positive_ints(timesteps or [], "timesteps")
        warnings.warn(f"Spike-norm thresholds of '{model.name}' were calibrated with "
                      f"norm_timesteps={converter.norm_timesteps} (the model's T), so they "
                      f"depend on T: the sweep re-calibrates for each of {steps}. Convert "
                      f"with norm_timesteps=... fixed to sweep from one simulation.",
                      UserWarning, stacklevel=3)
        return _recalibrated(model, x, y, steps, {"norm_timesteps": None})
    if isinstance(converter, DataNorm) and (converter.calibration is not None
                                            or converter.readout_delay == "auto"):
        steps = _positive_ints(timesteps or [], "timesteps")
        warnings.warn(f"The layer-wise calibration (calibration="
                      f"{converter.calibration!r}) and readout delay (readout_delay="
                      f"{converter.readout_delay!r}) of '{model.name}' were found for its "
                      f"T={converter.evaluate_timesteps}: the sweep reads this network at "
                      f"{steps}, as a saved copy would; convert with evaluate_timesteps=T "
                      f"for the network calibrated for each T.", UserWarning, stacklevel=3)
    return RunnableModel.sweep(model, x, y, timesteps=timesteps)


def _recalibrated(model: Any, x: Any, y: Any, steps: list[int], follow_t: dict) -> SweepTable:
    """One conversion per T (the options of ``follow_t`` set to T as well)."""
    table = SweepTable()
    for t in steps:
        changes = {"evaluate_timesteps": t, **{name: t for name in follow_t}}
        variant = reconvert(model, changes, {"evaluate_timesteps": t})
        table.append(_row("timesteps", t, variant.evaluate(x, y)))
    return table

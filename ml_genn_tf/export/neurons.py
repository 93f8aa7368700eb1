"""NIR exporters of neuron models, and the refusals of those NIR cannot state.

Our integrate-and-fire neuron (``V += I + b``; spike if ``V >= V_th``; then
``V = V_reset``) is NIR's ``IF`` (``dv/dt = R I``; spike; ``v = v_reset``) with
``R = 1/dt``; the bias ``b`` goes into an incoming Affine/Conv2d node. One that never
fires (threshold ``>= float32 max``, the rate converters' ``readout="var"`` output) is
NIR's integrator ``I``.
"""
from __future__ import annotations

from typing import Any

import nir
import numpy as np

from ml_genn.connectivity import MaxPool2D
from ml_genn.neurons import (
    BinarySpikeInput,
    FewSpikeRelu,
    FewSpikeReluInput,
    IntegrateFire,
    IntegrateFireInput,
    PoissonInput,
    SpikeInput,
)

from .layout import nir_shape, to_nir, values
from .registry import ExportContext, NeuronNode, UnsupportedExport, register_neuron_exporter

#: Thresholds at or above this never fire: the population is an integrator.
NO_THRESHOLD = float(np.finfo(np.float32).max)

_REFUSALS = {
    PoissonInput: "draws random (Poisson) spikes, which NIR cannot state: the export takes "
                  "the input as a current into integrate-and-fire input neurons. Convert "
                  "with input_type='if' to export",
    BinarySpikeInput: "turns the input into binary spikes, which NIR cannot state: the "
                      "export takes the input as a current into integrate-and-fire input "
                      "neurons. Convert with input_type='if' to export",
    SpikeInput: "replays given spike times; NIR graph inputs are currents into "
                "integrate-and-fire input neurons. Convert with input_type='if' to export",
    FewSpikeRelu: "is a few-spike neuron (a threshold that halves every step of a K-step "
                  "stage, and pipelined stages), which no NIR neuron node can state. Convert "
                  "with a rate method (method='data_norm' or 'simple', input_type='if', "
                  "reset='zero') to export",
    FewSpikeReluInput: "is a few-spike input neuron (a threshold that halves every step of "
                       "a K-step stage), which no NIR neuron node can state. Convert with a "
                       "rate method (method='data_norm' or 'simple', input_type='if', "
                       "reset='zero') to export",
}


def _where(pop: Any) -> str:
    return f"Population '{pop.name}' ({type(pop.neuron).__name__})"


def _refuse(pop: Any, ctx: ExportContext) -> NeuronNode:
    raise UnsupportedExport(f"{_where(pop)} {_REFUSALS[type(pop.neuron)]}.")


for _cls in _REFUSALS:
    register_neuron_exporter(_cls)(_refuse)


def _check_resets_to_v_reset(pop: Any) -> None:
    if not pop.neuron.relative_reset:
        return
    if any(isinstance(ref().connectivity, MaxPool2D) for ref in pop.incoming_connections):
        raise UnsupportedExport(
            f"{_where(pop)} is the gate of the max-pooling approximation and resets by "
            f"subtraction; NIR can state neither (see its MaxPool2D connection).")
    raise UnsupportedExport(
            f"{_where(pop)} resets by subtraction (relative_reset=True), which NIR cannot "
            f"state: NIR's IF sets v = v_reset after a spike. Convert with reset='zero' to "
            f"export.")


def _check_starts_at_zero(pop: Any, shape: tuple) -> None:
    where = _where(pop)
    if np.any(values(pop.neuron.v, shape, "v", where) != 0):
        raise UnsupportedExport(f"{where} starts from v={pop.neuron.v!r}; NIR states no "
                                f"initial membrane potential. Use v=0 to export (convert_model: "
                                f"initial_potential=0, or reset='zero', which NIR needs "
                                f"anyway).")


def _integrate_fire_node(pop: Any, ctx: ExportContext) -> Any:
    where, shape = _where(pop), tuple(pop.shape)
    _check_starts_at_zero(pop, shape)
    r = np.full(nir_shape(shape, where), 1.0 / ctx.dt, np.float32)
    threshold = values(pop.neuron.v_thresh, shape, "v_thresh", where)
    if np.all(threshold >= NO_THRESHOLD):
        return nir.I(r=r)
    _check_resets_to_v_reset(pop)
    if ctx.comparison == ">":
        threshold = np.nextafter(threshold, np.float32(-np.inf))
    return nir.IF(r=r, v_threshold=to_nir(threshold),
                  v_reset=to_nir(values(pop.neuron.v_reset, shape, "v_reset", where)))


@register_neuron_exporter(IntegrateFire)
def export_integrate_fire(pop: Any, ctx: ExportContext) -> NeuronNode:
    """IntegrateFire -> ``nir.IF`` (reset to ``v_reset`` only), or ``nir.I`` when it
    never fires; its bias is returned for an incoming Affine/Conv2d node."""
    bias = values(pop.neuron.bias, tuple(pop.shape), "bias", _where(pop))
    return NeuronNode(_integrate_fire_node(pop, ctx), bias if np.any(bias != 0) else None)


@register_neuron_exporter(IntegrateFireInput)
def export_integrate_fire_input(pop: Any, ctx: ExportContext) -> NeuronNode:
    """IntegrateFireInput -> ``nir.IF`` fed by the graph's input (the current
    ``input_scale * x + input_offset``, recorded in the graph's metadata)."""
    if pop.neuron.input_frames != 1:
        raise UnsupportedExport(f"{_where(pop)} shows {pop.neuron.input_frames} input frames; "
                                f"export handles one frame (feed frame sequences to the "
                                f"exported graph as its input over time instead).")
    return NeuronNode(_integrate_fire_node(pop, ctx))

"""Export of converted networks to other formats: NIR (:func:`export_nir`).

Exporters are registered by neuron class and by connectivity class
(:func:`register_neuron_exporter`, :func:`register_connectivity_exporter`), so a new
neuron model or connectivity brings its own.
"""
from .nir import export_nir, to_nir_graph
from .registry import (
    CONNECTIVITY_EXPORTERS,
    NEURON_EXPORTERS,
    Chain,
    ExportContext,
    NeuronNode,
    UnsupportedExport,
    register_connectivity_exporter,
    register_neuron_exporter,
)

__all__ = ["CONNECTIVITY_EXPORTERS", "NEURON_EXPORTERS", "Chain", "ExportContext",
           "NeuronNode", "UnsupportedExport", "export_nir", "register_connectivity_exporter",
           "register_neuron_exporter", "to_nir_graph"]

"""Converters from Keras models to ml_genn networks (mlGeNN 2.x API)."""
from .converter import Converter, LayerConfig
from .data_norm import DataNorm
from .exact_sum import ExactSum
from .few_spike import FewSpike
from .input_type import InputType
from .qcfs import QCFS
from .simple import Simple
from .spike_norm import SpikeNorm

__all__ = ["Converter", "LayerConfig", "DataNorm", "ExactSum", "FewSpike", "InputType",
           "QCFS", "Simple", "SpikeNorm"]

"""Readouts of output populations."""
from ..utils.registry import Registry
from .avg_var import AvgVar
from .avg_var_exp_weight import AvgVarExpWeight
from .first_spike_time import FirstSpikeTime
from .max_var import MaxVar
from .readout import Readout
from .spike_count import SpikeCount
from .sum_var import SumVar
from .var import Var

READOUTS = Registry("readout", Readout)
for _cls in (AvgVar, AvgVarExpWeight, FirstSpikeTime, MaxVar, SpikeCount, SumVar, Var):
    READOUTS.register(_cls)

__all__ = ["READOUTS", "Readout", "AvgVar", "AvgVarExpWeight", "FirstSpikeTime", "MaxVar",
           "SpikeCount", "SumVar", "Var"]

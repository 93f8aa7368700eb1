"""Callbacks for ``evaluate``/``predict``."""
from ..utils.recording import SPIKE_COUNT, SPIKE_TOTAL, SPIKES
from ..utils.registry import Registry
from .batch_progress_bar import BatchProgressBar
from .callback import Callback, CallbackList
from .spike_count_totals import SpikeCountTotals
from .spike_recorder import SpikeRecorder
from .var_recorder import VarRecorder

CALLBACKS = Registry("callback", Callback)
for _cls in (BatchProgressBar, SpikeCountTotals, SpikeRecorder, VarRecorder):
    CALLBACKS.register(_cls)

__all__ = ["SPIKES", "SPIKE_COUNT", "SPIKE_TOTAL", "CALLBACKS", "Callback", "CallbackList",
           "BatchProgressBar", "SpikeCountTotals", "SpikeRecorder", "VarRecorder"]

"""Callbacks for ``evaluate``/``predict``."""
from ..utils.recording import SPIKE_TOTAL, SPIKES
from ..utils.registry import Registry
from .batch_progress_bar import BatchProgressBar
from .callback import Callback, CallbackList

CALLBACKS = Registry("callback", Callback)
for _cls in (BatchProgressBar,):
    CALLBACKS.register(_cls)

__all__ = ["SPIKES", "SPIKE_TOTAL", "CALLBACKS", "Callback", "CallbackList", "BatchProgressBar"]

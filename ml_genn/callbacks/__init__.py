"""Callbacks for ``evaluate``/``predict``."""
from ..utils.registry import Registry
from .batch_progress_bar import BatchProgressBar
from .callback import Callback, CallbackList

CALLBACKS = Registry("callback", Callback)
for _cls in (BatchProgressBar,):
    CALLBACKS.register(_cls)

__all__ = ["CALLBACKS", "Callback", "CallbackList", "BatchProgressBar"]

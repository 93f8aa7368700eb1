"""Progress bar over batches."""
from __future__ import annotations

from typing import Any

from tqdm.auto import tqdm

from .callback import Callback


class BatchProgressBar(Callback):
    """A ``tqdm`` progress bar advanced after each batch, showing the metrics so far.

    Example:
        >>> from ml_genn.callbacks import CALLBACKS
        >>> type(CALLBACKS.resolve("batch_progress_bar")).__name__
        'BatchProgressBar'
    """

    def __init__(self):
        self._bar = None
        self._num_batches = None

    def set_params(self, num_batches: int | None = None, **params: Any) -> None:
        self._num_batches = num_batches

    def on_test_begin(self) -> None:
        self._bar = tqdm(total=self._num_batches, unit="batch")

    def on_batch_end(self, batch: int, metrics: dict) -> None:
        if self._bar is not None:
            self._bar.set_postfix({getattr(k, "name", str(k)): f"{m.result:.4f}"
                                   for k, m in metrics.items() if m.result is not None})
            self._bar.update(1)

    def on_test_end(self, metrics: dict) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None

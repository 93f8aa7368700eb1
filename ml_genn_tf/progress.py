"""Progress bars for calibration: shown only once it has run for a while."""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from tqdm.auto import tqdm

from ml_genn.callbacks import Callback

#: Seconds a calibration runs before its progress bar appears (quick ones stay silent).
PROGRESS_DELAY_S = 2.0


def progress_bar(iterable: Iterable | None = None, total: int | None = None,
                 desc: str = "", unit: str = "batch", enabled: bool = True) -> Any:
    """A ``tqdm`` bar over ``iterable`` that appears after :data:`PROGRESS_DELAY_S`
    seconds, or never if ``enabled`` is False.

    Example:
        >>> sum(progress_bar(range(4), desc="Calibrating", enabled=False))
        6
    """
    return tqdm(iterable, total=total, desc=desc, unit=unit, delay=PROGRESS_DELAY_S,
                disable=not enabled)


class AdvanceBar(Callback):
    """An ml_genn callback that advances a ``tqdm`` bar by one after each batch.

    Example:
        >>> with progress_bar(total=3) as bar:
        ...     AdvanceBar(bar).on_batch_end(0, {})
        ...     print(bar.n)
        1
    """

    def __init__(self, bar: Any):
        self.bar = bar

    def on_batch_end(self, batch: int, metrics: dict) -> None:
        self.bar.update(1)

"""Ready-to-run models: :class:`RunnableModel` and its sweep table."""
from .model import RunnableModel
from .sweep import SweepTable

__all__ = ["RunnableModel", "SweepTable"]

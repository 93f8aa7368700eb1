"""Per-population diagnosis of a converted SNN against its ANN (``converted.diagnose``)."""
from .diagnosis import Diagnosis, diagnose

__all__ = ["Diagnosis", "diagnose"]

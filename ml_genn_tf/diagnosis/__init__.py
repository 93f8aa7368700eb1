"""Per-population diagnosis of a converted SNN against its ANN (``converted.diagnose``),
and spike rasters for the report."""
from .diagnosis import Diagnosis, diagnose
from .raster import spike_raster

__all__ = ["Diagnosis", "diagnose", "spike_raster"]

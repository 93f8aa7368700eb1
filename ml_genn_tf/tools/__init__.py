"""Tools on top of the converters: the ``ml-genn-tf`` command line, sweeps, data sets,
results files and the report. Nothing here imports Keras at import time."""

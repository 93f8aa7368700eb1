"""Names a recording request may ask for besides neuron state variables, and mlGeNN's
spelling of the recordable names.

A request ``(population, name)`` names a state variable of the neuron (recorded on the
device every step), one of the pseudo-variables below, a parameter of the neuron as the
device holds it (a constant, broadcast over the timesteps on the host), or, for an input
population, :data:`INPUT` (the value fed to it, from the batch's data on the host).
"""

SPIKES = "__spikes__"            #: per-step events of each neuron, int8 (-1, 0, 1)
SPIKE_TOTAL = "__spike_total__"  #: per-step number of spiking neurons of the population
#: events of the population per example over all the steps of a batch (one entry on the
#: time axis; a few-spike code's set bits)
SPIKE_COUNT = "__spike_count__"
INPUT = "input"                  #: an input population's drive (data frame, scaled)

#: mlGeNN's GeNN variable and parameter names (``VarRecorder(pop, genn_var=...)``) ->
#: ours. ``refrac`` counts steps where mlGeNN's ``RefracTime`` counts ms (equal at
#: ``dt=1``); ``Alpha``/``Rho`` are the decay factors :math:`e^{-\Delta t/\tau}` in both.
GENN_VAR_NAMES = {
    "V": "v",
    "Vthresh": "v_thresh",
    "Vreset": "v_reset",
    "RefracTime": "refrac",
    "A": "a",
    "Beta": "beta",
    "Alpha": "alpha",
    "Rho": "rho",
    "Bias": "bias",
    "Fx": "fx",
    "Input": INPUT,
}

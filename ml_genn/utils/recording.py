"""Names of the pseudo-variables a recording request may ask for besides neuron variables."""

SPIKES = "__spikes__"            #: per-step events of each neuron, int8 (-1, 0, 1)
SPIKE_TOTAL = "__spike_total__"  #: per-step number of spiking neurons of the population

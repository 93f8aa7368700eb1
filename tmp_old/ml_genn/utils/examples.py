"""The smallest network a callback, readout or recorder can be shown on (**ours**): the
docstring examples of ``ml_genn`` and ``ml_genn_tf`` build it with :func:`relay_network`
rather than each writing out the same four lines."""
from __future__ import annotations

from typing import Any

import numpy as np

from ..connection import Connection
from ..connectivity import Dense
from ..network import Network
from ..population import Population


def relay_network(neuron: Any = "integrate_fire", weight: float = 1.0, num_inputs: int = 1,
                  record_spikes: bool = False) -> tuple[Network, Population, Population]:
    """A binary spike input ``"inp"`` of ``num_inputs`` neurons, every one connected with
    ``weight`` to the single ``neuron`` of population ``"out"``.

    Args:
        neuron: the output's neuron (an object or a built-in name).
        weight: the weight of every connection.
        num_inputs: neurons of the input population.
        record_spikes: whether the input records its spikes.

    Returns:
        ``(network, input population, output population)``.

    Example:
        >>> from ml_genn.compilers import InferenceCompiler
        >>> from ml_genn.neurons import IntegrateFire
        >>> net, inp, out = relay_network(IntegrateFire(v_thresh=2.0, readout="spike_count"),
        ...                               num_inputs=2)
        >>> compiled = InferenceCompiler(evaluate_timesteps=5).compile(net)
        >>> with compiled:
        ...     counts, _ = compiled.predict({inp: np.array([[1.0, 1.0]])}, out)
        >>> counts[out].tolist()   # 2 per step from step 1 on: a spike at each of 4 steps
        [[4.0]]
    """
    with Network() as network:
        inp = Population("binary_spike_input", num_inputs, record_spikes=record_spikes,
                         name="inp")
        out = Population(neuron, 1, name="out")
        Connection(inp, out, Dense(np.full((num_inputs, 1), weight)))
    return network, inp, out

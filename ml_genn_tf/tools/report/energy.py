"""An energy *estimate* from operation counts and published per-operation costs.

The ANN performs one multiply-accumulate (MAC) per synapse per example; the SNN one
accumulate (AC) per synaptic operation (a spike delivered over a synapse; a few-spike
event carries a power-of-two multiple of alpha, i.e. a shifted accumulate). Energy is
the count times the cost per operation, for the platforms of :data:`COSTS`.

It is an estimate and says so wherever it is shown: it counts arithmetic (or, for the
neuromorphic chips, their published energy per synaptic event) and leaves out memory
traffic, neuron updates, data movement, idle power and the GPU/CPU this project really
runs on.

Sources:

* M. Horowitz, "Computing's energy problem (and what we can do about it)", ISSCC 2014,
  45 nm CMOS, 0.9 V: 32-bit floating-point add 0.9 pJ, multiply 3.7 pJ (so one MAC
  4.6 pJ); 32-bit integer add 0.1 pJ, multiply 3.1 pJ.
* M. Davies et al., "Loihi: a neuromorphic manycore processor with on-chip learning",
  IEEE Micro 38(1), 2018: 23.6 pJ per synaptic spike operation (14 nm).
* P. A. Merolla et al., "A million spiking-neuron integrated circuit with a scalable
  communication network and interface", Science 345(6197), 2014 (TrueNorth, 28 nm):
  26 pJ per synaptic event.
"""
from __future__ import annotations

from typing import NamedTuple


class Cost(NamedTuple):
    """Energy of one operation on one platform.

    Attributes:
        platform: what performs the operation.
        network: ``"ANN"`` (per MAC) or ``"SNN"`` (per synaptic operation).
        picojoules: energy per operation [pJ].
        source: the publication the figure comes from.
    """

    platform: str
    network: str
    picojoules: float
    source: str


HOROWITZ = "Horowitz, ISSCC 2014 (45 nm)"

#: The cost table (see the module docstring for the full references).
COSTS = (
    Cost("32-bit float MAC (multiply 3.7 + add 0.9 pJ)", "ANN", 4.6, HOROWITZ),
    Cost("32-bit float accumulate", "SNN", 0.9, HOROWITZ),
    Cost("32-bit integer MAC (multiply 3.1 + add 0.1 pJ)", "ANN", 3.2, HOROWITZ),
    Cost("32-bit integer accumulate", "SNN", 0.1, HOROWITZ),
    Cost("Intel Loihi synaptic spike op", "SNN", 23.6, "Davies et al., IEEE Micro 2018"),
    Cost("IBM TrueNorth synaptic event", "SNN", 26.0, "Merolla et al., Science 2014"),
)


def estimate(macs: float | None, synops: float | None) -> list[dict]:
    """Energy per example [µJ] for every entry of :data:`COSTS`: ``platform``,
    ``network``, ``operations`` (the ANN's MACs or the SNN's synaptic operations per
    example), ``picojoules`` (per operation), ``microjoules`` (None where the count is
    unknown) and ``source``.

    Example:
        >>> rows = estimate(macs=1e6, synops=2e5)
        >>> rows[0]["microjoules"], rows[1]["microjoules"]
        (4.6, 0.18)
    """
    result = []
    for cost in COSTS:
        count = macs if cost.network == "ANN" else synops
        energy = None if count is None else round(count * cost.picojoules * 1e-6, 12)
        result.append({"platform": cost.platform, "network": cost.network,
                       "operations": count, "picojoules": cost.picojoules,
                       "microjoules": energy, "source": cost.source})
    return result

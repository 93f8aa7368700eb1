"""Mean spikes per neuron of every population (**ours**)."""
from __future__ import annotations

from typing import Any

import numpy as np

from ..utils.recording import SPIKE_COUNT
from .callback import Callback

#: Key of the data in the callback data.
SPIKES_PER_NEURON = "spikes_per_neuron"
#: Entry of the data that totals every non-input population.
ALL_POPULATIONS = "__all__"


class SpikeCountTotals(Callback):
    r"""Mean number of spikes per neuron per example of every population (**ours**; the
    converters use it to report activity).

    The data (``get_data() -> ("spikes_per_neuron", data)``) is a dict: for each
    population name, :math:`\frac{\text{spikes}}{\text{neurons}\cdot\text{examples}}`
    over the whole run; and under ``"__all__"`` the same ratio over all non-input
    populations together (total spikes / total neurons / examples). Every event counts,
    including the negative events of signed inputs and few-spike graded events. It needs
    no ``record_spikes``: each population's number of events is summed on the device over
    the run (:meth:`Callback.total_requests` with ``SPIKE_COUNT``), so it reads nothing
    per batch.

    Example:
        >>> import numpy as np
        >>> from ml_genn.compilers import InferenceCompiler
        >>> from ml_genn.neurons import IntegrateFire
        >>> from ml_genn.utils.examples import relay_network
        >>> net, inp, out = relay_network(IntegrateFire(v_thresh=2.0, readout="spike_count"),
        ...                               num_inputs=2)
        >>> compiled = InferenceCompiler(evaluate_timesteps=4).compile(net)
        >>> with compiled:
        ...     _, data = compiled.predict({inp: np.array([[1.0, 0.0]])}, out,
        ...                                callbacks=[SpikeCountTotals()])
        >>> data["spikes_per_neuron"]
        {'inp': 2.0, 'out': 1.0, '__all__': 1.0}
    """

    def __init__(self):
        self._populations: list = []
        self._totals: dict = {}
        self._examples = 0

    def set_params(self, compiled_network: Any = None, **params: Any) -> None:
        if compiled_network is None:
            raise ValueError("SpikeCountTotals needs the compiled network; it is passed by "
                             "evaluate/predict.")
        self._populations = list(compiled_network.plan.populations)
        self._totals = {id(p): 0 for p in self._populations}
        self._examples = 0

    def total_requests(self) -> list:
        return [(p, SPIKE_COUNT) for p in self._populations]

    def on_recorded_totals(self, totals: dict, num_examples: int) -> None:
        self._examples = num_examples
        for p in self._populations:
            self._totals[id(p)] = int(np.sum(totals[(p, SPIKE_COUNT)]))

    def get_data(self) -> tuple[str, dict]:
        def ratio(spikes: int, neurons: int) -> float:
            return float(spikes / (neurons * self._examples)) if self._examples and neurons \
                else float("nan")
        data = {p.name: ratio(self._totals[id(p)], p.num_neurons) for p in self._populations}
        hidden = [p for p in self._populations if not p.neuron.is_input]
        data[ALL_POPULATIONS] = ratio(sum(self._totals[id(p)] for p in hidden),
                                      sum(p.num_neurons for p in hidden))
        return SPIKES_PER_NEURON, data

"""Records a variable, a parameter or the input of one population."""
from __future__ import annotations

from typing import Any

import numpy as np

from ..utils.recording import GENN_VAR_NAMES
from .base_recorder import BaseRecorder


class VarRecorder(BaseRecorder):
    """Records a neuron variable of a population at every timestep.

    The value recorded at timestep ``t`` is the variable after the neuron's update of that
    step. A parameter (``"v_thresh"``, ...) is recorded as the device holds it, the same
    at every step (read once on the host: no work per step); ``"input"`` is an input
    population's drive, the data frame shown at that step times ``input_scale`` plus
    ``input_offset`` (also made on the host).

    The data (``get_data() -> (key, data)``) is a float array
    ``(examples, timesteps, selected neurons)``: the recorded examples in example order,
    the neurons in increasing flat, row-major index (``data[i]`` is example ``i``'s
    ``(timesteps, neurons)`` trace, as in mlGeNN's per-example list).

    Args:
        pop: a population, or a layer of a ``SequentialNetwork``.
        var: the variable's name (``"v"``, ...); default the neuron's ``output_var_name``.
            The variables are the fields of the neuron's backend state that hold one value
            per neuron (e.g. ``v`` and ``refrac`` for ``LeakyIntegrateFire``), then its
            parameters as the device holds them (``v_thresh``, ``alpha`` =
            :math:`e^{-\\Delta t/\\tau_{mem}}`, ...), then ``"input"`` for an input
            population.
        key: key of the data in the callback data (default: the pair ``(pop, var)``, so
            that several recorders of one population do not collide).
        example_filter: examples to record (see
            :class:`~ml_genn.callbacks.spike_recorder.SpikeRecorder`).
        neuron_filter: neurons to record (see
            :class:`~ml_genn.callbacks.spike_recorder.SpikeRecorder`).
        genn_var: mlGeNN's spelling: the GeNN name (``"V"``, ``"Vthresh"``, ``"Input"``,
            ``"RefracTime"``, ...), translated by
            :data:`~ml_genn.utils.recording.GENN_VAR_NAMES`; instead of ``var``.

    Raises:
        ValueError: at construction if ``var`` and ``genn_var`` are both given, if
            ``genn_var`` is not a GeNN name of the table, or if neither is given and the
            neuron has no output variable; from ``evaluate``/``predict`` if the
            population cannot record ``var`` (the message lists what it can).

    Example:
        >>> import numpy as np
        >>> from ml_genn.compilers import InferenceCompiler
        >>> from ml_genn.neurons import IntegrateFire
        >>> from ml_genn.utils.examples import relay_network
        >>> net, inp, out = relay_network(IntegrateFire(v_thresh=10.0, readout="var"), 0.5)
        >>> compiled = InferenceCompiler(evaluate_timesteps=4).compile(net)
        >>> with compiled:
        ...     _, data = compiled.predict({inp: np.ones((1, 1))}, out,
        ...                                callbacks=[VarRecorder(out, "v", key="v")])
        >>> data["v"][0, :, 0].tolist()
        [0.0, 0.5, 1.0, 1.5]
        >>> with compiled:
        ...     _, data = compiled.predict({inp: np.ones((1, 1))}, out,
        ...                                callbacks=[VarRecorder(out, genn_var="Vthresh")])
        >>> data[(out, "v_thresh")][0, :, 0].tolist()
        [10.0, 10.0, 10.0, 10.0]
    """

    def __init__(self, pop: Any, var: str | None = None, key: Any = None,
                 example_filter: Any = None, neuron_filter: Any = None,
                 genn_var: str | None = None):
        super().__init__(pop, key, example_filter, neuron_filter)
        neuron = self._pop.neuron
        if genn_var is not None:
            var = self._from_genn(var, genn_var)
        if var is None:
            var = neuron.output_var_name
            if var is None:
                raise ValueError(f"{self._owner}: {type(neuron).__name__} has no output "
                                 f"variable; name the variable to record with var=...")
        if not isinstance(var, str):
            raise TypeError(f"{self._owner}: var must be a variable name (str), received "
                            f"{type(var).__name__}: {var!r}.")
        self.var = var
        self._var = var
        if key is None:
            self.key = (pop, var)
        self._data: list[np.ndarray] = []

    def _from_genn(self, var: str | None, genn_var: str) -> str:
        if var is not None:
            raise ValueError(f"{self._owner}: give var= (ours) or genn_var= (mlGeNN's "
                             f"name), not both; received var={var!r}, genn_var={genn_var!r}.")
        if genn_var not in GENN_VAR_NAMES:
            raise ValueError(f"{self._owner}: unknown genn_var={genn_var!r}; the GeNN names "
                             f"are {sorted(GENN_VAR_NAMES)} (or give ours with var=).")
        return GENN_VAR_NAMES[genn_var]

    def set_params(self, compiled_network: Any = None, **params: Any) -> None:
        super().set_params(compiled_network=compiled_network, **params)
        if compiled_network is not None:
            variables = self.variables(compiled_network)
            if self.var not in variables:
                raise ValueError(f"{self._owner}: {type(self._pop.neuron).__name__} cannot "
                                 f"record '{self.var}'; it can record {variables}.")
        self._data = []

    def variables(self, compiled_network: Any) -> list[str]:
        """Names the population can record in ``compiled_network``: state variables,
        parameters, and ``"input"`` for an input population."""
        return compiled_network.simulator.recordable(compiled_network.plan.index(self._pop))

    def _record(self, data: np.ndarray, first_step: int) -> None:
        self._data.append(np.array(data))

    def get_data(self) -> tuple[Any, np.ndarray]:
        if not self._data:
            return self.key, np.zeros((0, self._num_timesteps, self.num_selected), np.float32)
        return self.key, np.concatenate(self._data)

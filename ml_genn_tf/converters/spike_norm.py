"""Spike-norm conversion (Sengupta et al. 2019)."""
from __future__ import annotations

import copy
from typing import Any

import numpy as np

from ml_genn import Network, Population
from ml_genn.compilers import InferenceCompiler
from ml_genn.neurons import LeakyIntegrate

from ..calibration import input_shapes
from ..calibration_data import CALIBRATION_BATCH, CalibrationData
from ..graph.mapping import MappedModel
from ..progress import AdvanceBar, progress_bar
from .input_type import InputType
from .rate import RateConverter

#: Membrane time constant that makes a leaky integrator hold only the current step [ms].
_NO_MEMORY_TAU = 1e-6


class SpikeNorm(RateConverter):
    """Rate-coded conversion with thresholds found by running the SNN (Sengupta et al.
    2019): population by population in DAG order, the population's neurons are replaced
    by probes that hold only the current step's input, the network up to it (with the
    thresholds found so far) is run on ``norm_data``, and its threshold becomes the
    largest single-step input any of its neurons received. Weights and biases are the
    Keras ones. Unlike mlGeNN, the thresholds are written into the returned network.
    As in the original method, only thresholds change: where branches with different
    thresholds join (residual ``Add``), their scales are not balanced; DataNorm, which
    scales weights, normalises such joins exactly.

    Args:
        evaluate_timesteps: timesteps per example.
        norm_data: calibration data (see :class:`~ml_genn_tf.converters.DataNorm`).
        signed_input: inputs may be negative.
        input_type: :class:`~ml_genn_tf.converters.InputType` (default Poisson, as
            mlGeNN; ``convert_model`` uses ``"if"``, more accurate: see
            :class:`~ml_genn_tf.converters.rate.RateConverter`).
        norm_timesteps: **ours**, timesteps of the calibration runs (default
            ``evaluate_timesteps``).
        reset, readout, max_pool: **ours**, see
            :class:`~ml_genn_tf.converters.rate.RateConverter`.

    Attributes:
        thresholds: the thresholds found, by population name.

    Example:
        >>> import numpy as np
        >>> SpikeNorm(100, norm_data=np.zeros((2, 3))).norm_timesteps
        100
    """

    def __init__(self, evaluate_timesteps: int, norm_data: Any = None,
                 signed_input: bool = False, input_type: Any = InputType.POISSON,
                 norm_timesteps: int | None = None, reset: str = "subtract",
                 readout: str = "var", max_pool: str = "running_max"):
        super().__init__(evaluate_timesteps, signed_input, input_type, reset, readout,
                         max_pool)
        self.norm_data = norm_data
        self.norm_timesteps = int(norm_timesteps or evaluate_timesteps)
        self.thresholds: dict = {}

    def _calibration_inputs(self, mapped: MappedModel) -> dict[str, np.ndarray]:
        """The calibration inputs by input name, each as one array."""
        batches = list(CalibrationData(self.norm_data, input_shapes(mapped)))
        if not batches:
            raise ValueError("SpikeNorm: norm_data is empty.")
        return {name: np.concatenate([b[i] for b in batches]).astype(np.float32)
                for i, name in enumerate(mapped.inputs)}

    def _ancestors(self, mapped: MappedModel, name: str) -> set:
        found, todo = set(), [name]
        while todo:
            current = todo.pop()
            if current not in found:
                found.add(current)
                todo.extend(mapped[current].sources)
        return found

    def post_convert(self, mlg_network: Network, mlg_network_inputs: list[Population],
                     mlg_model_outputs: list[Population]) -> None:
        if self.norm_data is None:
            raise ValueError("SpikeNorm needs norm_data (calibration inputs); pass "
                             "norm_data=..., or use the Simple converter.")
        mapped = self._require_mapped()
        pops = {p.name: p for p in mlg_network.populations}
        xs = self._calibration_inputs(mapped)
        num_examples = len(next(iter(xs.values())))
        batch = int(min(CALIBRATION_BATCH, num_examples))
        self.thresholds = {}
        targets = [name for name, spec in mapped.populations.items()
                   if not (spec.kind in ("input", "max_pool") or
                           (spec.is_output and not spec.is_source and self.readout == "var"))]
        total = len(targets) * -(-num_examples // batch)
        with progress_bar(total=total, desc="SpikeNorm thresholds",
                          enabled=self.progress) as bar:
            for name in targets:
                bar.set_postfix_str(name, refresh=False)
                self._set_threshold(name, pops, xs, batch, AdvanceBar(bar))

    def _set_threshold(self, name: str, pops: dict[str, Population], xs: dict[str, np.ndarray],
                       batch: int, callback: AdvanceBar) -> None:
        """Run the network up to population ``name`` on ``xs`` and set its threshold to
        the largest single-step input it received."""
        mapped = self._require_mapped()
        spec = mapped[name]
        members = self._ancestors(mapped, name)
        bias = (0.0 if spec.bias is None
                else spec.bias.reshape(spec.shape).astype(np.float32))
        probe = LeakyIntegrate(tau_mem=_NO_MEMORY_TAU, bias=bias, readout="max_var")
        neurons = {n: copy.copy(pops[n].neuron) for n in members if n != name}
        neurons[name] = probe
        sub, inputs, _, _ = self.build_network(mapped, None, only=members, neurons=neurons)
        target = next(p for p in sub.populations if p.name == name)
        compiled = InferenceCompiler(evaluate_timesteps=self.norm_timesteps,
                                     batch_size=batch).compile(sub)
        data = {p: xs[p.name].reshape((len(xs[p.name]),) + tuple(mapped[p.name].shape))
                for p in inputs}
        with compiled:
            out, _ = compiled.predict(data, [target], callbacks=[callback])
        threshold = float(np.max(out[target]))
        threshold = threshold if threshold > 0 else 1.0
        self.thresholds[name] = threshold
        pops[name].neuron.v_thresh = threshold

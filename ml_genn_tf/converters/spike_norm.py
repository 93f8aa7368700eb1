"""Spike-norm conversion (Sengupta et al. 2019)."""
from __future__ import annotations

import copy
from typing import Any

import numpy as np

from ml_genn import Connection, Network, Population
from ml_genn.compilers import InferenceCompiler
from ml_genn.neurons import LeakyIntegrate

from ..calibration import input_shapes
from ..calibration_data import CALIBRATION_BATCH, CalibrationData
from ..graph.mapping import MappedModel
from ..progress import AdvanceBar, progress_bar
from .input_type import InputType
from .rate import DEFAULT_MAX_POOL, RateConverter

#: Membrane time constant that makes a leaky integrator hold only the current step [ms].
_NO_MEMORY_TAU = 1e-6


class SpikeNorm(RateConverter):
    """Rate-coded conversion with thresholds found by running the SNN (Sengupta et al.
    2019): population by population in DAG order, the network (with the thresholds
    found so far) is run on ``norm_data``, and a population's threshold becomes the
    largest single-step input any of its neurons received. Weights and biases are the
    Keras ones. Unlike mlGeNN, the thresholds are written into the returned network.
    **Ours**: the network is compiled once, with a probe beside each population (fed as
    the population is, holding only the current step's input); each run reads the
    probes of every population whose thresholds depend only on those already found
    (one run per level of the DAG, simulating the network only up to those probes), and
    new thresholds reach the compiled network without compiling it again (one
    compilation instead of one per population: ``bench/spike_norm.py`` compares the
    two; every run reads every probe, so one program serves them all).
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
                 readout: str = "var", max_pool: str = DEFAULT_MAX_POOL):
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

    def _probe_network(self, mapped: MappedModel, pops: dict[str, Population],
                       targets: list[str]) -> tuple:
        """The network with, beside each target, a probe fed as the target is: a leaky
        integrator that holds only the current step's input (and the bias), read out as
        its largest value. Returns the network, its input populations, and its
        populations and the probes by population name."""
        neurons = {n: copy.copy(p.neuron) for n, p in pops.items()}
        network, inputs, _, _ = self.build_network(mapped, None, neurons=neurons)
        built = {p.name: p for p in network.populations}
        probes = {}
        with network:
            for name in targets:
                spec = mapped[name]
                bias = (0.0 if spec.bias is None
                        else spec.bias.reshape(spec.shape).astype(np.float32))
                probes[name] = Population(
                    LeakyIntegrate(tau_mem=_NO_MEMORY_TAU, bias=bias, readout="max_var"),
                    spec.shape, name=f"{name}/probe")
                for i, conn in enumerate(spec.connections):
                    scale = self.population_scale(mapped[conn.source], None) / \
                        self.population_scale(spec, None)
                    Connection(built[conn.source], probes[name], conn.build(scale),
                               name=f"{conn.source}_to_{name}/probe_{i}")
        return network, inputs, built, probes

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
        if not targets:
            return
        network, inputs, built, probes = self._probe_network(mapped, pops, targets)
        compiled = InferenceCompiler(evaluate_timesteps=self.norm_timesteps,
                                     batch_size=batch, prefix_runs=True).compile(network)
        read = [probes[n] for n in targets]    # the same outputs every run: one program
        data = {p: xs[p.name].reshape((len(xs[p.name]),) + tuple(mapped[p.name].shape))
                for p in inputs}
        waves = mapped.levels(targets)
        total = len(waves) * -(-num_examples // batch)
        with progress_bar(total=total, desc="SpikeNorm thresholds",
                          enabled=self.progress) as bar, compiled:
            for wave in waves:
                bar.set_postfix_str(", ".join(wave), refresh=False)
                if compiled.schedule == "layer":    # (the timestep one runs them all)
                    compiled.simulate_until([probes[n] for n in wave])
                out, _ = compiled.predict(data, read, callbacks=[AdvanceBar(bar)])
                for name in wave:
                    threshold = float(np.max(out[probes[name]]))
                    threshold = threshold if threshold > 0 else 1.0
                    self.thresholds[name] = threshold
                    pops[name].neuron.v_thresh = threshold
                    # seen by the next run without compiling again
                    built[name].neuron.v_thresh = threshold

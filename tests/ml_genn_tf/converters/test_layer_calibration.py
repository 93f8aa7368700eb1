"""DataNorm's layer-wise calibration compiles the network once and reads it level by
level, and finds the corrections of the method as stated: population by population,
each population's sub-network (its ancestors, with the corrections found before it)
built, compiled and run in turn (re-stated in bench/layer_calibration.py)."""
import sys
from pathlib import Path

import keras
import numpy as np
import pytest
from handler_harness import randomize

from ml_genn.backend.simulator import Simulator
from ml_genn.compilers import InferenceCompiler
from ml_genn.compilers.compiled_network import CompiledNetwork
from ml_genn_tf.converters import DataNorm
from ml_genn_tf.converters.layer_calibration import LayerCalibration, _Sums

sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "bench"))
from layer_calibration import reference_calibration  # noqa: E402

L = keras.layers


def two_branch_model() -> keras.Model:
    """Levels: c1; the two branches b3 and b1 (the same level); r (their Add); out."""
    x_in = keras.Input((6, 6, 2))
    c1 = L.Conv2D(4, 3, padding="same", activation="relu", name="c1")(x_in)
    b3 = L.Conv2D(4, 3, padding="same", activation="relu", name="b3")(c1)
    b1 = L.Conv2D(4, 1, activation="relu", name="b1")(c1)
    r = L.ReLU(name="r")(L.Add()([L.Conv2D(4, 1)(b3), L.Conv2D(4, 1)(b1)]))
    out = L.Dense(3, name="out")(L.Flatten()(L.AveragePooling2D(2)(r)))
    return randomize(keras.Model(x_in, out), seed=5)


def inputs(n=24, seed=0):
    return np.random.default_rng(seed).uniform(0, 1, (n, 6, 6, 2)).astype(np.float32)


def calibrated_two_branch() -> DataNorm:
    """The two-branch model converted by DataNorm with potential calibration and the
    automatic readout delay, on 40 examples (one calibration batch)."""
    converter = DataNorm(12, norm_data=inputs(40), input_type="if", calibration="potential",
                         readout_delay="auto")
    converter.progress = False
    converter.convert(two_branch_model())
    return converter


@pytest.mark.parametrize("mode", ["potential", "bias"])
def test_level_by_level_corrections_equal_the_population_by_population_ones(mode):
    model, x = two_branch_model(), inputs()
    converter = DataNorm(16, norm_data=x, input_type="if", initial_potential=0.5,
                         calibration=mode, readout_delay="auto")
    converter.progress = False
    net, *_ = converter.convert(model)
    assert converter.mapped.levels(["c1", "b3", "b1", "r", "out"]) == \
        [["c1"], ["b3", "b1"], ["r"], ["out"]]
    errors, delays, neurons = reference_calibration(converter, model)
    assert sorted(converter.calibration_errors) == sorted(errors) == \
        ["b1", "b3", "c1", "out", "r"]
    for name, want in errors.items():
        np.testing.assert_allclose(converter.calibration_errors[name], want, atol=1e-6,
                                   err_msg=name)
        assert np.any(want != 0.0), name
    assert converter.readout_delays == delays
    for pop in net.populations:
        if pop.name in errors:
            got, want = pop.neuron, neurons[pop.name]
            assert type(got) is type(want), pop.name
            np.testing.assert_allclose(np.broadcast_to(got.v, pop.shape),
                                       np.broadcast_to(want.v, pop.shape), atol=1e-6)
            np.testing.assert_allclose(np.broadcast_to(got.bias, pop.shape),
                                       np.broadcast_to(want.bias, pop.shape), atol=1e-6)


def test_calibration_compiles_one_network_once(monkeypatch):
    """Four levels, one compilation: one compiled network, one device model, and every
    program jitted in the first level's run (a recompilation per level, or a device
    model rebuilt for the new parameters, fails)."""
    compiles, simulators, programs, after_level = [], [], [], []
    compile_, init, jit = InferenceCompiler.compile, Simulator.__init__, Simulator.jit
    run = LayerCalibration._run

    def counting_compile(self, *args, **kwargs):
        compiles.append(1)
        return compile_(self, *args, **kwargs)

    def counting_init(self, *args, **kwargs):
        simulators.append(1)
        init(self, *args, **kwargs)

    def counting_jit(self, key, builder):
        def build():                      # called on a cache miss only
            programs.append(key)
            return builder()
        return jit(self, key, build)

    def counting_run(self, *args, **kwargs):
        sums = run(self, *args, **kwargs)
        after_level.append(len(programs))
        return sums

    monkeypatch.setattr(InferenceCompiler, "compile", counting_compile)
    monkeypatch.setattr(Simulator, "__init__", counting_init)
    monkeypatch.setattr(Simulator, "jit", counting_jit)
    monkeypatch.setattr(LayerCalibration, "_run", counting_run)
    converter = calibrated_two_branch()
    assert len(converter.calibration_errors) == 5
    assert (len(compiles), len(simulators)) == (1, 1)
    assert len(after_level) == 4 and after_level[0] >= 1
    assert after_level == [after_level[0]] * 4, programs
    assert len(programs) == len(set(programs)), programs


def test_each_level_simulates_and_reduces_only_what_it_corrects(monkeypatch):
    """A level's run simulates the populations up to its targets (the layer schedule
    skips the rest: zero readouts) and only its targets' readouts are reduced on the
    host: simulating or summing the whole network for every level fails."""
    limits, reduced = [], []
    simulate_until, add = CompiledNetwork.simulate_until, _Sums.add

    def recording_simulate_until(self, populations):
        simulate_until(self, populations)
        limits.append([self.plan.populations[self._last].name,
                       sorted(p.name for p in populations)])

    def recording_add(self, readout, ann):
        reduced.append((len(limits), readout))
        add(self, readout, ann)

    monkeypatch.setattr(CompiledNetwork, "simulate_until", recording_simulate_until)
    monkeypatch.setattr(_Sums, "add", recording_add)
    calibrated_two_branch()
    assert [names for _, names in limits] == [["c1"], ["b1", "b3"], ["r"], ["out"]]
    for last, names in limits:                  # the last of the level in plan order
        assert last in names
    assert [level for level, _ in reduced] == [1, 2, 2, 3, 4]    # one batch of 40
    assert all(np.any(readout) for _, readout in reduced)        # simulated, not skipped


def test_calibration_examples_limits_the_examples_the_snn_runs_on():
    model, x = two_branch_model(), inputs(32)
    few = DataNorm(12, norm_data=x, input_type="if", calibration="bias",
                   calibration_examples=8)
    everything = DataNorm(12, norm_data=x, input_type="if", calibration="bias")
    for converter in (few, everything):
        converter.progress = False
        converter.convert(model)
    errors, _, _ = reference_calibration(few, model)         # on x[:8]
    for name, want in errors.items():
        np.testing.assert_allclose(few.calibration_errors[name], want, atol=1e-6)
    assert not np.allclose(few.calibration_errors["c1"], everything.calibration_errors["c1"])

"""SpikeNorm's one compiled network (probes read level by level) finds the thresholds
of the definition: each population's largest single-step input when the network up to
it runs with the thresholds found before it (re-run here population by population, one
network each, as mlGeNN does: bench/spike_norm.py)."""
import sys
from pathlib import Path

import keras
import numpy as np
import pytest
from handler_harness import randomize

from ml_genn.backend.simulator import Simulator
from ml_genn.compilers import InferenceCompiler
from ml_genn_tf.converters import SpikeNorm

sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "bench"))
from spike_norm import reference_threshold  # noqa: E402

L = keras.layers


def branching_model() -> keras.Model:
    """Two levels join in an Add, a max pooling passes spikes on, a Concatenate joins
    populations of different levels."""
    x_in = keras.Input((6, 6, 1))
    a = L.Conv2D(3, 3, padding="same", activation="relu", name="a")(x_in)
    b = L.Conv2D(3, 3, padding="same", activation="relu", name="b")(a)
    c = L.ReLU(name="c")(L.Add()([L.Conv2D(3, 1)(a), L.Conv2D(3, 1)(b)]))
    p = L.MaxPooling2D(name="p")(c)
    d = L.Dense(4, activation="relu", name="d")(L.Flatten()(p))
    e = L.Dense(4, activation="relu", name="e")(L.Flatten()(a))
    return randomize(keras.Model(x_in, L.Dense(3)(L.Concatenate()([d, e]))), seed=2)


@pytest.mark.filterwarnings("ignore:SpikeNorm. max pooling:UserWarning")
def test_thresholds_equal_the_population_by_population_definition():
    x = np.random.default_rng(0).uniform(0, 1, (8, 6, 6, 1)).astype(np.float32)
    converter = SpikeNorm(12, norm_data=x, input_type="if")
    net, *_ = converter.convert(branching_model())
    found = converter.thresholds
    assert sorted(found) == ["a", "b", "c", "d", "e"]
    assert converter.mapped.levels(sorted(found)) == [["a"], ["b", "e"], ["c"], ["d"]]
    for name in sorted(found):
        assert found[name] == pytest.approx(reference_threshold(converter, name, found, x, 12),
                                            rel=1e-6), name
    assert {p.name: p.neuron.v_thresh for p in net.populations if p.name in found} == found


@pytest.mark.filterwarnings("ignore:SpikeNorm. max pooling:UserWarning")
def test_thresholds_come_from_one_program_compiled_once(monkeypatch):
    """Four levels, one compiled network and one jitted program (a program per level,
    each reading that level's probes, held NASNetMobile's conversion over 10 GB)."""
    compiles, programs = [], []
    compile_, jit = InferenceCompiler.compile, Simulator.jit

    def counting_compile(self, *args, **kwargs):
        compiles.append(1)
        return compile_(self, *args, **kwargs)

    def counting_jit(self, key, builder):
        def build():                      # called on a cache miss only
            programs.append(key[0])
            return builder()
        return jit(self, key, build)

    monkeypatch.setattr(InferenceCompiler, "compile", counting_compile)
    monkeypatch.setattr(Simulator, "jit", counting_jit)
    x = np.random.default_rng(0).uniform(0, 1, (8, 6, 6, 1)).astype(np.float32)
    converter = SpikeNorm(12, norm_data=x, input_type="if")
    converter.convert(branching_model())
    assert len(converter.thresholds) == 5
    assert len(compiles) == 1 and programs.count("step") == 1, programs

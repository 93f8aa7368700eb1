"""SpikeNorm's one compiled network (probes read level by level) finds the thresholds
of the definition: each population's largest single-step input when the network up to
it runs with the thresholds found before it (re-run here population by population, one
network each, as mlGeNN does)."""
import keras
import numpy as np
import pytest
from handler_harness import randomize

from ml_genn.compilers import InferenceCompiler
from ml_genn.neurons import LeakyIntegrate
from ml_genn_tf.converters import SpikeNorm

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


def reference_threshold(converter, name, thresholds, x, steps):
    """Threshold of ``name``: the network of its ancestors (thresholds as given), with
    ``name`` replaced by a probe of its single-step input, run on ``x``."""
    mapped = converter.mapped
    members, todo = set(), [name]
    while todo:
        current = todo.pop()
        if current not in members:
            members.add(current)
            todo.extend(mapped[current].sources)
    net, *_ = converter.build_network(mapped, None, only=members)
    pops = {p.name: p for p in net.populations}
    for other, value in thresholds.items():
        if other in pops:
            pops[other].neuron.v_thresh = value
    spec = mapped[name]
    bias = 0.0 if spec.bias is None else spec.bias.reshape(spec.shape).astype(np.float32)
    pops[name].neuron = LeakyIntegrate(tau_mem=1e-6, bias=bias, readout="max_var")
    inputs = [pops[n] for n in mapped.inputs]
    compiled = InferenceCompiler(evaluate_timesteps=steps, batch_size=len(x)).compile(net)
    with compiled:
        out, _ = compiled.predict({inputs[0]: x}, [pops[name]], callbacks=[])
    return float(np.max(out[pops[name]]))


@pytest.mark.filterwarnings("ignore:SpikeNorm: max pooling")
def test_thresholds_equal_the_population_by_population_definition():
    x = np.random.default_rng(0).uniform(0, 1, (8, 6, 6, 1)).astype(np.float32)
    converter = SpikeNorm(12, norm_data=x, input_type="if")
    net, *_ = converter.convert(branching_model())
    found = converter.thresholds
    assert sorted(found) == ["a", "b", "c", "d", "e"]
    assert converter._waves(converter.mapped, sorted(found)) == [["a"], ["b", "e"], ["c"],
                                                                  ["d"]]
    for name in sorted(found):
        want = reference_threshold(converter, name, found, x, 12)
        assert found[name] == pytest.approx(want, rel=1e-6), name
    assert {p.name: p.neuron.v_thresh for p in net.populations if p.name in found} == found

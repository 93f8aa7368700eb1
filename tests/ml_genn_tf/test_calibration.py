"""calibration.py: statistics of populations Keras has no tensor for (the ReLU(x) and
ReLU(-x) of a max pooling of a linear value) against NumPy re-statements from Keras'
own layer outputs, and the bounded subsample against drawing every key."""
import keras
import numpy as np
from handler_harness import randomize

from ml_genn_tf.calibration import PopulationValues, _Reservoir, calibrate
from ml_genn_tf.converters import FewSpike

L = keras.layers


def test_the_two_halves_of_a_pooled_linear_value_are_derived_from_keras_tensors():
    """Xception's convolution then max pooling: the pooled value is split into ReLU(v)
    and ReLU(-v) populations, which have no Keras tensor; they are computed from the
    convolution's Keras output (probed), and their statistics are those of
    ``max(+-v, 0)``."""
    x = keras.Input((6, 6, 2))
    conv = L.Conv2D(4, 3, padding="same", name="conv")(x)
    pooled = L.MaxPooling2D(2, name="pool")(conv)
    model = randomize(keras.Model(x, L.Dense(3, name="out")(L.Flatten()(pooled))), seed=2)
    data = np.random.default_rng(0).uniform(0.0, 1.0, (70, 6, 6, 2)).astype(np.float32)
    mapped = FewSpike().map_model(model)
    halves = [n for n, s in mapped.populations.items() if s.keras_tensor is None
              and s.kind == "relu"]
    assert sorted(halves) == ["conv/relu+", "conv/relu-"]
    assert PopulationValues(model, mapped, halves).nodes == ["conv"]
    stats = calibrate(model, mapped, data, progress=False)
    v = keras.Model(x, model.get_layer("conv").output).predict(data, verbose=0)
    for name, sign in (("conv/relu+", 1.0), ("conv/relu-", -1.0)):
        np.testing.assert_allclose(stats[name].max, np.maximum(sign * v, 0).max(), rtol=1e-6)
        assert stats[name].num_values == v.size


def test_the_subsample_is_the_values_of_the_smallest_keys_over_all_chunks():
    rng = np.random.default_rng(3)
    chunks = [rng.normal(size=n).astype(np.float32) for n in (50, 400, 30, 900, 5)]
    reservoir = _Reservoir(100, np.random.default_rng(9), absolute=False)
    for chunk in chunks:
        reservoir.add(chunk)
    keys_rng = np.random.default_rng(9)
    positive = [c[c > 0] for c in chunks]
    keys = np.concatenate([keys_rng.random(p.size) for p in positive])
    want = np.concatenate(positive)[np.argsort(keys)[:100]]
    np.testing.assert_array_equal(np.sort(reservoir.result().samples), np.sort(want))

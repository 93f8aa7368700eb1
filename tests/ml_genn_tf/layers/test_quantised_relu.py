"""QuantisedReLU: forward pass against a NumPy restatement of Bu et al. (2022), the
straight-through gradient, trainability and the ``.keras`` round trip."""
from __future__ import annotations

import keras
import numpy as np
import pytest

from ml_genn_tf.layers import QuantisedReLU


def qcfs(x, clip, levels):
    """Bu et al. (2022), Eq. for the quantisation clip-floor-shift activation."""
    return np.clip(clip / levels * np.floor(x * levels / clip + 0.5), 0.0, clip)


def gradients(layer, x):
    """d(sum y)/dx and d(sum y)/d clip under the current Keras backend."""
    backend = keras.backend.backend()
    if backend == "tensorflow":
        import tensorflow as tf
        xt = tf.constant(x)
        with tf.GradientTape() as tape:
            tape.watch(xt)
            y = tf.reduce_sum(layer(xt))
        gx, gc = tape.gradient(y, [xt, layer.clip.value])
        return np.asarray(gx), float(gc)
    if backend == "jax":
        import jax

        def total(xv, clip):
            out, _ = layer.stateless_call([clip], [], xv)
            return out.sum()
        gx, gc = jax.grad(total, argnums=(0, 1))(x, layer.clip.value)
        return np.asarray(gx), float(gc)
    pytest.skip(f"no gradient helper for the {backend} backend")


@pytest.mark.parametrize("levels, clip", [(4, 2.0), (8, 0.7), (1, 3.0), (16, 5.5)])
def test_forward_matches_numpy(levels, clip):
    x = np.random.default_rng(levels).uniform(-1.0, 1.5 * clip, (64, 7)).astype(np.float32)
    x[0, :4] = [0.0, clip, -clip, 10 * clip]
    layer = QuantisedReLU(levels, initial_clip=clip)
    got = np.asarray(layer(x))
    np.testing.assert_allclose(got, qcfs(x.astype(np.float64), clip, levels), atol=1e-6)
    assert len(np.unique(got)) <= levels + 1


def test_gradient_is_straight_through():
    clip, levels = 2.0, 4
    x = np.array([[-0.5, 0.1, 0.3, 0.9, 1.6, 1.99, 2.5, 7.0]], np.float32)
    gx, gc = gradients(QuantisedReLU(levels, initial_clip=clip), x)
    inside = (x > 0) & (x < clip)
    np.testing.assert_array_equal(gx, inside.astype(np.float32))
    # inside the clip d y / d clip = (y - x) / clip, above it 1, below it 0
    y = qcfs(x.astype(np.float64), clip, levels)
    want = np.where(inside, (y - x) / clip, 0.0) + (x >= clip)
    assert gc == pytest.approx(float(want.sum()), abs=1e-5)


def test_clip_is_trained():
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((5,)), keras.layers.Dense(5),
                              QuantisedReLU(4, initial_clip=0.2, name="q"),
                              keras.layers.Dense(1)])
    assert any(w is model.get_layer("q").clip for w in model.trainable_weights)
    model.compile(optimizer=keras.optimizers.Adam(0.05), loss="mse")
    x = np.random.default_rng(0).uniform(0, 1, (256, 5)).astype(np.float32)
    model.fit(x, 3.0 * x.sum(1, keepdims=True), epochs=2, verbose=0)
    assert float(model.get_layer("q").clip.numpy()) > 0.25  # large targets raise the clip


def test_save_and_load_round_trip(tmp_path):
    model = keras.Sequential([keras.Input((6,)), keras.layers.Dense(4),
                              QuantisedReLU(levels=8, initial_clip=1.3, name="q")])
    model.get_layer("q").clip.assign(0.9)
    path = str(tmp_path / "q.keras")
    model.save(path)
    # Found through its registration alone (no custom_objects).
    assert keras.saving.get_registered_name(QuantisedReLU) == "ml_genn_tf>QuantisedReLU"
    loaded = keras.saving.load_model(path)
    q = loaded.get_layer("q")
    assert type(q) is QuantisedReLU and q.levels == 8 and q.initial_clip == 1.3
    assert float(q.clip.numpy()) == pytest.approx(0.9)
    x = np.random.default_rng(1).normal(size=(10, 6)).astype(np.float32)
    np.testing.assert_allclose(np.asarray(loaded(x)), np.asarray(model(x)), atol=1e-6)


@pytest.mark.parametrize("kwargs, match", [
    (dict(levels=0), r"QuantisedReLU 'q': levels must be a positive integer, received 0"),
    (dict(levels=2.5), r"levels must be a positive integer, received 2.5"),
    (dict(levels=4, initial_clip=-1.0), r"QuantisedReLU 'q': initial_clip must be > 0, "
                                        r"received -1.0"),
])
def test_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        QuantisedReLU(name="q", **kwargs)

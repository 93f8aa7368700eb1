"""Max pooling in the rate methods, in the converter classes and in convert_model alike:
converted by default with the default rule and one warning naming every pooling layer
(saying that FewSpike is exact); ``max_pool="error"`` refuses each pooling layer."""
import warnings

import keras
import numpy as np
import pytest
from handler_harness import randomize

from ml_genn.connectivity import MaxPool2D
from ml_genn_tf import UnsupportedModelError, convert_model
from ml_genn_tf.converters import DataNorm, Simple, SpikeNorm
from ml_genn_tf.converters.rate import DEFAULT_MAX_POOL

L = keras.layers
X = np.random.default_rng(0).uniform(0, 1, (8, 8, 8, 1)).astype(np.float32)


def two_pools() -> keras.Model:
    x_in = keras.Input((8, 8, 1))
    h = L.MaxPooling2D(name="pool_a")(L.Conv2D(2, 3, padding="same", activation="relu")(x_in))
    h = L.GlobalMaxPooling2D(name="pool_b")(L.Conv2D(2, 3, activation="relu")(h))
    return randomize(keras.Model(x_in, L.Dense(2)(h)), seed=1)


def _convert_model(method):
    return lambda **kw: convert_model(two_pools(), method, data=X, timesteps=4, progress=False,
                                      **kw).network


CONVERTERS = {
    "DataNorm": lambda **kw: DataNorm(10, norm_data=X, **kw).convert(two_pools())[0],
    "Simple": lambda **kw: Simple(10, **kw).convert(two_pools())[0],
    "SpikeNorm": lambda **kw: SpikeNorm(4, norm_data=X[:2], **kw).convert(two_pools())[0],
    **{f"convert_model:{m}": _convert_model(m) for m in ("data_norm", "simple", "spike_norm")},
}


@pytest.mark.parametrize("name", sorted(CONVERTERS))
def test_max_pooling_converts_by_default_with_one_warning(name):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        net = CONVERTERS[name]()
    messages = [str(w.message) for w in caught if "max pooling" in str(w.message)]
    assert len(messages) == 1, messages
    assert "['pool_a', 'pool_b']" in messages[0]
    assert f"max_pool={DEFAULT_MAX_POOL!r}; FewSpike conversion is exact" in messages[0]
    rules = [c.connectivity.rate_rule for c in net.connections
             if isinstance(c.connectivity, MaxPool2D)]
    assert rules == [DEFAULT_MAX_POOL] * 2


@pytest.mark.parametrize("name", sorted(CONVERTERS))
def test_max_pool_error_refuses_every_pooling_layer(name):
    with pytest.raises(UnsupportedModelError,
                       match=r"(?s)Layer 'pool_a' \(MaxPooling2D\).*max_pool='error'.*"
                             r"Layer 'pool_b' \(GlobalMaxPooling2D\)"):
        CONVERTERS[name](max_pool="error")

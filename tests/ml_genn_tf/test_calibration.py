"""calibration.py: the bounded subsample against drawing every key."""
import numpy as np

from ml_genn_tf.calibration import _Reservoir


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

"""pytest configuration shared by the test suite and the doctests (STYLE.md, Tests)."""
import os

# Two fake CPU devices (multi-device code paths), set before JAX is imported.
os.environ.setdefault("XLA_FLAGS", "--xla_force_host_platform_device_count=2")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import jax  # noqa: E402
import pytest  # noqa: E402

jax.config.update("jax_numpy_rank_promotion", "raise")
jax.config.update("jax_numpy_dtype_promotion", "strict")


@pytest.fixture
def key():
    """A fresh PRNG key per test."""
    return jax.random.PRNGKey(0)

# ml_genn_tf/datasets.py replaces itself with ml_genn_tf.tools.datasets (an alias kept for
# old imports); the doctest collector would import the same module under two file names.
collect_ignore = ["ml_genn_tf/datasets.py"]

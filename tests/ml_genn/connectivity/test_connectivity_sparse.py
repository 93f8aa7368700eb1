"""Sparse and FixedProbability against NumPy references, delays, and errors."""
import jax.numpy as jnp
import numpy as np
import pytest
from connectivity_harness import run_connectivity_test

from ml_genn import Connection, Network, Population
from ml_genn.backend.connectivity import build_op
from ml_genn.backend.connectivity.sparse import bernoulli_indices
from ml_genn.connectivity import FixedProbability, Sparse
from ml_genn.initializers import Normal, Uniform

RNG = np.random.default_rng(99)
N_SRC, N_TRG = 20, 12


def dense_matrix(pre, post, weight, shape=(N_SRC, N_TRG)):
    matrix = np.zeros(shape)
    np.add.at(matrix, (pre, post), weight)
    return matrix


def matmul_reference(matrix):
    return lambda x: x.reshape(len(x), -1) @ matrix


def random_synapses(n_syn=60):
    pre = RNG.integers(0, N_SRC, n_syn)
    post = RNG.integers(0, N_TRG, n_syn)
    pre[:5], post[:5] = 3, 7  # duplicates: five synapses from 3 to 7
    return pre, post, RNG.uniform(-1, 1, n_syn).astype(np.float32)


@pytest.mark.parametrize("dense", [True, False])
def test_sparse_matches_numpy_with_duplicates(dense):
    pre, post, weight = random_synapses()
    run_connectivity_test(Sparse(pre, post, weight), (4, 5), matmul_reference(
        dense_matrix(pre, post, weight)), target_shape=(3, 4), dense=dense)


@pytest.mark.parametrize("dense", [True, False])
@pytest.mark.parametrize("weight", [0.5, Uniform(-1.0, 1.0)])
def test_sparse_scalar_and_initializer_weights(weight, dense):
    pre, post, _ = random_synapses()
    drawn = np.broadcast_to(weight, pre.shape) if np.isscalar(weight) \
        else weight.sample(pre.shape, np.random.default_rng(0))  # the harness' draw
    run_connectivity_test(Sparse(pre, post, weight), (N_SRC,),
                          matmul_reference(dense_matrix(pre, post, drawn)),
                          target_shape=N_TRG, dense=dense)


@pytest.mark.parametrize("dense", [True, False])
def test_sparse_per_synapse_delays_split_by_delay(dense):
    pre, post, weight = random_synapses()
    delay = RNG.integers(0, 3, len(pre))
    with Network():
        source = Population("binary_spike_input", N_SRC)
        target = Population("integrate_fire", N_TRG)
        conn = Connection(source, target, Sparse(pre, post, weight, delay=delay))
    op = build_op(conn.connectivity, "highest")
    op.dense = dense
    events = (RNG.random((2, N_SRC)) < 0.5).astype(np.float32)
    groups = op.delay_groups(np.random.default_rng(0))
    assert [d for d, _ in groups] == [0, 1, 2]
    for d, weights in groups:
        sel = delay == d
        np.testing.assert_allclose(np.asarray(op.apply(weights, jnp.asarray(events))),
                                   events @ dense_matrix(pre[sel], post[sel], weight[sel]),
                                   atol=1e-5)


def test_sparse_save_load_arrays():
    sparse = Sparse([0, 1], [1, 1], [1.0, 2.0], delay=[1, 2])
    arrays = sparse.get_arrays()
    assert set(arrays) == {"pre_ind", "post_ind", "weight", "delay"}
    sparse.set_array("post_ind", np.array([0, 0]))
    sparse.set_array("delay", np.array([3, 4]))
    assert sparse.post_ind.dtype.kind == "i" and sparse.delay.tolist() == [3, 4]


# --- FixedProbability -----------------------------------------------------------------

def fixed_probability_reference(connectivity):
    """The synapses the harness' op draws (default_rng(0)), as a NumPy matmul."""
    def reference(x):
        pre, post, w = build_op(connectivity, "highest").synapses(np.random.default_rng(0))
        return matmul_reference(dense_matrix(pre, post, w, connectivity_shape(connectivity)))(x)
    return reference


def connectivity_shape(connectivity):
    return int(np.prod(connectivity.source_shape)), int(np.prod(connectivity.target_shape))


@pytest.mark.parametrize("dense", [True, False])
@pytest.mark.parametrize("weight", [0.25, Normal(0.0, 1.0)])
def test_fixed_probability_matches_numpy(weight, dense):
    fixed = FixedProbability(0.3, weight)
    run_connectivity_test(fixed, (N_SRC,), fixed_probability_reference(fixed),
                          target_shape=(3, 4), dense=dense)


def test_fixed_probability_array_weight_with_p_one_is_dense():
    weight = RNG.uniform(-1, 1, (N_SRC, N_TRG)).astype(np.float32)
    run_connectivity_test(FixedProbability(1.0, weight), (N_SRC,), matmul_reference(weight),
                          target_shape=N_TRG)


def draw(p, n_src=200, n_trg=300, seed=0, recurrent=False, allow=False):
    with Network():
        source = Population("poisson_input", n_src)
        target = source if recurrent else Population("integrate_fire", n_trg)
        conn = Connection(source, target, FixedProbability(p, 1.0, allow))
    return build_op(conn.connectivity, "highest").synapses(np.random.default_rng(seed))


def test_fixed_probability_is_deterministic_per_seed_and_has_density_p():
    pre, post, _ = draw(0.1)
    again, other = draw(0.1), draw(0.1, seed=1)
    assert np.array_equal(pre, again[0]) and np.array_equal(post, again[1])
    assert not (len(pre) == len(other[0]) and np.array_equal(post, other[1]))
    n = 200 * 300
    assert abs(len(pre) - 0.1 * n) < 5 * np.sqrt(n * 0.1 * 0.9)
    assert len(set(zip(pre.tolist(), post.tolist(), strict=True))) == len(pre)  # no duplicates
    assert len(draw(0.0)[0]) == 0 and len(draw(1.0)[0]) == n


def test_fixed_probability_self_connections():
    pre, post, _ = draw(1.0, n_src=30, recurrent=True)
    assert len(pre) == 30 * 29 and not np.any(pre == post)
    pre, post, _ = draw(1.0, n_src=30, recurrent=True, allow=True)
    assert len(pre) == 30 * 30
    pre, post, _ = draw(1.0, n_src=30, n_trg=30)  # different populations: diagonal kept
    assert np.sum(pre == post) == 30


def test_bernoulli_indices_are_sorted_unique_and_in_range():
    idx = bernoulli_indices(10_000, 0.37, np.random.default_rng(3))
    assert np.all(np.diff(idx) > 0) and idx[0] >= 0 and idx[-1] < 10_000


# --- errors -------------------------------------------------------------------------

def connect(connectivity, source_shape, target_shape):
    with Network():
        source = Population("binary_spike_input", source_shape, name="src")
        target = Population("integrate_fire", target_shape, name="trg")
        return Connection(source, target, connectivity)


def test_sparse_connect_errors():
    with pytest.raises(ValueError, match=r"pre_ind contains index 20 but population 'src' "
                                         r"has 20 neurons"):
        connect(Sparse([20], [0], 1.0), (4, 5), 3)
    with pytest.raises(ValueError, match=r"post_ind contains index 3 but population 'trg' "
                                         r"has 3 neurons"):
        connect(Sparse([0], [3], 1.0), (4, 5), 3)
    with pytest.raises(ValueError, match=r"target population 'trg' needs a shape"):
        connect(Sparse([0], [0], 1.0), 4, None)
    with pytest.raises(ValueError, match=r"FixedProbability: target population 'trg' needs"):
        connect(FixedProbability(0.5, 1.0), 4, None)
    with pytest.raises(ValueError, match=r"weight array has shape \(4, 4\) but source 'src' "
                                         r"and target 'trg' need \(4, 3\)"):
        connect(FixedProbability(0.5, np.ones((4, 4))), 4, 3)


@pytest.mark.parametrize("make,match", [
    (lambda: Sparse([0, 1], [0], 1.0), r"same length, received 2 and 1"),
    (lambda: Sparse([0, -1], [0, 1], 1.0), r"pre_ind must be .* received \[0, -1\]"),
    (lambda: Sparse([[0]], [0], 1.0), r"pre_ind must be a 1-D array"),
    (lambda: Sparse([0], [0.5], 1.0), r"post_ind must be"),
    (lambda: Sparse([0, 1], [0, 1], [1.0, 2.0, 3.0]), r"weight must be .* one value per "
                                                      r"synapse \(2\), received shape \(3,\)"),
    (lambda: Sparse([0, 1], [0, 1], 1.0, delay=[1, 2, 3]), r"delay must be .* \(3,\)"),
    (lambda: Sparse([0, 1], [0, 1], 1.0, delay=[1, -2]), r"delay must be a non-negative"),
    (lambda: FixedProbability(1.5, 1.0), r"p must be a probability in \[0, 1\], received 1.5"),
    (lambda: FixedProbability(0.5, 1.0, delay=[1, 2]), r"per-synapse delays are not"),
])
def test_sparse_constructor_errors(make, match):
    with pytest.raises(ValueError, match=match):
        make()

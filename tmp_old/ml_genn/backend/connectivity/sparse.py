"""Ops of the sparse connectivities: Sparse and FixedProbability.

Small connections use a dense matrix built at compile time (duplicates summed with
``np.add.at``) and one matrix product; large ones gather the source events per synapse
and scatter-add them into the targets (duplicates add up too).
"""
from __future__ import annotations

import jax.numpy as jnp
import numpy as np

from ...connectivity import FixedProbability, Sparse
from ...initializers.initializer import Initializer
from .base import ConnectivityOp, register_op

#: Largest ``n_src * n_trg`` (float32 elements, 64 MiB) stored as a dense matrix.
DENSE_LIMIT = 1 << 24


@register_op(Sparse)
class SparseOp(ConnectivityOp):
    """``dense`` (set from :data:`DENSE_LIMIT`) picks the representation of the weights:
    an ``(n_src, n_trg)`` matrix, or ``(pre, post, weight)`` synapse arrays."""

    def __init__(self, connectivity, precision):
        super().__init__(connectivity, precision)
        self.dense = self.n_src * self.n_trg <= DENSE_LIMIT

    def synapses(self, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(pre, post, weight)`` arrays of all synapses."""
        c = self.conn
        return c.pre_ind, c.post_ind, self.weight_array((c.num_synapses,), rng)

    def weights(self, pre: np.ndarray, post: np.ndarray, w: np.ndarray):
        if self.dense:
            matrix = np.zeros((self.n_src, self.n_trg), np.float32)
            np.add.at(matrix, (pre, post), w)
            return jnp.asarray(matrix)
        return (jnp.asarray(pre, jnp.int32), jnp.asarray(post, jnp.int32),
                jnp.asarray(w, jnp.float32))

    def prepare(self, rng):
        return self.weights(*self.synapses(rng))

    def apply(self, weights, events):
        flat = events.reshape(events.shape[0], self.n_src)
        if self.dense:
            out = jnp.dot(flat, weights, precision=self.precision)
        else:
            pre, post, w = weights
            values = flat[:, pre] * w.reshape(1, -1)
            out = jnp.zeros((flat.shape[0], self.n_trg), flat.dtype).at[:, post].add(values)
        return out.reshape((events.shape[0],) + self.target_shape)

    def split_synapse_delays(self, delay, rng):
        pre, post, w = self.synapses(rng)
        delay = np.broadcast_to(delay.reshape(-1), w.shape)
        return [(int(d), self.weights(pre[delay == d], post[delay == d], w[delay == d]))
                for d in np.unique(delay)]


def bernoulli_indices(n: int, p: float, rng: np.random.Generator) -> np.ndarray:
    """Sorted indices in ``[0, n)``, each present independently with probability ``p``,
    drawn as geometric gaps (memory grows with the number drawn, not with ``n``)."""
    if p <= 0.0 or n == 0:
        return np.zeros(0, np.int64)
    if p >= 1.0:
        return np.arange(n, dtype=np.int64)
    chunks, last = [], -1
    while True:
        size = int((n - last) * p * 1.1) + 64
        idx = last + np.cumsum(rng.geometric(p, size))
        chunks.append(idx[idx < n])
        if idx[-1] >= n:
            return np.concatenate(chunks)
        last = int(idx[-1])


@register_op(FixedProbability)
class FixedProbabilityOp(SparseOp):
    def synapses(self, rng):
        c = self.conn
        flat = bernoulli_indices(self.n_src * self.n_trg, c.p, rng)
        pre, post = np.divmod(flat, self.n_trg)
        if c.self_connected and not c.allow_self_connections:
            keep = pre != post
            pre, post = pre[keep], post[keep]
        if isinstance(c.weight, np.ndarray) and c.weight.ndim > 0:
            w = c.weight.reshape(self.n_src, self.n_trg)[pre, post].astype(np.float32)
        elif isinstance(c.weight, Initializer):
            w = self.weight_array((len(pre),), rng)
        else:
            w = np.full(len(pre), c.weight, np.float32)
        return pre, post, w

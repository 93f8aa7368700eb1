"""Ops of Dense and OneToOne."""
from __future__ import annotations

import jax.numpy as jnp
import numpy as np

from ...connectivity import Dense, OneToOne
from .base import ConnectivityOp, register_op


@register_op(Dense)
class DenseOp(ConnectivityOp):
    supports_low_precision = True
    takes_spike_operands = True

    def prepare(self, rng):
        return self.low_weights(self.weight_array((self.n_src, self.n_trg), rng))

    def apply(self, w, events):
        return self.scale_sums(*self.apply_unscaled(w, events))

    def apply_unscaled(self, w, events):
        sums, factor = self.low_sums(
            lambda w, x: jnp.dot(x.reshape(x.shape[0], self.n_src), w,
                                 precision=self.precision,
                                 preferred_element_type=self.result_type), w, events)
        return sums.reshape((events.shape[0],) + self.target_shape), factor

    def split_synapse_delays(self, delay, rng):
        w = self.weight_array((self.n_src, self.n_trg), rng)
        delay = np.broadcast_to(delay, w.shape)
        return [(int(d), self.low_weights(np.where(delay == d, w, 0.0).astype(np.float32)))
                for d in np.unique(delay)]


@register_op(OneToOne)
class OneToOneOp(ConnectivityOp):
    def prepare(self, rng):
        return jnp.asarray(self.weight_array((1, self.n_src), rng))

    def apply(self, w, events):
        flat = events.reshape(events.shape[0], self.n_src) * w
        return flat.reshape((events.shape[0],) + self.target_shape)


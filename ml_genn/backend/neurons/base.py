"""Neuron dynamics: parameters, state and a pure ``step`` function per neuron class,
and the helpers they share.

Every neuron class has one :class:`NeuronDynamics` subclass, registered with
:func:`register_dynamics`. Its ``step(params, state, drive, t) -> (state, events)``
works on arrays with a leading batch axis; ``drive`` is the synaptic input, or for
input neurons the current frame of the data. ``events`` is a float32 array: 1 for a
spike, -1 for a negative (signed) event, or the graded value a few-spike neuron sends.
Both schedules call the same ``step``, so they cannot drift apart.

The parameter tuple comes from the neuron's declaration: every ``Param`` with
``device=True``, materialised by :meth:`NeuronDynamics.param`, plus what
:meth:`NeuronDynamics.derived_params` computes at compile time (decay factors,
refractory steps). The neuron's ``Option`` values are captured in ``self.options``
when the dynamics are built, so ``step`` never reads the mutable description.

Example (a user-defined neuron: each parameter named once, in its declaration):

    >>> import numpy as np
    >>> from ml_genn.neurons import Neuron, Option, Param
    >>> from ml_genn.utils.validation import as_bool, check_positive
    >>> class Leaky(Neuron):
    ...     output_var_name = "v"
    ...     v = Param()
    ...     tau = Param(check_positive, device=False)
    ...     clamp = Option(as_bool)
    ...     def __init__(self, v=0.0, tau=10.0, clamp=False, readout=None):
    ...         super().__init__(readout=readout, v=v, tau=tau, clamp=clamp)
    >>> class LeakyState(NamedTuple):
    ...     v: jnp.ndarray
    >>> @register_dynamics(Leaky)
    ... class LeakyDynamics(NeuronDynamics):
    ...     def derived_params(self, values, rng):
    ...         return {"alpha": batched(self.decay("tau", rng))}
    ...     def initial_state(self, p, batch_size, keys):
    ...         return LeakyState(v=self.full(p.v, batch_size))
    ...     def step(self, p, s, drive, t):
    ...         v = p.alpha * s.v + drive
    ...         v = jnp.minimum(v, 1.0) if self.options.clamp else v
    ...         return LeakyState(v=v), jnp.zeros_like(v)
    >>> dyn = build_dynamics(Leaky(tau=1.0, clamp=True), (2,), dt=1.0)
    >>> p = dyn.params(np.random.default_rng(0))
    >>> p._fields
    ('v', 'alpha')
    >>> s, _ = dyn.step(p, dyn.initial_state(p, 1, None), jnp.full((1, 2), 3.0), 0)
    >>> s.v.tolist()
    [[1.0, 1.0]]
"""
from __future__ import annotations

from collections import namedtuple
from collections.abc import Callable
from functools import cache
from types import SimpleNamespace
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from ...utils.data import time_to_step
from ...utils.value import materialise

DYNAMICS: dict[type, type] = {}


def register_dynamics(neuron_cls: type) -> Callable[[type], type]:
    """Class decorator: ``@register_dynamics(IntegrateFire) class IntegrateFireDynamics``."""
    def decorator(dyn_cls: type) -> type:
        if neuron_cls in DYNAMICS:
            raise ValueError(f"Dynamics for {neuron_cls.__name__} are already registered "
                             f"({DYNAMICS[neuron_cls].__name__}).")
        DYNAMICS[neuron_cls] = dyn_cls
        return dyn_cls
    return decorator


def build_dynamics(neuron: Any, shape: tuple[int, ...], dt: float) -> NeuronDynamics:
    for cls in type(neuron).__mro__:
        if cls in DYNAMICS:
            return DYNAMICS[cls](neuron, shape, dt)
    raise NotImplementedError(f"No backend dynamics registered for neuron class "
                              f"{type(neuron).__name__}; register one with "
                              f"ml_genn.backend.neurons.register_dynamics.")


class NoState(NamedTuple):
    """State of a neuron without variables."""


class KeyState(NamedTuple):
    """State of a neuron whose only variable is its per-example PRNG key."""

    key: jnp.ndarray


@cache
def params_type(owner: str, fields: tuple[str, ...]) -> type:
    """The NamedTuple ``<owner>Params`` with ``fields`` (one type per neuron class and
    field list, so that jitted programs see the same pytree structure every time)."""
    return namedtuple(f"{owner}Params", fields)


class NeuronDynamics:
    """Backend of one neuron class.

    ``uses_random``: the state holds per-example PRNG keys (``state.key``).
    ``stage_steps``: for few-spike neurons, the steps per pipeline stage K (else None).
    ``spiking``: every event is 0, 1 or -1 (the low-precision modes rely on it).
    """

    uses_random = False
    stage_steps: int | None = None
    #: its events are spikes (0, 1 or -1), exact in every low-precision format
    spiking = False
    #: ``step`` is elementwise per neuron, reads neither ``t`` (it is passed None) nor a
    #: random key, and has no product that a compiler could contract into a fused
    #: multiply-add (which would make the kernel's rounding differ from XLA's fusion:
    #: the leaky neurons' ``alpha * v + i`` differed by an ulp on a CPU), so the layer
    #: schedule may run a chunk of steps as one kernel (``schedules/neuron_kernel.py``)
    fusable_steps = False

    def __init__(self, neuron: Any, shape: tuple[int, ...], dt: float):
        self.shape = tuple(shape)
        self.dt = float(dt)
        self.owner = type(neuron).__name__
        self.values = neuron.get_params()
        self.device_names = type(neuron).device_param_names
        self.options = SimpleNamespace(**neuron.get_options())

    # --- parameters -------------------------------------------------------------------
    def params(self, rng: np.random.Generator) -> NamedTuple:
        """The declared device parameters, then the derived ones, as one NamedTuple."""
        values = {name: self.param(name, rng) for name in self.device_names}
        values.update(self.derived_params(values, rng))
        return params_type(self.owner, tuple(values))(**values)

    def derived_params(self, values: dict[str, jnp.ndarray],
                       rng: np.random.Generator) -> dict[str, jnp.ndarray]:
        """Parameters computed at compile time (none by default); ``values`` holds the
        device parameters already materialised."""
        return {}

    def host_param(self, name: str, rng: np.random.Generator) -> np.ndarray:
        """A parameter materialised on the host as float64 (for dt-dependent transforms):
        a scalar, or an array of the population's shape."""
        return materialise(self.values[name], self.shape, name, self.owner,
                           rng).astype(np.float64)

    def param(self, name: str, rng: np.random.Generator) -> jnp.ndarray:
        """A parameter on the device, float32 and :func:`batched`."""
        return batched(materialise(self.values[name], self.shape, name, self.owner, rng))

    def decay(self, name: str, rng: np.random.Generator) -> np.ndarray:
        """:math:`e^{-\\Delta t/\\tau}` of the time constant ``name`` [ms] (checked > 0)."""
        tau = self.host_param(name, rng)
        if not np.all(tau > 0):
            raise ValueError(f"{self.owner}: {name} must be > 0, received values down to "
                             f"{tau.min()}.")
        return np.exp(-self.dt / tau)

    def refrac_steps(self, rng: np.random.Generator, name: str = "tau_refrac") -> jnp.ndarray:
        """:math:`n_{ref} = \\lceil \\tau_{refrac}/\\Delta t \\rceil` as int32 (0 if ``None``)."""
        if self.values[name] is None:
            return jnp.zeros((), jnp.int32)
        tau = self.host_param(name, rng)
        if not np.all(tau >= 0):
            raise ValueError(f"{self.owner}: {name} must be >= 0, received values down to "
                             f"{tau.min()}.")
        return batched(time_to_step(tau, self.dt, "ceil"), jnp.int32)

    # --- state --------------------------------------------------------------------------
    def full(self, value: jnp.ndarray | float, batch_size: int) -> jnp.ndarray:
        """``value`` broadcast to ``(batch_size, *shape)`` float32."""
        return jnp.broadcast_to(value, (batch_size,) + self.shape).astype(jnp.float32)

    def zeros_int(self, batch_size: int) -> jnp.ndarray:
        """An int32 zero per neuron and example (refractory counters)."""
        return jnp.zeros((batch_size,) + self.shape, jnp.int32)

    # --- to implement -------------------------------------------------------------------
    def initial_state(self, params: NamedTuple, batch_size: int, keys: jnp.ndarray) -> NamedTuple:
        raise NotImplementedError(f"{type(self).__name__} does not implement initial_state.")

    def step(self, params: NamedTuple, state: NamedTuple, drive: jnp.ndarray,
             t: jnp.ndarray) -> tuple[NamedTuple, jnp.ndarray]:
        raise NotImplementedError(f"{type(self).__name__} does not implement step.")


def batched(value: Any, dtype: Any = jnp.float32) -> jnp.ndarray:
    """A per-neuron array gets a leading batch axis of 1 (JAX rank promotion is explicit);
    a scalar stays 0-d."""
    array = jnp.asarray(value, dtype)
    return array if array.ndim == 0 else array[None]


def uniform(keys: jnp.ndarray, shape: tuple[int, ...]) -> tuple[jnp.ndarray, jnp.ndarray]:
    """One uniform [0, 1) draw of ``shape`` per example from its PRNG key: returns
    (the examples' next keys, draws ``(batch, *shape)``)."""
    split = jax.vmap(jax.random.split)(keys)
    draws = jax.vmap(lambda k: jax.random.uniform(k, shape, jnp.float32))(split[:, 1])
    return split[:, 0], draws


def input_scale(alpha: np.ndarray, scale_i: bool) -> jnp.ndarray:
    """Factor of the input: :math:`1-\\alpha` with ``scale_i``, else 1."""
    return batched(-np.expm1(np.log(alpha)) if scale_i else np.ones_like(alpha))


def reset(v: jnp.ndarray, spike: jnp.ndarray, v_thresh: jnp.ndarray, v_reset: jnp.ndarray,
          relative: bool) -> jnp.ndarray:
    """Reset after a spike: by subtraction of ``v_thresh - v_reset`` or to ``v_reset``."""
    if relative:
        return jnp.where(spike, v - (v_thresh - v_reset), v)
    return jnp.where(spike, v_reset, v)


def refractory_update(spike: jnp.ndarray, refrac: jnp.ndarray,
                      n_refrac: jnp.ndarray) -> jnp.ndarray:
    """:math:`r \\leftarrow n_{ref}` on a spike, else :math:`\\max(r-1, 0)`."""
    return jnp.where(spike, n_refrac, jnp.maximum(refrac - 1, 0)).astype(jnp.int32)

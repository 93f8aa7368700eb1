"""Each neuron parameter is declared once (Param/Option); names, validation, the
backend's parameter tuple and the captured static options all come from it."""
from __future__ import annotations

import inspect

import jax.numpy as jnp
import numpy as np
import pytest

from ml_genn.backend.neurons import build_dynamics
from ml_genn.neurons import (
    NEURONS,
    CustomGenerator,
    IntegrateFire,
    LeakyIntegrateFire,
    Neuron,
    Option,
    Param,
    SpikeGenerator,
)
from ml_genn.utils.validation import check_positive

SHAPE = (3,)


def _default(cls):
    if cls is SpikeGenerator:
        return cls([1.0, 2.0])
    if cls is CustomGenerator:
        return cls([0.5, 1.0])
    return cls()


ALL = [NEURONS.get_class(name) for name in NEURONS.names()]


@pytest.mark.parametrize("cls", ALL, ids=lambda c: c.__name__)
def test_names_come_from_the_declarations(cls):
    declared = {name for k in cls.__mro__ for name, v in vars(k).items()
                if isinstance(v, (Param, Option))}
    assert set(cls.param_names) | set(cls.option_names) == declared
    assert set(cls.device_param_names) <= set(cls.param_names)
    neuron = _default(cls)
    assert list(neuron.get_params()) == list(cls.param_names)
    assert list(neuron.get_options()) == list(cls.option_names)


@pytest.mark.parametrize("cls", ALL, ids=lambda c: c.__name__)
def test_constructor_arguments_are_the_declared_names(cls):
    """Every constructor argument (mlGeNN's signature) is a declared name or readout;
    ``Neuron.__init__`` refuses a constructor that leaves a declared name unset."""
    args = set(inspect.signature(cls.__init__).parameters) - {"self", "readout"}
    assert args <= set(cls.param_names) | set(cls.option_names)


@pytest.mark.parametrize("cls", ALL, ids=lambda c: c.__name__)
def test_backend_tuple_holds_each_device_param_as_declared(cls):
    neuron = _default(cls)
    params = build_dynamics(neuron, SHAPE, 1.0).params(np.random.default_rng(0))
    assert params._fields[:len(cls.device_param_names)] == cls.device_param_names
    for name in cls.device_param_names:
        expected = np.broadcast_to(np.asarray(getattr(neuron, name), np.float32), SHAPE)
        got = np.broadcast_to(np.asarray(getattr(params, name)), (1,) + SHAPE)[0]
        np.testing.assert_array_equal(got, expected)


def test_assignment_is_validated_like_the_constructor():
    lif = LeakyIntegrateFire()
    with pytest.raises(ValueError, match=r"LeakyIntegrateFire: tau_mem must be > 0, received -1"):
        lif.tau_mem = -1
    with pytest.raises(TypeError, match=r"LeakyIntegrateFire: parameter 'v_thresh' must be"):
        lif.v_thresh = "high"
    lif.v_thresh = [1, 2]
    assert lif.v_thresh.dtype == np.float32


def test_constructor_that_forgets_a_declared_param_is_refused():
    class Forgetful(Neuron):
        tau = Param(check_positive)
        v = Param()

        def __init__(self, tau=1.0, v=0.0):
            super().__init__(tau=tau)

    with pytest.raises(TypeError, match=r"Forgetful.__init__ .*\['v'\] unset"):
        Forgetful()


def test_static_options_are_captured_when_the_dynamics_are_built():
    """Changing ``relative_reset`` after building has no effect on the built step."""
    neuron = IntegrateFire(v_thresh=1.0, v_reset=0.0, relative_reset=True)
    dyn = build_dynamics(neuron, (1,), 1.0)
    neuron.relative_reset = False
    params = dyn.params(np.random.default_rng(0))
    state = dyn.initial_state(params, 1, None)
    state, spike = dyn.step(params, state, jnp.full((1, 1), 1.5, jnp.float32), 0)
    assert float(spike[0, 0]) == 1.0
    assert float(state.v[0, 0]) == pytest.approx(0.5)   # subtracted, as when built

"""A user-defined readout or synapse brings its backend through the registries."""
from __future__ import annotations

import math

import jax.numpy as jnp
import numpy as np
import pytest

from ml_genn import Connection, Network, Population
from ml_genn.backend.readouts import ReadoutBackend, register_readout
from ml_genn.backend.synapses import SynapseBackend, decay_factor, register_synapse
from ml_genn.callbacks import VarRecorder
from ml_genn.compilers import InferenceCompiler
from ml_genn.connectivity import Dense
from ml_genn.neurons import BinarySpikeInput, LeakyIntegrate
from ml_genn.readouts import READOUTS, Readout
from ml_genn.synapses import SYNAPSES, Exponential, Synapse

T, N_IN, N_OUT, DT = 12, 4, 3, 1.0
RNG = np.random.default_rng(5)
X = (RNG.random((6, T, N_IN)) < 0.4).astype(np.float32)
W = RNG.normal(0.0, 1.0, (N_IN, N_OUT)).astype(np.float32)


@READOUTS.register
class LowestVar(Readout):
    """Smallest value of the output variable over the example (user-defined)."""


@register_readout(LowestVar)
class LowestVarBackend(ReadoutBackend):
    def init(self, readout, shape):
        return jnp.full(shape, jnp.inf, jnp.float32)

    def update(self, readout, acc, events, var, t, num_steps, dt):
        return jnp.minimum(acc, var)


@SYNAPSES.register
class HalvingSynapse(Synapse):
    """Current halves every step (user-defined)."""


@register_synapse(HalvingSynapse)
class HalvingSynapseBackend(SynapseBackend):
    def decay_factor(self, synapse, dt):
        return 0.5


class Unregistered(Readout):
    pass


def _predict(readout, synapse="delta", schedule="timestep", record=False):
    with Network() as net:
        inp = Population(BinarySpikeInput(input_frames=T), N_IN)
        out = Population(LeakyIntegrate(tau_mem=4.0, readout=readout), N_OUT)
        Connection(inp, out, Dense(W), synapse=synapse)
    compiled = InferenceCompiler(evaluate_timesteps=T, dt=DT, batch_size=4,
                                 schedule=schedule).compile(net)
    callbacks = [VarRecorder(out, "v", key="v")] if record else []
    with compiled:
        preds, data = compiled.predict({inp: X}, [out], callbacks=callbacks)
    return preds[out], data


@pytest.mark.parametrize("schedule", ["timestep", "layer"])
def test_user_readout_by_name_against_the_recorded_trace(schedule):
    lowest, data = _predict("lowest_var", schedule=schedule, record=True)
    v = np.asarray(data["v"])                      # (examples, T, N_OUT)
    np.testing.assert_allclose(lowest, v.min(axis=1), rtol=1e-6)


def test_user_synapse_equals_the_exponential_synapse_it_restates():
    halving, _ = _predict("var", synapse="halving_synapse")
    exponential, _ = _predict("var", synapse=Exponential(tau=DT / math.log(2.0)))
    np.testing.assert_allclose(halving, exponential, rtol=1e-5, atol=1e-6)
    delta, _ = _predict("var")
    assert not np.allclose(halving, delta)


def test_readout_without_backend_fails_at_compile():
    with pytest.raises(NotImplementedError,
                       match="Readout Unregistered has no backend; register one with "
                             "ml_genn.backend.readouts.register_readout"):
        _predict(Unregistered())


def test_second_backend_for_a_readout_is_refused():
    with pytest.raises(ValueError, match="backend for readout LowestVar is already registered"):
        register_readout(LowestVar)(LowestVarBackend)


def test_synapse_registry_refuses_a_second_backend_and_names_a_missing_one():
    class SubHalving(HalvingSynapse):
        pass

    class Unfiltered(Synapse):
        pass

    assert decay_factor(SubHalving(), dt=1.0) == 0.5        # the nearest base's backend
    with pytest.raises(ValueError, match=r"backend for synapse HalvingSynapse is already "
                                         r"registered \(HalvingSynapseBackend\)"):
        register_synapse(HalvingSynapse)(HalvingSynapseBackend)
    with pytest.raises(NotImplementedError,
                       match="Synapse Unfiltered has no backend; register one with "
                             "ml_genn.backend.synapses.register_synapse"):
        decay_factor(Unfiltered(), dt=1.0)

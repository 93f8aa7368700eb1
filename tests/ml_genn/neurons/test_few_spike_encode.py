"""The few-spike neurons' closed-form ``encode`` sends what their ``k`` greedy steps do."""
import jax.numpy as jnp
import numpy as np
import pytest

from ml_genn.backend.neurons import build_dynamics
from ml_genn.neurons import FewSpikeRelu, FewSpikeReluInput


def boundary_values(rng, d, bits, n=3000):
    """Exact multiples of the code step ``d``, their float32 neighbours and random values,
    over the whole range and past it on both sides."""
    m = rng.integers(-(2 ** bits) - 3, 2 ** bits + 3, n).astype(np.float32)
    v = (m * np.float32(d)).astype(np.float32)
    kind = rng.integers(0, 4, n)
    up, down = np.nextafter(v, np.float32(np.inf)), np.nextafter(v, np.float32(-np.inf))
    rand = (rng.uniform(-1.2, 1.2, n) * d * 2 ** bits).astype(np.float32)
    return np.select([kind == 1, kind == 2, kind == 3], [up, down, rand], v).astype(np.float32)


@pytest.mark.parametrize("k", [4, 8, 10, 12])
@pytest.mark.parametrize("make", [
    lambda k, a: FewSpikeRelu(k=k, alpha=a, bias=0.0),
    lambda k, a: FewSpikeReluInput(k=k, alpha=a),
    lambda k, a: FewSpikeReluInput(k=k, alpha=a, signed_input=True)],
    ids=["relu", "input", "signed_input"])
def test_encode_equals_steps(k, make):
    rng = np.random.default_rng(k)
    for alpha in (float(rng.uniform(0.1, 30.0)), 4.0, 25.0):
        neuron = make(k, alpha)
        dyn = build_dynamics(neuron, (3000,), 1.0)
        p = dyn.params(rng)
        x = jnp.asarray(boundary_values(rng, float(dyn.code_scale(p)), dyn.code_bits)[None])
        s0 = dyn.initial_state(p, 1, None)
        _, code = dyn.encode(p, s0, x)
        s, stepped = s0, jnp.zeros_like(x)
        for phase in range(k):
            drive = x if (phase == 0 or neuron.is_input) else jnp.zeros_like(x)
            s, event = dyn.step(p, s, drive, jnp.int32(phase))
            stepped = stepped + dyn.event_code(event, phase)
        np.testing.assert_array_equal(np.asarray(code), np.asarray(stepped))
        # the events sum to alpha 2^-B m
        assert np.all(np.abs(np.asarray(code)) < 2 ** dyn.code_bits)

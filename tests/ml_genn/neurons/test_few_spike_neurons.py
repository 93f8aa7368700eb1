"""FewSpikeReluInput (SPEC 3.2) and FewSpikeRelu (SPEC 3.3) dynamics against the closed
form of the greedy K-bit encoding."""
from __future__ import annotations

import numpy as np
import pytest

from ml_genn.neurons import NEURONS, FewSpikeRelu, FewSpikeReluInput


def quantise(x, alpha, bits):
    """alpha 2^-bits floor(2^bits x / alpha), saturating at alpha (1 - 2^-bits)."""
    q = alpha * 2.0 ** -bits
    return np.minimum(np.floor(x / q) * q, alpha - q)


def off_grid(x, alpha, bits, margin=1e-3):
    """x values whose distance to the quantisation grid exceeds ``margin`` steps."""
    r = x / (alpha * 2.0 ** -bits)
    return np.abs(r - np.round(r)) > margin


def hold(values, steps):
    """Drive of shape (steps, 1, n) repeating ``values``."""
    return np.broadcast_to(np.asarray(values, np.float64), (steps, 1, len(values)))


@pytest.mark.parametrize("k, alpha", [(10, 25.0), (8, 5.0), (4, 1.0)])
def test_input_unsigned_decodes_to_closed_form(simulate, k, alpha):
    x = np.random.default_rng(0).uniform(0.0, 1.2 * alpha, size=200)
    x = x[off_grid(x, alpha, k)]
    _, events = simulate(FewSpikeReluInput(k=k, alpha=alpha), hold(x, k))
    decoded = events[:, 0].sum(axis=0)
    np.testing.assert_allclose(decoded, quantise(x, alpha, k), rtol=1e-6, atol=1e-6)
    assert (events >= 0).all()
    saturated = x >= alpha * (1 - 2.0 ** -k)
    assert saturated.any() and (events[:, 0, saturated] > 0).all()   # every bit set


@pytest.mark.parametrize("k, alpha", [(10, 25.0), (8, 5.0)])
def test_input_signed_decodes_to_closed_form(simulate, k, alpha):
    bits = k // 2
    x = np.random.default_rng(1).uniform(-1.2 * alpha, 1.2 * alpha, size=200)
    x = x[off_grid(np.abs(x), alpha, bits)]
    _, events = simulate(FewSpikeReluInput(k=k, alpha=alpha, signed_input=True), hold(x, k))
    decoded = events[:, 0].sum(axis=0)
    np.testing.assert_allclose(decoded, np.sign(x) * quantise(np.abs(x), alpha, bits),
                               rtol=1e-6, atol=1e-6)
    # positive events only on even steps, negative only on odd steps
    assert (events[0::2] >= 0).all() and (events[1::2] <= 0).all()


def test_input_golden(simulate):
    # k=4, alpha=1, x=0.7: h = 0.5 (spike, V=0.2), 0.25 (no), 0.125 (spike, V=0.075), 0.0625
    # (spike, V=0.0125); decoded 0.6875 = floor(16*0.7)/16.
    _, events = simulate(FewSpikeReluInput(k=4, alpha=1.0), hold([0.7], 4))
    np.testing.assert_allclose(events[:, 0, 0], [0.5, 0.0, 0.125, 0.0625])
    # signed, k=4: x=-0.7: step 0 (+0.5) no, step 1 (-0.5): -0.7 < -0.5 -> -0.5, V=-0.2;
    # step 2 (+0.25) no, step 3 (-0.25): -0.2 < -0.25? no.
    _, events = simulate(FewSpikeReluInput(k=4, alpha=1.0, signed_input=True), hold([-0.7], 4))
    np.testing.assert_allclose(events[:, 0, 0], [0.0, -0.5, 0.0, 0.0])


@pytest.mark.parametrize("k, alpha, bias", [(10, 25.0, 0.0), (8, 5.0, 0.0), (6, 2.0, 0.3)])
def test_relu_one_stage(simulate, k, alpha, bias):
    """Inputs arriving during stage 0 (steps 1..K) are encoded in stage 1 (steps K..2K-1)."""
    rng = np.random.default_rng(2)
    n = 150
    value = rng.uniform(-0.5 * alpha, 1.2 * alpha, size=n)
    value = value[off_grid(value + bias, alpha, k)]
    parts = rng.dirichlet(np.ones(k), size=len(value)).T * value   # (k, n), sums to value
    drive = np.zeros((2 * k, 1, len(value)))
    drive[1:k + 1, 0] = parts
    states, events = simulate(FewSpikeRelu(k=k, alpha=alpha, bias=bias), drive)
    # stage 0 (steps 0..K-1) encodes only the bias
    np.testing.assert_allclose(events[:k, 0].sum(axis=0), quantise(max(bias, 0.0), alpha, k),
                               atol=1e-6)
    total = value + bias
    decoded = events[k:, 0].sum(axis=0)
    np.testing.assert_allclose(decoded, quantise(np.maximum(total, 0.0), alpha, k),
                               rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(states["y"][k, 0], total, rtol=1e-5, atol=1e-5)
    assert (events[k:, 0, total < 0] == 0).all()
    # spike counts = set bits of the quantised value
    bits = np.round(quantise(np.maximum(total, 0), alpha, k) / (alpha * 2.0 ** -k)).astype(int)
    np.testing.assert_array_equal((events[k:, 0] != 0).sum(axis=0),
                                  [bin(b).count("1") for b in bits])


def test_relu_golden(simulate):
    # k=3, alpha=4: drive 1.0 at steps 1, 2 and 1.5 at step 3 -> Fx = 3.5 at step 3 (p=0):
    # h = 2 (spike, V=1.5), 1 (spike, V=0.5), 0.5 (spike, V=0): events 2, 1, 0.5.
    drive = np.array([0.0, 1.0, 1.0, 1.5, 0.0, 0.0])[:, None, None]
    states, events = simulate(FewSpikeRelu(k=3, alpha=4.0), drive)
    np.testing.assert_allclose(events[:, 0, 0], [0, 0, 0, 2.0, 1.0, 0.5])
    np.testing.assert_allclose(states["y"][:, 0, 0], [0, 0, 0, 3.5, 3.5, 3.5])


def test_errors_and_names():
    with pytest.raises(ValueError, match="k must be even"):
        FewSpikeReluInput(k=5, signed_input=True)
    with pytest.raises(ValueError, match="alpha must be > 0"):
        FewSpikeRelu(alpha=0.0)
    with pytest.raises(ValueError, match="k must be a positive integer"):
        FewSpikeRelu(k=0)
    assert type(NEURONS.resolve("few_spike_relu")) is FewSpikeRelu
    assert type(NEURONS.resolve("few_spike_relu_input")) is FewSpikeReluInput

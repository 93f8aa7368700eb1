"""The shared harness of the connectivity tests: one connectivity, random binary input,
compared with a reference (a Keras layer stack or a NumPy function)."""
from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ml_genn import Connection, Network, Population
from ml_genn.neurons import BinarySpikeInput, IntegrateFire

ATOL = 1e-5


def keras_reference(*layers: Any) -> Callable[[np.ndarray], np.ndarray]:
    """A reference that runs ``x`` through Keras layers; each item is a layer or a
    ``(layer, weights)`` pair whose weights are set once the layer is built."""
    def reference(x: np.ndarray) -> np.ndarray:
        y = x
        for item in layers:
            layer, weights = item if isinstance(item, tuple) else (item, None)
            if not layer.built:
                layer.build(tuple(y.shape))
            if weights is not None:
                layer.set_weights(list(weights))
            y = layer(y)
        return np.asarray(y)
    return reference


def run_connectivity_test(connectivity: Any, source_shape: Sequence[int],
                          reference: Callable[[np.ndarray], np.ndarray], *,
                          target_shape: Sequence[int] | None = None,
                          expected_target_shape: Sequence[int] | None = None,
                          through: str = "op", batch_size: int = 3, seed: int = 0,
                          dense: bool | None = None, atol: float = ATOL) -> np.ndarray:
    """Connect ``BinarySpikeInput(source_shape) -> connectivity -> IntegrateFire`` and
    compare its input for random binary events with ``reference(events)``.

    Args:
        through: ``"op"`` applies the backend op to the events at precision "highest";
            ``"network"`` compiles the network with ``InferenceCompiler`` (2 timesteps,
            unreachable threshold, readout "var", so the readout is one step's input).
        target_shape: shape given to the target population (None: inferred by connect).
        expected_target_shape: checked against the shape ``connect`` gives the target.
        dense: force a sparse op's representation (op only).

    Returns:
        The connectivity's output, ``(batch, *target_shape)``.
    """
    net = Network()
    with net:
        source = Population(BinarySpikeInput(), tuple(source_shape), name="src")
        target = Population(IntegrateFire(v_thresh=1e9, readout="var"), target_shape,
                            name="trg")
        connection = Connection(source, target, connectivity, name="conn")
    if expected_target_shape is not None:
        assert target.shape == tuple(expected_target_shape)
    rng = np.random.default_rng(seed)
    events = (rng.random((batch_size,) + source.shape) < 0.5).astype(np.float32)

    if through == "op":
        import jax.numpy as jnp

        from ml_genn.backend.connectivity import build_op
        op = build_op(connection.connectivity, "highest")
        if dense is not None:
            op.dense = dense
        weights = op.prepare(np.random.default_rng(0))
        got = np.asarray(op.apply(weights, jnp.asarray(events)))
    elif through == "network":
        from ml_genn.compilers import InferenceCompiler
        compiled = InferenceCompiler(evaluate_timesteps=2, batch_size=batch_size).compile(net)
        with compiled:
            outputs, _ = compiled.predict({source: events}, [target])
        got = np.asarray(outputs[target])
    else:
        raise ValueError(f"through must be 'op' or 'network', received {through!r}.")

    assert got.shape == (batch_size,) + target.shape
    expected = np.asarray(reference(events), dtype=np.float32)
    assert expected.size == got.size, (expected.shape, got.shape)
    expected = expected.reshape(got.shape)
    if through == "network":
        assert np.mean((got - expected) ** 2) < 1e-3
    np.testing.assert_allclose(got, expected, rtol=atol, atol=atol)
    return got

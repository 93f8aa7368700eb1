"""Run the shipped MNIST CNN, exported to NIR, in Spyx and compare with our simulator.

The CNN is converted with DataNorm (integrate-and-fire input, reset to zero, output spike
counts), exported with :func:`ml_genn_tf.export_nir`, read back with ``nir.read`` and run
by ``spyx.nir.from_nir`` (JAX) on the same test images fed as input currents. Printed:
for Spyx as it is, and with each of its two departures from NIR replaced, the share of
images whose predicted class equals ours, Spyx's accuracy and the largest difference of
an output spike count from ours.

Spyx departs from NIR twice: its IF subtracts the threshold after a spike and fires on
``>`` (NIR's IF sets ``v = v_reset``; our graphs state ``>=`` in their metadata), and
its Flatten flattens channels-last where NIR's tensors are channels-first (a Flatten of
a ``(C, H, W)`` image is CHW-ordered; the shipped CNN flattens a 4x4x8 image).

Usage::

    python bench/nir_spyx.py                  # 256 test images, T=100 (~1 min, 2 CPUs)
    python bench/nir_spyx.py --limit 1000 --timesteps 200
"""
from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import numpy as np

MODEL = Path(__file__).resolve().parents[1] / "models" / "mnist_cnn.keras"


def spyx_variants(spyx_nn):
    import jax.numpy as jnp

    class NirIF(spyx_nn.IF):
        """NIR's IF: spike from the last step's v at ``v >= threshold``, then v = 0."""

        def __call__(self, x, v):
            spikes = (v >= self.threshold).astype(v.dtype)
            return spikes, v * (1 - spikes) + x

    class ChannelsFirstFlatten(spyx_nn.Flatten):
        """NIR's Flatten of a channels-first image, on Spyx's channels-last tensors."""

        def __call__(self, x):
            return (jnp.moveaxis(x, -1, 1) if x.ndim == 4 else x).reshape(x.shape[0], -1)

    return {"Spyx as it is": {},
            "+ NIR's IF (reset to 0, >=)": {"IF": NirIF},
            "+ NIR's IF + channels-first Flatten": {"IF": NirIF,
                                                    "Flatten": ChannelsFirstFlatten}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=256, help="test images (256)")
    parser.add_argument("--timesteps", type=int, default=100, help="timesteps T (100)")
    args = parser.parse_args()

    import jax
    import keras
    import nir
    import spyx.nir as spyx_nir
    import spyx.nn as spyx_nn

    from ml_genn_tf import convert_model, export_nir
    from ml_genn_tf.datasets import load_mnist

    (x_train, _), (x_test, y_test) = load_mnist()
    x_train = x_train[:1000, ..., None].astype(np.float32) / 255.0
    x, y = x_test[:args.limit, ..., None].astype(np.float32) / 255.0, y_test[:args.limit]
    snn = convert_model(keras.saving.load_model(MODEL), "data_norm", data=x_train,
                        input_type="if", reset="zero", readout="spike_count",
                        evaluate_timesteps=args.timesteps, batch_size=min(args.limit, 256))
    ours = snn.predict(x)
    with tempfile.TemporaryDirectory() as folder:
        graph = nir.read(export_nir(snn, Path(folder) / "mnist_cnn.nir"))
    current = jax.numpy.broadcast_to(jax.numpy.asarray(x), (args.timesteps,) + x.shape)
    print(f"MNIST CNN, DataNorm T={args.timesteps}, {args.limit} test images; ours: "
          f"{100 * np.mean(ours.argmax(1) == y):.1f}% correct")
    print(f"{'Spyx':<38} {'same class':>10} {'accuracy':>9} {'max |count diff|':>17}")
    originals = {name: getattr(spyx_nir, name) for name in ("IF", "Flatten")}
    for label, patches in spyx_variants(spyx_nn).items():
        for name, cls in {**originals, **patches}.items():
            setattr(spyx_nir, name, cls)
        _, spikes = spyx_nir.from_nir(graph, current, dt=float(graph.metadata["dt"]))
        theirs = np.asarray(spikes).sum(axis=0)
        print(f"{label:<38} {100 * np.mean(theirs.argmax(1) == ours.argmax(1)):>9.1f}% "
              f"{100 * np.mean(theirs.argmax(1) == y):>8.1f}% "
              f"{np.abs(theirs - ours).max():>17.0f}")
    for name, cls in originals.items():
        setattr(spyx_nir, name, cls)


if __name__ == "__main__":
    main()

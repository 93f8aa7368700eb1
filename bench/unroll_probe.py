"""Probe: rate-SNN layer schedule time per step vs the neuron scan's unroll factor."""
import sys
import time

import jax
import jax.numpy as jnp
import numpy as np

sys.path.insert(0, "bench")
from throughput import ann_forward, build_weights, rate_network, time_fn  # noqa: E402

from ml_genn.compilers import InferenceCompiler  # noqa: E402

rng = np.random.default_rng(0)
weights = build_weights(1.0, rng)
calib = rng.uniform(0, 1, (64, 32, 32, 3)).astype(np.float32)
_, acts = jax.jit(lambda x: ann_forward(weights, x, "highest"))(calib)
acts = [np.asarray(a) for a in acts]
batch, steps = 512, 100
x = jnp.asarray(rng.uniform(0, 1, (batch, 32, 32, 3)).astype(np.float32))
ann = jax.jit(lambda x: ann_forward(weights, x, "default")[0])
t_ann = time_fn(lambda: ann(x), 10)
print(f"ANN {batch / t_ann:.0f} img/s, {t_ann * 1e3:.3f} ms/batch")
for chunk in (None, 10):
    for unroll in (1, 5, 10):
        net, inp, out = rate_network(weights, acts)
        compiled = InferenceCompiler(evaluate_timesteps=steps, batch_size=batch, precision="default",
                                     time_chunk=chunk).compile(net)
        compiled.plan.scan_unroll = unroll
        sim = compiled.simulator
        keys = sim.example_keys(0, batch)
        start = time.perf_counter()
        t = time_fn(lambda: sim.run_layers(keys, {0: x[:, None]}, 0, steps)[1], 2)
        print(f"chunk={sim.time_chunk(batch, steps)} unroll={unroll}: step/ANN {t / steps / t_ann:.2f} "
              f"(probe took {time.perf_counter() - start:.0f}s)", flush=True)

"""Few-spike ``predict()`` of the shipped MNIST CNN against Keras' own ``predict()``.

Both run on the CPU, on the same 10,000 MNIST test images at batch size 256, in one
process, interleaved (best of ``--repeats`` each). Keras runs on its default TensorFlow
backend; the SNN is ``convert_model(..., method="few_spike", k=8)`` calibrated on 1,000
training images. Also printed: the SNN's batch program alone on device-resident inputs
(the engine, without the host path) and the fraction of images where the two predicted
classes agree.

Usage::

    python bench/cpu_predict.py
    python bench/cpu_predict.py --precision highest --k 8 --repeats 5
"""
from __future__ import annotations

import argparse
import os
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import jax  # noqa: E402
import jax.numpy as jnp  # noqa: E402
import keras  # noqa: E402
import numpy as np  # noqa: E402
from throughput import best_time  # noqa: E402

from ml_genn.backend.schedules import SCHEDULES  # noqa: E402
from ml_genn_tf import convert_model  # noqa: E402
from ml_genn_tf.datasets import load_mnist  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--k", type=int, default=8)
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument("--precision", default="highest")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()

    (x_train, _), (x_test, y_test) = load_mnist()
    x_train = x_train[:1000, ..., None].astype(np.float32) / 255.0
    x = x_test[..., None].astype(np.float32) / 255.0
    ann = keras.saving.load_model(ROOT / "models" / "mnist_cnn.keras")
    snn = convert_model(ann, method="few_spike", data=x_train, k=args.k,
                        batch_size=args.batch_size, precision=args.precision)
    print(f"keras {keras.__version__} ({keras.backend.backend()}), jax {jax.__version__} "
          f"({jax.default_backend()}), {os.cpu_count()} CPUs; few_spike k={args.k}, batch "
          f"{args.batch_size}, precision {args.precision!r}, {len(x)} images", flush=True)

    def keras_predict():
        return ann.predict(x, batch_size=args.batch_size, verbose=0)
    a, s = keras_predict(), snn.predict(x)          # warm up both
    t_keras = t_snn = np.inf
    for _ in range(args.repeats):                    # interleaved: same machine load
        t_keras = min(t_keras, best_time(keras_predict, 1))
        t_snn = min(t_snn, best_time(lambda: snn.predict(x), 1))
    compiled = snn.compiled()
    sim = compiled.simulator
    program = SCHEDULES[compiled.schedule].jitted(sim)
    inputs = {0: jnp.asarray(x[:args.batch_size])[:, None]}
    n_batches = -(-len(x) // args.batch_size)
    jax.block_until_ready(program(sim.params, inputs, 0))

    def engine():
        out = None
        for _ in range(n_batches):
            out = program(sim.params, inputs, 0)
        jax.block_until_ready(out)
    t_engine = best_time(engine, args.repeats)
    agree = float(np.mean(np.argmax(a, 1) == np.argmax(s, 1)))
    print(f"Keras predict()      {t_keras:7.3f} s  {len(x) / t_keras:9.0f} img/s")
    print(f"SNN predict()        {t_snn:7.3f} s  {len(x) / t_snn:9.0f} img/s")
    print(f"SNN program only     {t_engine:7.3f} s  {len(x) / t_engine:9.0f} img/s")
    print(f"SNN predict / Keras predict (speed ratio): {t_keras / t_snn:.2f}  "
          f"(program only: {t_keras / t_engine:.2f}); classes agree on {100 * agree:.2f}%; "
          f"accuracy Keras {100 * np.mean(np.argmax(a, 1) == y_test):.2f}%, SNN "
          f"{100 * np.mean(np.argmax(s, 1) == y_test):.2f}%")


if __name__ == "__main__":
    main()

"""Simple CNN on MNIST, converted to a spiking network as in mlGeNN 2.x.

Everything from "Create a suitable converter" on is written exactly as a user of
mlGeNN 2.x's ``ml_genn_tf`` converters would have written it: the converter classes,
``convert()`` returning four values, ``create_compiler()`` with mlGeNN's compiler
arguments, ``compile()``, the compiled network used as a context manager, and
``evaluate()`` with dicts keyed by populations. Only the start differs: instead of
training the Keras model with TensorFlow 2.x, the trained Keras 3 model shipped in
``models/mnist_cnn.keras`` is loaded (its layout is mlGeNN's ``simple_cnn``: bias-free
Conv2D/AveragePooling2D/Dense layers), and MNIST comes from the project's offline loader.

    python examples/mlgenn_simple_cnn.py                              # few-spike, k=10
    python examples/mlgenn_simple_cnn.py --converter data-norm --n-timesteps 500
    python examples/mlgenn_simple_cnn.py --converter simple --input-type if --n-test-samples 1000
"""
import argparse
from pathlib import Path
from time import perf_counter

import numpy as np
import tensorflow as tf

from ml_genn_tf.converters import DataNorm, FewSpike, InputType, Simple
from ml_genn_tf.datasets import load_mnist

parser = argparse.ArgumentParser(description="Simple CNN classifier model")
parser.add_argument("--converter", choices=["few-spike", "data-norm", "simple"],
                    default="few-spike")
parser.add_argument("--input-type", choices=[i.value for i in InputType], default="poisson")
parser.add_argument("--n-timesteps", type=int, default=500,
                    help="evaluate_timesteps of the rate-coded converters")
parser.add_argument("--k", type=int, default=10, help="timesteps of the few-spike converter")
parser.add_argument("--n-test-samples", type=int, default=10000)
parser.add_argument("--n-norm-samples", type=int, default=256)
parser.add_argument("--batch-size", type=int, default=256)
parser.add_argument("--dt", type=float, default=1.0)
parser.add_argument("--rng-seed", type=int, default=0)
parser.add_argument("--prefer-in-memory-connect", action="store_true")
parser.add_argument("--kernel-profiling", action="store_true")
args = parser.parse_args()
print("arguments: " + str(vars(args)))

# MNIST (was: tf.keras.datasets.mnist.load_data())
(x_train, y_train), (x_test, y_test) = load_mnist()
x_train = x_train.reshape((-1, 28, 28, 1)) / 255.0
x_test = x_test[:args.n_test_samples].reshape((-1, 28, 28, 1)) / 255.0
y_test = y_test[:args.n_test_samples]

# ML GeNN norm dataset: random training images, batched
norm_i = np.random.default_rng(1234).choice(x_train.shape[0], args.n_norm_samples,
                                            replace=False)
mlg_norm_ds = tf.data.Dataset.from_tensor_slices((x_train[norm_i], y_train[norm_i]))
mlg_norm_ds = mlg_norm_ds.batch(args.batch_size)

# Keras model (was: build tf.keras.models.Sequential and tf_model.fit(...))
tf_model = tf.keras.models.load_model(Path(__file__).resolve().parents[1] /
                                      "models" / "mnist_cnn.keras")
tf_model.compile(loss="sparse_categorical_crossentropy", metrics=["accuracy"])

tf_eval_start_time = perf_counter()
tf_model.evaluate(x_test, y_test, verbose=2)
print(f"TF evaluation time: {perf_counter() - tf_eval_start_time}")

# Create a suitable converter to convert TF model to ML GeNN
if args.converter == "few-spike":
    converter = FewSpike(k=args.k, signed_input=False, norm_data=[mlg_norm_ds])
elif args.converter == "data-norm":
    converter = DataNorm(evaluate_timesteps=args.n_timesteps, signed_input=False,
                         norm_data=[mlg_norm_ds], input_type=InputType(args.input_type))
else:
    converter = Simple(evaluate_timesteps=args.n_timesteps, signed_input=False,
                       input_type=InputType(args.input_type))

# Convert and compile ML GeNN model
net, net_inputs, net_outputs, tf_layer_pops = converter.convert(tf_model)

compiler = converter.create_compiler(prefer_in_memory_connect=args.prefer_in_memory_connect,
                                     dt=args.dt, batch_size=args.batch_size,
                                     rng_seed=args.rng_seed,
                                     kernel_profiling=args.kernel_profiling)
compiled_net = compiler.compile(net, name="simple_cnn")

with compiled_net:
    # Evaluate ML GeNN model
    start_time = perf_counter()
    metrics, _ = compiled_net.evaluate({net_inputs[0]: x_test},
                                       {net_outputs[0]: y_test})
    end_time = perf_counter()
    print(f"Accuracy = {100 * metrics[net_outputs[0]].result}%")
    print(f"Time = {end_time - start_time}s")

"""Convert the shipped MNIST CNN with the mlGeNN 2.x converter API, unchanged.

The converter part below is written exactly as for mlGeNN 2.x (``ml_genn_tf.converters``,
``convert`` returning four values, ``create_compiler``, ``compile(..., inputs, outputs)``,
``evaluate`` with dicts keyed by populations); only the data loading uses this project's
offline loader.

    python examples/mlgenn2_converter_api.py --converter few-spike --n-test 10000
"""
import argparse
from time import perf_counter

import numpy as np
import tensorflow as tf

from ml_genn_tf.converters import DataNorm, FewSpike, InputType, Simple
from ml_genn_tf.datasets import load_mnist

parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
parser.add_argument("--converter", choices=["few-spike", "data-norm", "simple"],
                    default="few-spike")
parser.add_argument("--model", default="models/mnist_cnn.keras")
parser.add_argument("--n-test", type=int, default=10000)
parser.add_argument("--n-norm", type=int, default=1000)
parser.add_argument("--batch-size", type=int, default=256)
parser.add_argument("--k", type=int, default=8)
parser.add_argument("--timesteps", type=int, default=500)
args = parser.parse_args()

(train_x, train_y), (validate_x, validate_y) = load_mnist()
train_x = train_x.reshape((-1, 28, 28, 1)) / 255.0
validate_x = validate_x[:args.n_test].reshape((-1, 28, 28, 1)) / 255.0
validate_y = validate_y[:args.n_test]

# mlGeNN norm dataset: a list holding an iterable of (x, y) batches
norm_i = np.random.default_rng(0).choice(train_x.shape[0], args.n_norm, replace=False)
mlg_norm_ds = tf.data.Dataset.from_tensor_slices((train_x[norm_i], train_y[norm_i]))
mlg_norm_ds = mlg_norm_ds.batch(args.batch_size)

tf_model = tf.keras.models.load_model(args.model)
tf_eval_start_time = perf_counter()
tf_accuracy = np.mean(np.argmax(tf_model.predict(validate_x, verbose=0), axis=1) == validate_y)
print(f"TF accuracy = {100.0 * tf_accuracy}% "
      f"({perf_counter() - tf_eval_start_time:.2f} s)")

# Create a suitable converter to convert TF model to ML GeNN
if args.converter == "few-spike":
    converter = FewSpike(k=args.k, signed_input=False, norm_data=[mlg_norm_ds])
elif args.converter == "data-norm":
    converter = DataNorm(evaluate_timesteps=args.timesteps, signed_input=False,
                         norm_data=[mlg_norm_ds], input_type=InputType.IF)
else:
    converter = Simple(evaluate_timesteps=args.timesteps, signed_input=False,
                       input_type=InputType.IF)

# Convert and compile ML GeNN model
net, net_inputs, net_outputs, tf_layer_pops = converter.convert(tf_model)

compiler = converter.create_compiler(prefer_in_memory_connect=True, dt=1.0,
                                     batch_size=args.batch_size, rng_seed=0,
                                     kernel_profiling=False)
compiled_net = compiler.compile(net, "simple_cnn", inputs=net_inputs, outputs=net_outputs)

with compiled_net:
    # Evaluate ML GeNN model
    start_time = perf_counter()
    metrics, _ = compiled_net.evaluate({net_inputs[0]: validate_x},
                                       {net_outputs[0]: validate_y})
    end_time = perf_counter()
    print(f"Accuracy = {100.0 * metrics[net_outputs[0]].result}%")
    print(f"Time = {end_time - start_time} s")

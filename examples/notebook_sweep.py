# %% [markdown]
# # From a Keras model to spiking networks, in a notebook
#
# Convert the shipped MNIST CNN with `convert_model()`, look at the result, sweep the
# number of timesteps in one simulation, plot accuracy against T, and save the SNN so
# that it loads without TensorFlow. Each `# %%` block is one notebook cell (VS Code,
# Jupytext); run it as a script too:
#
#     python examples/notebook_sweep.py                  # 1000 test images
#     python examples/notebook_sweep.py --limit 200 --out /tmp/sweep

# %%
import argparse
from pathlib import Path

import keras
import numpy as np
from matplotlib.figure import Figure

import ml_genn
from ml_genn_tf import convert_model
from ml_genn_tf.datasets import load_mnist

parser = argparse.ArgumentParser(description="convert_model, sweep, plot")
parser.add_argument("--limit", type=int, default=1000, help="test images")
parser.add_argument("--out", type=Path, default=Path("notebook-sweep"))
parser.add_argument("--calibration", type=int, default=2000, help="training images to calibrate")
args, _ = parser.parse_known_args()
args.out.mkdir(parents=True, exist_ok=True)

# %% Data: uint8 (N, 28, 28) -> float32 (N, 28, 28, 1) in [0, 1], as the model expects
(x_train, _), (x_test, y_test) = load_mnist()
x_train = x_train[:args.calibration, ..., None] / 255.0
x_test, y_test = x_test[:args.limit, ..., None] / 255.0, y_test[:args.limit]

# %% Convert with data-based normalisation (rate coding), T = 128 timesteps
ann = keras.saving.load_model(Path(__file__).resolve().parents[1] / "models" / "mnist_cnn.keras")
snn = convert_model(ann, "data_norm", data=x_train, evaluate_timesteps=128)
snn.summary()
print("ANN accuracy:", snn.evaluate_ann(x_test, y_test))

# %% Sweep T: one simulation to T=128, the readout taken at every checkpoint
table = snn.sweep(x_test, y_test, timesteps=[8, 16, 32, 64, 128])
print(table)

# %% Plot accuracy against timesteps
fig = Figure(figsize=(5, 3.5))
ax = fig.subplots()
ax.plot(table.column("timesteps"), 100 * np.array(table.column("accuracy")), marker="o",
        label="SNN (data_norm)")
ax.axhline(100 * snn.metadata["ann_accuracy"]["accuracy"], color="gray", ls="--", label="ANN")
ax.set(xscale="log", xlabel="timesteps T", ylabel="accuracy [%]",
       title="MNIST CNN: accuracy against T")
ax.legend()
fig.savefig(args.out / "accuracy_vs_timesteps.png", bbox_inches="tight")

# %% Save the SNN; ml_genn.load reads it back without TensorFlow or Keras
snn.save(args.out / "mnist_cnn-data_norm.h5")
loaded = ml_genn.load(args.out / "mnist_cnn-data_norm.h5")
same = np.array_equal(loaded.predict(x_test[:50]), snn.predict(x_test[:50]))
print(f"Saved to {args.out}; the loaded model predicts the same: {same}")

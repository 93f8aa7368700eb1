"""LeNet-style MNIST CNN, the layout of mlGeNN's ``simple_cnn`` example.

All layers are bias-free ReLU (softmax at the output) so the network converts
directly to integrate-and-fire neurons. Inputs are *not* rescaled inside the
model: the caller passes ``x / 255.0`` as ``float32`` of shape
``(N, 28, 28, 1)``, i.e. pixel intensities in [0, 1].

Train and save with::

    python -m models.mnist_cnn --out models/mnist_cnn.keras --epochs 15
"""

import argparse

import keras

from ml_genn_tf.datasets import load_mnist

from .training import train_and_save


def build_mnist_cnn() -> keras.Sequential:
    """Build the (untrained, uncompiled) MNIST CNN.

    Returns:
        A Sequential model mapping ``(N, 28, 28, 1)`` inputs in [0, 1] to
        ``(N, 10)`` class probabilities.
    """
    return keras.Sequential([
        keras.Input((28, 28, 1)),
        keras.layers.Conv2D(16, 5, padding="valid", activation="relu",
                            use_bias=False),
        keras.layers.AveragePooling2D(2),
        keras.layers.Conv2D(8, 5, padding="valid", activation="relu",
                            use_bias=False),
        keras.layers.AveragePooling2D(2),
        keras.layers.Flatten(),
        keras.layers.Dense(128, activation="relu", use_bias=False),
        keras.layers.Dense(64, activation="relu", use_bias=False),
        keras.layers.Dense(10, activation="softmax", use_bias=False),
    ], name="mnist_cnn")


def main(argv: list[str] | None = None) -> None:
    """Train on the 60000 MNIST training images, report test accuracy, save.

    Args:
        argv: Command-line arguments (default: ``sys.argv[1:]``).
    """
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", default="models/mnist_cnn.keras")
    parser.add_argument("--epochs", type=int, default=15)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--seed", type=int, default=1234)
    args = parser.parse_args(argv)

    keras.utils.set_random_seed(args.seed)
    (x_train, y_train), (x_test, y_test) = load_mnist()
    x_train = x_train[..., None].astype("float32") / 255.0
    x_test = x_test[..., None].astype("float32") / 255.0

    train_and_save(build_mnist_cnn, ((x_train, y_train), (x_test, y_test)), args.epochs,
                   args.batch_size, args.out)


if __name__ == "__main__":
    main()

"""LeNet-style MNIST CNN, the layout of mlGeNN's ``simple_cnn`` example.

All layers are bias-free ReLU (softmax at the output) so the network converts
directly to integrate-and-fire neurons. Inputs are *not* rescaled inside the
model: the caller passes ``x / 255.0`` as ``float32`` of shape
``(N, 28, 28, 1)``, i.e. pixel intensities in [0, 1].

Train and save with::

    python -m models.mnist_cnn --out models/mnist_cnn.keras --epochs 15
"""

import keras

from ml_genn_tf.datasets import load_mnist

from .training import train_from_command_line


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
    train_from_command_line(build_mnist_cnn, load_mnist, __doc__.split("\n")[0],
                            "models/mnist_cnn.keras", epochs=15, batch_size=64, argv=argv,
                            input_divisor=255.0)


if __name__ == "__main__":
    main()

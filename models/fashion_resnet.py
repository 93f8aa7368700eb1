"""Small residual CNN for Fashion-MNIST that exercises conversion features.

The Functional model takes raw pixel values (0 to 255) as ``float32`` of shape
``(N, 28, 28, 1)`` and rescales them itself with a ``Rescaling(1/255)`` layer.
Besides that it contains convolutions with biases, BatchNormalization, ReLU
layers, MaxPooling2D, one residual block joined by ``Add``,
GlobalAveragePooling2D and Dropout.

Train and save with::

    python -m models.fashion_resnet --out models/fashion_resnet.keras --epochs 8
"""

import keras

from ml_genn_tf.datasets import load_fashion_mnist

from .training import train_from_command_line


def conv_bn(x: keras.KerasTensor, filters: int, name: str) -> keras.KerasTensor:
    """Apply a 3x3 'same' Conv2D (with bias) followed by BatchNormalization."""
    x = keras.layers.Conv2D(filters, 3, padding="same", name=f"{name}_conv")(x)
    return keras.layers.BatchNormalization(name=f"{name}_bn")(x)


def build_fashion_resnet() -> keras.Model:
    """Build the (untrained, uncompiled) Fashion-MNIST residual network.

    Returns:
        A Functional model mapping raw ``(N, 28, 28, 1)`` pixel values in
        [0, 255] to ``(N, 10)`` class probabilities.
    """
    inputs = keras.Input((28, 28, 1), name="image")
    x = keras.layers.Rescaling(1.0 / 255.0, name="rescale")(inputs)

    # Stem: 28x28x16 -> 14x14x16
    x = keras.layers.ReLU(name="stem_relu")(conv_bn(x, 16, "stem"))
    x = keras.layers.MaxPooling2D(2, name="stem_pool")(x)

    # Residual block at 14x14x16
    shortcut = x
    x = keras.layers.ReLU(name="res_relu1")(conv_bn(x, 16, "res1"))
    x = conv_bn(x, 16, "res2")
    x = keras.layers.Add(name="res_add")([x, shortcut])
    x = keras.layers.ReLU(name="res_relu2")(x)

    # Second stage: 14x14x16 -> 7x7x64
    x = keras.layers.MaxPooling2D(2, name="stage2_pool")(x)
    x = keras.layers.ReLU(name="stage2_relu1")(conv_bn(x, 64, "stage2a"))
    x = keras.layers.ReLU(name="stage2_relu2")(conv_bn(x, 64, "stage2b"))

    x = keras.layers.GlobalAveragePooling2D(name="gap")(x)
    x = keras.layers.Dropout(0.2, name="dropout")(x)
    outputs = keras.layers.Dense(10, activation="softmax", name="classifier")(x)
    return keras.Model(inputs, outputs, name="fashion_resnet")


def main(argv: list[str] | None = None) -> None:
    """Train on the 60000 Fashion-MNIST training images, report test accuracy, save.

    Args:
        argv: Command-line arguments (default: ``sys.argv[1:]``).
    """
    train_from_command_line(build_fashion_resnet, load_fashion_mnist, __doc__.split("\n")[0],
                            "models/fashion_resnet.keras", epochs=8, batch_size=128, argv=argv)


if __name__ == "__main__":
    main()

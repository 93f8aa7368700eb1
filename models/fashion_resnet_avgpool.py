"""Small residual CNN for Fashion-MNIST without max pooling, for low-latency rate coding.

Every layer has an exact rate-coded equivalent: convolutions with biases,
BatchNormalization (folded into them), ReLU layers, AveragePooling2D, two residual
blocks joined by ``Add`` and GlobalAveragePooling2D; no max pooling (which rate coding
can only approximate). The Functional model takes raw pixel values (0 to 255) as
``float32`` of shape ``(N, 28, 28, 1)`` and rescales them itself with a
``Rescaling(1/255)`` layer. The longest path from the input to the output crosses seven
populations, so a rate-coded SNN of it needs a few steps per layer before its output
settles: the network of issue 14 (post-training calibration at T = 32 to 64).

Train and save with::

    python -m models.fashion_resnet_avgpool --out models/fashion_resnet_avgpool.keras --epochs 6
"""

import keras

from ml_genn_tf.datasets import load_fashion_mnist

from .fashion_resnet import conv_bn
from .training import train_from_command_line


def _residual_block(x: keras.KerasTensor, filters: int, name: str) -> keras.KerasTensor:
    """conv-BN-ReLU, conv-BN, ``Add`` with the block's input, ReLU."""
    shortcut = x
    x = keras.layers.ReLU(name=f"{name}_relu1")(conv_bn(x, filters, f"{name}a"))
    x = conv_bn(x, filters, f"{name}b")
    x = keras.layers.Add(name=f"{name}_add")([x, shortcut])
    return keras.layers.ReLU(name=f"{name}_relu2")(x)


def build_fashion_resnet_avgpool() -> keras.Model:
    """Build the (untrained, uncompiled) Fashion-MNIST residual network without max pooling.

    Returns:
        A Functional model mapping raw ``(N, 28, 28, 1)`` pixel values in
        [0, 255] to ``(N, 10)`` class probabilities.
    """
    inputs = keras.Input((28, 28, 1), name="image")
    x = keras.layers.Rescaling(1.0 / 255.0, name="rescale")(inputs)

    # Stem: 28x28x16 -> 14x14x16
    x = keras.layers.ReLU(name="stem_relu")(conv_bn(x, 16, "stem"))
    x = keras.layers.AveragePooling2D(2, name="stem_pool")(x)
    x = _residual_block(x, 16, "res1")

    # Second stage: 14x14x16 -> 7x7x32
    x = keras.layers.AveragePooling2D(2, name="stage2_pool")(x)
    x = keras.layers.ReLU(name="stage2_relu")(conv_bn(x, 32, "stage2"))
    x = _residual_block(x, 32, "res2")

    x = keras.layers.GlobalAveragePooling2D(name="gap")(x)
    outputs = keras.layers.Dense(10, activation="softmax", name="classifier")(x)
    return keras.Model(inputs, outputs, name="fashion_resnet_avgpool")


def main(argv: list[str] | None = None) -> None:
    """Train on the 60000 Fashion-MNIST training images, report test accuracy, save.

    Args:
        argv: Command-line arguments (default: ``sys.argv[1:]``).
    """
    train_from_command_line(build_fashion_resnet_avgpool, load_fashion_mnist,
                            __doc__.split("\n")[0], "models/fashion_resnet_avgpool.keras",
                            epochs=6, batch_size=128, argv=argv)


if __name__ == "__main__":
    main()

"""Fine-tune the shipped Fashion-MNIST ResNet with QuantisedReLU (QCFS) activations.

Every ``ReLU`` layer of ``models/fashion_resnet.keras`` is replaced by
:class:`~ml_genn_tf.layers.QuantisedReLU` with ``L`` levels, its clip initialised to
the 99.9th percentile of the ReLU's activations on 2,000 training images, and every
``MaxPooling2D`` by an ``AveragePooling2D`` of the same geometry (as in Bu et al. 2022:
rate-coded spiking networks have no exact max pooling). The network keeps its trained
weights and is fine-tuned on the Fashion-MNIST training set with the model zoo's recipe
(Adam, cosine-decayed learning rate). The result converts with the ``QCFS`` converter
at ``T = L`` timesteps per layer::

    python -m models.finetune_quantised --levels 4 --out models/fashion_resnet_q4.keras
    python -m models.finetune_quantised --levels 8 --out models/fashion_resnet_q8.keras
"""
from __future__ import annotations

import argparse
import time

import keras
import numpy as np

from ml_genn_tf.datasets import load_fashion_mnist
from ml_genn_tf.layers import QuantisedReLU

from .training import train_and_save

#: Percentile of a ReLU's activations that initialises the clip of its replacement.
CLIP_PERCENTILE = 99.9


def relu_percentiles(model: keras.Model, x: np.ndarray) -> dict[str, float]:
    """The :data:`CLIP_PERCENTILE` of each ReLU layer's output on ``x``, by layer name."""
    relus = [layer for layer in model.layers if isinstance(layer, keras.layers.ReLU)]
    probe = keras.Model(model.inputs, [layer.output for layer in relus])
    outputs = probe.predict(x, batch_size=500, verbose=0)
    return {layer.name: float(np.percentile(out, CLIP_PERCENTILE))
            for layer, out in zip(relus, outputs, strict=True)}


def quantise_model(model: keras.Model, levels: int, clips: dict[str, float]) -> keras.Model:
    """A copy of ``model`` (weights included) with QuantisedReLU(levels) for each ReLU
    (initial clip ``clips[name]``) and AveragePooling2D for each MaxPooling2D."""
    def replace(layer: keras.layers.Layer) -> keras.layers.Layer:
        config = layer.get_config()
        if isinstance(layer, keras.layers.ReLU):
            if config.get("max_value") is not None or config.get("negative_slope"):
                raise ValueError(f"Layer '{layer.name}' (ReLU): only plain ReLUs can be "
                                 f"quantised, received {config}.")
            return QuantisedReLU(levels, initial_clip=clips[layer.name], name=layer.name)
        if isinstance(layer, keras.layers.MaxPooling2D):
            return keras.layers.AveragePooling2D.from_config(config)
        return layer.__class__.from_config(config)

    quantised = keras.models.clone_model(model, clone_function=replace)
    for layer in quantised.layers:
        weights = model.get_layer(layer.name).get_weights()
        if weights and not isinstance(layer, QuantisedReLU):
            layer.set_weights(weights)
    return keras.Model(quantised.inputs, quantised.outputs,
                       name=f"{model.name}_q{levels}")


def main(argv: list[str] | None = None) -> None:
    """Fine-tune, report the test accuracy and the time taken, save.

    Args:
        argv: Command-line arguments (default: ``sys.argv[1:]``).
    """
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--levels", type=int, required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--source", default="models/fashion_resnet.keras")
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--learning-rate", type=float, default=1e-3)
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--seed", type=int, default=1234)
    args = parser.parse_args(argv)

    keras.utils.set_random_seed(args.seed)
    (x_train, y_train), (x_test, y_test) = load_fashion_mnist()
    x_train = x_train[..., None].astype("float32")
    x_test = x_test[..., None].astype("float32")
    source = keras.saving.load_model(args.source, compile=False)
    clips = relu_percentiles(source, x_train[:2000])
    print("initial clips:", {name: round(value, 3) for name, value in clips.items()})

    start = time.perf_counter()
    train_and_save(lambda: quantise_model(source, args.levels, clips),
                   ((x_train, y_train), (x_test, y_test)), args.epochs, args.batch_size,
                   args.out, learning_rate=args.learning_rate)
    print(f"fine-tuning time: {time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()

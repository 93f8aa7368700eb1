"""The training recipe the model-zoo scripts share (Adam with cosine decay)."""
from __future__ import annotations

import argparse
import os
import tempfile
from collections.abc import Callable

import keras
import numpy as np


def save_atomically(model: keras.Model, out: str) -> None:
    """Save ``model`` to the ``.keras`` file ``out`` through a temporary file in the same
    folder, renamed into place, so that an interrupted run never leaves a broken file."""
    fd, tmp = tempfile.mkstemp(suffix=".keras", dir=os.path.dirname(os.path.abspath(out)))
    os.close(fd)
    try:
        model.save(tmp)
        os.chmod(tmp, 0o644)  # mkstemp creates it private
        os.replace(tmp, out)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


def train_and_save(build: Callable[[], keras.Model], data: tuple, epochs: int,
                   batch_size: int, out: str, learning_rate: float = 2e-3) -> float:
    """Train ``build()`` on ``data = ((x_train, y_train), (x_test, y_test))`` with Adam
    (``learning_rate``, cosine-decayed to 0), print the test accuracy and save an
    uncompiled copy (weights only, no optimizer state) to ``out``.

    Returns:
        The test accuracy.
    """
    (x_train, y_train), (x_test, y_test) = data
    model = build()
    steps = epochs * -(-len(x_train) // batch_size)
    learning_rate = keras.optimizers.schedules.CosineDecay(learning_rate, steps)
    model.compile(optimizer=keras.optimizers.Adam(learning_rate),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(x_train, y_train, batch_size=batch_size, epochs=epochs, verbose=2)

    accuracy = float(np.mean(np.argmax(model.predict(x_test, verbose=0), axis=1) == y_test))
    print(f"test accuracy: {accuracy:.4f}")
    inference = build()
    inference.set_weights(model.get_weights())
    save_atomically(inference, out)
    print(f"saved {out}")
    return accuracy


def train_from_command_line(build: Callable[[], keras.Model], load_data: Callable[[], tuple],
                            description: str, out: str, epochs: int, batch_size: int,
                            argv: list[str] | None = None, input_divisor: float = 1.0) -> None:
    """The model scripts' command line: ``--out``, ``--epochs``, ``--batch-size`` and
    ``--seed`` (defaults from the arguments); trains ``build()`` on ``load_data()``'s
    28x28 images (given a channel axis, float32, divided by ``input_divisor``) with
    :func:`train_and_save`.

    Args:
        argv: Command-line arguments (default: ``sys.argv[1:]``).
    """
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--out", default=out)
    parser.add_argument("--epochs", type=int, default=epochs)
    parser.add_argument("--batch-size", type=int, default=batch_size)
    parser.add_argument("--seed", type=int, default=1234)
    args = parser.parse_args(argv)

    keras.utils.set_random_seed(args.seed)
    (x_train, y_train), (x_test, y_test) = load_data()
    x_train = x_train[..., None].astype("float32") / input_divisor
    x_test = x_test[..., None].astype("float32") / input_divisor
    train_and_save(build, ((x_train, y_train), (x_test, y_test)), args.epochs,
                   args.batch_size, args.out)

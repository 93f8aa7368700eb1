"""keras.applications families converted: conversion time and few-spike agreement.

For each family (its smallest member at the smallest input size Keras allows, random
weights, 10 classes, ``classifier_activation=None``), BatchNormalization statistics are
set by training-mode passes over random images (momentum 0, so every layer is well
scaled). Then, TensorFlow import and model building excluded:

* ``few_spike s`` / ``data_norm s``: ``convert_model(model, method, data=x)`` with 256
  calibration images (graph, handlers, rewrite, mapping and calibration; no simulation;
  few-spike also checks k with one quantised NumPy forward pass on the 256 images, see
  ``ml_genn_tf/converters/few_spike_k.py``);
* with ``--run``: few-spike readouts of 24 other images against the Keras logits
  (correlation, argmax agreement) at the default k=10.

Usage::

    python bench/applications.py                      # every family, timings only
    python bench/applications.py ResNet50 --run       # one family, with the SNN run
"""
from __future__ import annotations

import argparse
import os
import time
import warnings

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402
import numpy as np  # noqa: E402

from ml_genn_tf import convert_model  # noqa: E402

A = keras.applications
#: family -> (constructor, smallest input size)
FAMILIES = {
    "ResNet50": (A.ResNet50, 32), "ResNet50V2": (A.ResNet50V2, 32),
    "MobileNet": (lambda **kw: A.MobileNet(alpha=0.25, **kw), 32),
    "MobileNetV2": (lambda **kw: A.MobileNetV2(alpha=0.35, **kw), 32),
    "MobileNetV3Small": (lambda **kw: A.MobileNetV3Small(minimalistic=True, **kw), 32),
    "DenseNet121": (A.DenseNet121, 32), "VGG16": (A.VGG16, 32), "Xception": (A.Xception, 71),
    "InceptionV3": (A.InceptionV3, 75), "InceptionResNetV2": (A.InceptionResNetV2, 75),
    "NASNetMobile": (A.NASNetMobile, 32),
}


def build(family: str, seed: int = 0) -> keras.Model:
    """The family's model with BatchNorm statistics of random images."""
    make, size = FAMILIES[family]
    keras.utils.set_random_seed(seed)
    model = make(weights=None, input_shape=(size, size, 3), classes=10,
                 classifier_activation=None)
    set_batch_norm_statistics(model, images(model, 64, seed + 1))
    return model


def images(model: keras.Model, n: int, seed: int) -> np.ndarray:
    """Random images in [0, 1], or [0, 255] for models that rescale raw pixels
    themselves (MobileNetV3: a Rescaling layer to [-1, 1], so their input is signed)."""
    shape = tuple(model.inputs[0].shape[1:])
    top = 255.0 if raw_pixels(model) else 1.0
    return np.random.default_rng(seed).uniform(0, top, (n,) + shape).astype(np.float32)


def raw_pixels(model: keras.Model) -> bool:
    return any(isinstance(layer, keras.layers.Rescaling) for layer in model.layers)


def set_batch_norm_statistics(model: keras.Model, x: np.ndarray, passes: int = 2) -> None:
    """Training-mode passes with momentum 0: every BatchNormalization then holds the
    statistics of its input over ``x``."""
    layers = [layer for layer in model._flatten_layers()
              if isinstance(layer, keras.layers.BatchNormalization)]
    momenta = [layer.momentum for layer in layers]
    for layer in layers:
        layer.momentum = 0.0
    for _ in range(passes):
        model(x, training=True)
    for layer, momentum in zip(layers, momenta):
        layer.momentum = momentum


def agreement(model: keras.Model, snn, x: np.ndarray) -> tuple[float, float]:
    """Correlation of readouts with the Keras logits and argmax agreement."""
    want = model.predict(x, verbose=0)
    got = snn.predict(x)
    return float(np.corrcoef(got.ravel(), want.ravel())[0, 1]), \
        float(np.mean(got.argmax(1) == want.argmax(1)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("families", nargs="*", default=list(FAMILIES))
    parser.add_argument("--run", action="store_true", help="also run the few-spike SNN")
    args = parser.parse_args()
    print("| family | input | populations | few_spike s | data_norm s | correlation | "
          "argmax agreement |")
    print("|---|---|---|---|---|---|---|")
    for family in args.families:
        model = build(family)
        calib, test = images(model, 256, 10), images(model, 24, 11)
        times, snn = {}, None
        for method in ("few_spike", "data_norm"):
            start = time.perf_counter()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", UserWarning)
                converted = convert_model(model, method, data=calib, batch_size=24,
                                          signed_input=raw_pixels(model))
            times[method] = time.perf_counter() - start
            snn = converted if method == "few_spike" else snn
        corr, agree = agreement(model, snn, test) if args.run else (float("nan"),) * 2
        size = FAMILIES[family][1]
        print(f"| {family} | {size}x{size} | {len(snn.converter.mapped.populations)} | "
              f"{times['few_spike']:.1f} | {times['data_norm']:.1f} | {corr:.4f} | "
              f"{agree:.2f} |", flush=True)


if __name__ == "__main__":
    main()

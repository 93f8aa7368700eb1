"""keras.applications families converted: conversion time, few-spike agreement, the k
each member needs, and the rate methods run.

Every member (random weights, 10 classes, ``classifier_activation=None``, the smallest
input size Keras allows) gets BatchNormalization statistics from training-mode passes
over random images (momentum 0, so every layer is well scaled). Then, TensorFlow import
and model building excluded:

* ``few_spike s`` / ``data_norm s``: ``convert_model(model, method, data=x)`` with 256
  calibration images (``--calib``) and its defaults (graph, handlers, rewrite, mapping
  and calibration; no simulation: few-spike checks k with one quantised forward pass on
  the calibration images, see ``ml_genn_tf/converters/few_spike_k.py``, and data_norm at
  its default T=500 leaves out the layer-wise calibration and the automatic readout
  delay, which simulate the SNN; ``--rate`` runs them at T=8);
* with ``--run``: few-spike readouts of 24 other images against the Keras logits
  (correlation, argmax agreement) at the default k=10, and the smallest k of ``--ks``
  that reaches correlation >= 0.99 and agreement >= 0.9 (one calibration pass and one
  mapping, reused for every k). The scores of the k below that one come from the
  quantised forward pass (what the SNN computes); the SNN is run at that k;
* with ``--rate``: data_norm and simple (and spike_norm for the smallest member of each
  family) convert and run 2 images at T=8; ``ok`` when the readouts are finite, else the
  error. data_norm calibrates on the first ``--rate-calib`` calibration images (64; its
  layer-wise calibration runs the SNN once per level over them, so its time grows with
  them) and spike_norm on the first 4.

Usage::

    python bench/applications.py                        # smallest members, timings only
    python bench/applications.py ResNet50 --run         # one member, with the SNN run
    python bench/applications.py --all --run --rate     # every member, everything
"""
from __future__ import annotations

import argparse
import gc
import os
import resource
import time
import warnings

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402
import numpy as np  # noqa: E402

from ml_genn_tf import convert_model  # noqa: E402
from ml_genn_tf.converters.few_spike_k import float32_model, predictions  # noqa: E402
from ml_genn_tf.tools.sweep import reconvert  # noqa: E402

A = keras.applications


def _alpha(make, alpha: float, **options):
    return lambda **kw: make(alpha=alpha, **options, **kw)


#: member -> (constructor, smallest input size)
MEMBERS = {
    "ResNet50": (A.ResNet50, 32), "ResNet101": (A.ResNet101, 32),
    "ResNet152": (A.ResNet152, 32),
    "ResNet50V2": (A.ResNet50V2, 32), "ResNet101V2": (A.ResNet101V2, 32),
    "ResNet152V2": (A.ResNet152V2, 32),
    **{f"MobileNet_{a}": (_alpha(A.MobileNet, a), 32) for a in (0.25, 0.5, 0.75, 1.0)},
    **{f"MobileNetV2_{a}": (_alpha(A.MobileNetV2, a), 32)
       for a in (0.35, 0.5, 0.75, 1.0, 1.3, 1.4)},
    "MobileNetV3Small": (_alpha(A.MobileNetV3Small, 1.0, minimalistic=True), 32),
    "MobileNetV3Large": (_alpha(A.MobileNetV3Large, 1.0, minimalistic=True), 32),
    "DenseNet121": (A.DenseNet121, 32), "DenseNet169": (A.DenseNet169, 32),
    "DenseNet201": (A.DenseNet201, 32),
    "VGG16": (A.VGG16, 32), "VGG19": (A.VGG19, 32),
    "Xception": (A.Xception, 71), "InceptionV3": (A.InceptionV3, 75),
    "InceptionResNetV2": (A.InceptionResNetV2, 75),
    "NASNetMobile": (A.NASNetMobile, 32), "NASNetLarge": (A.NASNetLarge, 32),
}
#: family -> its members, the smallest first
FAMILIES = {
    "ResNet": ["ResNet50", "ResNet101", "ResNet152"],
    "ResNetV2": ["ResNet50V2", "ResNet101V2", "ResNet152V2"],
    "MobileNet": ["MobileNet_0.25", "MobileNet_0.5", "MobileNet_0.75", "MobileNet_1.0"],
    "MobileNetV2": ["MobileNetV2_0.35", "MobileNetV2_0.5", "MobileNetV2_0.75",
                    "MobileNetV2_1.0", "MobileNetV2_1.3", "MobileNetV2_1.4"],
    "MobileNetV3 (minimalistic)": ["MobileNetV3Small", "MobileNetV3Large"],
    "DenseNet": ["DenseNet121", "DenseNet169", "DenseNet201"],
    "VGG": ["VGG16", "VGG19"],
    "Xception": ["Xception"], "InceptionV3": ["InceptionV3"],
    "InceptionResNetV2": ["InceptionResNetV2"],
    "NASNet": ["NASNetMobile", "NASNetLarge"],
}
#: the smallest member of each family
SMALLEST = [members[0] for members in FAMILIES.values()]
#: the rate methods ``--rate`` runs (spike_norm on the smallest member of each family)
RATE_METHODS = ("data_norm", "simple", "spike_norm")
#: few-spike agreement targets (correlation with the Keras logits, argmax agreement)
TARGETS = (0.99, 0.9)


def build(member: str, seed: int = 0) -> keras.Model:
    """The member's model with BatchNorm statistics of random images."""
    make, size = MEMBERS[member]
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
    for layer, momentum in zip(layers, momenta, strict=True):
        layer.momentum = momentum


def scores(got: np.ndarray, want: np.ndarray) -> tuple[float, float]:
    """Correlation of readouts with the Keras logits and argmax agreement."""
    return float(np.corrcoef(got.ravel(), want.ravel())[0, 1]), \
        float(np.mean(got.argmax(1) == want.argmax(1)))


def meets(result: tuple[float, float]) -> bool:
    return result[0] >= TARGETS[0] and result[1] >= TARGETS[1]


def k_sweep(model: keras.Model, snn, x: np.ndarray, ks: list[int]) -> dict:
    """Few-spike scores (correlation, agreement) by k, in the order of ``ks``, up to
    the first k that meets :data:`TARGETS`; ``snn`` is a few-spike conversion whose
    calibration (and mapping) every k reuses. Each k is scored with the quantised
    forward pass of the mapped network (what the SNN computes,
    :func:`~ml_genn_tf.converters.few_spike_k.predictions`; tested equal to the
    simulation), and the SNN itself is run at the first k that meets the targets by
    that pass (and at the following ones, if the SNN misses them): one SNN compiled per
    member, not one per k (ResNet152V2 held over 10 GB with two)."""
    want = model.predict(x, verbose=0)
    mapped = float32_model(snn.converter.mapped)
    tried, first = {}, ks[-1]
    for k in ks:
        tried[k] = scores(predictions(snn.converter, [x], k, mapped)[0], want)
        if meets(tried[k]):
            first = k
            break
    del mapped
    for k in ks[ks.index(first):]:
        gc.collect()   # the previous variant's network and program
        variant = snn if k == snn.converter.k else \
            reconvert(snn, {"k": k}, {"k": k}, precomputed_stats=snn.converter.stats)
        tried[k] = scores(variant.predict(x), want)
        del variant
        if meets(tried[k]):
            break
    return tried


def run_rate_methods(model: keras.Model, calib: np.ndarray, x: np.ndarray,
                     spike_norm: bool, which: tuple = RATE_METHODS,
                     progress: bool = False) -> dict[str, str]:
    """Convert with each rate method of ``which`` and run ``x`` at T=8: method ->
    ``ok (seconds)`` or the error; ``progress`` shows the conversions' progress bars
    (the calibration's levels) on stderr."""
    methods = [(m, d) for m, d in (("data_norm", calib), ("simple", None)) if m in which]
    methods += [("spike_norm", calib[:4])] if spike_norm and "spike_norm" in which else []
    out = {}
    for method, data in methods:
        start = time.perf_counter()
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", UserWarning)   # max pooling approximated
                snn = convert_model(model, method, data=data, evaluate_timesteps=8,
                                    batch_size=len(x), signed_input=raw_pixels(model),
                                    progress=progress)
            finite = np.all(np.isfinite(snn.predict(x)))
            out[method] = f"ok ({time.perf_counter() - start:.0f} s)" if finite \
                else "not finite"
        except Exception as err:  # noqa: BLE001  (reported, the table goes on)
            out[method] = f"{type(err).__name__}: {str(err)[:200]}"
        print(f"# {method}: {out[method]}", flush=True)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("members", nargs="*", help=f"default: {' '.join(SMALLEST)}")
    parser.add_argument("--all", action="store_true", help="every member of every family")
    parser.add_argument("--run", action="store_true", help="also run the few-spike SNN")
    parser.add_argument("--ks", type=int, nargs="+", default=[10, 12, 14, 16, 20, 24],
                        help="k values tried with --run, in order")
    parser.add_argument("--rate", action="store_true", help="also run the rate methods")
    parser.add_argument("--rate-methods", nargs="+", default=list(RATE_METHODS),
                        choices=RATE_METHODS, help="the rate methods --rate runs")
    parser.add_argument("--calib", type=int, default=256, help="calibration images")
    parser.add_argument("--progress", action="store_true",
                        help="progress bars of the rate conversions (on stderr)")
    parser.add_argument("--rate-calib", type=int, default=64,
                        help="calibration images of data_norm with --rate (the first ones)")
    args = parser.parse_args()
    members = args.members or (list(MEMBERS) if args.all else SMALLEST)
    print("| member | input | populations | few_spike s | data_norm s | k=10 correlation | "
          "k=10 agreement | k needed | its correlation | its agreement | rate methods | "
          "peak RSS GB |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for member in members:
        try:
            row(member, args)
        except Exception as err:  # noqa: BLE001  (reported, the table goes on)
            print(f"| {member} | failed: {type(err).__name__}: {str(err)[:300]} |", flush=True)


def row(member: str, args: argparse.Namespace) -> None:
    """Print the table row of ``member``."""
    model = build(member)
    calib, test = images(model, args.calib, 10), images(model, 24, 11)
    times, snn = {}, None
    for method in ("data_norm", "few_spike"):   # one conversion in memory at a time
        gc.collect()
        start = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            converted = convert_model(model, method, data=calib, batch_size=24,
                                      signed_input=raw_pixels(model), progress=False)
        times[method] = time.perf_counter() - start
        snn = converted if method == "few_spike" else snn
        del converted   # the data_norm conversion is only timed
    nan = (float("nan"),) * 2
    gc.collect()
    tried = k_sweep(model, snn, test, [10] + [k for k in args.ks if k != 10]) \
        if args.run else {}
    default = tried.get(10, nan)
    last = list(tried)[-1] if tried else None
    needed = last if last is not None and meets(tried[last]) else \
        ("none" if tried else "")
    scores = tried[last] if tried else nan
    populations = len(snn.converter.mapped.populations)
    del snn   # the rate methods' conversions and SNNs without the few-spike one
    gc.collect()
    rate = run_rate_methods(model, calib[:args.rate_calib], test[:2], member in SMALLEST,
                            tuple(args.rate_methods), args.progress) if args.rate else {}
    size = MEMBERS[member][1]
    print(f"| {member} | {size}x{size} | {populations} | "
          f"{times['few_spike']:.1f} | {times['data_norm']:.1f} | {default[0]:.4f} | "
          f"{default[1]:.2f} | {needed} | {scores[0]:.4f} | {scores[1]:.2f} | "
          f"{'; '.join(f'{m} {r}' for m, r in rate.items())} | {max_rss_gb():.1f} |",
          flush=True)


def max_rss_gb() -> float:
    """This process's peak resident memory so far [GB] (Linux: ru_maxrss in KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2 ** 20


if __name__ == "__main__":
    main()

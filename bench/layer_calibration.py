"""DataNorm's layer-wise calibration: one compiled network run level by level, against
the method stated population by population (the sub-network of each population's
ancestors built, compiled and run in turn, as this project did before), side by side
in one run.

For each model (``mnist`` / ``fashion``: the shipped CNN and ResNet on their first
``--images`` training images; or a keras.applications member of bench/applications.py
on random images), ``DataNorm(T, input_type="if", initial_potential=0.5,
calibration="potential", readout_delay="auto")`` converts (``convert_model``'s
data_norm options), then the reference finds every correction again. Prints both
times, their ratio, the largest difference of the corrections (ANN units), whether the
readout delays agree, and the process's resident memory after every level of the
compiled network's runs (flat: one compiled network) and at the end.

Usage::

    python bench/layer_calibration.py mnist --timesteps 64 --images 256
    python bench/layer_calibration.py mnist ResNet50 --timesteps 8 --images 64 --no-reference
"""
from __future__ import annotations

import argparse
import copy
import os
import resource
import time
import warnings
from pathlib import Path
from typing import Any

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402

from ml_genn.callbacks import VarRecorder  # noqa: E402
from ml_genn.compilers import InferenceCompiler  # noqa: E402
from ml_genn.readouts import READOUTS  # noqa: E402
from ml_genn.utils.activity import pipeline_depths  # noqa: E402
from ml_genn_tf.calibration_data import CALIBRATION_BATCH  # noqa: E402
from ml_genn_tf.converters import DataNorm  # noqa: E402
from ml_genn_tf.converters import layer_calibration as lc  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
#: ``convert_model``'s data_norm options that the calibration depends on
OPTIONS = {"input_type": "if", "initial_potential": 0.5, "calibration": "potential",
           "readout_delay": "auto"}


def reference_calibration(converter: DataNorm, model: Any) -> tuple[dict, dict, dict]:
    """The calibration as the method is stated: population by population in DAG order,
    the network of the population's ancestors (with the corrections found so far) is
    built, compiled and run on the calibration examples, and the population corrected;
    then each output: a run recording its potential gives the readout delay, and a run of
    the delayed output its correction. ``converter`` has converted ``model``.

    Returns:
        ``(errors, delays, neurons)``: the corrections (ANN units) and delays as
        ``converter.calibration_errors`` / ``readout_delays``, and every population's
        corrected neuron by name.
    """
    mapped, pre, steps = converter.mapped, converter.pre_convert_output, \
        converter.evaluate_timesteps
    data = lc.calibration_set(model, mapped, converter.norm_data,
                              converter.calibration_examples)
    neurons = {n: converter.make_neuron(mapped[n], pre) for n in mapped.populations}

    def run(name: str, readout: str, record: bool = False) -> tuple:
        members = mapped.ancestors(name)
        sub = {n: copy.copy(neurons[n]) for n in members}
        sub[name].readout = READOUTS.resolve(readout)
        net, inputs, _, _ = converter.build_network(mapped, pre, only=members, neurons=sub)
        target = next(p for p in net.populations if p.name == name)
        callbacks = [VarRecorder(target, "v", key="v")] if record else []
        compiled = InferenceCompiler(
            evaluate_timesteps=steps,
            batch_size=int(min(CALIBRATION_BATCH, data.num_examples))).compile(net)
        x = {p: data.inputs[p.name].reshape((-1,) + tuple(mapped[p.name].shape))
             for p in inputs}
        with compiled:
            out, recorded = compiled.predict(x, [target], callbacks=callbacks)
        return np.asarray(out[target], np.float64), recorded, pipeline_depths(net)[name]

    def correct(name: str) -> np.ndarray:
        spec, neuron = mapped[name], neurons[name]
        is_var = spec.is_output and not spec.is_source
        out, _, depth = run(name, "var" if is_var else "spike_count")
        start = getattr(neuron, "start_step", 0) if is_var else 0
        window = max(steps - max(depth, start), 1)
        unit = converter.unit(spec, pre)
        keras_shape, shape = tuple(spec.keras_shape), tuple(spec.shape)
        value = out.reshape((len(out),) + keras_shape) / window * unit
        delta = data.ann_means[name] - value.reshape((-1, keras_shape[-1])).mean(axis=0)
        charge = np.broadcast_to(delta * window / unit, keras_shape).reshape(shape)
        if converter.calibration == "bias":
            neuron.bias = lc._full(neuron, "bias", shape) + charge / (steps - start)
        else:
            neuron.v = lc._full(neuron, "v", shape) + charge
        return delta

    errors, delays = {}, {}
    for name, spec in mapped.populations.items():
        if spec.kind == "relu":
            errors[name] = correct(name)
    for name in mapped.outputs:
        if mapped[name].is_source:
            continue
        _, recorded, _ = run(name, "var", record=True)
        delays[name] = lc.estimate_readout_delay(np.asarray(recorded["v"], np.float64),
                                                 data.ann_outputs[name])
        if delays[name]:
            neurons[name] = lc.delayed_output(neurons[name], delays[name])
        errors[name] = correct(name)
    return errors, delays, neurons


def load(name: str, images: int) -> tuple:
    """The model and its calibration images."""
    if name in ("mnist", "fashion"):
        import keras

        from ml_genn_tf.datasets import load_fashion_mnist, load_mnist
        filename, loader, divisor = {"mnist": ("mnist_cnn.keras", load_mnist, 255.0),
                                     "fashion": ("fashion_resnet.keras", load_fashion_mnist,
                                                 1.0)}[name]
        (x, _), _ = loader()
        return (keras.saving.load_model(ROOT / "models" / filename),
                x[:images, ..., None].astype(np.float32) / divisor)
    from applications import build
    from applications import images as random_images
    model = build(name)
    return model, random_images(model, images, 10)


def current_rss_gb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2 ** 30


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("models", nargs="+")
    parser.add_argument("--images", type=int, default=256)
    parser.add_argument("--timesteps", type=int, default=64)
    parser.add_argument("--no-reference", action="store_true",
                        help="time the compiled-once calibration only")
    args = parser.parse_args()
    levels_rss: list[float] = []
    original = lc.LayerCalibration._run

    def watched(self, *a, **k):
        sums = original(self, *a, **k)
        levels_rss.append(current_rss_gb())
        return sums

    lc.LayerCalibration._run = watched
    print("| model | T | images | populations | levels | compiled once s | "
          "population by population s | ratio | largest correction difference | "
          "delays agree | RSS after each level GB (first, largest, last) | peak RSS GB |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for name in args.models:
        model, x = load(name, args.images)
        converter = DataNorm(args.timesteps, norm_data=x, **OPTIONS)
        converter.progress = False
        levels_rss.clear()
        start = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            converter.convert(model)
        fast = time.perf_counter() - start
        slow, diff, same = float("nan"), float("nan"), ""
        if not args.no_reference:
            start = time.perf_counter()
            errors, delays, _ = reference_calibration(converter, model)
            slow = time.perf_counter() - start
            diff = max(float(np.max(np.abs(errors[n] - converter.calibration_errors[n])))
                       for n in errors)
            same = str(delays == converter.readout_delays)
        mapped = converter.mapped
        targets = [n for n, s in mapped.populations.items() if s.kind == "relu"] + \
            list(converter.readout_delays)
        rss = (f"{levels_rss[0]:.2f}, {max(levels_rss):.2f}, {levels_rss[-1]:.2f}"
               if levels_rss else "")
        print(f"| {name} | {args.timesteps} | {len(x)} | {len(mapped.populations)} | "
              f"{len(mapped.levels(targets))} | {fast:.1f} | {slow:.1f} | {slow / fast:.1f} | "
              f"{diff:.2g} | {same} | {rss} | "
              f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2 ** 20:.2f} |",
              flush=True)


if __name__ == "__main__":
    main()

"""keras.applications families: every ReLU family converts (few-spike readouts against
the Keras logits; the rate methods convert and run), the others are refused by name.

Random weights, BatchNorm statistics set by training-mode passes (bench/applications.py,
which also times the conversions and finds the k each member needs). The fast suite
takes one member of each family, the smallest (InceptionResNetV2 and DenseNet121 there
without the SNN run, which is slow for them), the other members are marked slow.
"""
import sys
import warnings
from pathlib import Path

import keras
import numpy as np
import pytest

from ml_genn_tf import UnsupportedModelError, convert_model
from ml_genn_tf.converters.few_spike_k import predictions

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
from applications import (  # noqa: E402
    FAMILIES,
    SMALLEST,
    TARGETS,
    build,
    images,
    raw_pixels,
)

A = keras.applications

#: The few-spike k a member needs for TARGETS (correlation with the Keras logits, argmax
#: agreement on 24 inputs), measured with ``bench/applications.py --all --run``; the
#: others meet them at the default k=10.
K_NEEDED = {"MobileNet_0.25": 12, "MobileNetV2_0.35": 12, "MobileNetV3Small": 16,
            "ResNet50": 14, "ResNet50V2": 14, "InceptionV3": 16, "ResNet101V2": 14,
            "ResNet101": 16, "ResNet152": 20, "MobileNet_1.0": 12, "MobileNetV2_1.0": 12,
            "MobileNetV2_1.4": 12, "MobileNetV3Large": 16, "MobileNet_0.5": 12,
            "MobileNet_0.75": 12, "MobileNetV2_0.5": 12, "MobileNetV2_0.75": 12,
            "MobileNetV2_1.3": 12, "ResNet152V2": 16, "NASNetLarge": 12,
            "DenseNet121": 12}
#: Calibration images (256 by default). ResNet101/152: with 256, activations of the 24
#: test images exceed the calibration maxima (alphas) and saturate, so the correlation
#: stops at 0.988 (ResNet101, k=24 to 32), 0.940 (ResNet152, k=24) and 0.989
#: (ResNet152V2, k=24); with 2,048 the targets are met at k=16, k=20 and k=16
#: (``bench/applications.py ResNet101 --run --calib 2048``).
CALIBRATION = {"ResNet101": 2048, "ResNet152": 2048, "ResNet152V2": 2048}


def few_spike_agrees(member: str) -> None:
    model = build(member)
    calib = images(model, CALIBRATION.get(member, 256), 10)
    test = images(model, 24, 11)
    snn = convert_model(model, "few_spike", data=calib, batch_size=24, progress=False,
                        k=K_NEEDED.get(member, 10), signed_input=raw_pixels(model))
    want, got = model.predict(test, verbose=0), snn.predict(test)
    assert np.corrcoef(got.ravel(), want.ravel())[0, 1] >= TARGETS[0]
    assert np.mean(got.argmax(1) == want.argmax(1)) >= TARGETS[1]


#: Smallest members whose SNN run is too slow for the fast suite (compiling the
#: few-spike network alone takes 36 s for InceptionResNetV2 on 2 busy CPU cores): their
#: fast test checks the conversion's readouts without the simulation (below), the full
#: 24-image SNN check is slow.
HEAVY = {"InceptionResNetV2", "DenseNet121"}


@pytest.mark.parametrize("member", [pytest.param(m, marks=[pytest.mark.slow] * (m in HEAVY))
                                    for m in SMALLEST])
def test_smallest_member_converts_with_few_spike(member):
    few_spike_agrees(member)


@pytest.mark.parametrize("member", sorted(HEAVY))
def test_heavy_smallest_member_few_spike_readouts_follow_keras(member):
    """Few-spike conversion at the default k; the readouts of 4 images come from the
    mapped network with every activation quantised to its k-bit code, which is what
    the SNN computes (the few-spike schedule's exactness is tested on its own), and
    must follow the Keras logits."""
    model = build(member)
    calib, test = images(model, 32, 10), images(model, 4, 11)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)   # k=10 is below the k it needs
        snn = convert_model(model, "few_spike", data=calib, batch_size=4, progress=False,
                            signed_input=raw_pixels(model))
    got = predictions(snn.converter, [test], snn.converter.k)[0]
    want = model.predict(test, verbose=0)
    assert snn.converter.k == 10
    assert np.corrcoef(got.ravel(), want.ravel())[0, 1] >= TARGETS[0]
    assert np.mean(got.argmax(1) == want.argmax(1)) >= 0.75


@pytest.mark.slow
@pytest.mark.parametrize("member", [m for ms in FAMILIES.values() for m in ms[1:]])
def test_other_members_convert_with_few_spike(member):
    few_spike_agrees(member)


def rate_methods_run(member: str, methods: tuple) -> None:
    model = build(member)
    calib, test = images(model, 64, 10), images(model, 2, 11)
    data = {"data_norm": calib, "simple": None, "spike_norm": calib[:4]}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)   # max pooling approximated
        for method in methods:
            snn = convert_model(model, method, data=data[method], evaluate_timesteps=8,
                                batch_size=2, signed_input=raw_pixels(model),
                                progress=False)
            assert np.all(np.isfinite(snn.predict(test)))
            if method == "data_norm":    # T=8: the layer-wise calibration corrected all
                assert len(snn.converter.calibration_errors) == sum(
                    spec.kind == "relu" or not spec.is_source
                    for spec in snn.converter.mapped.populations.values()
                    if spec.kind != "input")


@pytest.mark.slow
@pytest.mark.parametrize("member", SMALLEST)
def test_rate_methods_convert_and_run_on_the_smallest_members(member):
    rate_methods_run(member, ("data_norm", "simple", "spike_norm"))


@pytest.mark.slow
@pytest.mark.parametrize("member", [m for ms in FAMILIES.values() for m in ms[1:]])
def test_rate_methods_convert_and_run_on_the_other_members(member):
    rate_methods_run(member, ("data_norm", "simple"))


@pytest.mark.parametrize("make,match", [
    (lambda: A.EfficientNetB0(weights=None, input_shape=(32, 32, 3), classes=10),
     r"Layer 'stem_activation' \(Activation\): activation='silu'"),
    (lambda: A.EfficientNetV2B0(weights=None, input_shape=(32, 32, 3), classes=10),
     r"Layer 'stem_activation' \(Activation\): activation='silu'"),
    (lambda: A.ConvNeXtTiny(weights=None, input_shape=(32, 32, 3), classes=10),
     r"Layer '\w+' \(Activation\): activation='gelu'"),
    (lambda: A.MobileNetV3Small(weights=None, input_shape=(32, 32, 3), classes=10),
     r"Layer '\w+' \(Activation\): activation='hard_silu'"),
], ids=["EfficientNetB0", "EfficientNetV2B0", "ConvNeXtTiny", "MobileNetV3Small"])
def test_other_activations_are_refused_by_layer_and_activation(make, match):
    with pytest.raises(UnsupportedModelError, match=match):
        convert_model(make(), "few_spike")

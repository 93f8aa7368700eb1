"""keras.applications families: every ReLU family converts (few-spike readouts against
the Keras logits; the rate methods convert and run), the others are refused by name.

Random weights, BatchNorm statistics set by training-mode passes (bench/applications.py,
which also times the conversions). The fast suite takes the smallest member of each
family (but DenseNet, InceptionResNetV2 and Xception, over a minute each on 2 CPU
cores); the other members are marked slow.
"""
import sys
import warnings
from pathlib import Path

import keras
import numpy as np
import pytest
from ml_genn_tf import UnsupportedModelError, convert_model

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
from applications import FAMILIES, build, images, raw_pixels  # noqa: E402

A = keras.applications

#: Few-spike k of these tests. With random weights the default k=10 is not enough for
#: correlation >= 0.99 (bench/applications.py --run gives the k=10 figures: e.g. ResNet50
#: 0.91, MobileNet 0.97 at 32x32); k=16 is, for every family.
K = 16
#: Members beyond the smallest (slow suite): name -> (constructor, input size)
MEMBERS = {
    "ResNet101": (A.ResNet101, 32), "ResNet152": (A.ResNet152, 32),
    "ResNet101V2": (A.ResNet101V2, 32), "ResNet152V2": (A.ResNet152V2, 32),
    "DenseNet169": (A.DenseNet169, 32), "DenseNet201": (A.DenseNet201, 32),
    "VGG19": (A.VGG19, 32), "MobileNet_1.0": (lambda **kw: A.MobileNet(alpha=1.0, **kw), 32),
    "MobileNetV2_1.0": (lambda **kw: A.MobileNetV2(alpha=1.0, **kw), 32),
}


def few_spike_agrees(model, k, signed=False):
    calib, test = images(model, 64, 10), images(model, 24, 11)
    snn = convert_model(model, "few_spike", data=calib, batch_size=24, k=k,
                        signed_input=signed)
    want = model.predict(test, verbose=0)
    got = snn.predict(test)
    assert np.corrcoef(got.ravel(), want.ravel())[0, 1] >= 0.99
    assert np.mean(got.argmax(1) == want.argmax(1)) >= 0.9
    return calib


#: Families whose smallest member takes over a minute or several GB on 2 CPU cores.
HEAVY = {"DenseNet121", "InceptionResNetV2", "Xception"}


def _family_param(family):
    return pytest.param(family, marks=[pytest.mark.slow] if family in HEAVY else [])


@pytest.mark.parametrize("family", [_family_param(f) for f in sorted(FAMILIES)])
def test_smallest_member_converts_with_few_spike(family):
    model = build(family)
    few_spike_agrees(model, K, raw_pixels(model))


@pytest.mark.slow
@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_rate_methods_convert_and_run(family):
    model = build(family)
    calib, test = images(model, 64, 10), images(model, 2, 11)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)   # max pooling approximated
        for method, data in (("data_norm", calib), ("simple", None),
                             ("spike_norm", calib[:4])):
            snn = convert_model(model, method, data=data, evaluate_timesteps=8, batch_size=2,
                                signed_input=raw_pixels(model))
            assert np.all(np.isfinite(snn.predict(test)))


@pytest.mark.slow
@pytest.mark.parametrize("member", sorted(MEMBERS))
def test_other_members_convert_with_few_spike(member, monkeypatch):
    monkeypatch.setitem(FAMILIES, member, MEMBERS[member])
    few_spike_agrees(build(member), K)


@pytest.mark.parametrize("make,match", [
    (lambda: A.EfficientNetB0(weights=None, input_shape=(32, 32, 3), classes=10),
     r"Layer 'stem_activation' \(Activation\): activation='silu'"),
    (lambda: A.ConvNeXtTiny(weights=None, input_shape=(32, 32, 3), classes=10),
     r"\(Activation\): activation='gelu'"),
    (lambda: A.MobileNetV3Small(weights=None, input_shape=(32, 32, 3), classes=10),
     r"activation='hard_silu'"),
])
def test_other_activations_are_refused_by_layer_and_activation(make, match):
    with pytest.raises(UnsupportedModelError, match=match):
        convert_model(make(), "few_spike")

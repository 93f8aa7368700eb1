"""Pad2D, Upsample2D and Chained against Keras 3, and errors."""
import keras
import numpy as np
import pytest
from connectivity_harness import keras_reference, run_connectivity_test

from ml_genn import Connection, Network, Population
from ml_genn.connectivity import AvgPool2D, Chained, Conv2D, Dense, MaxPool2D, Pad2D, Upsample2D

RNG = np.random.default_rng(77)
L = keras.layers


@pytest.mark.parametrize("through", ["op", "network"])
@pytest.mark.parametrize("padding", [((1, 2), (0, 1)), ((-1, 0), (2, -2))])
def test_pad_2d_matches_zero_padding_and_cropping(padding, through):
    (t, b), (lft, r) = padding
    layers = [L.Cropping2D(((max(-t, 0), max(-b, 0)), (max(-lft, 0), max(-r, 0)))),
              L.ZeroPadding2D(((max(t, 0), max(b, 0)), (max(lft, 0), max(r, 0))))]
    run_connectivity_test(Pad2D(padding), (5, 6, 2), keras_reference(*layers), through=through)


@pytest.mark.parametrize("through", ["op", "network"])
def test_pad_2d_channel_padding_is_a_branch_of_keras_concatenate(through):
    """Channels (2, 3) around the source's: the source's place in
    ``Concatenate()([zeros(2), x, zeros(3)])`` along the channels."""
    def reference(x):
        zeros = keras.ops.zeros(x.shape[:-1] + (2,))
        return np.asarray(L.Concatenate()([zeros, x, keras.ops.zeros(x.shape[:-1] + (3,))]))
    run_connectivity_test(Pad2D(((1, 0), (0, 0)), channel_padding=(2, 3)), (4, 5, 2),
                          lambda x: np.asarray(L.ZeroPadding2D(((1, 0), (0, 0)))(reference(x))),
                          expected_target_shape=(5, 5, 7), through=through)


@pytest.mark.parametrize("interpolation", ["nearest", "bilinear"])
@pytest.mark.parametrize("size", [2, (3, 2)])
def test_upsample_2d_matches_keras(size, interpolation):
    run_connectivity_test(Upsample2D(size, interpolation), (4, 5, 3),
                          keras_reference(L.UpSampling2D(size, interpolation=interpolation)))


def test_chained_applies_steps_in_order_through_views():
    conv = RNG.normal(size=(3, 3, 2, 4)).astype(np.float32)
    dense = RNG.normal(size=(2 * 3 * 4, 5)).astype(np.float32)
    chain = Chained([Pad2D(((-1, 0), (0, -1))), Conv2D(conv, 4, 3, conv_strides=2),
                     AvgPool2D(1, pool_strides=1), Dense(dense)],
                    shapes=[(7, 8, 2), None, None, (24,)], weight=0.5)
    reference = keras_reference(L.Reshape((7, 8, 2)), L.Cropping2D(((1, 0), (0, 1))),
                                (L.Conv2D(4, 3, strides=2, use_bias=False), [conv]),
                                L.Flatten(), (L.Dense(5, use_bias=False), [dense]))
    for through in ("op", "network"):
        run_connectivity_test(chain, (112,), lambda x: 0.5 * reference(x), through=through,
                              expected_target_shape=(5,), atol=1e-4)


@pytest.mark.parametrize("make,error,match", [
    (lambda: Chained([]), ValueError, r"Chained: give at least one step"),
    (lambda: Chained([MaxPool2D(2)]), TypeError, r"every step must be a linear .* MaxPool2D"),
    (lambda: Chained([Pad2D(((0, 0), (0, 0)), delay=2)]), ValueError, r"a step \(Pad2D\) has"),
    (lambda: Chained([Pad2D(((0, 0), (0, 0)))], shapes=[None, None]), ValueError,
     r"2 shapes given for 1 steps"),
    (lambda: Pad2D("same"), ValueError, r"Pad2D: padding must be"),
    (lambda: Pad2D(((0, 0), (0, 0)), channel_padding=(-1, 2)), ValueError,
     r"Pad2D: channel_padding must be \(before, after\) non-negative ints, received \(-1, 2\)"),
    (lambda: Upsample2D(2, "bicubic"), ValueError, r"interpolation must be one of .*bicubic"),
])
def test_constructor_errors(make, error, match):
    with pytest.raises(error, match=match):
        make()


def test_chained_checks_views_and_targets():
    with Network():
        source = Population("binary_spike_input", (4, 4, 2), name="src")
        target = Population("integrate_fire", (7,), name="trg")
        with pytest.raises(ValueError, match=r"step 0 \(Pad2D\) views 32 values as shape"):
            Connection(source, target, Chained([Pad2D(((0, 0), (0, 0)))], shapes=[(3, 3, 3)]))
        with pytest.raises(ValueError, match=r"gives shape \(5, 4, 2\), but target 'trg'"):
            Connection(source, target, Chained([Pad2D(((1, 0), (0, 0)))]))


def test_cropping_more_than_the_image_is_refused():
    with Network():
        source = Population("binary_spike_input", (4, 4, 2), name="src")
        target = Population("integrate_fire", name="trg")
        with pytest.raises(ValueError, match=r"Pad2D: the cropping does not fit source 'src' "
                                             r"of shape \(4, 4, 2\) \(padding=\(\(-2, -2\)"):
            Connection(source, target, Pad2D(((-2, -2), (0, 0))))

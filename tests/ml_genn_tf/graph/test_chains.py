"""graph/chains.py: a table of linear layer chains between two populations, the
connectivity each becomes (with the parameters the folding rules set), and the exact sum
of each against Keras."""
import keras
import numpy as np
import pytest
from handler_harness import run_handler_test

from ml_genn.connectivity import (
    AvgPool2D,
    AvgPoolConv2D,
    AvgPoolDense2D,
    Chained,
    Conv2D,
    Conv2DTranspose,
    Dense,
    DepthwiseConv2D,
    OneToOne,
    Pad2D,
    Upsample2D,
)

L = keras.layers

#: name -> (input shape, layers, the connectivity classes, Chained steps' classes)
CHAINS = {
    "dense": ((6,), [L.Dense(4)], [Dense], None),
    "dense_dense": ((6,), [L.Dense(5), L.Dense(3)], [Dense], None),
    "rescaling": ((6,), [L.Rescaling(2.0)], [OneToOne], None),
    "conv_bn": ((6, 6, 2), [L.Conv2D(3, 3), L.BatchNormalization()], [Conv2D], None),
    "pad_conv": ((5, 5, 2), [L.ZeroPadding2D(1), L.Conv2D(3, 3, strides=2)], [Conv2D], None),
    "bn_conv": ((6, 6, 2), [L.BatchNormalization(), L.Conv2D(3, 3)], [Conv2D], None),
    "pool_conv": ((6, 6, 2), [L.AveragePooling2D(2), L.Conv2D(3, 3)], [AvgPoolConv2D], None),
    "pool_dense": ((6, 6, 2), [L.AveragePooling2D(2), L.Flatten(), L.Dense(3)],
                   [AvgPoolDense2D], None),
    "gap_dense": ((4, 4, 3), [L.GlobalAveragePooling2D(), L.Dense(3)], [AvgPoolDense2D], None),
    "dense_on_image": ((4, 4, 3), [L.Dense(5)], [Conv2D], None),
    "separable": ((6, 6, 3), [L.SeparableConv2D(8, 3, padding="same")], [Chained],
                  [DepthwiseConv2D, Conv2D]),
    "separable_merged": ((6, 6, 3), [L.SeparableConv2D(2, 3, depth_multiplier=2)], [Conv2D],
                         None),
    "pointwise_pointwise": ((4, 4, 8), [L.Conv2D(2, 1), L.Conv2D(8, 1)], [Chained],
                            [Conv2D, Conv2D]),
    "conv_pointwise": ((6, 6, 2), [L.Conv2D(4, 3, strides=2), L.Conv2D(5, 1)], [Conv2D], None),
    "pointwise_conv": ((6, 6, 2), [L.Conv2D(4, 1), L.BatchNormalization(),
                                   L.Conv2D(5, 3, padding="same")], [Conv2D], None),
    "depthwise": ((6, 6, 2), [L.DepthwiseConv2D(3, depth_multiplier=2)], [DepthwiseConv2D],
                  None),
    "conv_subsample": ((7, 7, 2), [L.Conv2D(3, 3, padding="same"),
                                   L.MaxPooling2D(1, strides=2)], [Conv2D], None),
    "conv_flatten_dense": ((6, 6, 2), [L.Conv2D(3, 3), L.Flatten(), L.Dense(4)], [Chained],
                           [Conv2D, Dense]),
    "crop": ((6, 6, 2), [L.Cropping2D(((1, 0), (2, 1)))], [Pad2D], None),
    "crop_conv": ((6, 6, 2), [L.Cropping2D(1), L.Conv2D(3, 3)], [Chained], [Pad2D, Conv2D]),
    "upsample": ((3, 4, 2), [L.UpSampling2D(2, interpolation="bilinear")], [Upsample2D], None),
    "upsample_conv": ((3, 3, 2), [L.UpSampling2D(2), L.Conv2D(3, 3)], [Chained],
                      [Upsample2D, Conv2D]),
    "transpose": ((4, 4, 2), [L.Conv2DTranspose(3, 3, strides=2, padding="same")],
                  [Conv2DTranspose], None),
    "conv_pool_conv": ((8, 8, 2), [L.Conv2D(3, 3), L.AveragePooling2D(2), L.Conv2D(2, 3)],
                       [Chained], [Conv2D, AvgPool2D, Conv2D]),
}


#: name -> parameters of the single connectivity that the folding rules set
KEY_PARAMS = {
    "pad_conv": {"conv_padding": ((1, 1), (1, 1)), "conv_strides": (2, 2)},
    "conv_subsample": {"conv_padding": ((1, 1), (1, 1)), "conv_strides": (2, 2)},
    "conv_pointwise": {"filters": 5, "conv_size": (3, 3), "conv_strides": (2, 2)},
    "pointwise_conv": {"filters": 5, "conv_size": (3, 3), "conv_padding": "same"},
    "separable_merged": {"filters": 2, "conv_size": (3, 3)},
    "dense_on_image": {"filters": 5, "conv_size": (1, 1)},
    "depthwise": {"depth_multiplier": 2, "conv_size": (3, 3)},
    "gap_dense": {"pool_size": (4, 4), "pool_strides": (4, 4)},
    "pool_conv": {"pool_size": (2, 2), "filters": 3, "conv_size": (3, 3)},
    "crop": {"padding": ((-1, 0), (-2, -1))},
    "upsample": {"size": (2, 2), "interpolation": "bilinear"},
    "transpose": {"conv_strides": (2, 2), "conv_padding": "same"},
}


@pytest.mark.parametrize("name", sorted(CHAINS))
def test_chain_becomes_its_connectivity_exactly(name):
    shape, layers, classes, steps = CHAINS[name]
    model = keras.Sequential([keras.Input(shape)] + layers)
    net, *_ = run_handler_test(model)
    got = [type(c.connectivity) for c in net.connections]
    assert got == classes
    if steps is not None:
        assert [type(s) for s in net.connections[0].connectivity.steps] == steps
    connectivity = net.connections[0].connectivity
    for param, value in KEY_PARAMS.get(name, {}).items():
        assert getattr(connectivity, param) == value, param


def test_a_chain_of_any_size_builds_no_matrix():
    """A 64x64x16 image cropped then convolved: ~4e9 matrix entries, never built."""
    model = keras.Sequential([keras.Input((64, 64, 16)), L.ReLU(), L.Cropping2D(1),
                              L.Conv2D(16, 3, name="c"), L.ReLU()])
    from ml_genn_tf.converters import FewSpike
    net, *_ = FewSpike().convert(model)
    chain = net.connections[1].connectivity
    assert isinstance(chain, Chained)
    assert [type(s) for s in chain.steps] == [Pad2D, Conv2D]
    assert np.asarray(chain.steps[1].weight).shape == (3, 3, 16, 16)

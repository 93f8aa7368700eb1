"""Every error names the layer, its class and what to do; all problems come at once."""
import keras
import numpy as np
import pytest

from ml_genn_tf import ConversionError, InvalidModelError, UnsupportedLayer, UnsupportedModelError
from ml_genn_tf.converters import DataNorm, FewSpike, Simple

L = keras.layers


def convert(model, converter=None):
    return (converter or FewSpike()).convert(model)


def test_every_problem_is_reported_at_once():
    model = keras.Sequential([keras.Input((8, 8, 2)), L.Conv2D(3, 3), L.LeakyReLU(name="leaky"),
                              L.Flatten(), L.Dense(3, activation="tanh", name="d_tanh"),
                              L.Lambda(lambda x: x * 2, name="lam")])
    with pytest.raises(UnsupportedModelError) as info:
        convert(model)
    assert [p.layer for p in info.value.problems] == ["leaky", "d_tanh", "lam"]
    message = str(info.value)
    assert "Layer 'leaky' (LeakyReLU): negative_slope=0.3 (leaky ReLU) has no spiking " \
        "equivalent. Use negative_slope=0" in message
    assert "Layer 'd_tanh' (Dense): activation='tanh' has no spiking equivalent" in message
    assert "Layer 'lam' (Lambda)" in message and "built-in layers" in message
    assert isinstance(info.value, NotImplementedError) and isinstance(info.value, ConversionError)


@pytest.mark.parametrize("layer,match", [
    (lambda: L.ReLU(negative_slope=0.1, name="bad"),
     r"Layer 'bad' \(ReLU\): negative_slope=0.1 .*Use negative_slope=0"),
    (lambda: L.ReLU(threshold=0.5, name="bad"), r"Layer 'bad' \(ReLU\): threshold=0.5"),
    (lambda: L.Activation("sigmoid", name="bad"),
     r"Layer 'bad' \(Activation\): activation='sigmoid'.*Use 'relu'"),
    (lambda: L.Dense(3, activation="elu", name="bad"), r"Layer 'bad' \(Dense\).*'elu'"),
    (lambda: L.UpSampling2D(interpolation="bicubic", name="bad"),
     r"Layer 'bad' \(UpSampling2D\): interpolation='bicubic' .*'nearest' or 'bilinear'"),
    (lambda: L.ELU(name="bad"), r"Layer 'bad' \(ELU\): alpha=1.0 \(ELU\)"),
    (lambda: L.Conv2DTranspose(2, 3, strides=2, output_padding=1, name="bad"),
     r"Layer 'bad' \(Conv2DTranspose\): output_padding=\(1, 1\)"),
])
def test_unsupported_settings(layer, match):
    model = keras.Sequential([keras.Input((4, 4, 2)), layer(), L.Flatten(), L.Dense(2)])
    with pytest.raises(NotImplementedError, match=match):
        convert(model)


def test_channels_first_is_refused_with_a_hint():
    model = keras.Sequential([keras.Input((2, 6, 6)),
                              L.Conv2D(3, 3, data_format="channels_first", name="cf")])
    with pytest.raises(UnsupportedModelError,
                       match=r"Layer 'cf' \(Conv2D\): data_format='channels_first'.*"
                             r"channels_last"):
        convert(model)


def test_softmax_inside_the_network():
    model = keras.Sequential([keras.Input((8,)), L.Dense(3, activation="softmax", name="sm"),
                              L.Dense(2)])
    with pytest.raises(UnsupportedModelError,
                       match=r"Layer 'sm' \(Dense\): softmax is only supported on a model "
                             r"output"):
        convert(model)


def test_max_pooling_before_relu_is_commuted():
    model = keras.Sequential([keras.Input((8, 8, 1)), L.Conv2D(2, 3, name="c"),
                              L.MaxPooling2D(name="mp"), L.ReLU(name="r"), L.Flatten(),
                              L.Dense(2)])
    net, *_ = convert(model)
    assert [p.name for p in net.populations][1:3] == ["r", "mp"]


def test_rate_methods_approximate_max_pooling_with_a_warning_or_refuse_it():
    model = keras.Sequential([keras.Input((8, 8, 1)), L.Conv2D(2, 3, activation="relu"),
                              L.MaxPooling2D(name="mp"), L.Flatten(), L.Dense(2)])
    with pytest.warns(UserWarning, match=r"Simple: max pooling \(\['mp'\]\) .* "
                                         r"max_pool='spike_gate'; FewSpike .* exact"):
        net, *_ = Simple(10).convert(model)
    assert net.connections[1].connectivity.rate_rule == "spike_gate"
    with pytest.warns(UserWarning, match=r"max_pool='running_max'"):
        net, *_ = Simple(10, max_pool="running_max").convert(model)
    assert net.connections[1].connectivity.rate_rule == "running_max"
    with pytest.raises(NotImplementedError,
                       match=r"Layer 'mp' \(MaxPooling2D\).*Simple.*max_pool='error'.*"
                             r"'running_max'.*FewSpike"):
        Simple(10, max_pool="error").convert(model)
    with pytest.raises(ValueError, match=r"max_pool must be one of .*received 'gate'"):
        Simple(10, max_pool="gate")


def test_non_finite_weights_are_a_value_error():
    model = keras.Sequential([keras.Input((4,)), L.Dense(2, name="nan")])
    model.layers[0].set_weights([np.full((4, 2), np.nan, np.float32), np.zeros(2, np.float32)])
    with pytest.raises(InvalidModelError,
                       match=r"Layer 'nan' \(Dense\): kernel contains 8 NaN or infinite"):
        convert(model)
    with pytest.raises(ValueError):
        convert(model)


def test_subclassed_models_and_unbuilt_models():
    class Sub(keras.Model):
        def __init__(self):
            super().__init__()
            self.dense = L.Dense(2)

        def call(self, x):
            return self.dense(x)
    sub = Sub()
    sub(np.zeros((1, 3)))
    with pytest.raises(TypeError, match="subclassed model.*Functional"):
        convert(sub)
    with pytest.raises(ValueError, match="has no input shape yet.*keras.Input"):
        convert(keras.Sequential([L.Dense(2)]))
    with pytest.raises(TypeError, match="Expected a keras.Model"):
        convert(object())


def test_validate_tf_layer_problems_are_collected():
    class Strict(FewSpike):
        def validate_tf_layer(self, tf_layer, config):
            if isinstance(tf_layer, L.Dense) and not config.is_output:
                raise UnsupportedLayer(tf_layer, "hidden Dense layers are refused here",
                                       "Use convolutions.")

    model = keras.Sequential([keras.Input((4,)), L.Dense(3, activation="relu", name="h"),
                              L.LeakyReLU(name="leaky"), L.Dense(2, name="o")])
    with pytest.raises(UnsupportedModelError) as info:
        convert(model, Strict())
    assert [p.layer for p in info.value.problems] == ["leaky", "h"]
    assert "Layer 'h' (Dense): hidden Dense layers are refused here. Use convolutions." \
        in str(info.value)


def test_bad_converter_arguments():
    with pytest.raises(ValueError, match="k must be even with signed_input"):
        FewSpike(k=7, signed_input=True)
    with pytest.raises(ValueError, match="reset must be one of"):
        DataNorm(10, reset="soft")
    with pytest.raises(ValueError, match="mode must be one of"):
        FewSpike(mode="mean")
    with pytest.raises(ValueError, match="evaluate_timesteps must be a positive integer"):
        Simple(0)


def test_few_spike_refuses_max_pooling_of_signed_inputs():
    model = keras.Sequential([keras.Input((4, 4, 1)), L.MaxPooling2D(name="mp"), L.Flatten(),
                              L.Dense(2)])
    with pytest.raises(UnsupportedModelError,
                       match=r"Layer 'mp' \(MaxPooling2D\): max pooling of signed inputs"):
        FewSpike(k=8, signed_input=True).convert(model)

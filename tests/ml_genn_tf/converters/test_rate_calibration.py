"""DataNorm's low-latency options: initial potential, channel-wise normalisation,
layer-wise bias/potential calibration (Li et al. 2021) and the delayed readout."""
import keras
import numpy as np
import pytest
from handler_harness import randomize, run_network

from ml_genn.neurons import IntegrateFire, IntegrateFireInput, WindowedIntegrateFire
from ml_genn_tf.converters import DataNorm
from ml_genn_tf.converters.layer_calibration import estimate_readout_delay

L = keras.layers


def inputs(shape, n=64, seed=0):
    return np.random.default_rng(seed).uniform(0, 1, (n,) + tuple(shape)).astype(np.float32)


def mlp(seed=2):
    return randomize(keras.Sequential([keras.Input((6,)),
                                       L.Dense(8, activation="relu", name="hidden"),
                                       L.Dense(3, name="out")]), seed=seed)


def residual_cnn(seed=3):
    """Depth 3; the shortcut is an average pooling alone (a per-channel gain on each
    side of it cannot fold into a weight)."""
    x_in = keras.Input((8, 8, 2))
    h = L.Conv2D(6, 3, padding="same", activation="relu", name="c1")(x_in)
    p = L.AveragePooling2D(2)(h)
    r = L.ReLU(name="r")(L.Add()([L.Conv2D(6, 3, padding="same", name="c2")(p), p]))
    out = L.Dense(4, name="out")(L.Flatten()(r))
    return randomize(keras.Model(x_in, out), seed=seed)


def by_name(net):
    return {p.name: p for p in net.populations}


def test_initial_potential_starts_every_if_neuron_at_half_its_threshold():
    model, x = mlp(), inputs((6,))
    net, (inp,), _, _ = DataNorm(20, norm_data=x, input_type="if",
                                 initial_potential=0.5).convert(model)
    pops = by_name(net)
    assert isinstance(pops["hidden"].neuron, IntegrateFire)
    assert pops["hidden"].neuron.v == 0.5 * pops["hidden"].neuron.v_thresh == 0.5
    assert isinstance(inp.neuron, IntegrateFireInput) and inp.neuron.v == 0.5
    assert pops["out"].neuron.v == 0.0        # the output integrates the logits
    default = by_name(DataNorm(20, norm_data=x, input_type="if").convert(model)[0])
    assert default["hidden"].neuron.v == 0.0  # mlGeNN's default


def test_channel_wise_lambda_scales_each_channel_by_its_own_percentile():
    model = randomize(keras.Sequential([keras.Input((6,)),
                                        L.Dense(5, activation="relu", name="d1"),
                                        L.Dense(3, activation="relu", name="d2"),
                                        L.Dense(2, name="out")]), seed=4)
    x = inputs((6,), n=200)
    converter = DataNorm(50, norm_data=x, percentile=99.0, channel_wise=True)
    net, *_ = converter.convert(model)
    conns = {c.target().name: c.connectivity for c in net.connections}
    pops = by_name(net)
    h1 = keras.Model(model.inputs, model.get_layer("d1").output).predict(x, verbose=0)
    h2 = keras.Model(model.inputs, model.get_layer("d2").output).predict(x, verbose=0)

    def channel_lambda(h):   # a channel that never fires keeps the layer's lambda
        layer = np.percentile(h[h > 0], 99.0)
        return np.array([np.percentile(h[:, c][h[:, c] > 0], 99.0) if np.any(h[:, c] > 0)
                         else layer for c in range(h.shape[1])])
    l1, l2 = channel_lambda(h1), channel_lambda(h2)
    (w1, b1), (w2, b2), (w3, _) = (layer.get_weights() for layer in model.layers)
    np.testing.assert_allclose(conns["d1"].weight, w1 / l1[None, :], rtol=1e-4)
    np.testing.assert_allclose(pops["d1"].neuron.bias, b1 / l1, rtol=1e-4)
    np.testing.assert_allclose(conns["d2"].weight, w2 * l1[:, None] / l2[None, :], rtol=1e-4)
    np.testing.assert_allclose(pops["d2"].neuron.bias, b2 / l2, rtol=1e-4)
    np.testing.assert_allclose(conns["out"].weight, w3 * l2[:, None], rtol=1e-4)
    assert pops["d1"].neuron.v_thresh == 1.0


def test_channel_wise_normalisation_is_exact_in_a_residual_cnn():
    """At large T the channel-wise SNN reproduces the ANN through convolutions, a
    residual Add and average pooling (the gains fold into every connectivity)."""
    model, x = residual_cnn(), inputs((8, 8, 2), n=32)
    converter = DataNorm(400, norm_data=x, input_type="if", channel_wise=True)
    (got,), _ = run_network(converter, model, x, batch_size=32)
    assert converter.pre_convert_output.gains["c1"] is not None
    want = model.predict(x, verbose=0)
    assert np.corrcoef(got.ravel(), want.ravel())[0, 1] > 0.99


def _if_counts(drive: np.ndarray, timesteps: int, bias: np.ndarray | float = 0.0,
               v0: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """NumPy integrate-and-fire (threshold 1, reset by subtraction) driven by
    ``drive[t]`` per step: (spike trains (T, ...), counts)."""
    v = np.full(drive.shape[1:], v0, np.float64)
    spikes = np.zeros(drive.shape)
    for t in range(timesteps):
        v = v + drive[t] + bias
        spikes[t] = v >= 1.0
        v = v - spikes[t]
    return spikes, spikes.sum(0)


def test_bias_calibration_shifts_the_bias_by_the_mean_ann_snn_difference():
    model, x = mlp(), inputs((6,), n=48)
    steps = 12
    plain = DataNorm(steps, norm_data=x, input_type="if")
    plain_net, *_ = plain.convert(model)
    converter = DataNorm(steps, norm_data=x, input_type="if", calibration="bias")
    net, *_ = converter.convert(model)
    scale = converter.pre_convert_output.scales["hidden"]
    w1, b1 = model.get_layer("hidden").get_weights()
    # NumPy re-statement: IF input spikes (V += x) reach the hidden layer one step later
    in_spikes, _ = _if_counts(np.repeat(x[None], steps, 0).astype(np.float64), steps)
    arriving = np.concatenate([np.zeros((1,) + x.shape), in_spikes[:-1]])
    _, counts = _if_counts(arriving @ (w1 / scale), steps, b1 / scale)
    ann = np.maximum(x @ w1 + b1, 0)
    delta = np.mean(ann - scale * counts / (steps - 1), axis=0)
    np.testing.assert_allclose(converter.calibration_errors["hidden"], delta, atol=1e-5)
    shift = delta * (steps - 1) / (scale * steps)
    np.testing.assert_allclose(by_name(net)["hidden"].neuron.bias,
                               by_name(plain_net)["hidden"].neuron.bias + shift, atol=1e-5)


def test_potential_calibration_puts_the_correction_into_the_initial_potential():
    model, x = mlp(), inputs((6,), n=48)
    steps = 12
    converter = DataNorm(steps, norm_data=x, input_type="if", calibration="potential",
                         initial_potential=0.5)
    net, *_ = converter.convert(model)
    scale = converter.pre_convert_output.scales["hidden"]
    delta = converter.calibration_errors["hidden"]
    np.testing.assert_allclose(by_name(net)["hidden"].neuron.v,
                               0.5 + delta * (steps - 1) / scale, atol=1e-5)
    w1, b1 = model.get_layer("hidden").get_weights()
    np.testing.assert_allclose(by_name(net)["hidden"].neuron.bias, b1 / scale, rtol=1e-5)


def _output_error(converter, model, x):
    (got,), _ = run_network(converter, model, x, batch_size=len(x))
    want = model.predict(x, verbose=0)
    got = got / (converter.evaluate_timesteps - 3)      # output depth in residual_cnn
    return float(np.mean(np.abs(got - want)))


def test_calibration_brings_a_short_snn_closer_to_its_ann():
    model, x = residual_cnn(), inputs((8, 8, 2), n=64)
    plain = _output_error(DataNorm(16, norm_data=x, input_type="if"), model, x)
    for option in ({"calibration": "bias"}, {"calibration": "potential"},
                   {"initial_potential": 0.5}):
        improved = _output_error(DataNorm(16, norm_data=x, input_type="if", **option),
                                 model, x)
        assert improved < 0.8 * plain, option


def test_readout_delay_makes_the_output_integrate_from_that_step():
    model, x = mlp(), inputs((6,))
    converter = DataNorm(20, norm_data=x, input_type="if", readout_delay=3)
    pops = by_name(converter.convert(model)[0])
    assert isinstance(pops["out"].neuron, WindowedIntegrateFire)
    assert pops["out"].neuron.start_step == 3
    assert converter.readout_delays == {"out": 3}
    auto = DataNorm(20, norm_data=x, input_type="if", readout_delay="auto")
    auto.convert(model)
    assert 0 <= auto.readout_delays["out"] <= 10


def test_estimated_delay_skips_the_transient_that_misleads_the_readout():
    v = np.zeros((2, 6, 2))
    v[:, 0, 0], v[:, 1:, 0] = 10, 20        # class 0 leads in the first two steps only
    v[:, :, 1] = np.arange(6) * 2.0         # class 1 grows steadily (the ANN's class)
    assert estimate_readout_delay(v, np.array([[0.0, 1.0], [0.0, 1.0]])) == 2


@pytest.mark.parametrize("kwargs, match", [
    ({"initial_potential": 1.5}, r"initial_potential is a fraction .* received 1\.5"),
    ({"calibration": "weights"}, r"calibration must be one of \(None, 'bias', 'potential'\)"),
    ({"readout_delay": 20}, r"readout_delay must be 'auto' or a whole number .* received 20"),
    ({"readout_delay": "auto", "readout": "spike_count"},
     r"readout_delay='auto' needs readout='var'"),
    ({"readout_delay": 2, "readout": "spike_count"}, r"readout_delay needs readout='var'"),
    ({"calibration_examples": 0},
     r"DataNorm: calibration_examples must be a whole number >= 1, received 0"),
    ({"calibration_examples": 2.5}, r"calibration_examples .* received 2\.5"),
])
def test_bad_low_latency_options_are_refused(kwargs, match):
    with pytest.raises(ValueError, match=match):
        DataNorm(20, norm_data=inputs((6,)), **kwargs)


def test_convert_model_takes_current_input_and_calibration_where_data_norm_keeps_mlgenn():
    from ml_genn_tf import convert_model
    from ml_genn_tf.convert import METHOD_DEFAULTS
    from ml_genn_tf.converters import InputType
    model, x = mlp(), inputs((6,), n=32)
    assert DataNorm(20, norm_data=x).input_type is InputType.POISSON   # mlGeNN's default
    snn = convert_model(model, "data_norm", data=x, timesteps=20, progress=False)
    for name, value in METHOD_DEFAULTS["data_norm"].items():
        got = getattr(snn.converter, name)
        assert (got.value if name == "input_type" else got) == value, name
    assert convert_model(model, "simple", timesteps=20).converter.input_type is InputType.POISSON
    signed = convert_model(model, "data_norm", data=x - 0.5, timesteps=20, signed_input=True,
                           calibration=None, readout_delay=0, progress=False)
    assert signed.converter.input_type is InputType.POISSON  # IF input cannot be negative
    zero = convert_model(model, "data_norm", data=x, timesteps=20, reset="zero", progress=False)
    assert (zero.converter.initial_potential, zero.converter.calibration,
            zero.converter.readout_delay) == (0.0, "bias", 0)    # what NIR can state


def test_convert_model_simulates_nothing_while_converting_for_long_runs():
    """Above T=64 data_norm's defaults leave out the layer-wise calibration and the
    automatic delay (they cost levels x T x examples steps and no longer pay); an option
    passed still counts."""
    from ml_genn_tf import convert_model
    from ml_genn_tf.convert import SIMULATED_DEFAULTS_MAX_TIMESTEPS as MAX_T
    model, x = mlp(), inputs((6,), n=16)
    options = {"data": x, "progress": False}
    short = convert_model(model, "data_norm", timesteps=MAX_T, **options).converter
    assert (short.calibration, short.readout_delay) == ("potential", "auto")
    long = convert_model(model, "data_norm", timesteps=MAX_T + 1, **options).converter
    assert (long.calibration, long.readout_delay, long.initial_potential) == (None, 0, 0.5)
    assert long.calibration_errors == {} and long.readout_delays == {"out": 0}
    zero = convert_model(model, "data_norm", timesteps=500, reset="zero", **options).converter
    assert (zero.calibration, zero.readout_delay) == (None, 0)
    asked = convert_model(model, "data_norm", timesteps=500, calibration="bias",
                          **options).converter
    assert asked.calibration == "bias" and sorted(asked.calibration_errors) == ["hidden", "out"]

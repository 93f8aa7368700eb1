"""converted.diagnose(): conversions broken on purpose name their layer and a fitting
hint; healthy ones name none; the SNN is examined as it stands."""
import keras
import numpy as np
import pytest

from ml_genn_tf import convert_model
from ml_genn_tf.diagnosis import Diagnosis
from ml_genn_tf.diagnosis.decoding import spike_values

N = 64
#: Rate conversions run on the timestep schedule here: it compiles in half the time of
#: the layer schedule for these tiny networks (both give the same spikes, tested elsewhere).
RATE = {"evaluate_timesteps": 64, "schedule": "timestep"}


@pytest.fixture(scope="module")
def model():
    keras.utils.set_random_seed(3)
    return keras.Sequential([keras.Input((16,)),
                             keras.layers.Dense(48, "relu", name="h1"),
                             keras.layers.Dense(48, "relu", name="h2"),
                             keras.layers.Dense(32, "relu", name="h3"),
                             keras.layers.Dense(4, name="out")], name="tiny")


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    return rng.random((256, 16)).astype(np.float32), rng.random((N, 16)).astype(np.float32)


def _pop(snn, name):
    return next(p for p in snn.network.populations if p.name == name)


def _scale_weights_into(snn, name, factor):
    for conn in snn.network.connections:
        if conn.target().name == name:
            conn.connectivity.weight = conn.connectivity.weight * factor


def _row(diagnosis, layer):
    return next(r for r in diagnosis.rows if r["layer"] == layer)


@pytest.mark.parametrize("method, options", [
    ("few_spike", {"k": 8}), ("few_spike", {"k": 8, "schedule": "timestep"}),  # pipelined
    ("data_norm", RATE), ("spike_norm", RATE)])
def test_healthy_conversion_names_no_culprit(model, data, method, options):
    """Data-norm folds each population's scale into the weights, spike-norm puts it in
    the thresholds: decoded either way, every hidden population carries the value the
    ANN's layer gives for the SNN's own inputs (local gain near 1)."""
    calib, x = data
    snn = convert_model(model, method, data=calib, batch_size=N, **options)
    diagnosis = snn.diagnose(x, np.zeros(N, int))
    assert isinstance(diagnosis, Diagnosis)
    assert [r["layer"] for r in diagnosis.rows] == ["input_layer", "h1", "h2", "h3", "out"] \
        or [r["layer"] for r in diagnosis.rows][1:] == ["h1", "h2", "h3", "out"]
    assert diagnosis.culprit is None, str(diagnosis)
    assert all(r["hint"] == "" for r in diagnosis.rows), str(diagnosis)
    assert diagnosis.agreement >= 0.8
    assert "culprit: none" in str(diagnosis) and "culprit: none" in diagnosis.to_markdown()
    for row in diagnosis.rows:
        assert row["correlation"] > 0.9
        if row["kind"] == "relu":
            assert 0.85 < row["local_gain"] < 1.15, (row["layer"], row["local_gain"])


def test_few_spike_values_are_the_greedy_code_of_the_ann_values(model, data):
    """Independent NumPy re-statement: the input population sends
    alpha 2^-K floor(2^K x / alpha), so its relative error is that of the quantisation."""
    calib, x = data
    snn = convert_model(model, "few_spike", data=calib, k=8, batch_size=N)
    alpha = float(_pop(snn, snn.inputs[0].name).neuron.alpha)
    sent = alpha * 2.0 ** -8 * np.floor(2.0 ** 8 * x / alpha)
    expected = np.linalg.norm(sent - x) / np.linalg.norm(x)
    row = snn.diagnose(x).rows[0]
    assert row["relative_error"] == pytest.approx(expected, rel=1e-4)
    assert row["spikes_per_neuron"] == pytest.approx(
        np.mean([bin(int(v)).count("1") for v in np.floor(2.0 ** 8 * x / alpha).ravel()]))


def test_weights_scaled_down_by_hand_name_that_layer(model, data):
    calib, x = data
    snn = convert_model(model, "data_norm", data=calib, batch_size=N, **RATE)
    _scale_weights_into(snn, "h2", 0.25)
    diagnosis = snn.diagnose(x)
    assert diagnosis.culprit == "h2", str(diagnosis)
    assert diagnosis.culprit == "h2"
    assert _row(diagnosis, "h2")["hint"].startswith(
        "h2 carries 0.2"), _row(diagnosis, "h2")["hint"]
    assert "multiply the weights into 'h2' by 4" in _row(diagnosis, "h2")["hint"] or \
        "multiply the weights into 'h2' by 3." in _row(diagnosis, "h2")["hint"]


def test_threshold_raised_by_hand_names_that_layer_and_the_original(model, data):
    calib, x = data
    snn = convert_model(model, "data_norm", data=calib, batch_size=N, **RATE)
    _pop(snn, "h1").neuron.v_thresh = 4.0
    diagnosis = snn.diagnose(x)
    assert diagnosis.culprit == "h1", str(diagnosis)
    assert "divide its threshold (4) by" in _row(diagnosis, "h1")["hint"]
    assert "(the conversion set 1)" in _row(diagnosis, "h1")["hint"]


def test_too_low_percentile_saturates(model, data):
    calib, x = data
    snn = convert_model(model, "data_norm", data=calib, batch_size=N, **RATE,
                        percentile=30)
    diagnosis = snn.diagnose(x)
    assert diagnosis.culprit == "h1", str(diagnosis)
    assert _row(diagnosis, "h1")["saturated"] > 0.05
    assert "raise the percentile (30) to 93, or use mode='max'" in _row(diagnosis, "h1")["hint"]


def test_too_few_timesteps_leave_neurons_silent(model, data):
    calib, x = data
    # without the low-latency defaults (half-threshold start, calibration), which make
    # the neurons fire sooner
    snn = convert_model(model, "data_norm", data=calib, evaluate_timesteps=6, batch_size=N,
                        schedule="timestep", initial_potential=0.0, calibration=None,
                        readout_delay=0)
    diagnosis = snn.diagnose(x)
    assert diagnosis.culprit is not None, str(diagnosis)
    hint = _row(diagnosis, diagnosis.culprit)["hint"]
    assert "have not fired by T=6: use T >= " in hint, hint
    suggested = int(hint.split("use T >= ")[1].split(",")[0])
    assert suggested >= 12


def test_negative_inputs_need_signed_input(model, data):
    calib, x = data
    snn = convert_model(model, "few_spike", data=calib, k=8, batch_size=N)
    diagnosis = snn.diagnose(x - 0.5)
    assert diagnosis.culprit == diagnosis.rows[0]["layer"], str(diagnosis)
    assert "pass signed_input=True" in diagnosis.rows[0]["hint"]


def test_alpha_lowered_by_hand_is_named(model, data):
    calib, x = data
    snn = convert_model(model, "few_spike", data=calib, k=8, batch_size=N)
    neuron = _pop(snn, "h2").neuron
    original = float(neuron.alpha)
    neuron.alpha = original / 8
    diagnosis = snn.diagnose(x)
    assert diagnosis.culprit == "h2", str(diagnosis)
    assert f"below the {original:.3g} set by the conversion" in _row(diagnosis, "h2")["hint"]


def test_predict_evaluate_and_diagnose_see_edits(model, data):
    """A hand edit after the first run is what every later run sees."""
    calib, x = data
    snn = convert_model(model, "few_spike", data=calib, k=8, batch_size=N)
    before = snn.predict(x)
    _scale_weights_into(snn, "out", 0.5)
    after = snn.predict(x)
    np.testing.assert_allclose(after, 0.5 * before, rtol=1e-4, atol=1e-5)
    labels = np.argmax(before, axis=1)
    _scale_weights_into(snn, "out", -1.0)
    assert snn.evaluate(x, labels, spikes=False)["accuracy"] < 0.5
    assert _row(snn.diagnose(x), "out")["gain"] < 0


def test_report_text_lists_every_population_and_hint(model, data):
    calib, x = data
    snn = convert_model(model, "data_norm", data=calib, batch_size=N, **RATE)
    _scale_weights_into(snn, "h3", 0.25)
    diagnosis = snn.diagnose(x, np.zeros(N, int))
    text, markdown = str(diagnosis), diagnosis.to_markdown()
    for row in diagnosis.rows:
        assert row["population"] in text and row["population"] in markdown
    assert "culprit: h3" in text and "- h3: h3 carries" in markdown
    assert markdown.splitlines()[1].startswith("|---|---|")
    record = diagnosis.to_dict()
    assert record["culprit"] == "h3" and len(record["rows"]) == len(diagnosis.rows)
    assert sum(map(sum, record["confusion"])) == N
    assert record["ann_accuracy"] is not None


def test_empty_or_misshaped_input_is_refused(model, data):
    calib, _ = data
    snn = convert_model(model, "few_spike", data=calib, k=8, batch_size=N)
    with pytest.raises(ValueError, match="at least one example; x is empty"):
        snn.diagnose(np.zeros((0, 16), np.float32))
    with pytest.raises(ValueError, match=r"has shape \(4, 15\); expected .* 16 values per "
                                         r"example \(population shape \(16,\)\)"):
        snn.diagnose(np.zeros((4, 15), np.float32))


def test_a_loaded_model_has_no_ann_to_compare_with(model, data, tmp_path):
    from ml_genn import load
    from ml_genn_tf.diagnosis import diagnose
    calib, x = data
    convert_model(model, "few_spike", data=calib, k=8, batch_size=N).save(tmp_path / "m.h5")
    with pytest.raises(TypeError, match="needs the ConvertedModel returned by convert_model"
                                        ".*received RunnableModel"):
        diagnose(load(tmp_path / "m.h5"), x)


def test_qcfs_is_refused_until_it_has_a_decoder():
    from ml_genn_tf.layers import QuantisedReLU
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(6),
                              QuantisedReLU(4, 1.0, name="q"), keras.layers.Dense(2)])
    snn = convert_model(model, batch_size=4)
    assert snn.method == "qcfs"
    with pytest.raises(NotImplementedError, match="does not decode QCFS conversions yet"):
        snn.diagnose(np.ones((2, 4), np.float32))


def test_channel_wise_conversion_is_decoded_channel_by_channel(model, data):
    """With ``channel_wise=True`` one spike of channel c of h1 is worth that channel's
    own lambda (NumPy: the percentile of the channel's positive ANN activations on the
    calibration data); decoded so, every hidden population carries the value the ANN's
    layer gives for its inputs (one scale per layer gave h1 a local gain of 1.4)."""
    calib, x = data
    snn = convert_model(model, "data_norm", data=calib, batch_size=N, channel_wise=True,
                        **RATE)
    converter = snn.converter
    assert converter.mode == "percentile"
    h1 = keras.Model(model.inputs, model.get_layer("h1").output).predict(calib, verbose=0)
    layer = np.percentile(h1[h1 > 0], converter.percentile)
    channel = np.array([np.percentile(h1[:, c][h1[:, c] > 0], converter.percentile)
                        if np.any(h1[:, c] > 0) else layer for c in range(h1.shape[1])])
    assert np.ptp(channel) > 0.5 * layer          # the channels' scales really differ
    unit, spike = spike_values(converter)["h1"]
    np.testing.assert_allclose(unit, channel, rtol=1e-4)
    np.testing.assert_allclose(spike, channel, rtol=1e-4)     # thresholds 1
    diagnosis = snn.diagnose(x)
    assert diagnosis.culprit is None, str(diagnosis)
    for row in diagnosis.rows[1:]:
        assert 0.9 < row["local_gain"] < 1.1, (row["layer"], row["local_gain"])
        assert row["relative_error"] < 0.1, (row["layer"], row["relative_error"])

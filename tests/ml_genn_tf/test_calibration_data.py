"""Calibration data (ml_genn_tf/calibration_data.py): several inputs as a dict, a list or
tuple of one array per input (Keras convention), datasets yielding tuples; SpikeNorm with
several inputs; NaN/inf refused with the input and the first bad index."""
import keras
import numpy as np
import pytest
import tensorflow as tf
from handler_harness import randomize

from ml_genn_tf import convert_model
from ml_genn_tf.calibration_data import CalibrationData

L = keras.layers
K = 8


def two_inputs():
    """Inputs a (4) and b (3); h1 sees both, h2 only b."""
    a, b = keras.Input((4,), name="a"), keras.Input((3,), name="b")
    h1 = L.Dense(6, activation="relu", name="h1")(L.Concatenate()([a, b]))
    h2 = L.Dense(5, activation="relu", name="h2")(b)
    out = L.Dense(3, name="out")(L.Concatenate()([h1, h2]))
    return randomize(keras.Model([a, b], out), seed=5)


def arrays(n=24, seed=0):
    rng = np.random.default_rng(seed)
    return (rng.uniform(0, 1, (n, 4)).astype(np.float32),
            rng.uniform(0, 1, (n, 3)).astype(np.float32))


def few_spike_alphas(model, data):
    snn = convert_model(model, "few_spike", data=data, k=K, progress=False)
    return {p.name: p.neuron.alpha for p in snn.network.populations}


def test_multi_input_formats_give_the_keras_activation_maxima():
    model, (xa, xb) = two_inputs(), arrays()
    y = np.zeros(len(xa))
    formats = {
        "dict": {"a": xa, "b": xb},
        "list": [xa, xb],
        "tuple": (xa, xb),
        "(x, y) with x a list": ([xa, xb], y),
        "list of batches": [[xa[:10], xb[:10]], [xa[10:], xb[10:]]],
        "dataset of tuples": tf.data.Dataset.from_tensor_slices((xa, xb)).batch(7),
        "dataset of (x, y)": tf.data.Dataset.from_tensor_slices(((xa, xb), y)).batch(5),
        "dataset of dicts": tf.data.Dataset.from_tensor_slices({"a": xa, "b": xb}).batch(9),
        "generator of tuples": ((xa[i:i + 6], xb[i:i + 6]) for i in range(0, 24, 6)),
    }
    # Independent reference: Keras' own hidden activations and logits.
    probe = keras.Model(model.inputs, [model.get_layer(n).output for n in ("h1", "h2", "out")])
    h1, h2, logits = probe.predict([xa, xb], verbose=0)
    fraction = 1 - 2.0 ** -K
    for name, data in formats.items():
        alphas = few_spike_alphas(model, data)
        np.testing.assert_allclose([alphas["a"], alphas["b"], alphas["h1"], alphas["h2"],
                                    alphas["out"]],
                                   [xa.max() / fraction, xb.max() / fraction,
                                    h1.max() / fraction, h2.max() / fraction,
                                    logits.max() / fraction], rtol=1e-5, err_msg=name)


def test_a_list_of_arrays_with_different_lengths_is_a_list_of_batches():
    xa, xb = arrays()
    with pytest.raises(ValueError, match=r"The model has 2 input\(s\) \['a', 'b'\] but a "
                                         r"calibration batch is one array of shape \(24, 4\)\. "
                                         r"Pass a dict by input name, or a list/tuple of one "
                                         r"array per input"):
        convert_model(two_inputs(), "few_spike", data=[xa, xb[:20]], progress=False)
    with pytest.raises(ValueError, match=r"Calibration data given as a dict lacks the "
                                         r"input\(s\) \['b'\]; the model's inputs are "
                                         r"\['a', 'b'\], the dict's keys \['a', 'c'\]"):
        convert_model(two_inputs(), "few_spike", data={"a": xa, "c": xb}, progress=False)
    with pytest.raises(ValueError, match=r"Calibration arrays for the inputs \['a', 'b'\] have "
                                         r"different numbers of examples: \[24, 20\]\."):
        convert_model(two_inputs(), "few_spike", data={"a": xa, "b": xb[:20]}, progress=False)
    with pytest.raises(ValueError, match=r"Calibration data for input 'b' has shape \(24, 4\); "
                                         r"expected \(num_examples, 3\)"):
        convert_model(two_inputs(), "few_spike", data=[xa, xa], progress=False)


def _spike_norm_threshold(layer, spikes, timesteps):
    """Largest single-step input of ``layer`` (SPEC 3.5): spikes sent at step t arrive
    at t + 1; the last step's never arrive; the bias alone at step 0."""
    weights, bias = layer.get_weights()
    current = np.einsum("tni,ij->tnj", spikes[:timesteps - 1], weights) + bias
    return max(current.max(), bias.max())


def _if_input_spikes(x, timesteps):
    """Integrate-and-fire input: V += x, spike at V >= 1, reset by subtraction."""
    v, out = np.zeros_like(x, np.float64), []
    for _ in range(timesteps):
        v = v + x
        spike = v >= 1
        v = v - spike
        out.append(spike.astype(np.float64))
    return np.stack(out)


def test_spike_norm_with_two_inputs_matches_a_numpy_restatement():
    model, (xa, xb) = two_inputs(), arrays()
    steps = 16
    snn = convert_model(model, "spike_norm", data=[xa, xb], timesteps=steps, input_type="if",
                        batch_size=8, progress=False)
    sa, sb = _if_input_spikes(xa, steps), _if_input_spikes(xb, steps)
    thresholds = snn.converter.thresholds
    assert thresholds["h1"] == pytest.approx(
        _spike_norm_threshold(model.get_layer("h1"), np.concatenate([sa, sb], -1), steps),
        rel=1e-5)
    assert thresholds["h2"] == pytest.approx(
        _spike_norm_threshold(model.get_layer("h2"), sb, steps), rel=1e-5)
    dataset = tf.data.Dataset.from_tensor_slices(((xa, xb), np.zeros(24))).batch(10)
    again = convert_model(model, "spike_norm", data=dataset, timesteps=steps,
                          input_type="if", batch_size=8, progress=False)
    assert again.converter.thresholds == thresholds


@pytest.mark.parametrize("method", ["few_spike", "data_norm", "spike_norm"])
def test_nan_or_inf_in_calibration_data_names_the_input_and_index(method):
    options = {} if method == "few_spike" else {"timesteps": 4}
    xa, xb = arrays()
    xb[13, 2] = np.inf
    batches = [(xa[:10], xb[:10]), (xa[10:], xb[10:])]
    with pytest.raises(ValueError, match=r"Calibration data for input 'b' contains inf at "
                                         r"index \(13, 2\) \(the first non-finite value\)\. "
                                         r"Replace or drop non-finite values"):
        convert_model(two_inputs(), method, data=batches, progress=False, **options)
    image = np.ones((5, 2, 2, 1), np.float32)
    image[3, 1, 0, 0] = np.nan
    image[4, 0, 0, 0] = -np.inf
    model = keras.Sequential([keras.Input((2, 2, 1), name="image"), L.Flatten(), L.Dense(2)])
    with pytest.raises(ValueError, match=r"input 'image' contains nan at index \(3, 1, 0, 0\)"):
        convert_model(model, method, data=image, progress=False, **options)


def test_an_unbatched_dataset_is_named_as_such():
    xa, xb = arrays()
    unbatched = tf.data.Dataset.from_tensor_slices(((xa, xb), np.zeros(24)))
    with pytest.raises(ValueError, match=r"Calibration data for input 'a' has shape \(4,\); "
                                         r"expected \(num_examples, 4\)\. It looks like one "
                                         r"example without a batch dimension: batch a tf\.data "
                                         r"dataset first \(dataset\.batch\(256\)\)"):
        convert_model(two_inputs(), "few_spike", data=unbatched, progress=False)


def test_integer_data_and_batches_keep_their_counts():
    data = CalibrationData(np.arange(10).reshape(5, 2), {"x": (2,)}, batch_size=2)
    assert data.num_batches == 3
    assert [len(b[0]) for b in data] == [2, 2, 1]
    assert CalibrationData((b for b in [np.ones((2, 2))]), {"x": (2,)}).num_batches is None
    nested = list(CalibrationData({"x": [[1.0, 2.0], [3.0, 4.0]]}, {"x": (2,)}))
    np.testing.assert_array_equal(nested[0][0], [[1, 2], [3, 4]])
    with pytest.raises(TypeError, match=r"Calibration data is None; pass data= \(convert_model\) "
                                        r"or norm_data= \(converters\)\."):
        CalibrationData(None, {"x": (2,)})
    with pytest.raises(TypeError, match="Calibration data must be a NumPy array, .* received "
                                        "str"):
        CalibrationData("x.npy", {"x": (2,)})

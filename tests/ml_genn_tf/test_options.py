"""convert_model's options (ml_genn_tf/options.py): checked before anything runs, a
did-you-mean for unknown ones, ``timesteps`` as a short name, other methods' options
ignored with one warning."""
import warnings

import keras
import numpy as np
import pytest
from handler_harness import randomize

from ml_genn_tf import convert_model
from ml_genn_tf.options import METHODS, method_options, split_options


def mlp():
    return randomize(keras.Sequential([keras.Input((4,), name="x"),
                                       keras.layers.Dense(5, activation="relu"),
                                       keras.layers.Dense(3)]), seed=3)


def data(n=16):
    return np.random.default_rng(0).uniform(0, 1, (n, 4)).astype(np.float32)


def test_unknown_option_lists_the_valid_ones_and_suggests_the_closest():
    with pytest.raises(TypeError, match=r"convert_model\(method='few_spike'\): unknown option "
                                        r"'kk' \(did you mean 'k'\?\)\. Valid options for "
                                        r"few_spike: converter: alpha, k, mode, norm_data, "
                                        r"percentile, rounding, signed_input; compiler: "
                                        r".*batch_size.*; all methods: progress\."):
        convert_model(mlp(), "few_spike", data=data(), kk=8)
    with pytest.raises(TypeError, match=r"unknown options 'bach_size' \(did you mean "
                                        r"'batch_size'\?\), 'zzz'\. Valid options for "
                                        r"data_norm: .*short names: timesteps \(= "
                                        r"evaluate_timesteps\)"):
        convert_model(mlp(), "data_norm", data=data(), bach_size=8, zzz=1)


def test_options_are_checked_before_the_model_is_loaded_or_data_read(tmp_path):
    bad = data()
    bad[0, 0] = np.nan
    with pytest.raises(TypeError, match="unknown option 'kk'"):
        convert_model(str(tmp_path / "missing.keras"), "few_spike", data=bad, kk=8)
    with pytest.raises(ValueError, match=r"Unknown conversion method 'fewspike'; choose one "
                                         r"of .* \(did you mean 'few_spike'\?\)"):
        convert_model(str(tmp_path / "missing.keras"), "fewspike", data=bad)


def test_timesteps_is_short_for_evaluate_timesteps():
    snn = convert_model(mlp(), "simple", timesteps=7, batch_size=4)
    assert snn.evaluate_timesteps == 7
    with pytest.raises(TypeError, match=r"option 'evaluate_timesteps' given twice \(as "
                                        r"\['timesteps', 'evaluate_timesteps'\]\)"):
        convert_model(mlp(), "simple", timesteps=7, evaluate_timesteps=8)
    with pytest.raises(TypeError, match=r"Pass the calibration data once: data= or "
                                        r"norm_data=\."):
        convert_model(mlp(), "data_norm", data=data(), norm_data=data(), timesteps=7)


def test_options_of_other_methods_are_ignored_with_one_warning():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        snn = convert_model(mlp(), "data_norm", data=data(), k=8, alpha=3.0, timesteps=9,
                            batch_size=4, progress=False)
    ours = [w for w in caught if "ignores" in str(w.message)]
    assert len(ours) == 1
    assert str(ours[0].message) == (
        "convert_model(method='data_norm') ignores options 'alpha' (for few_spike), "
        "'k' (for few_spike), which do not apply to data_norm.")
    assert ours[0].filename == __file__          # points at the caller's line
    assert snn.evaluate_timesteps == 9 and snn.k is None
    with pytest.warns(UserWarning, match=r"convert_model\(method='few_spike'\) ignores option "
                                         r"'timesteps' \(for data_norm, simple, spike_norm, "
                                         r"qcfs\), which does not apply to few_spike\."):
        snn = convert_model(mlp(), "few_spike", data=data(), k=6, timesteps=9)
    assert snn.k == 6
    # A compiler option of the rate methods' compiler only: few_spike ignores it too.
    with pytest.warns(UserWarning, match="ignores option 'reset_vars_between_batches' "
                                         r"\(for data_norm, simple, spike_norm, qcfs\)"):
        convert_model(mlp(), "few_spike", data=data(), reset_vars_between_batches=True)


def test_one_options_dict_serves_a_loop_over_methods():
    options = {"k": 6, "timesteps": 12, "batch_size": 8, "max_pool": "error",
               "progress": False}
    x = data()
    labels = mlp().predict(x, verbose=0).argmax(1)
    for method in [m for m in METHODS if m != "qcfs"]:  # qcfs needs QuantisedReLU layers
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", "convert_model", UserWarning)
            snn = convert_model(mlp(), method, data=x, **options)
        assert snn.batch_size == 8
        if method == "few_spike":
            assert snn.k == 6
            assert snn.evaluate(x, labels)["accuracy"] >= 0.9
        else:
            assert snn.evaluate_timesteps == 12


def test_method_options_come_from_the_converter_and_its_compiler():
    rate = method_options("data_norm")
    assert {"evaluate_timesteps", "norm_data", "mode", "percentile", "reset", "readout",
            "max_pool", "input_type", "signed_input", "initial_potential", "channel_wise",
            "calibration", "readout_delay", "calibration_examples"} == rate.converter
    # SPEC 1.5's InferenceCompiler arguments, and ours.
    assert {"dt", "batch_size", "rng_seed", "kernel_profiling", "prefer_in_memory_connect",
            "reset_time_between_batches", "reset_vars_between_batches",
            "reset_in_syn_between_batches", "communicator", "precision",
            "schedule"} <= rate.compiler
    assert "evaluate_timesteps" not in rate.compiler          # the converter sets it
    few = method_options("few_spike")
    assert "k" in few.converter and "k" not in few.compiler
    assert "reset_vars_between_batches" not in few.compiler
    assert split_options("few_spike", {"k": 4, "dt": 0.5, "progress": False}) == \
        ({"k": 4}, {"dt": 0.5}, {"progress": False})

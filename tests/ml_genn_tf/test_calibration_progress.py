"""Progress bars: calibration shows one once it has taken over PROGRESS_DELAY_S seconds
(and never with progress=False); predict(progress=True) like evaluate."""
import keras
import numpy as np
import pytest
from handler_harness import randomize

from ml_genn_tf import convert_model, progress


def mlp():
    return randomize(keras.Sequential([keras.Input((4,), name="x"),
                                       keras.layers.Dense(5, activation="relu", name="h"),
                                       keras.layers.Dense(3, name="out")]), seed=2)


def data(n=600):
    return np.random.default_rng(0).uniform(0, 1, (n, 4)).astype(np.float32)


def test_quick_calibration_is_silent(capsys):
    convert_model(mlp(), "data_norm", data=data(), timesteps=8)
    assert progress.PROGRESS_DELAY_S == 2.0
    assert "Calibrating" not in capsys.readouterr().err


@pytest.mark.parametrize("method,label,per_population", [
    ("few_spike", "Calibrating", None),
    ("data_norm", "Calibrating", "Layer-wise calibration"),
    ("spike_norm", "SpikeNorm thresholds", "SpikeNorm thresholds")])
def test_slow_calibration_shows_a_bar_unless_turned_off(monkeypatch, capsys, method, label,
                                                        per_population):
    monkeypatch.setattr(progress, "PROGRESS_DELAY_S", 0.0)   # as if it took over 2 s
    options = {} if method == "few_spike" else {"timesteps": 4}
    convert_model(mlp(), method, data=data(), **options)
    err = capsys.readouterr().err
    # 600 examples: 3 batches of 256. SpikeNorm and data_norm's layer-wise calibration
    # (on by default at T <= 64) also name the population they are at ('h').
    assert f"{label}: 100%" in err and "3/3" in err
    assert ("h]" in err) == (per_population is not None)
    if per_population is not None:
        assert f"{per_population}: 100%" in err
    convert_model(mlp(), method, data=data(), progress=False, **options)
    err = capsys.readouterr().err
    assert label not in err and (per_population is None or per_population not in err)


def test_predict_accepts_progress(capsys):
    snn = convert_model(mlp(), "few_spike", data=data(32), k=4, batch_size=8, progress=False)
    snn.predict(data(32))
    assert "batch" not in capsys.readouterr().err
    with_bar = snn.predict(data(32), progress=True)
    assert "4/4" in capsys.readouterr().err
    np.testing.assert_array_equal(with_bar, snn.predict(data(32)))

"""export_nir on saved models: ml_genn.load'ed models export the same graph as the
converted model, and ``ml-genn-tf export SNN.h5 --nir OUT.nir`` writes it without
TensorFlow or Keras."""
import sys
from pathlib import Path

import keras
import nir
import numpy as np
import pytest

from ml_genn import load
from ml_genn_tf import convert_model, export_nir
from ml_genn_tf.tools import cli

sys.path.insert(0, str(Path(__file__).parents[1] / "tools"))
from no_keras import run_without_keras  # noqa: E402

L = keras.layers


def same_graph(a, b):
    assert a.edges == b.edges and list(a.nodes) == list(b.nodes)
    for name, node in a.nodes.items():
        other = b.nodes[name]
        assert type(node) is type(other)
        for key, value in node.to_dict().items():
            if isinstance(value, np.ndarray):
                np.testing.assert_array_equal(value, other.to_dict()[key], err_msg=name)
    assert {k: str(v) for k, v in a.metadata.items()} == \
        {k: str(v) for k, v in b.metadata.items()}


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    folder = tmp_path_factory.mktemp("saved")
    keras.utils.set_random_seed(2)
    model = keras.Sequential([keras.Input((6, 6, 1), name="image"),
                              L.Conv2D(3, 3, padding="same", activation="relu"),
                              L.AveragePooling2D(2), L.Flatten(), L.Dense(4, name="logits")])
    x = np.random.default_rng(0).uniform(0, 1, (16, 6, 6, 1)).astype("float32")
    snn = convert_model(model, "data_norm", data=x, input_type="if", reset="zero",
                        evaluate_timesteps=10, batch_size=8)
    snn.save(folder / "snn.h5")
    export_nir(snn, folder / "direct.nir")
    subtract = convert_model(model, "data_norm", data=x, input_type="if",
                             evaluate_timesteps=10, initial_potential=0.0, calibration=None)
    subtract.save(folder / "subtract.h5")
    return folder


def test_a_loaded_model_exports_the_converted_models_graph(saved):
    graph = nir.read(export_nir(load(saved / "snn.h5"), saved / "loaded.nir"))
    same_graph(graph, nir.read(saved / "direct.nir"))
    assert str(graph.metadata["method"]) == "data_norm"
    assert str(graph.metadata["converter"]) == "DataNorm"


def test_cli_export_writes_the_graph(saved, capsys):
    out = saved / "cli.nir"
    assert cli.main(["export", str(saved / "snn.h5"), "--nir", str(out)]) == 0
    assert f"NIR graph written to {out}" in capsys.readouterr().out
    same_graph(nir.read(out), nir.read(saved / "direct.nir"))


def test_cli_export_refuses_with_the_reason(saved, capsys):
    out = saved / "refused.nir"
    assert cli.main(["export", str(saved / "subtract.h5"), "--nir", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("ml-genn-tf export: error: Cannot export")
    assert "resets by subtraction" in err and "reset='zero'" in err
    assert not out.exists()


def test_cli_export_runs_without_keras(saved):
    out = saved / "no_keras.nir"
    result = run_without_keras(f"""
from ml_genn_tf.tools import cli
assert cli.main(["export", {str(saved / 'snn.h5')!r}, "--nir", {str(out)!r},
                 "--threshold-comparison", ">"]) == 0
""")
    assert result.returncode == 0, result.stderr[-3000:]
    graph = nir.read(out)
    assert str(graph.metadata["threshold_comparison"]) == ">"
    assert np.all(graph.nodes["image"].v_threshold < 1.0)

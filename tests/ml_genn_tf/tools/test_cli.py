"""The ml-genn-tf command line: convert (batch, failures, sweeps, config), evaluate and
info without Keras, report, --help everywhere."""
import csv
import json
import tomllib

import keras
import numpy as np
import pytest
from no_keras import ROOT, run_without_keras

from ml_genn import load
from ml_genn_tf import METHODS
from ml_genn_tf.tools import cli
from ml_genn_tf.tools.batch import METHOD_NAMES

L = keras.layers


@pytest.fixture(scope="module")
def workspace(tmp_path_factory):
    """A tiny trained-looking model file and a .npz data set whose labels are the
    model's own predictions on most examples."""
    folder = tmp_path_factory.mktemp("cli")
    rng = np.random.default_rng(0)
    model = keras.Sequential([keras.Input((5, 5, 1)), L.Conv2D(3, 3, activation="relu"),
                              L.Flatten(), L.Dense(4)], name="tiny")
    model.set_weights([rng.normal(0, 0.6, w.shape).astype(np.float32)
                       for w in model.get_weights()])
    model.save(folder / "tiny.keras")
    x = rng.uniform(0, 1, (30, 5, 5, 1)).astype(np.float32)
    y = model.predict(x, verbose=0).argmax(1)
    y[:5] = (y[:5] + 1) % 4                         # the ANN gets 25/30 right
    np.savez(folder / "data.npz", x=x, y=y, x_train=x[::-1], y_train=y[::-1])
    (folder / "broken.keras").write_text("not a model")
    return folder


@pytest.fixture(scope="module")
def converted(workspace):
    out = workspace / "out"
    code = cli.main(["convert", str(workspace / "tiny.keras"), str(workspace / "broken.keras"),
                     "--method", "few_spike", "data_norm", "--dataset",
                     str(workspace / "data.npz"), "--out", str(out), "--timesteps", "12",
                     "--k", "6", "--sweep", "4", "8", "--sweep-k", "4", "8",
                     "--batch-size", "16", "--no-progress"])
    return code, out


def test_help_on_every_subcommand(capsys):
    assert set(cli.COMMANDS) >= {"convert", "evaluate", "info", "report", "layers"}
    for name in cli.COMMANDS:
        with pytest.raises(SystemExit) as exit_info:
            cli.main([name, "--help"])
        assert exit_info.value.code == 0
        text = capsys.readouterr().out
        assert f"usage: ml-genn-tf {name}" in text and cli.COMMANDS[name].help[:30] in \
            " ".join(text.split())


def test_console_script_and_method_names():
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    assert scripts["ml-genn-tf"] == "ml_genn_tf.tools.cli:main"
    assert sorted(METHOD_NAMES) == sorted(METHODS)


def test_convert_writes_everything_and_reports_the_failure(converted, workspace, capsys):
    code, out = converted
    assert code == 1                                   # broken.keras failed
    rows = json.loads((out / "results.json").read_text())["results"]
    assert [(r["model"], r["method"]) for r in rows] == [
        ("tiny", "few_spike"), ("tiny", "data_norm"),
        ("broken", "few_spike"), ("broken", "data_norm")]
    good, bad = rows[:2], rows[2:]
    for row in bad:
        assert "broken.keras" in row["error"] and row["snn_accuracy"] is None
    with np.load(workspace / "data.npz") as data:
        x, y = data["x"], data["y"]
    for row in good:
        assert row["error"] is None
        assert row["ann_accuracy"] == pytest.approx(25 / 30)
        snn = load(out / row["snn_file"])
        assert snn.metadata["method"] == row["method"]
        predicted = snn.predict(x).argmax(1)
        assert row["snn_accuracy"] == pytest.approx(np.mean(predicted == y))
        assert row["ann_macs"] == 3 * 3 * 3 * 9 + 27 * 4   # conv taps + dense
        assert [layer["population"] for layer in row["layers"]] == \
            [p.name for p in snn.network.populations]
        assert row["sweep"]["parameter"] == ("k" if row["method"] == "few_spike"
                                             else "timesteps")
        assert [s[row["sweep"]["parameter"]] for s in row["sweep"]["rows"]] == [4, 8]
    assert good[0]["k"] == 6 and good[0]["latency_timesteps"] == 3 * 6
    assert good[1]["timesteps"] == 12 and good[1]["latency_timesteps"] == 12
    with open(out / "results.csv", newline="") as f:
        table = list(csv.DictReader(f))
    assert [r["method"] for r in table] == ["few_spike", "data_norm"] * 2
    assert float(table[1]["snn_accuracy"]) == pytest.approx(good[1]["snn_accuracy"])
    resolved = json.loads((out / "options.json").read_text())
    assert resolved["timesteps"] == 12 and resolved["sweep"] == [4, 8]
    report = (out / "report.html").read_text()
    # summary; good model: accuracy, sweep, activity, operations, raster + confusion per
    # method; broken model: accuracy, activity
    assert report.count("<img") == 1 + 4 + 2 * 2 + 2 and "broken.keras" in report


def test_evaluate_and_info_run_without_keras(converted, workspace):
    _, out = converted
    snn_file = out / "tiny-data_norm.h5"
    code = f"""
from ml_genn_tf.tools.cli import main
assert main(['evaluate', {str(snn_file)!r}, '--dataset', {str(workspace / 'data.npz')!r},
             '--no-progress', '--sweep', '4', '8']) == 0
assert main(['info', {str(snn_file)!r}]) == 0
"""
    result = run_without_keras(code)
    assert result.returncode == 0, result.stderr[-3000:]
    rows = json.loads((out / "results.json").read_text())["results"]
    evaluated = json.loads(result.stdout[:result.stdout.index("Model:")])
    assert evaluated["accuracy"] == pytest.approx(rows[1]["snn_accuracy"])
    for got, saved in zip(evaluated["sweep"]["rows"], rows[1]["sweep"]["rows"], strict=True):
        assert got == pytest.approx(saved)
    assert 'Model: "tiny" (data_norm)' in result.stdout
    assert '"weights_sha256"' in result.stdout and "Latency: 12 timesteps" in result.stdout


def test_report_rebuilds_from_results_json(converted, tmp_path):
    _, out = converted
    assert cli.main(["report", str(out / "results.json"), "--out",
                     str(tmp_path / "r.html")]) == 0
    assert (tmp_path / "r.html").read_text() == (out / "report.html").read_text()


def test_config_file_with_command_line_overrides(workspace, tmp_path):
    config = tmp_path / "run.toml"
    config.write_text(f'models = ["{workspace / "tiny.keras"}"]\nmethods = ["simple"]\n'
                      f'dataset = "{workspace / "data.npz"}"\ntimesteps = 7\n'
                      f'[method_options.simple]\nreset = "zero"\n')
    args = cli.build_parser().parse_args(["convert", "--config", str(config),
                                          "--timesteps", "9", "--out", str(tmp_path)])
    models, options = cli.resolve_options(args)
    assert models == [str(workspace / "tiny.keras")]
    assert options.timesteps == 9 and options.methods == ["simple"]
    assert options.method_options == {"simple": {"reset": "zero"}}
    config.write_text("method = ['simple']\n")
    with pytest.raises(ValueError, match=r"run\.toml': unknown option\(s\) \['method'\]"):
        cli.resolve_options(cli.build_parser().parse_args(["convert", "--config",
                                                           str(config)]))


def test_errors_are_one_line_with_exit_code_2(tmp_path, capsys):
    assert cli.main(["info", str(tmp_path / "none.h5")]) == 2
    assert "ml-genn-tf info: error: No saved model at" in capsys.readouterr().err


def test_layers_lists_the_registry(capsys):
    assert cli.main(["layers"]) == 0
    out = capsys.readouterr().out
    assert "| `Conv2D` | `convert_conv2d` |" in out and "| `few_spike` | `FewSpike` |" in out


def test_precision_offers_every_compiler_mode(capsys):
    """--precision takes every value the spiking compilers take (from the registry)."""
    from ml_genn.compilers import FewSpikeCompiler, InferenceCompiler
    for precision in FewSpikeCompiler.precisions + InferenceCompiler.precisions:
        args = cli.build_parser().parse_args(["convert", "m.keras", "--precision",
                                              precision])
        assert cli.resolve_options(args)[1].precision == precision
    with pytest.raises(SystemExit):
        cli.build_parser().parse_args(["convert", "--precision", "fp8"])
    assert "invalid choice: 'fp8'" in capsys.readouterr().err

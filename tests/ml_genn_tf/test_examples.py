"""The example scripts run end to end on small subsets: the mlGeNN 2.x-style script
unchanged, the demo, the notebook-style sweep and the batch conversion. Each has one
quick run in the fast suite (fewer images, calibration images, methods or models,
through the examples' own options) and its fuller run marked slow."""
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def run_script(*args, timeout=600, command=None, env=None):
    """Run ``python *args`` (or ``command``) from the repository root; return its stdout."""
    if not (ROOT / "models" / "mnist_cnn.keras").exists():
        pytest.skip("models/mnist_cnn.keras is missing")
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", **(env or {}))
    result = subprocess.run(command or [sys.executable, *args], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=timeout)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-3000:]
    return result.stdout


def mlgenn_accuracy(*args):
    """Run the mlGeNN 2.x-style script with ``args``: its printed accuracy (%)."""
    out = run_script("examples/mlgenn_simple_cnn.py", *args)
    assert re.search(r"^Time = [0-9.e-]+s$", out, re.M)
    return float(re.search(r"^Accuracy = ([0-9.]+)%$", out, re.M).group(1))


def test_mlgenn_simple_cnn_script_runs_unchanged_quick():
    assert 95.0 <= mlgenn_accuracy("--converter", "few-spike", "--n-test-samples", "64",
                                   "--n-norm-samples", "64") <= 100.0


@pytest.mark.slow
@pytest.mark.parametrize("converter, minimum", [("few-spike", 95.0), ("data-norm", 95.0),
                                                ("simple", 80.0)])
def test_mlgenn_simple_cnn_script_runs_unchanged(converter, minimum):
    # first 100 test images; T=100 for the rate-coded converters to keep it fast
    accuracy = mlgenn_accuracy("--converter", converter, "--n-test-samples", "100",
                               "--n-timesteps", "100")
    assert minimum <= accuracy <= 100.0


def check_demo_table(out, methods):
    """The demo's one table: a row per method, accurate, and no culprit for the exact
    few-spike and the normalised data-norm conversions."""
    lines = out.splitlines()
    header = next(i for i, line in enumerate(lines) if line.startswith("method"))
    assert lines[header].split() == ["method", "timesteps", "ANN", "%", "SNN", "%",
                                     "spikes/neuron", "time", "s", "culprit"]
    rows = {line.split()[0]: line.split() for line in lines[header + 1:header + 1 + len(methods)]}
    assert list(rows) == methods
    assert rows["few_spike"][1] == "k=8"
    for method, (_, _steps, ann, snn, spikes, seconds, culprit) in rows.items():
        assert float(ann) > 95.0
        assert float(snn) > (95.0 if method != "simple" else 80.0), method
        assert float(spikes) > 0 and float(seconds) > 0
        assert re.fullmatch(r"none|\w+", culprit), culprit
    assert rows["few_spike"][-1] == rows["data_norm"][-1] == "none"
    assert "ANN accuracy" in out


def test_demo_prints_one_table_quick():
    out = run_script("examples/demo.py", "--methods", "few_spike", "data_norm", "--limit", "64",
                     "--calibration", "128", "--diagnose", "16", "--timesteps", "32")
    check_demo_table(out, ["few_spike", "data_norm"])


@pytest.mark.slow
def test_demo_prints_one_table_with_every_method():
    out = run_script("examples/demo.py", "--limit", "200", "--diagnose", "64")
    check_demo_table(out, ["few_spike", "data_norm", "simple", "spike_norm"])


@pytest.mark.parametrize("calibration", [
    pytest.param("64", id="quick"), pytest.param("2000", id="default", marks=pytest.mark.slow)])
def test_notebook_style_sweep_script(tmp_path, calibration):
    out = run_script("examples/notebook_sweep.py", "--limit", "40", "--calibration",
                     calibration, "--out", str(tmp_path))
    assert "timesteps" in out and "the loaded model predicts the same: True" in out
    assert (tmp_path / "accuracy_vs_timesteps.png").stat().st_size > 1000
    assert (tmp_path / "mnist_cnn-data_norm.h5").is_file()


@pytest.mark.parametrize("models", [
    pytest.param(["mnist_cnn"], id="quick"),
    pytest.param(None, id="every_model", marks=pytest.mark.slow)])
def test_batch_conversion_over_models(tmp_path, models):
    env = {"OUT": str(tmp_path), "PYTHON": sys.executable}
    if models is not None:
        env["MODELS"] = " ".join(f"models/{m}.keras" for m in models)
    run_script(command=["bash", "examples/batch_convert.sh", "--test-samples", "20",
                        "--calib-samples", "40", "--timesteps", "8", "--sweep", "4", "8",
                        "--sweep-k", "4", "--no-progress"], env=env)
    for model in models or ("mnist_cnn", "fashion_resnet"):
        rows = json.loads((tmp_path / model / "results.json").read_text())["results"]
        assert [r["method"] for r in rows] == ["few_spike", "data_norm"]
        for row in rows:
            assert row["error"] is None and (tmp_path / model / row["snn_file"]).is_file()
            assert row["sweep"]["rows"]
        assert rows[0]["snn_accuracy"] >= 0.75, model
        assert (tmp_path / model / "report.html").is_file()
    if models is not None:
        assert sorted(p.name for p in tmp_path.iterdir()) == sorted(models)

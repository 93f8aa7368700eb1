"""The HTML report written by ``ml-genn-tf convert``: content, self-containment, and a
real browser (headless Chromium) rendering it with every plot and no network request."""
import json
import re

import keras
import numpy as np
import pytest
from chromium import INSTALL, executable, load, page_requests, screenshot

import ml_genn_tf
from ml_genn_tf.tools import cli
from ml_genn_tf.tools.report import report_html

L = keras.layers
needs_chromium = pytest.mark.skipif(executable() is None,
                                    reason=f"Debian chromium is not installed ({INSTALL})")


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    """``convert`` of a tiny CNN with few-spike and data-norm, with sweeps: the rows of
    results.json and the folder."""
    folder = tmp_path_factory.mktemp("report")
    rng = np.random.default_rng(1)
    model = keras.Sequential([keras.Input((6, 6, 1)), L.Conv2D(4, 3, activation="relu"),
                              L.AveragePooling2D(2), L.Flatten(), L.Dense(8, "relu"),
                              L.Dense(3)], name="tiny_cnn")
    model.set_weights([rng.normal(0, 0.5, w.shape).astype(np.float32)
                       for w in model.get_weights()])
    model.save(folder / "tiny_cnn.keras")
    x = rng.uniform(0, 1, (40, 6, 6, 1)).astype(np.float32)
    y = model.predict(x, verbose=0).argmax(1)
    np.savez(folder / "data.npz", x=x, y=y, x_train=x[::-1], y_train=y[::-1])
    out = folder / "out"
    # the timestep schedule compiles twice as fast as the layer schedule for a tiny model
    (folder / "run.toml").write_text('[method_options.data_norm]\nschedule = "timestep"\n')
    code = cli.main(["convert", str(folder / "tiny_cnn.keras"), "--config",
                     str(folder / "run.toml"), "--method", "few_spike",
                     "data_norm", "--dataset", str(folder / "data.npz"), "--out", str(out),
                     "--timesteps", "16", "--k", "6", "--sweep", "4", "8", "--sweep-k", "4",
                     "8", "--batch-size", "20", "--diagnose-samples", "20",
                     "--raster-examples", "1", "--no-progress"])
    assert code == 0
    rows = json.loads((out / "results.json").read_text())["results"]
    return rows, out


#: summary bars; per model: accuracy, sweep, activity, operations; per method: raster and
#: confusion.
EXPECTED_IMAGES = 1 + 4 + 2 * 2


def test_results_carry_diagnosis_and_raster(results):
    rows, _ = results
    for row in rows:
        diagnosis = row["diagnosis"]
        assert diagnosis["num_examples"] == 20 and "culprit" in diagnosis
        assert [r["population"] for r in diagnosis["rows"]] == \
            [layer["population"] for layer in row["layers"]]
        assert sum(map(sum, diagnosis["confusion"])) == 20
        assert row["raster"]["examples"] == 1
        assert len(row["raster"]["populations"]) == len(row["layers"])
        macs = [layer["ann_macs"] for layer in row["layers"] if layer["ann_macs"]]
        assert sum(macs) == pytest.approx(row["ann_macs"])


def test_report_reads_summary_first_then_one_section_per_model(results):
    rows, out = results
    page = (out / "report.html").read_text(encoding="utf-8")
    assert page.index('id="summary"') < page.index('id="model-1"')
    assert page.count("<h2 id=\"model-") == 1
    assert page.count("<img") == EXPECTED_IMAGES
    assert page.count("<img") == page.count("<figcaption>")
    for row in rows:
        assert f"Diagnosis: {row['method']}" in page
    for source in ("Horowitz", "Davies", "Merolla"):
        assert source in page
    assert page.count("estimate") >= 3
    # self-contained: no scripts, style sheets, links or remote URLs
    assert not re.search(r"<script|<link|@import|url\(|https?:", page)
    assert all(src.startswith("data:image/png;base64,")
               for src in re.findall(r'src="([^"]*)"', page))


def test_energy_ratio_restates_the_cost_table(results):
    rows, out = results
    page = (out / "report.html").read_text(encoding="utf-8")
    for row in rows:
        ratio = row["synaptic_operations"] * 0.9 / (row["ann_macs"] * 4.6)
        assert f"<td>{ratio:.3f}</td>" in page


def test_report_escapes_text_and_survives_missing_parts(results):
    rows, _ = results
    odd = [dict(rows[0], model="<b>net</b>", diagnosis=None, raster=None, sweep=None),
           dict(rows[1], model="<b>net</b>", error="conversion: ValueError: <bad>",
                snn_accuracy=None)]
    page = report_html(odd)
    assert "<b>net</b>" not in page and "&lt;b&gt;net&lt;/b&gt;" in page
    assert "&lt;bad&gt;" in page
    assert page.count("<img") == 1 + 3      # summary; accuracy, activity, operations


def test_public_report_function_writes_the_file(results, tmp_path):
    _, out = results
    path = ml_genn_tf.report(out / "results.json", tmp_path / "r.html")
    assert path.read_text(encoding="utf-8").count("<img") == EXPECTED_IMAGES
    assert [p.name for p in tmp_path.iterdir()] == ["r.html"]      # no temporary left


@needs_chromium
def test_chromium_renders_every_plot_without_network(results, tmp_path):
    _, out = results
    dom, requests = load(out / "report.html", tmp_path)
    assert f'data-images="{EXPECTED_IMAGES}:{EXPECTED_IMAGES}"' in dom
    assert requests == []
    png = tmp_path / "report.png"
    screenshot(out / "report.html", png, tmp_path, (1200, 2400))
    from PIL import Image
    image = np.asarray(Image.open(png).convert("RGB"), dtype=np.int64)
    assert image.shape[:2] == (2400, 1200)
    ink = np.any(image < 235, axis=2)
    assert ink.mean() > 0.05                              # not blank
    snn_orange = np.all(np.abs(image - [0xdd, 0x84, 0x52]) < 12, axis=2)
    assert snn_orange.sum() > 500                         # the accuracy bars are drawn


@needs_chromium
def test_network_check_catches_a_remote_resource(tmp_path):
    """Control: the NetLog check does see a page's remote request."""
    page = tmp_path / "remote.html"
    page.write_text('<html><body><img src="http://example.invalid/a.png"></body></html>')
    dom, requests = load(page, tmp_path)
    assert requests == ["http://example.invalid/a.png"]
    assert 'data-images="1:0"' in dom
    assert page_requests  # the helper is importable on its own

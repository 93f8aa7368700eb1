"""results.json is strict JSON: non-finite numbers become null."""
import json
import math

from ml_genn_tf.tools.results import read_results, write_results


def _strict_load(path):
    def refuse(constant):
        raise ValueError(f"non-standard JSON constant {constant}")
    return json.loads(path.read_text(), parse_constant=refuse)


def test_non_finite_values_are_written_as_null(tmp_path):
    rows = [{"model": "m", "method": "few_spike", "snn_accuracy": math.nan,
             "ann_accuracy": 0.5,
             "sweep": {"parameter": "k", "rows": [{"k": 4, "accuracy": math.inf}]},
             "layers": [{"population": "p", "spikes_per_neuron": -math.inf}]}]
    json_path, _ = write_results(rows, tmp_path)
    data = _strict_load(json_path)
    row = data["results"][0]
    assert row["snn_accuracy"] is None
    assert row["ann_accuracy"] == 0.5
    assert row["sweep"]["rows"][0]["accuracy"] is None
    assert row["layers"][0]["spikes_per_neuron"] is None
    assert read_results(json_path)[0]["ann_accuracy"] == 0.5


def test_input_rows_are_not_modified(tmp_path):
    rows = [{"model": "m", "snn_accuracy": math.nan}]
    write_results(rows, tmp_path)
    assert math.isnan(rows[0]["snn_accuracy"])

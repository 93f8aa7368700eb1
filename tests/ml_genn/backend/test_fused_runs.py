"""The runner's fused batch programs (a batch's selection from its transfer group, its
program and the metrics' update in one dispatch) and transfers started from the
dispatching thread give exactly what the schedules' own host loops and a worker thread
give: readouts, metrics, per-batch callback data in order, spike totals, NaN checks."""
from __future__ import annotations

import functools

import numpy as np
import pytest

from ml_genn import Connection, Network, Population
from ml_genn.backend import runner, transfer
from ml_genn.callbacks import Callback, SpikeCountTotals, SpikeRecorder
from ml_genn.compilers import FewSpikeCompiler, InferenceCompiler
from ml_genn.connectivity import Dense
from ml_genn.neurons import FewSpikeRelu, FewSpikeReluInput, IntegrateFire, PoissonInput

N_EXAMPLES, BATCH = 11, 4  # an uneven last batch
#: (fuse, grouped, transfer workers, group bytes[, groups copied per batch]): the
#: schedules' loops with a worker thread (the reference), then fused with the transfers
#: from this thread or from two workers, in groups of one batch or of as many as fit
#: (1, 2), one program per group or per batch, groups copied per batch or whole
PATHS = [(False, True, 1, 2 ** 30), (True, True, 0, 2 ** 30), (True, True, 0, 1),
         (True, True, 2, 1), (True, False, 0, 2 ** 30), (True, True, 1, 2 ** 30, False),
         (True, True, 0, 2 ** 30, True, True)]


class BatchLog(Callback):
    """Per-batch data: the accuracy so far at each batch end, recorded examples."""

    def __init__(self):
        self.ends, self.examples = [], []

    def on_batch_end(self, batch, metrics):
        self.ends.append((batch, metrics[next(iter(metrics))].total,
                          metrics[next(iter(metrics))].correct))

    def on_batch_recorded(self, batch, examples, recordings):
        self.examples.append((batch, list(examples)))


@functools.cache
def _two_input_network(kind, seed=0):
    """Two input populations into a hidden one, an output with a readout (compiled once:
    every path below runs the same compiled network)."""
    rng = np.random.default_rng(seed)
    with Network() as net:
        if kind == "few_spike":
            a = Population(FewSpikeReluInput(k=8, alpha=1.0), 5, name="a")
            b = Population(FewSpikeReluInput(k=8, alpha=1.0), 3, name="b")
            hid = Population(FewSpikeRelu(k=8, alpha=2.0), 6, name="hid", record_spikes=True)
            out = Population(FewSpikeRelu(k=8, alpha=2.0, readout="var"), 3, name="out")
        else:
            a = Population(PoissonInput(), 5, name="a")
            b = Population(PoissonInput(), 3, name="b")
            hid = Population(IntegrateFire(v_thresh=1.0), 6, name="hid", record_spikes=True)
            out = Population(IntegrateFire(v_thresh=1.0, readout="spike_count"), 3, name="out")
        Connection(a, hid, Dense(rng.uniform(-0.2, 0.8, (5, 6)).astype(np.float32)))
        Connection(b, hid, Dense(rng.uniform(-0.2, 0.8, (3, 6)).astype(np.float32)))
        Connection(hid, out, Dense(rng.uniform(-0.2, 0.8, (6, 3)).astype(np.float32)))
    if kind == "few_spike":
        compiler = FewSpikeCompiler(k=8, batch_size=BATCH)
    else:
        compiler = InferenceCompiler(evaluate_timesteps=6, batch_size=BATCH)
    x = {a: rng.uniform(0, 1, (N_EXAMPLES, 5)).astype(np.float32),
         b: rng.uniform(0, 1, (N_EXAMPLES, 3)).astype(np.float32)}
    for array in x.values():
        array.flags.writeable = False
    y = rng.integers(0, 3, N_EXAMPLES)
    return compiler.compile(net), (a, b), hid, out, x, y


def _everything(monkeypatch, kind, fuse, grouped, workers, group_bytes, split=True,
                unroll=1):
    monkeypatch.setattr(transfer, "SPLIT_PUTS", split)
    monkeypatch.setattr(runner, "GROUP_UNROLL", unroll)
    monkeypatch.setattr(runner, "FUSE", fuse)
    monkeypatch.setattr(runner, "GROUP", grouped)
    monkeypatch.setattr(transfer, "TRANSFER_WORKERS", workers)
    monkeypatch.setattr(transfer, "GROUP_BYTES", group_bytes)
    compiled, (a, b), hid, out, x, y = _two_input_network(kind)
    log = BatchLog()
    with compiled:
        metrics, data = compiled.evaluate(x, {out: y}, callbacks=[
            log, SpikeCountTotals(), SpikeRecorder(hid, key="hid", record_counts=True)])
        pred, _ = compiled.predict(x, out, callbacks=[])

        def batches():  # generator batches of 3 rows, smaller than the batch size
            for s in range(0, N_EXAMPLES, 3):
                yield [x[a][s:s + 3], x[b][s:s + 3]], y[s:s + 3]
        metrics_iter, _ = compiled.evaluate_batch_iter([a, b], out, batches(), callbacks=[])
    return {"accuracy": (metrics[out].correct, metrics[out].total),
            "accuracy_iter": (metrics_iter[out].correct, metrics_iter[out].total),
            "readouts": pred[out], "ends": log.ends, "examples": log.examples,
            "hid_counts": data["hid"], "totals": data["spikes_per_neuron"]}


@pytest.mark.parametrize("kind,schedule", [
    ("few_spike", "few_spike_fast"),
    pytest.param("rate", "layer", marks=pytest.mark.slow)])  # about 30 s of compiling
def test_fused_path_gives_what_the_schedules_loop_gives(monkeypatch, kind, schedule):
    compiled = _two_input_network(kind)[0]
    assert compiled.schedule == schedule
    results = [_everything(monkeypatch, kind, *path) for path in PATHS]
    reference = results[0]
    readouts = reference["readouts"]
    assert readouts.shape == (N_EXAMPLES, 3) and np.ptp(readouts) > 0
    assert reference["accuracy"][1] == reference["accuracy_iter"][1] == N_EXAMPLES
    # callbacks asking for per-batch data get every batch, in order, with the metric so far
    assert [(e[0], e[1]) for e in reference["ends"]] == [(0, 4), (1, 8), (2, 11)]
    assert reference["ends"][-1][2] == reference["accuracy"][0]
    assert reference["examples"] == [(0, [0, 1, 2, 3]), (1, [4, 5, 6, 7]), (2, [8, 9, 10])]
    assert reference["hid_counts"].shape == (N_EXAMPLES, 6) and reference["hid_counts"].sum() > 0
    # the class predicted from the readouts is what the accuracy counted
    y = _two_input_network(kind)[5]
    assert reference["accuracy"][0] == int(np.sum(readouts.argmax(1) == y))
    for path, result in zip(PATHS[1:], results[1:], strict=True):
        for key, value in reference.items():
            if isinstance(value, np.ndarray):
                np.testing.assert_array_equal(result[key], value, err_msg=f"{path} {key}")
            else:
                assert result[key] == value, (path, key)


@pytest.mark.parametrize("fuse,grouped", [(True, True), (True, False), (False, True)])
def test_fused_path_reports_the_first_non_finite_input(monkeypatch, fuse, grouped):
    monkeypatch.setattr(runner, "FUSE", fuse)
    monkeypatch.setattr(runner, "GROUP", grouped)
    monkeypatch.setattr(transfer, "TRANSFER_WORKERS", 0)
    compiled, (a, b), _, out, x, y = _two_input_network("few_spike")
    x = {a: x[a], b: x[b].copy()}
    x[b][9, 2] = np.inf  # the third (uneven) batch
    x[b][10, 0] = np.nan
    with compiled, pytest.raises(ValueError, match=r"Input for population 'b' contains NaN or "
                                                   r"infinite values \(first at flat index 29\)"):
        compiled.evaluate(x, {out: y}, callbacks=[])

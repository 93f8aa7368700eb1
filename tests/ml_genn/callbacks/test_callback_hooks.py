"""Callback hooks, BatchProgressBar and SpikeCountTotals, on small networks."""
from __future__ import annotations

import numpy as np
import pytest

from ml_genn import Connection, Network, Population
from ml_genn.callbacks import SPIKE_COUNT, SPIKE_TOTAL, Callback, SpikeCountTotals, SpikeRecorder
from ml_genn.compilers import FewSpikeCompiler, InferenceCompiler
from ml_genn.connectivity import Dense
from ml_genn.neurons import BinarySpikeInput, FewSpikeRelu, FewSpikeReluInput, IntegrateFire

T = 6
N_EXAMPLES = 7
BATCH = 3
NUM_BATCHES = 3  # ceil(7 / 3)


class HookLog(Callback):
    """Appends every hook call to a shared list (shared, so it survives copies)."""

    def __init__(self, log):
        self.log = log

    def set_params(self, **params):
        self.log.append(("set_params", params))

    def on_test_begin(self):
        self.log.append(("test_begin",))

    def on_test_end(self, metrics):
        self.log.append(("test_end", dict(metrics)))

    def on_batch_begin(self, batch):
        self.log.append(("batch_begin", batch))

    def on_batch_end(self, batch, metrics):
        self.log.append(("batch_end", batch))

    def on_timestep_begin(self, timestep):
        self.log.append(("timestep_begin", timestep))

    def on_timestep_end(self, timestep):
        self.log.append(("timestep_end", timestep))


def _if_network(seed=0):
    rng = np.random.default_rng(seed)
    with Network() as net:
        inp = Population(BinarySpikeInput(input_frames=T), 4, record_spikes=True, name="inp")
        hid = Population(IntegrateFire(), 6, record_spikes=True, name="hid")
        out = Population(IntegrateFire(readout="spike_count"), 3, record_spikes=True,
                         name="out")
        Connection(inp, hid, Dense(rng.choice([0.25, 0.5, 0.75], size=(4, 6))))
        Connection(hid, out, Dense(rng.choice([-0.25, 0.5, 0.75], size=(6, 3))))
    x = (rng.random((N_EXAMPLES, T, 4)) < 0.6).astype(np.float32)
    y = rng.integers(0, 3, N_EXAMPLES)
    return net, inp, out, x, y


def _few_spike_network(seed=0):
    rng = np.random.default_rng(seed)
    with Network() as net:
        inp = Population(FewSpikeReluInput(k=T, alpha=4.0), 4, record_spikes=True, name="inp")
        hid = Population(FewSpikeRelu(k=T, alpha=4.0), 5, record_spikes=True, name="hid")
        out = Population(FewSpikeRelu(k=T, alpha=4.0, readout="var"), 3, record_spikes=True,
                         name="out")
        Connection(inp, hid, Dense(rng.choice([-0.5, 0.5, 1.0], size=(4, 5))))
        Connection(hid, out, Dense(rng.choice([-0.5, 0.5, 1.0], size=(5, 3))))
    x = rng.uniform(0, 3.5, (N_EXAMPLES, 4)).astype(np.float32)
    y = rng.integers(0, 3, N_EXAMPLES)
    return net, inp, out, x, y


def _compile(kind, schedule):
    if kind == "inference":
        net, inp, out, x, y = _if_network()
        compiler = InferenceCompiler(evaluate_timesteps=T, dt=0.25, batch_size=BATCH,
                                     schedule=schedule)
    else:
        net, inp, out, x, y = _few_spike_network()
        compiler = FewSpikeCompiler(k=T, dt=0.25, batch_size=BATCH, schedule=schedule)
    return compiler.compile(net), inp, out, x, y


CASES = [("inference", "layer"), ("inference", "timestep"),
         ("few_spike", "few_spike_fast"), ("few_spike", "timestep")]


@pytest.mark.parametrize("kind,schedule", CASES)
def test_user_callback_receives_every_hook(kind, schedule):
    compiled, inp, out, x, y = _compile(kind, schedule)
    log = []
    with compiled:
        metrics, _ = compiled.evaluate({inp: x}, {out: y}, callbacks=[HookLog(log)])
    (name, params), rest = log[0], log[1:]
    assert name == "set_params"
    assert params["compiled_network"] is compiled
    assert (params["num_batches"], params["num_timesteps"], params["batch_size"],
            params["dt"]) == (NUM_BATCHES, T, BATCH, 0.25)
    expected = [("test_begin",)]
    for b in range(NUM_BATCHES):
        expected.append(("batch_begin", b))
        for t in range(T):
            expected += [("timestep_begin", t), ("timestep_end", t)]
        expected.append(("batch_end", b))
    if kind == "few_spike" and schedule == "timestep":
        # Pipelined: batch b+1 starts before batch b (at depth 2) ends.
        assert sorted(map(repr, rest[:-1])) == sorted(map(repr, expected))
        begins = [e[1] for e in rest if e[0] == "batch_begin"]
        ends = [e[1] for e in rest if e[0] == "batch_end"]
        assert begins == ends == list(range(NUM_BATCHES))
    else:
        assert rest[:-1] == expected
    assert rest[-1] == ("test_end", metrics)


def test_on_batch_recorded_gets_global_example_indices_and_trimmed_recordings():
    compiled, inp, out, x, _ = _compile("inference", "layer")
    seen = []

    class Probe(Callback):
        def recording_requests(self):
            return [(out, "v")]

        def on_batch_recorded(self, batch, examples, recordings):
            seen.append((batch, examples.tolist(), recordings[(out, "v")].shape))

    with compiled:
        compiled.predict({inp: x}, out, callbacks=[Probe()])
    assert seen == [(0, [0, 1, 2], (3, T, 3)), (1, [3, 4, 5], (3, T, 3)),
                    (2, [6], (1, T, 3))]


def test_user_callback_instance_itself_is_called():
    compiled, inp, out, x, _ = _compile("inference", "layer")

    class Counter(Callback):
        def __init__(self):
            self.batches = 0

        def on_batch_end(self, batch, metrics):
            self.batches += 1

    counter = Counter()
    with compiled:
        compiled.predict({inp: x}, out, callbacks=[counter])
    assert counter.batches == NUM_BATCHES


def test_batch_progress_bar_runs(capsys):
    compiled, inp, out, x, y = _compile("inference", "layer")
    with compiled:
        metrics, data = compiled.evaluate({inp: x}, {out: y})  # default: the progress bar
        metrics_named, _ = compiled.evaluate({inp: x}, {out: y},
                                             callbacks=["batch_progress_bar"])
    err = capsys.readouterr().err
    assert f"{NUM_BATCHES}/{NUM_BATCHES}" in err
    assert data == {}
    assert metrics[out].result == metrics_named[out].result


@pytest.mark.parametrize("kind,schedule", CASES)
def test_spike_count_totals_equal_spike_recorder_counts(kind, schedule):
    compiled, inp, out, x, _ = _compile(kind, schedule)
    pops = compiled.plan.populations
    with compiled:
        _, data = compiled.predict(
            {inp: x}, out, callbacks=[SpikeCountTotals()]
            + [SpikeRecorder(p, key=p.name, record_counts=True) for p in pops])
    totals = data["spikes_per_neuron"]
    assert set(totals) == {p.name for p in pops} | {"__all__"}
    for p in pops:
        counts = data[p.name]
        assert counts.shape == (N_EXAMPLES, p.num_neurons)
        assert totals[p.name] == pytest.approx(counts.sum() / (N_EXAMPLES * p.num_neurons))
    hidden = [p for p in pops if p.name != "inp"]
    expected_all = (sum(data[p.name].sum() for p in hidden)
                    / (N_EXAMPLES * sum(p.num_neurons for p in hidden)))
    assert totals["__all__"] == pytest.approx(expected_all)
    assert 0 < totals["hid"] and 0 < totals["__all__"]


class _StepCounts(SpikeCountTotals):
    """Also asks for the per-step spike counts of every batch, and keeps them."""

    def recording_requests(self):
        return [(p, SPIKE_TOTAL) for p in self._populations]

    def on_batch_recorded(self, batch, examples, recordings):
        super().on_batch_recorded(batch, examples, recordings)
        self.steps = getattr(self, "steps", []) + [
            np.asarray(recordings[(p, SPIKE_TOTAL)]) for p in self._populations]


def test_few_spike_fast_counts_spikes_from_codes():
    """Without other recordings the fast path counts spikes from the codes' set bits:
    per step, the same counts as the timestep schedule's events."""
    results = {}
    for schedule in ("few_spike_fast", "timestep"):
        compiled, inp, out, x, _ = _compile("few_spike", schedule)
        counter = _StepCounts()
        with compiled:
            _, data = compiled.predict({inp: x}, out, callbacks=[counter])
        results[schedule] = (data["spikes_per_neuron"], counter.steps)
    (fast, fast_steps), (slow, slow_steps) = results["few_spike_fast"], results["timestep"]
    assert slow["__all__"] > 0
    assert fast == pytest.approx(slow, rel=1e-12)
    for a, b in zip(fast_steps, slow_steps, strict=True):
        np.testing.assert_array_equal(a, b)


def test_spike_count_totals_without_examples_is_nan():
    compiled, inp, out, x, _ = _compile("inference", "layer")
    with compiled:
        _, data = compiled.predict({inp: x[:0]}, out, callbacks=[SpikeCountTotals()])
    assert all(np.isnan(v) for v in data["spikes_per_neuron"].values())


class _Totals(Callback):
    """Asks for the totals of every population per step and over all steps."""

    def __init__(self, var=SPIKE_COUNT):
        self.var = var

    def set_params(self, compiled_network=None, **params):
        self.pops = list(compiled_network.plan.populations)

    def total_requests(self):
        return self.pops + [(p, self.var) for p in self.pops]

    def on_recorded_totals(self, totals, num_examples):
        self.totals = totals


@pytest.mark.parametrize("kind,schedule", CASES)
def test_total_requests_per_step_and_over_all_steps(kind, schedule):
    compiled, inp, out, x, _ = _compile(kind, schedule)
    cb = _Totals()
    with compiled:
        compiled.predict({inp: x}, out, callbacks=[cb])
    for p in cb.pops:
        per_step, whole = cb.totals[p], cb.totals[(p, SPIKE_COUNT)]
        assert per_step.shape == (compiled.num_timesteps,) and whole.shape == (1,)
        assert whole[0] == per_step.sum()
    assert sum(int(cb.totals[(p, SPIKE_COUNT)][0]) for p in cb.pops) > 0


def test_total_request_of_another_variable_is_refused():
    compiled, inp, out, x, _ = _compile("few_spike", "few_spike_fast")
    with compiled, pytest.raises(ValueError, match="A total request names SPIKE_TOTAL or "
                                                   "SPIKE_COUNT, received 'v'"):
        compiled.predict({inp: x}, out, callbacks=[_Totals("v")])

r"""The few-spike fast path: feed-forward few-spike networks with delta synapses.

A stage's ``k`` graded spikes sum to :math:`\alpha 2^{-B} m` with an integer code
:math:`m`, so the next population's input is one op (conv/GEMM) on the decoded values,
given at the stage's first step. A population's code comes from its neuron's closed-form
``encode`` (the greedy steps' result in a few elementwise operations), and its spike
counts per step (``SPIKE_TOTAL`` recordings) or per example (``SPIKE_COUNT``: a
population count) from the code's set bits; one with a
readout or another recording runs the ``k`` steps of its neuron ``step`` instead and
sums the events' codes. One batch is one program: every population's stage in turn (no pipeline
to fill or flush). Gives the same readouts as the pipelined timestep schedule (tested).

In a low-precision mode (``precision="fp16x2"``, ...: :mod:`ml_genn.backend.precision`)
the ops receive the codes themselves and the result is scaled by the source's
:math:`\alpha 2^{-B}`.
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator
from functools import partial
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from ...synapses import Delta
from ...utils.recording import SPIKE_COUNT, SPIKE_TOTAL
from ..plan import Plan
from ..transfer import DeviceBatch
from .schedule import BatchProgram, BatchResult, Schedule, register_schedule


def program(sim, params, inputs, first, *, record, with_codes=False):
    """One batch: (readouts, recordings), and every population's codes if
    ``with_codes``."""
    plan = sim.plan
    k = plan.stage_steps
    state = sim.init_state(params, sim.example_keys(first))
    batch = sim.batch_size
    codes: list = [None] * len(plan.populations)
    accs = list(sim.readout_init(batch))
    recs = {}
    stepped = {i for i, r in enumerate(sim.readouts) if r is not None} | {
        i for i, var in record
        if var not in (SPIKE_TOTAL, SPIKE_COUNT) or getattr(sim.dynamics[i], "signed", True)}
    for i, dyn in enumerate(sim.dynamics):
        p_i = params.neurons[i]
        is_input = plan.populations[i].neuron.is_input
        if is_input:
            first_drive = sim.frame(params, i, inputs[i], jnp.int32(0))
        else:
            first_drive = None
            for ci, c in plan.incoming(i):
                current = _current(sim, params, ci, c.source, codes[c.source])
                first_drive = current if first_drive is None else first_drive + current
            if first_drive is None:
                first_drive = sim.zeros(i, batch)
        s = state.neurons[i]
        if i not in stepped:
            s, codes[i] = dyn.encode(p_i, s, first_drive)
            counted = _counted_codes(sim, params, i, codes[i])  # XLA drops it if unrecorded
            recs[i] = [spike_count(counted) if var == SPIKE_COUNT else
                       spikes_per_step(counted, k) for jj, var in record if jj == i]
            continue
        code = jnp.zeros_like(first_drive)
        rec_i = []
        for p in range(k):
            drive = first_drive if (p == 0 or is_input) else jnp.zeros_like(first_drive)
            s, ev = dyn.step(p_i, s, drive, jnp.int32(p))
            code = code + dyn.event_code(ev, p)
            if sim.readouts[i] is not None:
                accs[i] = sim.readout_update(i, accs[i], ev, s, jnp.int32(p), k)
            rec_i.append(tuple(sim.record_value(s, ev, var) for jj, var in record if jj == i))
        codes[i] = code
        recs[i] = [jnp.stack(r) for r in zip(*rec_i, strict=True)] if rec_i and rec_i[0] else []
    ordered = tuple(recs[i].pop(0) for i, _ in record)
    if with_codes:
        return sim.readout_final(tuple(accs), k), ordered, tuple(codes)
    return sim.readout_final(tuple(accs), k), ordered


def spikes_per_step(code: jnp.ndarray, k: int) -> jnp.ndarray:
    """``(k, batch)``: spiking neurons per step of each example from unsigned codes (step
    ``p``'s spike is bit ``k - 1 - p`` of the code), in one pass over the codes."""
    m = code.astype(jnp.int32).reshape(code.shape[0], -1, 1)
    shifts = jnp.arange(k - 1, -1, -1, dtype=jnp.int32).reshape(1, 1, k)
    return jnp.sum((m >> shifts) & 1, axis=1, dtype=jnp.int32).T.astype(jnp.float32)


def spike_count(code: jnp.ndarray) -> jnp.ndarray:
    """``(1, batch)``: spikes of each example over all ``k`` steps from unsigned codes
    (the codes' set bits), one reduction over the codes."""
    m = code.astype(jnp.int32).reshape(code.shape[0], -1)
    return jnp.sum(jax.lax.population_count(m), axis=1, dtype=jnp.int32)[None]


def _current(sim, params, ci: int, source: int, code: jnp.ndarray) -> jnp.ndarray:
    """Input through connection ``ci`` from its source's codes: the op on the decoded
    values (float32), or in a low-precision mode on the codes, scaled afterwards."""
    if sim.low_precision is None:
        decoded = _decoded(sim, params, source, code)
        return sim.input_of(params, ci, lambda delay: decoded)
    scale = sim.dynamics[source].code_scale(params.neurons[source])
    return sim.input_of(params, ci, lambda delay: code) * scale


def _decoded(sim, params, source: int, code: jnp.ndarray) -> jnp.ndarray:
    r"""The source's codes as the values its targets receive, :math:`m \alpha 2^{-B}`
    (float32 mode)."""
    return code * sim.dynamics[source].code_scale(params.neurons[source])


def _counted_codes(sim, params, i: int, code: jnp.ndarray) -> jnp.ndarray:
    r"""The codes that population ``i``'s spikes are counted from. In float32 mode they
    are recovered from the decoded values that its targets read,
    :math:`\mathrm{round}(m \alpha 2^{-B} / \alpha 2^{-B}) = m` (exact for codes below
    :math:`2^{22}`; the same expression as :func:`_current`'s, so XLA computes it once):
    XLA then counts in the kernel that writes those values, instead of in one more pass
    over the codes (the few-spike device program with every population's counts over
    the one without, ``python bench/spike_count_cost.py``, NVIDIA H200, batch 256:
    ResNet-20 0.83 -> 0.87, VGG-16 0.85 -> 0.87). A low-precision mode's ops read the
    codes themselves, so they are counted as they are."""
    if sim.low_precision is not None:
        return code
    scale = sim.dynamics[i].code_scale(params.neurons[i])
    return jnp.round(_decoded(sim, params, i, code) / scale)


@register_schedule
class FewSpikeFastSchedule(Schedule):
    """One program per batch: each population's stage from its sources' decoded values."""

    name = "few_spike_fast"

    def blocker(self, plan: Plan) -> str | None:
        if plan.stage_steps is None:
            return "it runs few-spike networks only (FewSpikeCompiler)"
        if not plan.feed_forward:
            return "the network is recurrent"
        for c in plan.connections:
            if not isinstance(c.connection.synapse, Delta):
                return (f"connection '{c.connection.name}' uses a "
                        f"{type(c.connection.synapse).__name__} synapse")
        return None

    @staticmethod
    def jitted(sim: Any, record: tuple = ()) -> Any:
        """The batch program ``(params, inputs, first) -> (readouts, recordings)``."""
        return sim.jit(("few_spike_fast", record), lambda: partial(program, sim, record=record))

    @staticmethod
    def codes(sim: Any) -> Any:
        """The program ``(params, inputs, first) -> (readouts, (), codes)``: also every
        population's integer codes ``(batch, *shape)`` (to measure how far a
        low-precision mode moves them)."""
        return sim.jit(("few_spike_fast", "codes"),
                       lambda: partial(program, sim, record=(), with_codes=True))

    def batch_program(self, sim: Any, record: tuple) -> BatchProgram:
        return BatchProgram(partial(program, sim, record=record), sim.plan.stage_steps,
                            grouped=True)

    def run(self, sim: Any, batches: Iterable[DeviceBatch], record: tuple
            ) -> Iterator[BatchResult]:
        fn = self.jitted(sim, record)
        for b in batches:
            readouts, recs = fn(sim.params, b.x, b.first)
            yield BatchResult(b, readouts, recs)


def code_differences(reference: Any, candidate: Any, inputs: dict, first: int = 0
                     ) -> tuple[float, float]:
    """How far ``candidate`` (a Simulator, e.g. at ``precision="fp16x2"``) is from
    ``reference`` (the same network at ``"highest"``) on one batch of ``inputs``
    (``{population index: (batch, frames, ...)}`` on the device): the fraction of hidden
    populations' codes that differ, and the relative error
    :math:`||r_c - r_{ref}|| / ||r_{ref}||` of the readouts
    (all populations with one, concatenated)."""
    runs = [FewSpikeFastSchedule.codes(sim)(sim.params, inputs, first)
            for sim in (reference, candidate)]
    (ref_out, _, ref_codes), (out, _, codes) = runs
    plan = reference.plan
    hidden = [i for i in range(len(plan.populations))
              if not plan.populations[i].neuron.is_input and plan.outgoing(i)]
    differ = sum(int(jnp.sum(ref_codes[i] != codes[i])) for i in hidden)
    total = sum(int(ref_codes[i].size) for i in hidden)
    ref_r = np.concatenate([np.ravel(np.asarray(r, np.float64)) for r in ref_out if r is not None])
    r = np.concatenate([np.ravel(np.asarray(o, np.float64)) for o in out if o is not None])
    return differ / max(total, 1), float(np.linalg.norm(r - ref_r) / np.linalg.norm(ref_r))

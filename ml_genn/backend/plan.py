"""The execution plan: the backend's input, built by a compiler (plain Python, no JAX).

The plan holds the description objects (populations, connections) in the order the
backend runs them, plus every setting a schedule needs. ``ml_genn.compilers`` builds it;
``ml_genn.backend`` consumes it and never imports the compilers.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..population import Population


@dataclass(frozen=True)
class ConnectionPlan:
    """A connection between populations ``source`` and ``target`` (indices into
    ``Plan.populations``); ``extra_delay`` [timesteps] is added by the compiler
    (few-spike pipeline balancing) on top of the connectivity's own delay."""

    connection: Any
    source: int
    target: int
    extra_delay: int = 0


@dataclass
class Plan:
    """Populations in topological order (insertion order if recurrent), connections,
    the schedule and the settings the backend needs.

    ``num_timesteps`` are the steps of one batch (``k`` for few-spike networks, whose
    ``stage_steps`` and ``depths`` describe the pipeline). ``devices`` is ``None`` (one
    device), ``"all"`` or a list of JAX devices over which the batch axis is sharded.
    """

    populations: list
    connections: list[ConnectionPlan]
    feed_forward: bool
    dt: float
    rng_seed: int
    precision: str | None
    batch_size: int = 1
    num_timesteps: int = 1
    schedule: str = "timestep"
    stage_steps: int | None = None
    depths: list[int] = field(default_factory=list)
    time_chunk: int | None = None
    max_time_chunk: int = 10
    memory_budget: int | None = None
    reset_time_between_batches: bool = True
    reset_vars_between_batches: bool = True
    reset_in_syn_between_batches: bool = False
    devices: Any = None
    prefix_runs: bool = False
    fuse_neuron_steps: bool | None = None

    def index(self, pop: Population) -> int:
        for i, p in enumerate(self.populations):
            if p is pop:
                return i
        raise KeyError(f"Population '{pop.name}' is not part of the compiled network.")

    def incoming(self, target: int) -> list[tuple[int, ConnectionPlan]]:
        return [(i, c) for i, c in enumerate(self.connections) if c.target == target]

    def outgoing(self, source: int) -> list[tuple[int, ConnectionPlan]]:
        return [(i, c) for i, c in enumerate(self.connections) if c.source == source]


def topological_order(populations: list, connections: list) -> tuple[list, bool]:
    """Kahn's algorithm. Returns (ordered populations, is_feed_forward); a recurrent
    network keeps its insertion order (only the timestep schedule can run it)."""
    index = {id(p): i for i, p in enumerate(populations)}
    in_degree = [0] * len(populations)
    children: list[list[int]] = [[] for _ in populations]
    for c in connections:
        s, t = index[id(c.source())], index[id(c.target())]
        children[s].append(t)
        in_degree[t] += 1
    ready = [i for i, d in enumerate(in_degree) if d == 0]
    order = []
    while ready:
        i = ready.pop(0)
        order.append(i)
        for j in children[i]:
            in_degree[j] -= 1
            if in_degree[j] == 0:
                ready.append(j)
    if len(order) != len(populations):
        return list(populations), False
    return [populations[i] for i in order], True


def pipeline_depths(plan_pops: list, conns: list[ConnectionPlan]) -> list[int]:
    """SPEC 3.4: inputs have depth 0; other populations
    ``depth = max over sources of (depth(src) + 1)`` (populations in topological order)."""
    depths = [0] * len(plan_pops)
    for i in range(len(plan_pops)):
        sources = [c.source for c in conns if c.target == i]
        depths[i] = max((depths[s] + 1 for s in sources), default=0)
    return depths

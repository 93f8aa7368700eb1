"""The plan is the backend's input: ``ml_genn.backend`` never imports the compilers, and
each schedule is one registered module (STYLE.md, design note on seams)."""
from __future__ import annotations

import ast
import pathlib

import pytest

import ml_genn.backend
from ml_genn.backend.plan import Plan
from ml_genn.backend.schedules import SCHEDULES, choose_schedule

BACKEND = pathlib.Path(ml_genn.backend.__file__).parent


def _imports(path: pathlib.Path) -> list[str]:
    tree = ast.parse(path.read_text())
    names = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            names.append("." * node.level + (node.module or ""))
        elif isinstance(node, ast.Import):
            names += [a.name for a in node.names]
    return names


@pytest.mark.parametrize("path", sorted(BACKEND.rglob("*.py")), ids=lambda p: p.name)
def test_backend_module_never_imports_compilers(path):
    assert not [name for name in _imports(path) if "compilers" in name]


def test_one_module_per_schedule():
    modules = {type(s).__module__.rsplit(".", 1)[-1]: name for name, s in SCHEDULES.items()}
    assert modules == {"timestep": "timestep", "layer": "layer", "few_spike": "few_spike_fast"}


def test_choose_schedule_takes_the_first_without_blocker_or_explains():
    plan = Plan(populations=[], connections=[], feed_forward=False, dt=1.0, rng_seed=0,
                precision="highest")
    assert choose_schedule(plan, ("layer", "timestep"), "auto", "C") == "timestep"
    with pytest.raises(ValueError, match="C: schedule 'few_spike_fast' cannot run this "
                                         "network: it runs few-spike networks only"):
        choose_schedule(plan, ("few_spike_fast", "timestep"), "few_spike_fast", "C")

"""The change check of a compiled network (``ml_genn/backend/watch.py``) on stand-in
description objects: what counts as a change, through its fast identity path and its
attribute-by-attribute comparison."""
from types import SimpleNamespace

import numpy as np

from ml_genn.backend.watch import changed_parts, snapshot


class Description:
    def __init__(self):
        self.threshold = 1.0
        self.sizes = [1, 2]
        self.options = {"reset": "subtract"}
        self.weight = np.ones(3, np.float32)


def plan_of(*objects):
    return SimpleNamespace(populations=[SimpleNamespace(neuron=o) for o in objects],
                           connections=[])


def test_unchanged_objects_and_equal_values_are_no_change():
    a, b = Description(), Description()
    plan = plan_of(a, b)
    before = snapshot(plan)
    assert changed_parts(plan, before) == ([], [])
    b.threshold = 1.0          # a new float object of the same value
    b.sizes = [1, 2]           # a new list of the same items
    assert changed_parts(plan, before) == ([], [])


def test_changes_are_seen_by_owner():
    objects = [Description() for _ in range(5)]
    plan = plan_of(*objects)
    before = snapshot(plan)
    objects[0].threshold = 2.0                  # a new value
    objects[1].sizes.append(3)                  # a list changed in place (same object)
    objects[2].options["reset"] = "zero"        # a dict changed in place
    objects[3].weight = objects[3].weight.copy()  # a new array, even with equal values
    assert changed_parts(plan, before) == ([0, 1, 2, 3], [])
    objects[4].extra = 1                        # an attribute added
    assert changed_parts(plan, before) == ([0, 1, 2, 3, 4], [])


def test_arrays_are_frozen():
    a = Description()
    snapshot(plan_of(a))
    assert not a.weight.flags.writeable

"""Notice changes the user makes to a network after it was compiled.

The device model copies every parameter and weight to the device in ``compile()``.
Before each run the compiled network compares the description objects (neurons,
readouts, connectivities, synapses) with a snapshot taken then:

* an attribute given a new value (``pop.neuron.v_thresh = 2.0``,
  ``conn.connectivity.weight = w``) is seen: the device model is rebuilt for the run,
  or, where only neuron parameters changed and keep their shapes, just those
  parameters are copied to the device again (the compiled programs are kept);
* an array cannot be changed in place: the arrays the device model was built from are
  made read-only, so ``conn.connectivity.weight[0, 0] = 1.0`` raises NumPy's
  "assignment destination is read-only" instead of being silently ignored. Assign a
  new array instead: ``w = conn.connectivity.weight.copy(); w[0, 0] = 1.0;
  conn.connectivity.weight = w``.

Each run first checks, at C speed, that every object, its ``__dict__`` and every
attribute value is still the object the snapshot kept (the case of every run): 26-28
us for mlGeNN's VGG-16 and ResNet-20 (50 and 80 objects) on this project's 2-core CPU,
0.28x the attribute-by-attribute comparison (measured side by side), which runs only
where something differs and compares each object's attributes with a shallow copy
kept at compile time (arrays by identity, so a new array is a change). Hashing the
weights would cost tens of milliseconds.
"""
from __future__ import annotations

import operator
from itertools import chain
from numbers import Number
from typing import Any, NamedTuple

import numpy as np


def _attributes(obj: Any) -> dict | None:
    """The attributes of a description object that the device model may be built from
    (no dunders, no methods), or None for a value without attributes."""
    attributes = getattr(obj, "__dict__", None)
    if attributes is None or isinstance(obj, type):
        return None
    return {k: v for k, v in attributes.items() if not k.startswith("__") and not callable(v)}


def _state(attributes: dict) -> dict:
    """What is kept of an object's attributes: the values themselves (arrays by
    identity), lists and dicts copied so that a change in place is seen."""
    return {k: list(v) if isinstance(v, list) else dict(v) if isinstance(v, dict) else v
            for k, v in attributes.items()}


def _collect(value: Any, owner: tuple, freeze: bool, out: list, seen: set) -> None:
    """Append ``(owner, object, state)`` for every object reachable from ``value``
    (through attributes, lists, tuples and dicts); arrays are made read-only."""
    if value is None or isinstance(value, (bool, str, Number, np.number)):
        return
    if isinstance(value, np.ndarray):
        if freeze and value.flags.writeable:
            value.flags.writeable = False
        return
    if isinstance(value, (list, tuple)):
        for v in value:
            _collect(v, owner, freeze, out, seen)
        return
    if isinstance(value, dict):
        for v in value.values():
            _collect(v, owner, freeze, out, seen)
        return
    attributes = _attributes(value)
    if attributes is None or id(value) in seen:
        return
    seen.add(id(value))
    out.append((owner, value, type(value), _state(attributes)))
    for v in attributes.values():
        _collect(v, owner, freeze, out, seen)


class Snapshot(NamedTuple):
    """What :func:`snapshot` keeps: ``roots`` ``(owner, holder, name, object)``,
    ``objects`` ``(owner, object, class, attributes)``, and ``whole``: every object's
    ``__dict__``, class and values flattened, for :func:`_unchanged`."""

    roots: list
    objects: list
    whole: tuple


def snapshot(plan: Any, freeze: bool = True) -> Snapshot:
    """The state of everything in ``plan`` that the device model is built from, by
    owner (``("pop", i)`` or ``("conn", i)``): the objects the populations and
    connections hold (``neuron``, ``connectivity``, ``synapse``), and each object
    reachable from them with its class and a shallow copy of its attributes."""
    roots = [(("pop", i), p, "neuron") for i, p in enumerate(plan.populations)] + \
        [(("conn", i), c.connection, name) for i, c in enumerate(plan.connections)
         for name in ("connectivity", "synapse")]
    out: list = []
    seen: dict = {}
    for owner, holder, name in roots:
        _collect(getattr(holder, name), owner, freeze, out, seen.setdefault(owner, set()))
    kept_roots = [(owner, holder, name, getattr(holder, name)) for owner, holder, name in roots]
    objects = tuple(obj for _, obj, _, _ in out)
    dicts = tuple(vars(obj) for obj in objects)
    containers = [(obj, k, v) for _, obj, _, state in out for k, v in state.items()
                  if isinstance(v, (list, dict))]
    whole = (tuple(holder for _, holder, _, _ in kept_roots),
             tuple(name for _, _, name, _ in kept_roots),
             tuple(obj for _, _, _, obj in kept_roots),
             objects, dicts, tuple(type(obj) for obj in objects),
             tuple(chain.from_iterable(dicts)),
             tuple(chain.from_iterable(d.values() for d in dicts)),
             tuple(vars(obj)[k] for obj, k, _ in containers),
             tuple(copy for _, _, copy in containers))
    return Snapshot(kept_roots, out, whole)


def _unchanged(whole: tuple) -> bool:
    """Whether nothing changed, at C speed (the case of every run): every root and
    reachable object, its ``__dict__``, its class and every attribute value is the
    object it was, with the same names, and the lists and dicts equal their copies.
    False as soon as anything differs, even a value replaced by an equal one (then
    :func:`changed_parts` compares attribute by attribute)."""
    holders, names, roots, objects, dicts, types, keys, values, containers, copies = whole
    try:
        return (all(map(operator.is_, map(getattr, holders, names), roots))
                and all(map(operator.is_, map(vars, objects), dicts))
                and all(map(operator.is_, map(type, objects), types))
                and tuple(chain.from_iterable(dicts)) == keys
                and all(map(operator.is_, chain.from_iterable(map(dict.values, dicts)),
                            values))
                and all(map(operator.eq, containers, copies)))
    except (ValueError, TypeError):  # a list holding arrays: no single truth value
        return False


def _same(obj: Any, state: dict) -> bool:
    """Whether ``obj``'s attributes still hold what ``state`` kept (values compared with
    ``==`` after an identity check, so a new array object counts as a change)."""
    now = _attributes(obj)
    if now is None or now.keys() != state.keys():
        return False
    for k, v in now.items():
        kept = state[k]
        if v is kept:
            continue
        if isinstance(v, (list, dict)) or isinstance(kept, (list, dict)):
            v = _state({k: v})[k]
        if not _equal(v, kept):
            return False
    return True


def _equal(value: Any, kept: Any) -> bool:
    """``value == kept`` as a bool; False where that is no single truth value (arrays
    of several values, odd types)."""
    try:
        return bool(value == kept)
    except (ValueError, TypeError):
        return False


def changed_parts(plan: Any, before: Snapshot) -> tuple[list[int], list[int]]:
    """Indices of the populations and of the connections that changed since
    ``before`` (a :func:`snapshot`)."""
    roots, objects, whole = before
    if _unchanged(whole):
        return [], []
    changed = {owner for owner, holder, name, obj in roots if getattr(holder, name) is not obj}
    changed |= {owner for owner, obj, cls, state in objects
                if type(obj) is not cls or not _same(obj, state)}
    return (sorted(i for kind, i in changed if kind == "pop"),
            sorted(i for kind, i in changed if kind == "conn"))

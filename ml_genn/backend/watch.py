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

Comparing tokens (identities, scalar values) costs microseconds per run; hashing the
weights would cost tens of milliseconds for a VGG-16.
"""
from __future__ import annotations

from numbers import Number
from typing import Any

import numpy as np


def _token(value: Any, freeze: bool) -> Any:
    """A comparable stand-in for ``value``: scalars by value, arrays and other objects
    by identity (their attributes recursively); arrays are made read-only."""
    if value is None or isinstance(value, (bool, str, Number, np.number)):
        return value
    if isinstance(value, np.ndarray):
        if freeze and value.flags.writeable:
            value.flags.writeable = False
        return ("array", id(value), value.shape, value.dtype.str)
    if isinstance(value, (list, tuple)):
        return tuple(_token(v, freeze) for v in value)
    if isinstance(value, dict):
        return tuple((k, _token(v, freeze)) for k, v in value.items())
    attributes = getattr(value, "__dict__", None)
    if attributes is None:
        return ("object", id(value))
    return (type(value).__qualname__, id(value),
            tuple((k, _token(v, freeze)) for k, v in attributes.items()
                  if not k.startswith("__") and not callable(v)))


def snapshot(plan: Any, freeze: bool = True) -> tuple:
    """Tokens of everything in ``plan`` that the device model is built from."""
    pops = tuple((id(p), _token(p.neuron, freeze)) for p in plan.populations)
    conns = tuple((id(c.connection), _token(c.connection.connectivity, freeze),
                   _token(c.connection.synapse, freeze)) for c in plan.connections)
    return pops, conns


def changed_parts(plan: Any, before: tuple) -> tuple[list[int], list[int]]:
    """Indices of the populations and of the connections that changed since
    ``before``."""
    now = snapshot(plan, freeze=False)
    pops = [i for i, (a, b) in enumerate(zip(before[0], now[0], strict=True)) if a != b]
    conns = [i for i, (a, b) in enumerate(zip(before[1], now[1], strict=True)) if a != b]
    return pops, conns

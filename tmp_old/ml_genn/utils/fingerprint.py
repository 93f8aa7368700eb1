"""A digest of everything in a network that a compiled network copies (**ours**).

A compiled network copies neuron parameters and connection weights to the device when
it is built, so an edit made to the network afterwards (a threshold or a weight tuned by
hand) is not seen by it. :func:`network_fingerprint` changes whenever such an edit is
made, so whoever caches a compiled network can rebuild it when the network changed.
"""
from __future__ import annotations

import hashlib
from typing import Any

import numpy as np

#: Depth at which nested objects stop being followed (guards against cycles).
_MAX_DEPTH = 6


def _feed(digest: Any, value: Any, depth: int = 0) -> None:
    if isinstance(value, np.ndarray) or (hasattr(value, "__array__")
                                         and hasattr(value, "shape")):
        array = np.ascontiguousarray(np.asarray(value))
        digest.update(f"array{array.dtype}{array.shape}".encode())
        digest.update(array.tobytes())
    elif value is None or isinstance(value, (bool, int, float, str, np.generic)):
        digest.update(repr(value).encode())
    elif depth >= _MAX_DEPTH:
        digest.update(type(value).__name__.encode())
    elif isinstance(value, dict):
        for key in sorted(value, key=str):
            digest.update(str(key).encode())
            _feed(digest, value[key], depth + 1)
    elif isinstance(value, (list, tuple)):
        digest.update(f"seq{len(value)}".encode())
        for item in value:
            _feed(digest, item, depth + 1)
    else:
        digest.update(type(value).__name__.encode())
        if hasattr(value, "__dict__"):
            _feed(digest, {k: v for k, v in vars(value).items()
                           if not callable(v) or isinstance(v, np.ndarray)}, depth + 1)


def network_fingerprint(network: Any) -> str:
    """Hex digest of the network's populations (name, shape, neuron and every neuron
    attribute) and connections (name, ends, connectivity with its arrays, synapse).

    Example:
        >>> from ml_genn import Network, Population
        >>> with Network() as net:
        ...     pop = Population("integrate_fire", 3)
        >>> before = network_fingerprint(net)
        >>> pop.neuron.v_thresh = 2.0
        >>> network_fingerprint(net) == before
        False
    """
    digest = hashlib.blake2b(digest_size=16)
    for pop in network.populations:
        _feed(digest, (pop.name, pop.shape, pop.neuron))
    for conn in network.connections:
        _feed(digest, (conn.name, conn.source().name, conn.target().name,
                       conn.connectivity, conn.synapse))
    return digest.hexdigest()

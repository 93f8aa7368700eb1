"""Network-wide default parameters (``Network(default_params={Class: {...}})``)."""
from __future__ import annotations

import functools
import inspect
from collections.abc import Callable


def network_default_params(init: Callable) -> Callable:
    """Decorate ``__init__`` so that arguments the caller did not pass are taken from
    the enclosing network's ``default_params[type(self)]`` (or a base class's entry)
    before the signature's own defaults apply."""
    signature = inspect.signature(init)

    @functools.wraps(init)
    def wrapper(self, *args, **kwargs):
        from ..network import Network
        network = Network._context
        if network is not None and network.default_params:
            bound = signature.bind_partial(self, *args, **kwargs)
            for cls in type(self).__mro__:
                for key, value in network.default_params.get(cls, {}).items():
                    if key not in bound.arguments and key in signature.parameters:
                        kwargs[key] = value
                        bound = signature.bind_partial(self, *args, **kwargs)
        init(self, *args, **kwargs)
    return wrapper

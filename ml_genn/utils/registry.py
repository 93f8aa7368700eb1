"""One registry per kind of object, and the single resolver ``resolve``.

Built-in classes register themselves with :func:`Registry.register`; the string
alias is ``snake_case(ClassName)``. :func:`resolve` turns ``None``, a string or an
instance into an instance:

    >>> from ml_genn.neurons import NEURONS, IntegrateFire
    >>> type(NEURONS.resolve("integrate_fire")).__name__
    'IntegrateFire'
"""
from __future__ import annotations

import copy
import difflib
import re
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")


def snake_case(name: str) -> str:
    """``LeakyIntegrateFire`` -> ``leaky_integrate_fire``, ``AvgPool2D`` -> ``avg_pool_2d``."""
    name = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", name)
    name = re.sub(r"([a-z])([0-9])", r"\1_\2", name)
    return re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name).lower()


class Registry:
    """Maps string names to classes of one kind (``"neuron"``, ``"readout"``, ...).

    Args:
        kind: human-readable kind, used in error messages.
        base: base class every registered class and resolved instance must derive from.
    """

    def __init__(self, kind: str, base: type):
        self.kind = kind
        self.base = base
        self._classes: dict[str, type] = {}

    def register(self, cls: type | None = None, *, name: str | None = None) -> Callable:
        """Class decorator registering ``cls`` under ``name`` (default ``snake_case``).

        Raises:
            ValueError: if the name is taken by another class.
        """
        def decorator(c: type) -> type:
            key = name or snake_case(c.__name__)
            if key in self._classes and self._classes[key] is not c:
                raise ValueError(f"A {self.kind} named '{key}' is already registered "
                                 f"({self._classes[key].__qualname__}); choose another name.")
            self._classes[key] = c
            return c
        return decorator(cls) if cls is not None else decorator

    def names(self) -> list[str]:
        return sorted(self._classes)

    def get_class(self, name: str) -> type:
        try:
            return self._classes[name]
        except KeyError:
            close = difflib.get_close_matches(name, self._classes, n=1)
            hint = f" Did you mean '{close[0]}'?" if close else ""
            raise ValueError(f"Unknown {self.kind} '{name}'.{hint} "
                             f"Valid names: {', '.join(self.names())}.") from None

    def resolve(self, obj: Any, default: Any = None, **kwargs: Any) -> Any:
        """``None`` -> default (a name or instance), ``str`` -> new instance,
        instance -> a (shallow) copy; anything else raises ``TypeError``."""
        if obj is None:
            if default is None:
                return None
            obj = default
        if isinstance(obj, str):
            return self.get_class(obj)(**kwargs)
        if isinstance(obj, self.base):
            return copy.copy(obj)
        raise TypeError(f"Expected a {self.kind} name (str) or {self.base.__name__} "
                        f"instance, received {type(obj).__name__}: {obj!r}.")

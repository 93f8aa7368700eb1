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
    """A class name as a registry name: words split at case changes and before a number
    that follows a lower-case letter, a trailing capital stays with its number.

    >>> [snake_case(n) for n in ("LeakyIntegrateFire", "AvgPool2D", "Conv2DTranspose",
    ...                          "ExpLIF", "DCGenerator", "GLIF3", "HDF5")]
    ['leaky_integrate_fire', 'avg_pool_2d', 'conv_2d_transpose', 'exp_lif', 'dc_generator', \
'glif3', 'hdf5']

    Every built-in registered name is its class's ``snake_case`` or one of the registry's
    explicit ``aliases``:

    >>> from ml_genn.callbacks import CALLBACKS
    >>> from ml_genn.metrics import METRICS
    >>> from ml_genn.neurons import NEURONS
    >>> from ml_genn.readouts import READOUTS
    >>> from ml_genn.serialisers import SERIALISERS
    >>> from ml_genn.synapses import SYNAPSES
    >>> [(r.kind, n) for r in (CALLBACKS, METRICS, NEURONS, READOUTS, SERIALISERS, SYNAPSES)
    ...  for n in r.names() if n != snake_case(r.get_class(n).__name__) and n not in r.aliases]
    []
    """
    name = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", name)
    name = re.sub(r"([a-z])([0-9])", r"\1_\2", name)
    return re.sub(r"([a-z])([A-Z])", r"\1_\2", name).lower()


class Registry:
    """Maps string names to classes of one kind (``"neuron"``, ``"readout"``, ...).

    Args:
        kind: human-readable kind, used in error messages.
        base: base class every registered class and resolved instance must derive from.
        aliases: extra names, ``{alias: registered name}`` (names that changed keep
            working this way).
    """

    def __init__(self, kind: str, base: type, aliases: dict[str, str] | None = None):
        self.kind = kind
        self.base = base
        self.aliases: dict[str, str] = dict(aliases or {})
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
        """The registered names and aliases, sorted."""
        return sorted({*self._classes, *self.aliases})

    def get_class(self, name: str) -> type:
        """The class registered under ``name`` (or under the name an alias stands for).

        Raises:
            ValueError: for an unknown name, listing the valid ones.
        """
        try:
            return self._classes[self.aliases.get(name, name)]
        except KeyError:
            close = difflib.get_close_matches(name, self.names(), n=1)
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


class BackendTable:
    """The backend objects of one kind (a readout's accumulator, a synapse's filter),
    keyed by the description class they implement and found along an object's MRO, so
    that a subclass without its own backend uses its nearest base's.

    Args:
        kind: what the keys are (``"readout"``), for error messages.
        register_name: the decorator users register with, for the error of a missing
            backend.

    Example:
        >>> class Filter: pass
        >>> class Smooth(Filter): pass
        >>> FILTERS = BackendTable("filter", "register_filter")
        >>> @FILTERS.register(Filter)
        ... class FilterBackend:
        ...     pass
        >>> type(FILTERS.lookup(Smooth())).__name__
        'FilterBackend'
        >>> FILTERS.lookup(1)
        Traceback (most recent call last):
        ...
        NotImplementedError: Filter int has no backend; register one with register_filter.
    """

    def __init__(self, kind: str, register_name: str):
        self.kind = kind
        self.register_name = register_name
        #: one instance of each registered backend class, by the class it implements
        self.backends: dict[type, Any] = {}

    def register(self, cls: type) -> Callable[[type], type]:
        """Class decorator: ``@table.register(SpikeCount) class SpikeCountBackend``; the
        table keeps one instance of the backend class.

        Raises:
            ValueError: if ``cls`` already has a backend.
        """
        def decorator(backend_cls: type) -> type:
            if cls in self.backends:
                raise ValueError(f"A backend for {self.kind} {cls.__name__} is already "
                                 f"registered ({type(self.backends[cls]).__name__}).")
            self.backends[cls] = backend_cls()
            return backend_cls
        return decorator

    def lookup(self, obj: Any) -> Any:
        """The backend of ``obj``'s class or of its nearest registered base.

        Raises:
            NotImplementedError: if there is none.
        """
        for cls in type(obj).__mro__:
            if cls in self.backends:
                return self.backends[cls]
        raise NotImplementedError(f"{self.kind.capitalize()} {type(obj).__name__} has no "
                                  f"backend; register one with {self.register_name}.")

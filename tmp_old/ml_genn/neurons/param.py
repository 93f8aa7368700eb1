"""Declaring a neuron's parameters once, at class level: :class:`Param` for InitValues
(numbers, arrays, initializers) and :class:`Option` for static Python values (flags,
counts, modes). ``Neuron`` derives ``param_names``/``option_names`` from them and the
backend derives its parameter tuple and static options from them."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..utils.validation import check_init_value

Check = Callable[[Any, str, str], Any]


class _Declared:
    """A validated attribute of a neuron; the value lives in the instance's ``__dict__``."""

    name = ""

    def __init__(self, check: Check | None = None):
        self.check = check

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __get__(self, obj: Any, objtype: type | None = None) -> Any:
        if obj is None:
            return self
        try:
            return obj.__dict__[self.name]
        except KeyError:
            raise AttributeError(f"{type(obj).__name__}: '{self.name}' has not been set "
                                 f"(pass it to Neuron.__init__).") from None

    def __set__(self, obj: Any, value: Any) -> None:
        obj.__dict__[self.name] = self.convert(value, type(obj).__name__)

    def convert(self, value: Any, owner: str) -> Any:
        raise NotImplementedError


class Param(_Declared):
    """An InitValue parameter of a neuron class: a number, an array (per neuron, or one
    that broadcasts to the population's shape) or an initializer.

    Assigning it validates the value (the optional ``check(value, name, owner)`` first,
    then :func:`~ml_genn.utils.validation.check_init_value`), so the converters and
    users who set ``neuron.v_thresh = ...`` later get the same checks.

    Args:
        check: extra validation, e.g. :func:`~ml_genn.utils.validation.check_positive`.
        optional: whether ``None`` is allowed (e.g. ``tau_refrac=None``: no refractory
            period).
        device: whether the backend's parameter tuple holds the value as given; ``False``
            for one the dynamics transform at compile time (``tau_mem`` -> ``alpha``).

    Example:
        >>> from ml_genn.neurons import Neuron, Param
        >>> from ml_genn.utils.validation import check_positive
        >>> class Leaky(Neuron):
        ...     v = Param()
        ...     tau = Param(check_positive, device=False)
        ...     def __init__(self, v=0.0, tau=10.0):
        ...         super().__init__(v=v, tau=tau)
        >>> Leaky.param_names, Leaky.device_param_names
        (('v', 'tau'), ('v',))
        >>> Leaky(tau=-1)
        Traceback (most recent call last):
        ...
        ValueError: Leaky: tau must be > 0, received -1.
    """

    def __init__(self, check: Check | None = None, *, optional: bool = False,
                 device: bool = True):
        super().__init__(check)
        self.optional = optional
        self.device = device

    def convert(self, value: Any, owner: str) -> Any:
        if value is None and self.optional:
            return None
        if self.check is not None:
            self.check(value, self.name, owner)
        return check_init_value(value, self.name, owner)


class Option(_Declared):
    """A static option of a neuron class: a plain Python value (flag, count, mode,
    spike-time list) that selects the dynamics' code path. The backend captures all
    options when it builds the dynamics, so changing one later has no effect on a
    compiled network.

    Args:
        check: validates and converts, ``check(value, name, owner) -> value``
            (e.g. :func:`~ml_genn.utils.validation.check_positive_int`); ``None`` keeps
            the value as given.

    Example:
        >>> from ml_genn.neurons import Neuron, Option
        >>> from ml_genn.utils.validation import as_bool
        >>> class Resetting(Neuron):
        ...     relative_reset = Option(as_bool)
        ...     def __init__(self, relative_reset=True):
        ...         super().__init__(relative_reset=relative_reset)
        >>> Resetting(relative_reset=0).relative_reset, Resetting.option_names
        (False, ('relative_reset',))
    """

    def convert(self, value: Any, owner: str) -> Any:
        return value if self.check is None else self.check(value, self.name, owner)


def declared_names(cls: type, kind: type) -> tuple[str, ...]:
    """Names of the ``kind`` attributes of ``cls``: its own in declaration order, then
    those of its bases (nearest first)."""
    names: list[str] = []
    for klass in cls.__mro__:
        for name, value in vars(klass).items():
            if isinstance(value, kind) and name not in names:
                names.append(name)
    return tuple(names)

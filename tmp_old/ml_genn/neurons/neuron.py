"""Base class of neuron models (the description; dynamics live in ``ml_genn.backend``)."""
from __future__ import annotations

from typing import Any, ClassVar

from ..readouts import READOUTS
from .param import Option, Param, declared_names


class Neuron:
    """A neuron model's parameters, as plain Python/NumPy values.

    Subclasses declare each parameter once, as a class attribute: a :class:`Param` for
    an InitValue (initial variable values included), an :class:`Option` for a static
    value. From these declarations come ``param_names``, ``option_names``,
    ``device_param_names`` (the InitValues the backend's parameter tuple holds as given),
    :meth:`get_params` and :meth:`get_options`. The constructor keeps its explicit
    signature and passes every declared value on to ``Neuron.__init__``, which validates
    them. ``output_var_name`` names the variable read by ``"var"``-type readouts. The
    dynamics are registered in ``ml_genn.backend.neurons``.

    Args:
        readout: how the population is read out when it is an output
            (``"spike_count"``, ``"var"``, ...), or ``None`` if it is not an output.
        values: every declared Param and Option, by name.

    Raises:
        TypeError: if ``values`` misses a declared name or holds an undeclared one (a
            subclass whose constructor and declarations disagree).

    Example:
        >>> from ml_genn.neurons import IntegrateFire
        >>> IntegrateFire.param_names, IntegrateFire.option_names
        (('v_thresh', 'v_reset', 'v', 'bias'), ('relative_reset',))
        >>> IntegrateFire(v_thresh=2.0).get_params()["v_thresh"]
        2.0
    """

    param_names: ClassVar[tuple[str, ...]] = ()
    device_param_names: ClassVar[tuple[str, ...]] = ()
    option_names: ClassVar[tuple[str, ...]] = ()
    output_var_name: ClassVar[str | None] = None
    is_input: ClassVar[bool] = False

    def __init_subclass__(cls, **kwargs: Any):
        super().__init_subclass__(**kwargs)
        cls.param_names = declared_names(cls, Param)
        cls.device_param_names = tuple(name for name in cls.param_names
                                       if getattr(cls, name).device)
        cls.option_names = declared_names(cls, Option)

    def __init__(self, readout: Any = None, **values: Any):
        owner = type(self).__name__
        declared = (*self.param_names, *self.option_names)
        unknown = sorted(set(values) - set(declared))
        missing = [name for name in declared if name not in values]
        if unknown or missing:
            raise TypeError(f"{owner}.__init__ passes undeclared values {unknown} and "
                            f"leaves declared ones {missing} unset; declare each parameter "
                            f"once as a Param or Option on the class and pass it on.")
        for name in declared:
            setattr(self, name, values[name])
        self.readout = READOUTS.resolve(readout)

    def get_params(self) -> dict[str, Any]:
        """The InitValue parameters, by name."""
        return {name: getattr(self, name) for name in self.param_names}

    def get_options(self) -> dict[str, Any]:
        """The static options, by name."""
        return {name: getattr(self, name) for name in self.option_names}

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_params().items())
        return f"{type(self).__name__}({args})"

"""The registry of layer handlers, keyed by Keras layer class.

A handler is a small function ``convert_<layer>(layer, ctx) -> op`` that reads only
public Keras API (``get_config()``, ``get_weights()``) and returns one typed NamedTuple
of :mod:`ml_genn_tf.graph.ops`; it raises
:class:`~ml_genn_tf.errors.UnsupportedLayer` / :class:`~ml_genn_tf.errors.InvalidLayer`
with a hint for settings it cannot convert. Its docstring is its row of the support
table (:func:`support_table`).
"""
from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any, NamedTuple

#: Keras layer class -> handler.
LAYER_HANDLERS: dict[type, Callable] = {}
#: Class name -> handler, for layer classes Keras defines but does not export (the
#: ``keras.applications`` models' own layers, whose module moves between Keras
#: versions); matched by name where no class matches. Such a handler checks that the
#: layer computes what its name promises.
NAMED_HANDLERS: dict[str, Callable] = {}


class HandlerContext(NamedTuple):
    """What a handler may know besides its layer.

    Attributes:
        node: the graph node name.
        input_shapes: shapes (without batch axis) of the layer's inputs.
        output_shape: shape of its output.
    """

    node: str
    input_shapes: list
    output_shape: tuple | None


def register_handler(*layer_classes: type) -> Callable[[Callable], Callable]:
    """Decorator registering a handler for one or more Keras layer classes.

    Raises:
        ValueError: a class already has a handler.

    Example:
        >>> import keras
        >>> from ml_genn_tf.graph.ops import IdentityOp
        >>> class MyNoOp(keras.layers.Layer):
        ...     def call(self, x):
        ...         return x
        >>> @register_handler(MyNoOp)
        ... def convert_my_no_op(layer, ctx):
        ...     '''MyNoOp -> nothing (identity).'''
        ...     return IdentityOp()
        >>> find_handler(MyNoOp()) is convert_my_no_op
        True
        >>> _ = LAYER_HANDLERS.pop(MyNoOp)
    """
    def decorator(handler: Callable) -> Callable:
        for cls in layer_classes:
            if cls in LAYER_HANDLERS:
                raise ValueError(f"A handler for {cls.__name__} is already registered "
                                 f"({LAYER_HANDLERS[cls].__name__}).")
            LAYER_HANDLERS[cls] = handler
        return handler
    return decorator


def register_named_handler(*class_names: str) -> Callable[[Callable], Callable]:
    """Decorator registering a handler for layer classes Keras does not export, by
    class name (:data:`NAMED_HANDLERS`).

    Raises:
        ValueError: a name already has a handler.
    """
    def decorator(handler: Callable) -> Callable:
        for name in class_names:
            if name in NAMED_HANDLERS:
                raise ValueError(f"A handler for layers named {name} is already registered "
                                 f"({NAMED_HANDLERS[name].__name__}).")
            NAMED_HANDLERS[name] = handler
        return handler
    return decorator


def find_handler(layer: Any) -> Callable | None:
    """The handler of ``layer``'s class, else of its class name (:data:`NAMED_HANDLERS`);
    a subclass inherits its base's handler only if it does not override ``call``
    (otherwise it computes something else)."""
    cls = type(layer)
    if cls in LAYER_HANDLERS:
        return LAYER_HANDLERS[cls]
    if cls.__name__ in NAMED_HANDLERS:
        return NAMED_HANDLERS[cls.__name__]
    for base in cls.__mro__[1:]:
        if base in LAYER_HANDLERS:
            if getattr(cls, "call", None) is getattr(base, "call", None):
                return LAYER_HANDLERS[base]
            return None
    return None


def support_table() -> str:
    """The supported layers as a Markdown table, generated from the registry."""
    rows = ["| Keras layer | handler | conversion |", "|---|---|---|"]
    named = [(cls.__name__, h) for cls, h in LAYER_HANDLERS.items()] + list(NAMED_HANDLERS.items())
    for name, handler in sorted(named, key=lambda kv: kv[0]):
        doc = " ".join(inspect.cleandoc(handler.__doc__ or "").split("\n\n")[0].split())
        doc = doc.replace("|", "\\|")
        rows.append(f"| `{name}` | `{handler.__name__}` | {doc} |")
    return "\n".join(rows)

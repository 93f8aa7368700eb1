"""Layer handlers: one small function per Keras layer kind, in a registry keyed by class.

Importing this package registers the built-in handlers. Add a layer with
:func:`register_handler`; :func:`support_table` lists what is supported.
"""
from . import (  # noqa: F401 (registration)
    activations,
    applications,
    inputs,
    merge,
    pooling,
    preprocessing,
    quantised,
    regularization,
    shape,
    weighted,
)
from .registry import (
    LAYER_HANDLERS,
    NAMED_HANDLERS,
    HandlerContext,
    find_handler,
    register_handler,
    register_named_handler,
    support_table,
)

__all__ = ["LAYER_HANDLERS", "NAMED_HANDLERS", "HandlerContext", "find_handler",
           "register_handler", "register_named_handler", "support_table"]

"""Connectivity ops registry; importing this package registers the built-in ops."""
from . import chained, conv, dense, pool, sparse  # noqa: F401  (registration)
from .base import OPS, ConnectivityOp, build_op, register_op

__all__ = ["OPS", "ConnectivityOp", "build_op", "register_op"]

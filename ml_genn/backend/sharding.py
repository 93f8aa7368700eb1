"""Where a compiled network runs: one device, or the batch axis sharded over several.

This is the one place that knows about devices. Everything the schedules run goes
through a :class:`Placement`: parameters are replicated, and every array with a batch
axis is split along it with :class:`jax.sharding.NamedSharding` over a one-axis
:class:`jax.sharding.Mesh`. XLA then partitions the jitted programs itself (no
hand-written scatter/gather), and results equal a one-device run.

A batch is padded up to a multiple of the number of devices (the padding examples are
dropped like those of a short last batch), so any ``batch_size`` works.

Multi-host use goes through :mod:`jax.distributed`: call
``jax.distributed.initialize()`` in every process before compiling, then pass
``devices="all"``; ``jax.devices()`` then lists the devices of every host and each
process feeds the same batches (see the README's "Several devices" section).
"""
from __future__ import annotations

from typing import Any

import jax
import numpy as np
from jax.sharding import Mesh, NamedSharding, PartitionSpec

#: Name of the mesh axis the batch is split over.
BATCH_AXIS = "batch"


def resolve_devices(devices: Any) -> list:
    """``None`` -> the default device, ``"all"`` -> ``jax.devices()``, a device or a
    list of devices -> itself.

    Raises:
        ValueError: for an unknown string or an empty list.
        TypeError: for anything else.
    """
    if devices is None:
        return [jax.devices()[0]]
    if isinstance(devices, str):
        if devices != "all":
            raise ValueError(f"devices must be None (one device), 'all' or a list of JAX "
                             f"devices, received {devices!r}.")
        return list(jax.devices())
    if isinstance(devices, jax.Device):
        return [devices]
    if isinstance(devices, (list, tuple)):
        devices = list(devices)
        bad = [d for d in devices if not isinstance(d, jax.Device)]
        if bad or not devices:
            raise TypeError(f"devices must be None, 'all' or a non-empty list of JAX devices "
                            f"(from jax.devices()), received {devices!r}.")
        if len({d.id for d in devices}) != len(devices):
            raise ValueError(f"devices lists a device twice: {devices!r}.")
        return devices
    raise TypeError(f"devices must be None, 'all' or a list of JAX devices, received "
                    f"{type(devices).__name__}: {devices!r}.")


class Placement:
    """The devices a network runs on and how its arrays are laid out over them.

    Example:
        >>> import jax
        >>> placement = Placement(jax.devices()[:1])
        >>> placement.device_batch(5), placement.num_devices
        (5, 1)
    """

    def __init__(self, devices: list):
        self.devices = list(devices)
        self.num_devices = len(self.devices)
        self.mesh = Mesh(np.array(self.devices), (BATCH_AXIS,))
        self.replicated = NamedSharding(self.mesh, PartitionSpec())
        self._scalars: dict[int, jax.Array] = {}

    @property
    def on_cpu(self) -> bool:
        """Whether the devices are CPUs (the transfer and group defaults differ there)."""
        return self.devices[0].platform == "cpu"

    def device_batch(self, batch_size: int) -> int:
        """Batch size on the device(s): ``batch_size`` rounded up to a multiple of the
        number of devices."""
        return -(-batch_size // self.num_devices) * self.num_devices

    def batch_sharding(self, axis: int = 0, memory_kind: str | None = None) -> NamedSharding:
        """Sharding that splits array axis ``axis`` over the devices (in their
        ``memory_kind`` memory, default device memory)."""
        return NamedSharding(self.mesh, PartitionSpec(*([None] * axis), BATCH_AXIS),
                             memory_kind=memory_kind)

    def put_replicated(self, tree: Any) -> Any:
        """Copy a pytree (parameters) to every device."""
        return jax.device_put(tree, self.replicated)

    def put_batched(self, array: np.ndarray, axis: int = 0) -> jax.Array:
        """Start the (asynchronous) transfer of a host array split along ``axis``."""
        return jax.device_put(array, self.batch_sharding(axis))

    def scalar(self, value: int) -> jax.Array:
        """``value`` as an int32 device scalar on every device, cached: a program given
        it needs no copy from the host."""
        cached = self._scalars.get(value)
        if cached is None:
            cached = self._scalars[value] = jax.device_put(np.int32(value), self.replicated)
        return cached

    def constrain(self, tree: Any, axis: int = 0) -> Any:
        """Inside a jitted program: lay out every array of ``tree`` split along ``axis``
        (its batch axis). A no-op on one device."""
        if self.num_devices == 1:
            return tree
        return jax.tree_util.tree_map(
            lambda a: jax.lax.with_sharding_constraint(a, self.batch_sharding(axis))
            if getattr(a, "ndim", 0) > axis else a, tree)

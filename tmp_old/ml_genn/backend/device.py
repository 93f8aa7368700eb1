"""What the simulations run on, in words."""
from __future__ import annotations

import jax


def describe_devices() -> str:
    """``"<count> x <device kind> (<platform>)"`` for the default JAX devices, e.g.
    ``"1 x NVIDIA H100 80GB HBM3 (gpu)"``."""
    devices = jax.devices()
    kinds = sorted({getattr(d, "device_kind", d.platform) for d in devices})
    return f"{len(devices)} x {', '.join(kinds)} ({devices[0].platform})"

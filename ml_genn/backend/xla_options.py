"""XLA options every program of a network is compiled with (``jax.jit``'s
``compiler_options``).

On a CUDA GPU, XLA captures the kernels of a program into command buffers (CUDA
graphs) of the kinds listed in ``xla_gpu_enable_command_buffer``, and launches every
other operation from the host, one at a time. cuDNN convolutions are not among the
default kinds, so a few-spike ResNet-20 batch (21 convolutions) meant 21 launches by
the host between graphs, and the host took about as long to launch a batch as the GPU
took to run it. :func:`program_options` adds ``CONVOLUTION`` to the kinds XLA uses by
default (the same kernels, so results are bit-identical). ``python
bench/xla_options.py`` on an H200, batch 256: the host's time to dispatch a group of 4
batches fell from 2.8 to 1.6 ms for ResNet-20 and from 2.1 to 1.3 ms for VGG-16, and
``evaluate()`` ran 4% and 3% faster (``predict()`` 10% and 5%).

A set of kinds the user chose (``XLA_FLAGS=--xla_gpu_enable_command_buffer=...``,
empty to turn command buffers off) is left as it is: the kinds are read from XLA's
defaults as the process sees them, and an empty set gets nothing added.
"""
from __future__ import annotations

from functools import cache

import jax
from jax._src.lib import xla_client

#: Command buffer kinds added to XLA's default ones on CUDA GPUs.
EXTRA_COMMAND_BUFFERS = ("CONVOLUTION",)
_FLAG = "xla_gpu_enable_command_buffer"


@cache
def default_command_buffers() -> tuple[str, ...]:
    """The command buffer kinds XLA uses in this process (its defaults, after
    ``XLA_FLAGS``, which XLA reads once per process), read from the text form of its
    default debug options."""
    options = xla_client.CompileOptions()  # kept alive while its fields are read
    text = str(options.executable_build_options.debug_options)
    return tuple(line.split(":", 1)[1].strip() for line in text.splitlines()
                 if line.strip().startswith(_FLAG + ":"))


def program_options(device: jax.Device, defaults: tuple[str, ...] | None = None
                    ) -> dict[str, str] | None:
    """``compiler_options`` for the programs of a network on ``device``: on a CUDA GPU,
    XLA's command buffer kinds (``defaults``, read by :func:`default_command_buffers`
    if None) plus :data:`EXTRA_COMMAND_BUFFERS`; None elsewhere (a CPU, ROCm, a set
    of kinds that is empty) or when nothing is missing.

    Example:
        >>> import jax
        >>> program_options(jax.devices("cpu")[0]) is None
        True
    """
    if device.platform != "gpu" or "rocm" in getattr(device.client, "platform_version",
                                                     "").lower():
        return None
    kinds = default_command_buffers() if defaults is None else defaults
    missing = [k for k in EXTRA_COMMAND_BUFFERS if k not in kinds]
    if not kinds or not missing:
        return None
    return {_FLAG: ",".join((*kinds, *missing))}

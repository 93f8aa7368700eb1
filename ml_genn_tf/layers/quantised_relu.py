"""The quantisation clip-floor-shift activation of QCFS (Bu et al., ICLR 2022)."""
from __future__ import annotations

from typing import Any

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="ml_genn_tf")
class QuantisedReLU(keras.layers.Layer):
    r"""ReLU quantised to ``levels`` steps of a trainable clip (QCFS activation).

    The quantisation clip-floor-shift function of Bu et al. (2022), with :math:`L`
    levels and the layer's trainable clip :math:`\lambda` (one scalar per layer):

    .. math::
        y = \frac{\lambda}{L}\,
            \mathrm{clip}\!\left(\left\lfloor \frac{x L}{\lambda} + \frac{1}{2}
            \right\rfloor,\ 0,\ L\right)
          = \mathrm{clip}\!\left(\frac{\lambda}{L}\left\lfloor \frac{x L}{\lambda}
            + \frac{1}{2}\right\rfloor,\ 0,\ \lambda\right)

    The shift :math:`\frac{1}{2}` rounds to the nearest level; it matches an
    integrate-and-fire neuron with threshold :math:`\lambda`, reset by subtraction and
    initial membrane potential :math:`\lambda/2`, which after :math:`T = L` steps of a
    constant input :math:`x` has fired exactly :math:`y L/\lambda` spikes. The floor has
    a straight-through gradient (computed as in the authors' code,
    :math:`y = \lambda\,\lfloor \mathrm{clip}(x/\lambda, 0, 1) L + \frac{1}{2}\rfloor / L`
    with :math:`\partial\lfloor u\rfloor/\partial u := 1`): :math:`\partial y/\partial x
    = 1` for :math:`0 < x < \lambda`, else 0, and :math:`\lambda` learns from
    :math:`\partial y/\partial \lambda = y/\lambda - x/\lambda` inside the clip and 1
    above it.

    Reference: T. Bu, W. Fang, J. Ding, P. Dai, Z. Yu and T. Huang, "Optimal ANN-SNN
    conversion for high-accuracy and ultra-low-latency spiking neural networks",
    ICLR 2022.

    Args:
        levels: number of quantisation steps :math:`L` (a positive integer; the SNN
            reproduces the layer at :math:`T = L` timesteps).
        initial_clip: initial value of the clip :math:`\lambda` (> 0), e.g. a high
            percentile of the ReLU activations it replaces.
        **kwargs: standard layer arguments (``name``, ``dtype``, ...).

    Example:
        >>> import numpy as np
        >>> layer = QuantisedReLU(levels=4, initial_clip=2.0)
        >>> np.asarray(layer(np.array([[-1.0, 0.2, 0.3, 1.1, 5.0]]))).tolist()
        [[0.0, 0.0, 0.5, 1.0, 2.0]]
    """

    def __init__(self, levels: int, initial_clip: float = 1.0, **kwargs: Any):
        super().__init__(**kwargs)
        name = kwargs.get("name") or "QuantisedReLU"
        if isinstance(levels, bool) or int(levels) != levels or int(levels) <= 0:
            raise ValueError(f"QuantisedReLU '{name}': levels must be a positive integer, "
                             f"received {levels!r}.")
        if not float(initial_clip) > 0.0:
            raise ValueError(f"QuantisedReLU '{name}': initial_clip must be > 0, received "
                             f"{initial_clip!r}.")
        self.levels = int(levels)
        self.initial_clip = float(initial_clip)
        self.clip = self.add_weight(shape=(), name="clip",
                                    initializer=keras.initializers.Constant(self.initial_clip),
                                    trainable=True)
        self.built = True  # the clip does not depend on the input shape

    def call(self, inputs: Any) -> Any:
        x = ops.cast(inputs, self.compute_dtype)
        clip = ops.maximum(ops.cast(self.clip, self.compute_dtype), 1e-6)
        u = ops.clip(x / clip, 0.0, 1.0) * self.levels + 0.5
        floor = u + ops.stop_gradient(ops.floor(u) - u)  # straight-through floor
        return clip * floor / self.levels

    def compute_output_shape(self, input_shape: Any) -> Any:
        return input_shape

    def get_config(self) -> dict:
        return {**super().get_config(), "levels": self.levels,
                "initial_clip": self.initial_clip}

"""Max pooling connectivity (**ours**, non-linear and stateful)."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from .base_conv_2d import check_padding
from .base_pool_2d import BasePool2D

if TYPE_CHECKING:
    from ..population import Population


#: How a rate-coded max-pooling connection passes spikes (see :class:`MaxPool2D`).
RATE_RULES = ("running_max", "spike_gate")


def _check_signs(signs: Any) -> np.ndarray | None:
    if signs is None:
        return None
    array = np.asarray(signs, np.float32).reshape(-1)
    if array.size == 0 or not np.all(np.isin(array, (-1.0, 1.0))):
        raise ValueError(f"MaxPool2D: signs must be a sequence of +1 (max) and -1 (min), "
                         f"one per channel, received {signs!r}.")
    return None if np.all(array == 1.0) else array


class MaxPool2D(BasePool2D):
    r"""Max pooling of a ``(rows, cols, channels)`` source, as Keras ``MaxPooling2D``:

    .. math:: I_{y,x,c} = \sigma_c \max_{(i,j) \in W_{y,x}} \sigma_c\, a_{i,j,c}

    over the window :math:`W_{y,x}` of output :math:`(y, x)`, where the per-channel sign
    :math:`\sigma_c` is +1 (max, the default) or -1 (min: the max of a ReLU followed by a
    negative scale). Padded positions of ``"same"`` never win; explicit padding
    ``((top, bottom), (left, right))`` adds zeros that take part (Keras ``ZeroPadding2D``
    before the pooling), and negative entries crop (``Cropping2D``).

    Unlike the other connectivities it is non-linear, has no weights and keeps state:
    few-spike networks pool each source neuron's value accumulated over a pipeline stage
    (exact); rate-coded networks approximate the max of rates by ``rate_rule``:

    - ``"spike_gate"`` (default): the spikes of the window's neuron with the highest
      spike count so far (Rueckauer et al. 2017);
    - ``"running_max"``: each step the target receives the increase of the window's
      largest spike count so far (for min channels, of the smallest), so the spikes it
      receives up to any step equal that count.

    Args:
        pool_size: window size, int or ``(kh, kw)``.
        pool_strides: strides, int or pair (default ``pool_size``).
        pool_padding: ``"valid"``, ``"same"`` or explicit ``((top, bottom), (left,
            right))`` (zeros; negative values crop).
        flatten: give the target the 1-D shape ``(rows * cols * channels,)``.
        delay: axonal delay [timesteps], one for all synapses.
        signs: per-channel +1 (max) or -1 (min); None: max everywhere.
        rate_rule: ``"spike_gate"`` or ``"running_max"`` (rate-coded networks only).

    Example:
        >>> from ml_genn import Network, Population, Connection
        >>> with Network():
        ...     inp = Population("binary_spike_input", (5, 5, 2))
        ...     out = Population("integrate_fire")
        ...     _ = Connection(inp, out, MaxPool2D(2, pool_padding="same"))
        >>> out.shape
        (3, 3, 2)
    """

    #: Non-linear: the compiler must not treat it as a weighted sum of spikes.
    linear = False

    def __init__(self, pool_size: Any, pool_strides: Any = None, pool_padding: Any = "valid",
                 flatten: bool = False, delay: Any = 0, signs: Any = None,
                 rate_rule: str = "spike_gate"):
        super().__init__(None, delay)
        explicit = not isinstance(pool_padding, str)
        self._init_pool(pool_size, pool_strides, "valid" if explicit else pool_padding)
        if explicit:
            self.pool_padding = check_padding(pool_padding, "pool_padding", "MaxPool2D",
                                              allow_negative=True)
        self.flatten = bool(flatten)
        self.signs = _check_signs(signs)
        if rate_rule not in RATE_RULES:
            raise ValueError(f"MaxPool2D: rate_rule must be one of {RATE_RULES}, received "
                             f"{rate_rule!r}.")
        self.rate_rule = rate_rule

    def connect(self, source: Population, target: Population) -> None:
        if self.signs is not None and source.shape is not None \
                and self.signs.size != source.shape[-1]:
            raise ValueError(f"MaxPool2D: {self.signs.size} signs given but source "
                             f"'{source.name}' has {source.shape[-1]} channels.")
        self._connect_image(source, target, self._pooled_shape(source))

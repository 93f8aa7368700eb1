"""Zero padding / cropping connectivity (**ours**, for Keras ZeroPadding2D/Cropping2D)."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .base_conv_2d import BaseResize2D, Pair, check_padding

if TYPE_CHECKING:
    from ..population import Population


class Pad2D(BaseResize2D):
    r"""Zero padding or cropping of a ``(rows, cols, channels)`` source, weight 1:

    .. math:: I_{y,x,c} = s_{y - p_t,\; x - p_l,\; c}

    (zero where the source index lies outside the image). Negative padding crops. Used
    as a step of :class:`~ml_genn.connectivity.Chained`.

    Args:
        padding: ``((top, bottom), (left, right))`` ints; negative values crop.
        flatten: give the target a 1-D shape.
        delay: axonal delay [timesteps], one for all synapses.

    Example:
        >>> from ml_genn import Network, Population, Connection
        >>> with Network():
        ...     inp = Population("binary_spike_input", (5, 5, 2))
        ...     out = Population("integrate_fire")
        ...     _ = Connection(inp, out, Pad2D(((1, 1), (-1, 0))))
        >>> out.shape
        (7, 4, 2)
    """

    def __init__(self, padding: Any, flatten: bool = False, delay: Any = 0):
        super().__init__(flatten, delay)
        padding = check_padding(padding, "padding", "Pad2D", allow_negative=True)
        if isinstance(padding, str):
            raise ValueError(f"Pad2D: padding must be ((top, bottom), (left, right)) ints, "
                             f"received {padding!r}.")
        self.padding = padding

    def _output_size(self, source: Population, rows: int, cols: int) -> Pair:
        (t, b), (lft, r) = self.padding
        out_hw = (rows + t + b, cols + lft + r)
        self._check_window_fits(source, out_hw, "cropping", padding=self.padding)
        return out_hw

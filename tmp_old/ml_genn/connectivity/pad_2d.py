"""Zero padding / cropping connectivity (**ours**, for Keras ZeroPadding2D/Cropping2D)."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .base_conv_2d import BaseResize2D, Pair, check_padding

if TYPE_CHECKING:
    from ..population import Population


class Pad2D(BaseResize2D):
    r"""Zero padding or cropping of a ``(rows, cols, channels)`` source, weight 1:

    .. math:: I_{y,x,c} = s_{y - p_t,\; x - p_l,\; c - p_c}

    (zero where the source index lies outside the image). Negative padding crops.
    ``channel_padding`` places the source's channels among more (one branch of a
    concatenation along the channels, as in DenseNet). Used as a step of
    :class:`~ml_genn.connectivity.Chained`.

    Args:
        padding: ``((top, bottom), (left, right))`` ints; negative values crop.
        flatten: give the target a 1-D shape.
        delay: axonal delay [timesteps], one for all synapses.
        channel_padding: **ours**, ``(before, after)`` non-negative ints: zero channels
            :math:`p_c` before the source's channels and after them.

    Example:
        >>> from ml_genn import Network, Population, Connection
        >>> with Network():
        ...     inp = Population("binary_spike_input", (5, 5, 2))
        ...     out = Population("integrate_fire")
        ...     _ = Connection(inp, out, Pad2D(((1, 1), (-1, 0))))
        >>> out.shape
        (7, 4, 2)
    """

    #: ``(before, after)`` zero channels (a class default: files saved before it
    #: existed load as no channel padding).
    channel_padding: tuple[int, int] = (0, 0)

    def __init__(self, padding: Any, flatten: bool = False, delay: Any = 0,
                 channel_padding: Any = (0, 0)):
        super().__init__(flatten, delay)
        padding = check_padding(padding, "padding", "Pad2D", allow_negative=True)
        if isinstance(padding, str):
            raise ValueError(f"Pad2D: padding must be ((top, bottom), (left, right)) ints, "
                             f"received {padding!r}.")
        self.padding = padding
        try:
            before, after = (int(p) for p in channel_padding)
            ok = before >= 0 and after >= 0 and (before, after) == tuple(channel_padding)
        except (TypeError, ValueError):
            ok = False
        if not ok:
            raise ValueError(f"Pad2D: channel_padding must be (before, after) non-negative "
                             f"ints, received {channel_padding!r}.")
        self.channel_padding = (before, after)

    def _output_channels(self, channels: int) -> int:
        return channels + sum(self.channel_padding)

    def _output_size(self, source: Population, rows: int, cols: int) -> Pair:
        (t, b), (lft, r) = self.padding
        out_hw = (rows + t + b, cols + lft + r)
        self._check_window_fits(source, out_hw, "cropping", padding=self.padding)
        return out_hw

"""Few-spike input neuron."""
from __future__ import annotations

from typing import Any

from ..utils.defaults import network_default_params
from .input_base import InputBase
from .neuron import check_positive, check_positive_int


class FewSpikeReluInput(InputBase):
    r"""Few-spike input: emits the greedy binary expansion of :math:`x/\alpha` in ``k``
    timesteps (one pipeline stage).

    Unsigned, at step :math:`p = 0..K-1` (with :math:`V \leftarrow x` at :math:`p=0`):

    .. math::

       h(p) = \alpha 2^{-(p+1)};\ \text{spike (event } h) \text{ if } V \ge h,\ V \leftarrow V - h

    Signed (K even): even steps positive, odd steps negative, each with K/2 bits,
    :math:`h(p) = \alpha 2^{-(\lfloor p/2 \rfloor + 1)}`; on a positive step spike
    (event :math:`+h`) if :math:`V \ge h`, :math:`V \leftarrow V-h`; on a negative step
    spike (event :math:`-h`) if :math:`V < -h`, :math:`V \leftarrow V+h`.

    Example:
        >>> FewSpikeReluInput(k=4, alpha=1.0, signed_input=True).signed_input
        True
    """

    param_names = ("alpha",)
    output_var_name = "v"

    @network_default_params
    def __init__(self, k: int = 10, alpha: Any = 25.0, signed_input: bool = False,
                 input_frames: int = 1, input_frame_timesteps: int = 1,
                 input_scale: Any = 1.0, input_offset: Any = 0.0):
        owner = type(self).__name__
        self.k = check_positive_int(k, "k", owner)
        check_positive(alpha, "alpha", owner)
        self.signed_input = bool(signed_input)
        if self.signed_input and self.k % 2:
            raise ValueError(f"{owner}: k must be even with signed_input=True (K/2 bits per "
                             f"polarity), received k={k}.")
        super().__init__(input_frames, input_frame_timesteps, input_scale=input_scale,
                         input_offset=input_offset, alpha=alpha)

"""Few-spike input neuron."""
from __future__ import annotations

from typing import Any

from ..utils.defaults import network_default_params
from ..utils.validation import as_bool, check_positive, check_positive_int
from .input_base import InputBase
from .param import Option, Param


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

    output_var_name = "v"

    alpha = Param(check_positive)
    k = Option(check_positive_int)
    signed_input = Option(as_bool)

    @network_default_params
    def __init__(self, k: int = 10, alpha: Any = 25.0, signed_input: bool = False,
                 input_frames: int = 1, input_frame_timesteps: int = 1,
                 input_scale: Any = 1.0, input_offset: Any = 0.0):
        super().__init__(input_frames, input_frame_timesteps, input_scale=input_scale,
                         input_offset=input_offset, alpha=alpha, k=k, signed_input=signed_input)
        if self.signed_input and self.k % 2:
            raise ValueError(f"{type(self).__name__}: k must be even with signed_input=True "
                             f"(K/2 bits per polarity), received k={k}.")

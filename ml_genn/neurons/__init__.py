"""Neuron models. String names are ``snake_case(ClassName)``."""
from ..utils.registry import Registry
from .adaptive_leaky_integrate_fire import AdaptiveLeakyIntegrateFire
from .binary_spike_input import BinarySpikeInput
from .few_spike_relu import FewSpikeRelu
from .few_spike_relu_input import FewSpikeReluInput
from .input_base import InputBase
from .integrate_fire import IntegrateFire
from .integrate_fire_input import IntegrateFireInput
from .leaky_integrate import LeakyIntegrate
from .leaky_integrate_fire import LeakyIntegrateFire
from .leaky_integrate_fire_input import LeakyIntegrateFireInput
from .neuron import Neuron
from .poisson_input import PoissonInput
from .spike_input import SpikeInput

NEURONS = Registry("neuron", Neuron)
for _cls in (BinarySpikeInput, FewSpikeRelu, FewSpikeReluInput, IntegrateFire,
             IntegrateFireInput, PoissonInput,
             AdaptiveLeakyIntegrateFire, LeakyIntegrate, LeakyIntegrateFire,
             LeakyIntegrateFireInput, SpikeInput):
    NEURONS.register(_cls)

__all__ = ["NEURONS", "Neuron", "InputBase", "BinarySpikeInput", "FewSpikeRelu",
           "FewSpikeReluInput", "IntegrateFire", "IntegrateFireInput", "PoissonInput",
           "AdaptiveLeakyIntegrateFire", "LeakyIntegrate", "LeakyIntegrateFire",
           "LeakyIntegrateFireInput", "SpikeInput"]

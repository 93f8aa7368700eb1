"""Neuron models. String names are ``snake_case(ClassName)``."""
from ..utils.registry import Registry
from .adaptive_leaky_integrate_fire import AdaptiveLeakyIntegrateFire
from .adaptive_lif_neuron import AdaptiveLIFNeuron
from .base_generator import GeneratorBase
from .bernoulli_generator import BernoulliGenerator
from .binary_spike_input import BinarySpikeInput
from .custom_generator import CustomGenerator
from .dc_generator import DCGenerator
from .direct_input import DirectInput
from .exp_lif import ExpLIF
from .few_spike_relu import FewSpikeRelu
from .few_spike_relu_input import FewSpikeReluInput
from .glif3 import GLIF3
from .hodgkin_huxley import HodgkinHuxley
from .if_neuron import IFNeuron
from .input_base import InputBase
from .integrate_fire import IntegrateFire
from .integrate_fire_input import IntegrateFireInput
from .izhikevich import Izhikevich
from .leaky_integrate import LeakyIntegrate
from .leaky_integrate_fire import LeakyIntegrateFire
from .leaky_integrate_fire_input import LeakyIntegrateFireInput
from .lif_neuron import LIFNeuron
from .neuron import Neuron
from .param import Option, Param
from .poisson_generator import PoissonGenerator
from .poisson_input import PoissonInput
from .quadratic_if import QuadraticIF
from .spike_generator import SpikeGenerator
from .spike_input import SpikeInput
from .trace_input import TraceInput
from .windowed_integrate_fire import WindowedIntegrateFire

NEURONS = Registry("neuron", Neuron)
for _cls in (BinarySpikeInput, FewSpikeRelu, FewSpikeReluInput, IntegrateFire,
             IntegrateFireInput, PoissonInput,
             AdaptiveLeakyIntegrateFire, LeakyIntegrate, LeakyIntegrateFire,
             LeakyIntegrateFireInput, SpikeInput,
             AdaptiveLIFNeuron, BernoulliGenerator, CustomGenerator, DCGenerator, ExpLIF,
             GLIF3, HodgkinHuxley, IFNeuron, Izhikevich, LIFNeuron,
             PoissonGenerator, QuadraticIF, SpikeGenerator, TraceInput,
             DirectInput, WindowedIntegrateFire):
    NEURONS.register(_cls)

__all__ = ["NEURONS", "Neuron", "Param", "Option", "InputBase", "BinarySpikeInput", "FewSpikeRelu",
           "FewSpikeReluInput", "IntegrateFire", "IntegrateFireInput", "PoissonInput",
           "AdaptiveLeakyIntegrateFire", "LeakyIntegrate", "LeakyIntegrateFire",
           "LeakyIntegrateFireInput", "SpikeInput", "GeneratorBase",
           "AdaptiveLIFNeuron", "BernoulliGenerator", "CustomGenerator", "DCGenerator", "ExpLIF",
           "GLIF3", "HodgkinHuxley", "IFNeuron", "Izhikevich", "LIFNeuron",
           "PoissonGenerator", "QuadraticIF", "SpikeGenerator", "TraceInput",
           "DirectInput", "WindowedIntegrateFire"]

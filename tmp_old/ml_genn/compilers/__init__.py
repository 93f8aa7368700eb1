"""Compilers: turn a Network into a compiled network that runs on the JAX backend."""
from .compiled_few_spike_network import CompiledFewSpikeNetwork
from .compiled_inference_network import CompiledInferenceNetwork
from .compiled_network import CompiledNetwork
from .compiler import Compiler
from .few_spike_compiler import FewSpikeCompiler
from .inference_compiler import InferenceCompiler

__all__ = ["Compiler", "InferenceCompiler", "FewSpikeCompiler", "CompiledNetwork",
           "CompiledInferenceNetwork", "CompiledFewSpikeNetwork"]

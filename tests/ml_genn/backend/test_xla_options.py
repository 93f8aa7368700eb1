"""XLA options of a network's programs: cuDNN convolutions join XLA's command buffers
on CUDA GPUs; nothing changes elsewhere or where the user turned command buffers off."""
from __future__ import annotations

from types import SimpleNamespace

import jax
import numpy as np

from ml_genn import Connection, Network, Population
from ml_genn.backend import xla_options
from ml_genn.compilers import InferenceCompiler
from ml_genn.connectivity import Dense
from ml_genn.neurons import IntegrateFire, PoissonInput

CUDA = SimpleNamespace(platform="gpu", client=SimpleNamespace(platform_version="cuda 12080"))
ROCM = SimpleNamespace(platform="gpu", client=SimpleNamespace(platform_version="rocm 6.2"))


def test_convolutions_join_the_default_command_buffers_on_cuda():
    options = xla_options.program_options(CUDA, ("FUSION", "CUBLAS", "CUDNN"))
    assert options == {"xla_gpu_enable_command_buffer": "FUSION,CUBLAS,CUDNN,CONVOLUTION"}


def test_nothing_changes_off_cuda_or_when_nothing_is_missing_or_buffers_are_off():
    assert xla_options.program_options(jax.devices("cpu")[0]) is None
    assert xla_options.program_options(ROCM, ("FUSION",)) is None
    assert xla_options.program_options(CUDA, ()) is None               # turned off
    assert xla_options.program_options(CUDA, ("FUSION", "CONVOLUTION")) is None


def test_default_kinds_are_xla_names():
    kinds = xla_options.default_command_buffers()
    assert "FUSION" in kinds and all(k.isupper() and k.replace("_", "").isalpha()
                                     for k in kinds)


def test_programs_are_compiled_with_the_options(monkeypatch):
    """The simulator passes its options to every program it jits (checked with an
    option XLA accepts on a CPU too, since the CUDA one changes nothing there)."""
    monkeypatch.setattr(xla_options, "program_options",
                        lambda device: {"xla_gpu_graph_min_graph_size": 1})
    monkeypatch.setattr("ml_genn.backend.simulator.program_options",
                        xla_options.program_options)
    seen = []
    real_jit = jax.jit

    def jit(fn, **kwargs):
        seen.append(kwargs.get("compiler_options"))
        return real_jit(fn, **kwargs)
    monkeypatch.setattr("ml_genn.backend.simulator.jax.jit", jit)
    with Network() as net:
        inp = Population(PoissonInput(), 4)
        out = Population(IntegrateFire(readout="spike_count"), 2)
        Connection(inp, out, Dense(np.full((4, 2), 0.5, np.float32)))
    compiled = InferenceCompiler(evaluate_timesteps=5, batch_size=2).compile(net)
    pred, _ = compiled.predict({inp: np.ones((3, 4), np.float32)}, out, callbacks=[])
    assert pred[out].shape == (3, 2)
    assert seen and all(s == {"xla_gpu_graph_min_graph_size": 1} for s in seen)

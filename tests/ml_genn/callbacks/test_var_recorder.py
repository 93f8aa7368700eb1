"""VarRecorder of parameters and inputs (made on the host) and mlGeNN's ``genn_var=``
spelling, against NumPy re-statements and against the device's own state variables."""
from __future__ import annotations

import numpy as np
import pytest

from ml_genn import Connection, Network, Population
from ml_genn.callbacks import VarRecorder
from ml_genn.compilers import FewSpikeCompiler, InferenceCompiler
from ml_genn.compilers.host_recordings import HostRecordings
from ml_genn.connectivity import Dense
from ml_genn.neurons import FewSpikeRelu, FewSpikeReluInput, IntegrateFireInput, LeakyIntegrateFire
from ml_genn.utils.recording import GENN_VAR_NAMES

T = 7
DT = 0.5
SHAPE = (2, 3)
RNG = np.random.default_rng(3)
V_THRESH = RNG.uniform(1.0, 2.0, SHAPE).astype(np.float32)
TAU_MEM = RNG.uniform(5.0, 30.0, SHAPE)
FRAMES = 3
X = RNG.uniform(-1.0, 1.0, (5, FRAMES) + SHAPE).astype(np.float32)
SCALE, OFFSET = 0.5, 0.25


def _network():
    with Network() as net:
        inp = Population(IntegrateFireInput(v_thresh=1e9, input_frames=FRAMES,
                                            input_frame_timesteps=2, input_scale=SCALE,
                                            input_offset=OFFSET), SHAPE, name="inp")
        out = Population(LeakyIntegrateFire(v_thresh=V_THRESH, tau_mem=TAU_MEM,
                                            readout="spike_count"), SHAPE, name="lif")
        Connection(inp, out, Dense(np.eye(6, dtype=np.float32)))
    return net, inp, out


def _predict(schedule, callbacks, batch_size=2):
    net, inp, out = _network()
    compiled = InferenceCompiler(evaluate_timesteps=T, dt=DT, batch_size=batch_size,
                                 schedule=schedule).compile(net)
    with compiled:
        _, data = compiled.predict({inp: X}, out, callbacks=callbacks(inp, out))
    return data, compiled


def _expected_drive():
    """Frame ``min(t // 2, FRAMES - 1)`` at step t, times the scale plus the offset."""
    index = np.minimum(np.arange(T) // 2, FRAMES - 1)
    return (X[:, index] * SCALE + OFFSET).reshape(len(X), T, -1)


@pytest.mark.parametrize("schedule", ("layer", "timestep"))
def test_parameters_and_input_are_recorded(schedule):
    data, _ = _predict(schedule, lambda inp, out: [
        VarRecorder(out, "v_thresh", key="thresh"),
        VarRecorder(out, genn_var="Alpha", key="alpha", neuron_filter=[1, 4]),
        VarRecorder(inp, "input", key="in", example_filter=[0, 3, 4]),
        VarRecorder(inp, "v", key="v_in")])
    np.testing.assert_array_equal(data["thresh"],
                                  np.broadcast_to(V_THRESH.ravel(), (len(X), T, 6)))
    alpha = np.exp(-DT / TAU_MEM).ravel()[[1, 4]]
    np.testing.assert_allclose(data["alpha"], np.broadcast_to(alpha, (len(X), T, 2)),
                               rtol=1e-6)
    np.testing.assert_allclose(data["in"], _expected_drive()[[0, 3, 4]], rtol=1e-6)
    # the device integrated exactly that drive (threshold out of reach): v = cumsum(input)
    full, _ = _predict(schedule, lambda inp, out: [VarRecorder(inp, genn_var="Input")])
    (key, drive), = full.items()
    assert key[1] == "input"
    np.testing.assert_allclose(np.cumsum(drive, axis=1), data["v_in"], rtol=1e-5, atol=1e-6)


def test_genn_var_names_translate_to_ours():
    data, _ = _predict("layer", lambda inp, out: [
        VarRecorder(out, genn_var="Vthresh", key="genn"), VarRecorder(out, "v_thresh",
                                                                      key="ours"),
        VarRecorder(out, genn_var="V", key="v_genn"), VarRecorder(out, key="v_ours")])
    np.testing.assert_array_equal(data["genn"], data["ours"])
    np.testing.assert_array_equal(data["v_genn"], data["v_ours"])
    assert GENN_VAR_NAMES["RefracTime"] == "refrac" and GENN_VAR_NAMES["Input"] == "input"


def test_parameters_and_inputs_need_no_device_recording():
    net, inp, out = _network()
    compiled = InferenceCompiler(evaluate_timesteps=T, batch_size=2).compile(net)
    sim = compiled.simulator
    i_inp, i_out = compiled.plan.index(inp), compiled.plan.index(out)
    split = HostRecordings(sim, ((i_out, "v_thresh"), (i_inp, "input"), (i_out, "v")), T)
    assert split.device == ((i_out, "v"),)
    assert split.host == ((i_out, "v_thresh"), (i_inp, "input"))


def test_few_spike_input_is_the_value_for_k_steps():
    k, alpha = 6, 4.0
    x = RNG.uniform(0.0, 3.0, (5, 4)).astype(np.float32)
    with Network() as net:
        inp = Population(FewSpikeReluInput(k=k, alpha=alpha), 4)
        out = Population(FewSpikeRelu(k=k, alpha=alpha, readout="var"), 4)
        Connection(inp, out, Dense(np.eye(4, dtype=np.float32)))
    compiled = FewSpikeCompiler(k=k, batch_size=2).compile(net)
    with compiled:
        _, data = compiled.predict({inp: x}, out, callbacks=[
            VarRecorder(inp, genn_var="Input", key="in")])
    np.testing.assert_array_equal(data["in"], np.broadcast_to(x[:, None], (5, k, 4)))


# --- errors -----------------------------------------------------------------------------------

def test_var_and_genn_var_together_raise():
    _, _, out = _network()
    with pytest.raises(ValueError, match=r"'lif'.*not both.*var='v'.*genn_var='V'"):
        VarRecorder(out, "v", genn_var="V")


def test_unknown_genn_var_lists_the_genn_names():
    _, _, out = _network()
    with pytest.raises(ValueError, match=r"'lif'.*genn_var='Vthres'.*'Vthresh'"):
        VarRecorder(out, genn_var="Vthres")


def test_genn_var_the_population_lacks_lists_what_it_can_record():
    net, inp, out = _network()
    compiled = InferenceCompiler(evaluate_timesteps=2).compile(net)
    with compiled, pytest.raises(ValueError, match=r"'inp'.*cannot record 'a'.*'v_thresh'"):
        compiled.predict({inp: X}, out, callbacks=[VarRecorder(inp, genn_var="A")])
    with compiled, pytest.raises(ValueError, match=r"'lif'.*cannot record 'input'.*'refrac'"):
        compiled.predict({inp: X}, out, callbacks=[VarRecorder(out, genn_var="Input")])

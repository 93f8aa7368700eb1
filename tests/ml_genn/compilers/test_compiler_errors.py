"""Bad input raises errors that name the object and the problem (issue 2, item 8)."""
import numpy as np
import pytest

from ml_genn import Connection, Network, Population
from ml_genn.compilers import FewSpikeCompiler, InferenceCompiler
from ml_genn.connectivity import Dense
from ml_genn.neurons import BinarySpikeInput, IntegrateFire


def small_network():
    net = Network()
    with net:
        inp = Population(BinarySpikeInput(), 3, name="pixels")
        out = Population(IntegrateFire(readout="spike_count"), 2, name="classes")
        Connection(inp, out, Dense(np.ones((3, 2))))
    return net, inp, out


def test_connection_shape_mismatch_names_connection_and_populations():
    with Network():
        a = Population(BinarySpikeInput(), 4, name="a")
        b = Population(IntegrateFire(), 2, name="b")
        with pytest.raises(ValueError, match=r"Connection 'bad' \(a -> b\): Dense weight has "
                                             r"3 rows but source 'a' has 4 neurons"):
            Connection(a, b, Dense(np.ones((3, 2))), name="bad")


def test_unknown_neuron_name_suggests_close_match():
    with Network():
        with pytest.raises(ValueError, match="Unknown neuron 'integrate_fir'. Did you mean "
                                             "'integrate_fire'"):
            Population("integrate_fir", 3)


@pytest.mark.parametrize("steps", [0, -3, 2.5])
def test_bad_evaluate_timesteps(steps):
    with pytest.raises(ValueError, match="evaluate_timesteps must be a positive integer"):
        InferenceCompiler(evaluate_timesteps=steps)


@pytest.mark.parametrize("k", [0, -1])
def test_bad_k(k):
    with pytest.raises(ValueError, match="k must be a positive integer"):
        FewSpikeCompiler(k=k)


def test_unknown_compiler_argument():
    with pytest.raises(TypeError, match=r"unexpected argument\(s\) \['batchsize'\]"):
        InferenceCompiler(evaluate_timesteps=2, batchsize=3)


def compiled_small():
    net, inp, out = small_network()
    return InferenceCompiler(evaluate_timesteps=2, batch_size=2).compile(net), inp, out


def test_missing_input_population():
    compiled, _, out = compiled_small()
    with pytest.raises(ValueError,
                       match=r"No input data given for input population\(s\) \['pixels'\]"):
        compiled.predict({}, [out], callbacks=[])


def test_wrong_input_shape_names_population():
    compiled, inp, out = compiled_small()
    with pytest.raises(ValueError,
                       match=r"Input for population 'pixels' has shape \(4, 5\); expected"):
        compiled.predict({inp: np.zeros((4, 5))}, [out], callbacks=[])


def test_nan_input_names_population():
    compiled, inp, out = compiled_small()
    x = np.zeros((4, 3))
    x[1, 2] = np.nan
    with pytest.raises(ValueError, match="Input for population 'pixels' contains NaN"):
        compiled.predict({inp: x}, [out], callbacks=[])


@pytest.mark.parametrize("method", ["predict", "evaluate", "evaluate_batch_iter"])
@pytest.mark.parametrize("group_bytes", [1, 2 ** 20])  # one batch per group, or a few
def test_nan_in_a_later_batch_names_population_and_first_index(monkeypatch, method,
                                                               group_bytes):
    from ml_genn.backend import transfer
    monkeypatch.setattr(transfer, "GROUP_BYTES", group_bytes)
    net, inp, out = small_network()
    compiled = InferenceCompiler(evaluate_timesteps=2, batch_size=2).compile(net)
    x = np.zeros((9, 3))
    x[7, 1] = np.inf  # fourth batch (checked on the device)
    x[8, 0] = np.nan  # a later one, not reported
    with pytest.raises(ValueError, match=r"Input for population 'pixels' contains NaN or "
                                         r"infinite values \(first at flat index 22\)"):
        if method == "predict":
            compiled.predict({inp: x}, out, callbacks=[])
        elif method == "evaluate":
            compiled.evaluate({inp: x}, {out: np.zeros(9)}, callbacks=[])
        else:
            compiled.evaluate_batch_iter(inp, out, ((x[s:s + 2], np.zeros(9)[s:s + 2])
                                                    for s in range(0, 9, 2)), callbacks=[])


def test_labels_count_mismatch():
    compiled, inp, out = compiled_small()
    with pytest.raises(ValueError,
                       match="Labels for output 'classes' have 3 rows but the inputs have 4"):
        compiled.evaluate({inp: np.zeros((4, 3))}, {out: np.zeros(3)}, callbacks=[])


def test_output_without_readout():
    compiled, inp, _ = compiled_small()
    with pytest.raises(ValueError, match="Population 'pixels' has no readout"):
        compiled.predict({inp: np.zeros((4, 3))}, [inp], callbacks=[])


def test_connection_into_input_population_rejected():
    net, inp, out = small_network()
    with net:
        Connection(out, inp, Dense(np.ones((2, 3))), name="backwards")
    with pytest.raises(ValueError,
                       match="connection 'backwards' targets input population 'pixels'"):
        InferenceCompiler(evaluate_timesteps=2).compile(net)


def test_nested_networks_rejected():
    with Network():
        with pytest.raises(ValueError, match="cannot be nested"):
            with Network():
                pass

"""The runnable-model HDF5 file: round trips, atomic writes and damaged files."""
import os
import zipfile

import h5py
import numpy as np
import pytest

from ml_genn import Connection, Network, Population, RunnableModel, load
from ml_genn.compilers import InferenceCompiler
from ml_genn.connectivity import AvgPool2D, Conv2D, Dense
from ml_genn.initializers import Normal
from ml_genn.neurons import IntegrateFire, IntegrateFireInput, LeakyIntegrateFire
from ml_genn.saving import FORMAT_VERSION, FileFormatError
from ml_genn.synapses import Exponential


def build_model(seed=0):
    rng = np.random.default_rng(seed)
    with Network() as net:
        inp = Population(IntegrateFireInput(input_scale=0.5), (6, 6, 2), name="image")
        conv = Population(IntegrateFire(v_thresh=rng.uniform(0.5, 1.5, (6, 6, 3)),
                                        relative_reset=True, bias=0.01), name="conv")
        pool = Population(IntegrateFire(v_thresh=0.7), name="pool")
        lif = Population(LeakyIntegrateFire(tau_mem=15.0, v=Normal(0.0, 0.1)), 5, name="lif")
        out = Population(IntegrateFire(v_thresh=float(np.finfo(np.float32).max),
                                       readout="var"), 3, name="logits")
        Connection(inp, conv, Conv2D(rng.normal(0, 0.5, (3, 3, 2, 3)), 3, 3,
                                     conv_padding="same"), name="c1")
        Connection(conv, pool, AvgPool2D(2, flatten=True), name="c2")
        Connection(pool, lif, Dense(rng.normal(0, 0.5, (27, 5)), delay=2),
                   synapse=Exponential(tau=3.0), name="c3", max_delay_steps=4)
        Connection(lif, out, Dense(rng.normal(0, 1.0, (5, 3))), name="c4")
    compiler = InferenceCompiler(evaluate_timesteps=12, batch_size=4, rng_seed=3)
    return RunnableModel(net, [inp], [out], compiler,
                         layer_populations={"input_1": inp, "conv2d": conv, "dense": out},
                         metadata={"source_model": "toy", "method": "hand-built",
                                   "numbers": np.arange(3)})


def images(n=10, seed=1):
    return np.random.default_rng(seed).uniform(0, 2, (n, 6, 6, 2)).astype(np.float32)


def test_round_trip_keeps_every_parameter_and_prediction(tmp_path):
    model = build_model()
    path = tmp_path / "toy.h5"
    model.save(path)
    back = load(path)
    assert [p.name for p in back.network.populations] == \
        [p.name for p in model.network.populations]
    for a, b in zip(model.network.populations, back.network.populations, strict=True):
        assert type(a.neuron) is type(b.neuron) and a.shape == b.shape
        assert sorted(vars(a.neuron)) == sorted(vars(b.neuron))
        for name, value in vars(a.neuron).items():
            if isinstance(value, np.ndarray):
                np.testing.assert_array_equal(value, getattr(b.neuron, name))
            elif not hasattr(value, "__dict__"):
                assert getattr(b.neuron, name) == value, name
    for a, b in zip(model.network.connections, back.network.connections, strict=True):
        assert (a.name, a.source().name, a.target().name, a.max_delay_steps) == \
            (b.name, b.source().name, b.target().name, b.max_delay_steps)
        assert type(a.synapse) is type(b.synapse) and vars(a.synapse) == vars(b.synapse)
        np.testing.assert_array_equal(np.asarray(a.connectivity.weight),
                                      np.asarray(b.connectivity.weight))
    assert back.compile_options == model.compile_options
    assert {k: p.name for k, p in back.layer_populations.items()} == \
        {"input_1": "image", "conv2d": "conv", "dense": "logits"}
    assert back.metadata == {"source_model": "toy", "method": "hand-built",
                             "numbers": [0, 1, 2], "format_version": FORMAT_VERSION}
    x = images()
    np.testing.assert_array_equal(back.predict(x), model.predict(x))


def test_save_is_atomic_and_leaves_no_temporary_file(tmp_path):
    path = tmp_path / "model.h5"
    path.write_bytes(b"previous content")
    model = build_model()
    model.metadata["bad"] = object()
    with pytest.raises(TypeError, match="metadata.*object"):
        model.save(path)
    assert path.read_bytes() == b"previous content"
    assert os.listdir(tmp_path) == ["model.h5"]
    del model.metadata["bad"]
    model.save(path)
    assert os.listdir(tmp_path) == ["model.h5"] and load(path).name == "toy"


def test_wrong_kinds_of_file_are_named(tmp_path):
    text = tmp_path / "notes.h5"
    text.write_text("hello, this is text\n")
    with pytest.raises(FileFormatError, match=r"notes\.h5' is text"):
        load(text)
    keras_zip = tmp_path / "model.keras"
    with zipfile.ZipFile(keras_zip, "w") as z:
        z.writestr("config.json", "{}")
    with pytest.raises(FileFormatError, match=r"model\.keras' is a zip archive"):
        load(keras_zip)
    weights = tmp_path / "weights.h5"
    with h5py.File(weights, "w") as f:
        f.attrs["layer_names"] = [b"dense"]
        f.create_dataset("dense/kernel", data=np.ones((2, 2)))
    with pytest.raises(FileFormatError, match=r"weights\.h5' is an HDF5 file but not an "
                                              r"ml_genn model file.*Keras"):
        load(weights)
    with pytest.raises(FileNotFoundError, match="missing.h5"):
        load(tmp_path / "missing.h5")


def test_truncated_corrupted_and_newer_files(tmp_path):
    path = tmp_path / "model.h5"
    build_model().save(path)
    data = path.read_bytes()
    truncated = tmp_path / "truncated.h5"
    truncated.write_bytes(data[:len(data) // 2])
    with pytest.raises(FileFormatError, match=r"truncated\.h5' is a damaged"):
        load(truncated)
    corrupted = tmp_path / "corrupted.h5"
    corrupted.write_bytes(data)
    with h5py.File(corrupted, "a") as f:
        del f["connections/00001/connectivity"].attrs["class"]
    with pytest.raises(FileFormatError, match=r"corrupted\.h5.*not a saved ml_genn object"):
        load(corrupted)
    newer = tmp_path / "newer.h5"
    newer.write_bytes(data)
    with h5py.File(newer, "a") as f:
        f.attrs["format_version"] = FORMAT_VERSION + 1
    with pytest.raises(FileFormatError, match=rf"newer\.h5' uses model file format "
                                              rf"version {FORMAT_VERSION + 1}, newer"):
        load(newer)


def test_classes_outside_ml_genn_are_refused(tmp_path):
    path = tmp_path / "model.h5"
    build_model().save(path)
    with h5py.File(path, "a") as f:
        f["populations/00001/neuron"].attrs["class"] = "os:system"
    with pytest.raises(FileFormatError, match="'os:system' is not from the ml_genn package"):
        load(path)


def test_large_arrays_are_compressed_losslessly(tmp_path):
    from ml_genn.saving.codec import decode, encode
    weight = np.random.default_rng(0).normal(size=(100, 50)).astype(np.float32)
    with h5py.File(tmp_path / "c.h5", "w") as f:
        encode(f.create_group("dense"), Dense(weight))
    with h5py.File(tmp_path / "c.h5", "r") as f:
        assert f["dense/weight"].compression == "gzip"
        np.testing.assert_array_equal(decode(f["dense"], "test").weight, weight)


def test_chained_connectivity_round_trip(tmp_path):
    """A lazy chain (crop, then convolve, then pool) keeps its steps and weights."""
    from ml_genn.connectivity import Chained, Pad2D
    rng = np.random.default_rng(4)
    with Network() as net:
        inp = Population(IntegrateFireInput(), (6, 6, 2), name="image")
        out = Population(IntegrateFire(v_thresh=float(np.finfo(np.float32).max),
                                       readout="var"), name="logits")
        Connection(inp, out, Chained([Pad2D(((-1, 1), (0, 0))),
                                      Conv2D(rng.normal(0, 0.5, (3, 3, 2, 4)), 4, 3),
                                      AvgPool2D(2)]), name="chain")
    model = RunnableModel(net, [inp], [out], InferenceCompiler(evaluate_timesteps=3,
                                                               batch_size=4))
    model.save(tmp_path / "chain.h5")
    back = load(tmp_path / "chain.h5")
    steps = back.network.connections[0].connectivity.steps
    assert [type(s).__name__ for s in steps] == ["Pad2D", "Conv2D", "AvgPool2D"]
    x = images(6)
    np.testing.assert_array_equal(back.predict(x), model.predict(x))
    assert np.abs(model.predict(x)).sum() > 0

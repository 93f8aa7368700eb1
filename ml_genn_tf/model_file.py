"""Loading a Keras model from a file, with errors that say what the file is and is not.

Keras 3 loads ``.keras`` archives (a zip holding ``config.json``) and legacy ``.h5``
files (HDF5 with a ``model_config`` attribute). Before handing a path to Keras,
:func:`describe_model_file` looks at its content, so that a missing file, a directory,
text, random bytes, a weights-only ``.h5`` or a model file with the wrong extension give
an error naming the file, instead of h5py's "file signature not found".
"""
from __future__ import annotations

import os
import zipfile
from typing import Any

import h5py
import keras

#: Extensions under which Keras loads each format.
KERAS_SUFFIXES = (".keras",)
H5_SUFFIXES = (".h5", ".hdf5")
#: Bytes read to tell text from binary data.
_SNIFF_BYTES = 4096
_SAVE_HINT = "Save the whole model with model.save('model.keras') and pass that file."


def _not_a_model(path: str, what: str, hint: str = _SAVE_HINT) -> ValueError:
    return ValueError(f"'{path}' is not a Keras model: it is {what}. {hint}")


def _describe_hdf5(path: str) -> None:
    with h5py.File(path, "r") as f:
        if "model_config" in f.attrs:
            if not path.lower().endswith(H5_SUFFIXES):
                raise ValueError(f"'{path}' is a legacy HDF5 Keras model, but Keras loads "
                                 f"those only from files named '*.h5' or '*.hdf5': rename it.")
            return
        if "layer_names" in f.attrs or {"layers", "vars"} & set(f.keys()):
            raise _not_a_model(path, "an HDF5 file of weights only (from "
                                     "model.save_weights), without the model's architecture",
                               f"Build the model in code, call model.load_weights('{path}'), "
                               f"and pass the model; or save it with "
                               f"model.save('model.keras').")
        raise _not_a_model(path, f"an HDF5 file without a Keras model (no 'model_config' "
                                 f"attribute; top-level keys {sorted(f.keys())[:8]})")


def _describe_zip(path: str) -> None:
    with zipfile.ZipFile(path) as archive:
        names = archive.namelist()
    if "config.json" not in names:
        raise _not_a_model(path, f"a zip archive without config.json (a .keras archive "
                                 f"holds config.json and model.weights.h5; found "
                                 f"{names[:8]})")
    if not path.lower().endswith(KERAS_SUFFIXES):
        raise ValueError(f"'{path}' is a Keras model archive, but Keras loads those only "
                         f"from files named '*.keras': rename it.")


def _describe_other(path: str) -> None:
    with open(path, "rb") as f:
        head = f.read(_SNIFF_BYTES)
    size = os.path.getsize(path)
    if not head:
        raise _not_a_model(path, "an empty file")
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError:
        text = None
    if text is not None and "\x00" not in text:
        if text.lstrip().startswith("{") and '"class_name"' in text:
            raise _not_a_model(path, "a JSON model architecture (model.to_json()) without "
                                     "weights",
                               "Rebuild it with keras.models.model_from_json, load its "
                               "weights, and pass the model.")
        start = " ".join(text[:40].split())
        raise _not_a_model(path, f"a text file ({size} bytes, starting {start!r})")
    raise _not_a_model(path, f"{size} bytes of binary data (starting {head[:8].hex(' ')}), "
                             f"neither a .keras archive (zip) nor an HDF5 .h5 file")


def describe_model_file(path: str) -> None:
    """Raise if ``path`` is not a file Keras can load as a model.

    Remote paths (``gs://``, ``hf://``, ...) are left to Keras.

    Raises:
        FileNotFoundError: no file at ``path`` (naming the working directory if ``path``
            is relative).
        ValueError: ``path`` is a directory without a Keras model, a text file, random
            bytes, a weights-only HDF5 file, a zip that is no ``.keras`` archive, or a model
            file whose extension Keras does not load it under (each named in the message).

    Example:
        >>> describe_model_file("/no/such/model.keras")
        Traceback (most recent call last):
        ...
        FileNotFoundError: No Keras model file at '/no/such/model.keras': the file does not exist.
    """
    if "://" in path:
        return   # remote (gs://, hf://...): Keras reads it
    if os.path.isdir(path):
        if os.path.exists(os.path.join(path, "config.json")):
            return
        if os.path.exists(os.path.join(path, "saved_model.pb")):
            raise _not_a_model(path, "a TensorFlow SavedModel directory, which Keras 3 "
                                     "cannot load as a model",
                               "Load it with Keras 2 / tf.keras and save it with "
                               "model.save('model.keras').")
        raise _not_a_model(path, "a directory")
    if not os.path.exists(path):
        where = "" if os.path.isabs(path) else \
            f" (relative to the working directory '{os.getcwd()}')"
        raise FileNotFoundError(f"No Keras model file at '{path}': the file does not "
                                f"exist{where}.")
    if h5py.is_hdf5(path):
        _describe_hdf5(path)
    elif zipfile.is_zipfile(path):
        _describe_zip(path)
    else:
        _describe_other(path)


def load_keras_model(model: Any) -> Any:
    """A Keras model, loaded (uncompiled) if ``model`` is a ``.keras``/``.h5`` path.

    Raises:
        FileNotFoundError, ValueError: see :func:`describe_model_file`; a ValueError also
            when Keras fails to read a file that looks like a model (naming the file).
    """
    if not isinstance(model, (str, os.PathLike)):
        return model
    path = os.fspath(model)
    describe_model_file(path)
    try:
        return keras.models.load_model(path, compile=False)
    except (ValueError, OSError, KeyError) as err:
        raise ValueError(f"Keras could not load the model in '{path}': {err}") from err

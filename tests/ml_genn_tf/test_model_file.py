"""Model paths that are not Keras models (ml_genn_tf/model_file.py): every error names
the file and says what it is and is not."""
import os
import re
import zipfile

import h5py
import keras
import numpy as np
import pytest

from ml_genn_tf import convert_model
from ml_genn_tf.model_file import describe_model_file, load_keras_model


def q(path):
    """``path`` as a regular expression."""
    return re.escape(str(path))


def small():
    return keras.Sequential([keras.Input((4,), name="x"), keras.layers.Dense(2)])


def convert(path):
    return convert_model(str(path), "simple", timesteps=4, batch_size=2)


def test_missing_file(tmp_path, monkeypatch):
    path = tmp_path / "missing.keras"
    with pytest.raises(FileNotFoundError, match=rf"No Keras model file at '{q(path)}': the file "
                                                r"does not exist\."):
        convert(path)
    monkeypatch.chdir(tmp_path)
    with pytest.raises(FileNotFoundError, match=r"No Keras model file at 'models/net\.keras': "
                                                r"the file does not exist \(relative to the "
                                                rf"working directory '{q(tmp_path)}'\)\."):
        convert("models/net.keras")


def test_random_bytes(tmp_path):
    path = tmp_path / "random.h5"
    path.write_bytes(bytes([7, 200, 13, 0]) + np.random.default_rng(0).bytes(996))
    with pytest.raises(ValueError, match=rf"'{q(path)}' is not a Keras model: it is 1000 bytes "
                                         r"of binary data \(starting 07 c8 0d 00 .*\), neither "
                                         r"a \.keras archive \(zip\) nor an HDF5 \.h5 file\. "
                                         r"Save the whole model with model\.save"):
        convert(path)


def test_text_and_empty_files(tmp_path):
    path = tmp_path / "notes.keras"
    path.write_text("epoch 1: loss 0.3\nepoch 2: loss 0.2\n")
    with pytest.raises(ValueError, match=rf"'{q(path)}' is not a Keras model: it is a text file "
                                         r"\(36 bytes, starting 'epoch 1: loss 0\.3 epoch 2"):
        convert(path)
    empty = tmp_path / "empty.h5"
    empty.write_bytes(b"")
    with pytest.raises(ValueError, match=rf"'{q(empty)}' is not a Keras model: it is an empty "
                                         r"file"):
        convert(empty)


def test_json_architecture_without_weights(tmp_path):
    path = tmp_path / "model.json"
    path.write_text(small().to_json())
    with pytest.raises(ValueError, match=r"is not a Keras model: it is a JSON model "
                                         r"architecture \(model\.to_json\(\)\) without weights\. "
                                         r"Rebuild it with keras\.models\.model_from_json"):
        convert(path)


def test_weights_only_h5(tmp_path):
    path = tmp_path / "model.weights.h5"
    small().save_weights(path)
    with pytest.raises(ValueError, match=rf"'{q(path)}' is not a Keras model: it is an HDF5 file "
                                         r"of weights only \(from model\.save_weights\), "
                                         r"without the model's architecture\. Build the model "
                                         rf"in code, call model\.load_weights\('{q(path)}'\)"):
        convert(path)
    legacy = tmp_path / "legacy_weights.h5"       # Keras 2's save_weights layout
    with h5py.File(legacy, "w") as f:
        f.attrs["layer_names"] = [b"dense"]
    with pytest.raises(ValueError, match="an HDF5 file of weights only"):
        describe_model_file(str(legacy))
    other = tmp_path / "data.h5"
    with h5py.File(other, "w") as f:
        f["images"] = np.zeros(3)
    with pytest.raises(ValueError, match=rf"'{q(other)}' is not a Keras model: it is an HDF5 file "
                                         r"without a Keras model \(no 'model_config' "
                                         r"attribute; top-level keys \['images'\]\)"):
        describe_model_file(str(other))


def test_zip_files(tmp_path):
    path = tmp_path / "archive.keras"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("readme.txt", "hello")
    with pytest.raises(ValueError, match=rf"'{q(path)}' is not a Keras model: it is a zip archive "
                                         r"without config\.json .*found \['readme\.txt'\]"):
        convert(path)
    model_zip = tmp_path / "model.zip"
    small().save(tmp_path / "model.keras")
    os.rename(tmp_path / "model.keras", model_zip)
    with pytest.raises(ValueError, match=rf"'{q(model_zip)}' is a Keras model archive, but Keras "
                                         r"loads those only from files named '\*\.keras': "
                                         r"rename it\."):
        convert(model_zip)
    broken = tmp_path / "broken.keras"
    with zipfile.ZipFile(broken, "w") as archive:
        archive.writestr("config.json", "{not json")
    with pytest.raises(ValueError, match=rf"Keras could not load the model in '{q(broken)}': "):
        convert(broken)


def test_legacy_h5_model_with_another_extension(tmp_path):
    small().save(tmp_path / "model.h5")
    path = tmp_path / "model.bin"
    os.rename(tmp_path / "model.h5", path)
    with pytest.raises(ValueError, match=rf"'{q(path)}' is a legacy HDF5 Keras model, but Keras "
                                         r"loads those only from files named '\*\.h5' or "
                                         r"'\*\.hdf5': rename it\."):
        convert(path)


def test_directories(tmp_path):
    with pytest.raises(ValueError, match=rf"'{q(tmp_path)}' is not a Keras model: it is a "
                                         r"directory\."):
        convert(tmp_path)
    (tmp_path / "saved_model.pb").write_bytes(b"\x08\x01")
    with pytest.raises(ValueError, match=r"is not a Keras model: it is a TensorFlow SavedModel "
                                         r"directory, which Keras 3 cannot load as a model\. "
                                         r"Load it with Keras 2"):
        convert(tmp_path)


def test_real_model_files_still_load(tmp_path):
    model = small()
    for name in ("model.keras", "model.h5"):
        model.save(tmp_path / name)
        loaded = load_keras_model(tmp_path / name)
        for want, got in zip(model.get_weights(), loaded.get_weights(), strict=True):
            np.testing.assert_array_equal(got, want)
    assert load_keras_model(model) is model

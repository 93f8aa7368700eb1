"""The runnable-model file: one HDF5 file holding a network, its compiler options,
input/output populations, the Keras-layer-name map and metadata.

Layout (format version 1)::

    /                      attrs: format="ml_genn.RunnableModel", format_version,
                                  ml_genn_version, model (JSON: inputs, outputs,
                                  output_shapes, layer_populations, compiler),
                                  metadata (JSON)
    /populations/<i>       attrs: name, shape, record_spikes, record_spike_events
    /populations/<i>/neuron            the neuron (see :mod:`ml_genn.saving.codec`)
    /connections/<i>       attrs: name, source, target, max_delay_steps
    /connections/<i>/connectivity      weights, delays, geometry
    /connections/<i>/synapse

Saving writes a temporary file in the same folder and renames it over ``path``.
"""
from __future__ import annotations

import importlib
import inspect
import json
import os
import tempfile
from typing import TYPE_CHECKING, Any

import h5py
import numpy as np

from ..connection import Connection
from ..network import Network
from ..population import Population
from .codec import FileFormatError, decode, encode, from_json_value, to_json_value

if TYPE_CHECKING:
    from ..runnable import RunnableModel

FORMAT = "ml_genn.RunnableModel"
FORMAT_VERSION = 1
_HDF5_SIGNATURE = b"\x89HDF\r\n\x1a\n"


def _json(value: Any, where: str) -> str:
    return json.dumps(to_json_value(value, where))


def _unjson(text: Any) -> Any:
    return from_json_value(json.loads(text))


def _package_version() -> str:
    from importlib.metadata import PackageNotFoundError, version
    try:
        return version("ml_genn")
    except PackageNotFoundError:
        return "unknown"


def compiler_spec(compiler: Any) -> dict:
    """``{"class": "module:Name", "options": {...}}``: the compiler's constructor
    arguments that it keeps as plain public attributes."""
    cls = type(compiler)
    accepted: set[str] = set()
    for base in cls.__mro__:
        if base is object:
            break
        accepted |= set(inspect.signature(base).parameters) - {"kwargs"}
    options = {k: v for k, v in vars(compiler).items()
               if k in accepted and (v is None or isinstance(v, (bool, int, float, str)))}
    return {"class": f"{cls.__module__}:{cls.__qualname__}", "options": options}


def build_compiler(spec: dict, where: str) -> Any:
    """The compiler described by :func:`compiler_spec`."""
    module_name, _, name = spec["class"].partition(":")
    if not module_name.startswith("ml_genn."):
        raise FileFormatError(f"{where}: compiler class '{spec['class']}' is not from ml_genn.")
    try:
        cls = getattr(importlib.import_module(module_name), name)
    except (ImportError, AttributeError):
        module_name = "ml_genn.compilers"
        cls = getattr(importlib.import_module(module_name), name, None)
        if cls is None:
            raise FileFormatError(f"{where}: unknown compiler '{spec['class']}'.") from None
    return cls(**spec["options"])


def save_model(model: RunnableModel, path: str | os.PathLike) -> None:
    """Write ``model`` to ``path`` (HDF5), atomically."""
    path = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".tmp-", suffix=".h5")
    os.close(fd)
    try:
        with h5py.File(tmp, "w") as f:
            _write(f, model, path)
        mask = os.umask(0)
        os.umask(mask)
        os.chmod(tmp, 0o666 & ~mask)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def _write(f: h5py.File, model: RunnableModel, path: str) -> None:
    where = f"Saving to '{path}'"
    network = model.network
    f.attrs["format"] = FORMAT
    f.attrs["format_version"] = FORMAT_VERSION
    f.attrs["ml_genn_version"] = _package_version()
    pops = f.create_group("populations")
    for i, pop in enumerate(network.populations):
        g = pops.create_group(f"{i:05d}")
        g.attrs["name"] = pop.name
        g.attrs["shape"] = _json(pop.shape, where)
        g.attrs["record_spikes"] = pop.record_spikes
        g.attrs["record_spike_events"] = pop.record_spike_events
        encode(g.create_group("neuron"), pop.neuron)
    conns = f.create_group("connections")
    for i, conn in enumerate(network.connections):
        g = conns.create_group(f"{i:05d}")
        g.attrs["name"] = conn.name
        g.attrs["source"] = conn.source().name
        g.attrs["target"] = conn.target().name
        g.attrs["max_delay_steps"] = _json(conn.max_delay_steps, where)
        encode(g.create_group("connectivity"), conn.connectivity)
        encode(g.create_group("synapse"), conn.synapse)
    description = {
        "inputs": [p.name for p in model.inputs],
        "outputs": [p.name for p in model.outputs],
        "output_shapes": [tuple(s) for s in model.output_shapes],
        "layer_populations": {layer: pop.name for layer, pop in model.layer_populations.items()},
        "compiler": compiler_spec(model.compiler)}
    f.attrs["model"] = _json(description, where)
    f.attrs["metadata"] = _json(_jsonable({**model.metadata, "format_version": FORMAT_VERSION}),
                                where + " (metadata)")


def _jsonable(value: Any) -> Any:
    """Metadata with NumPy scalars and arrays turned into Python numbers and lists."""
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_jsonable(v) for v in value)
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    return value


def _open(path: str) -> h5py.File:
    if not os.path.exists(path):
        raise FileNotFoundError(f"No saved model at '{path}'.")
    with open(path, "rb") as raw:
        head = raw.read(8)
    if head != _HDF5_SIGNATURE:
        kind = "a zip archive (a Keras .keras model?)" if head[:2] == b"PK" else \
            "text" if head and all(32 <= b < 127 or b in b"\t\r\n" for b in head) else \
            "not an HDF5 file"
        raise FileFormatError(f"'{path}' is {kind}, not an ml_genn model file; save one "
                              f"with RunnableModel.save(path) / ConvertedModel.save(path).")
    try:
        return h5py.File(path, "r")
    except OSError as err:
        raise FileFormatError(f"'{path}' is a damaged or truncated HDF5 file ({err}); "
                              f"save the model again.") from None


def load(path: str | os.PathLike) -> RunnableModel:
    """Load a model saved by ``save(path)``; needs neither Keras nor TensorFlow.

    Raises:
        FileNotFoundError: no file at ``path``.
        FileFormatError (a ``ValueError``): not an ml_genn model file (a Keras model, a
            weights file, text), a damaged or truncated one, or one written by a newer
            format version.
    """
    path = os.fspath(path)
    with _open(path) as f:
        try:
            return _read(f, path)
        except FileFormatError:
            raise
        except (KeyError, OSError, ValueError, TypeError) as err:
            raise FileFormatError(f"'{path}' is a damaged ml_genn model file ({err}); "
                                  f"save the model again.") from None


def _read(f: h5py.File, path: str) -> RunnableModel:
    from ..runnable import RunnableModel
    where = f"Loading '{path}'"
    kind = f.attrs.get("format")
    if kind != FORMAT:
        hint = " It looks like a Keras model or weights file." if \
            "keras_version" in f.attrs or "model_weights" in f or "layer_names" in f.attrs \
            else ""
        raise FileFormatError(f"'{path}' is an HDF5 file but not an ml_genn model file "
                              f"(format attribute {kind!r}).{hint} Load Keras files with "
                              f"keras.models.load_model and convert them.")
    version = int(f.attrs["format_version"])
    if version > FORMAT_VERSION:
        raise FileFormatError(f"'{path}' uses model file format version {version}, newer "
                              f"than this ml_genn reads ({FORMAT_VERSION}, ml_genn "
                              f"{_package_version()}); upgrade ml_genn to load it.")
    description = _unjson(f.attrs["model"])
    network = Network()
    by_name = {}
    with network:
        for key in sorted(f["populations"]):
            g = f["populations"][key]
            shape = _unjson(g.attrs["shape"])
            pop = Population(decode(g["neuron"], where), shape,
                             record_spikes=bool(g.attrs["record_spikes"]),
                             record_spike_events=bool(g.attrs["record_spike_events"]),
                             name=str(g.attrs["name"]))
            by_name[pop.name] = pop
        for key in sorted(f["connections"]):
            g = f["connections"][key]
            Connection(by_name[str(g.attrs["source"])], by_name[str(g.attrs["target"])],
                       decode(g["connectivity"], where), decode(g["synapse"], where),
                       name=str(g.attrs["name"]),
                       max_delay_steps=_unjson(g.attrs["max_delay_steps"]))
    return RunnableModel(
        network, [by_name[n] for n in description["inputs"]],
        [by_name[n] for n in description["outputs"]],
        build_compiler(description["compiler"], where),
        layer_populations={layer: by_name[n]
                           for layer, n in description["layer_populations"].items()},
        metadata=_unjson(f.attrs["metadata"]),
        output_shapes=[tuple(s) for s in description["output_shapes"]])

"""Description objects (neurons, connectivity, synapses, readouts, initializers,
compilers) to and from HDF5 groups.

An object is stored as a group whose ``class`` attribute names its class
(``module:QualName``, only from the ``ml_genn`` package) and whose members hold its
attributes: NumPy arrays as datasets, nested description objects as sub-groups, and
every plain value (None, bool, int, float, str, and tuples, lists and string-keyed
dicts of them) in one JSON attribute ``fields``. Decoding creates the object without
calling its constructor and restores its attributes, so every parameter (thresholds,
alphas, biases, flags) comes back exactly as it was.
"""
from __future__ import annotations

import importlib
import json
import math
from typing import Any

import h5py
import numpy as np

#: Arrays of at least this many elements are stored gzip-compressed (lossless).
COMPRESS_FROM = 4096
#: Only classes from these packages are rebuilt from a file.
TRUSTED_PACKAGES = ("ml_genn",)


class FileFormatError(ValueError):
    """A saved model file is damaged, of another kind, or from a newer format."""


def to_json_value(value: Any, where: str) -> Any:
    """A JSON-ready copy of a plain value; tuples and non-finite floats are tagged so
    that :func:`from_json_value` gives them back exactly.

    Raises:
        TypeError: ``value`` is not a plain value (``where`` names its owner).
    """
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        return int(value)
    if isinstance(value, (float, np.floating)):
        value = float(value)
        return value if math.isfinite(value) else {"__float__": repr(value)}
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, tuple):
        return {"__tuple__": [to_json_value(v, where) for v in value]}
    if isinstance(value, list):
        return [to_json_value(v, where) for v in value]
    if isinstance(value, dict) and all(isinstance(k, str) and not k.startswith("__")
                                       for k in value):
        return {k: to_json_value(v, where) for k, v in value.items()}
    raise TypeError(f"{where}: cannot save a value of type {type(value).__name__} "
                    f"({value!r}); description objects may hold numbers, strings, "
                    f"tuples, NumPy arrays and other ml_genn objects.")


def from_json_value(value: Any) -> Any:
    """The value :func:`to_json_value` encoded."""
    if isinstance(value, dict) and "__tuple__" in value:
        return tuple(from_json_value(v) for v in value["__tuple__"])
    if isinstance(value, dict) and "__float__" in value:
        return float(value["__float__"])
    if isinstance(value, list):
        return [from_json_value(v) for v in value]
    if isinstance(value, dict):
        return {k: from_json_value(v) for k, v in value.items()}
    return value


def _is_description(value: Any) -> bool:
    module = type(value).__module__
    return any(module == p or module.startswith(p + ".") for p in TRUSTED_PACKAGES) \
        and hasattr(value, "__dict__")


def encode(group: h5py.Group, obj: Any) -> None:
    """Write ``obj`` (an ml_genn description object) into ``group``.

    Raises:
        TypeError: an attribute holds a value that cannot be saved, or ``obj`` is not
            an ml_genn object (a user-defined class cannot be loaded back).
    """
    cls = type(obj)
    where = f"{cls.__name__} '{group.name}'"
    if not _is_description(obj):
        raise TypeError(f"{where}: only ml_genn classes can be saved; {cls.__module__}."
                        f"{cls.__qualname__} is not one. Register the model with ml_genn's "
                        f"built-in classes, or save its weights with CompiledNetwork.save.")
    group.attrs["class"] = f"{cls.__module__}:{cls.__qualname__}"
    fields = {}
    for name, value in vars(obj).items():
        if isinstance(value, np.ndarray):
            group.create_dataset(name, data=value, compression="gzip" if
                                 value.size >= COMPRESS_FROM else None)
        elif _is_description(value):
            encode(group.create_group(name), value)
        elif isinstance(value, (list, tuple)) and value and all(map(_is_description, value)):
            _encode_sequence(group.create_group(name), value)
        else:
            fields[name] = to_json_value(value, f"{where}, attribute '{name}'")
    group.attrs["fields"] = json.dumps(fields)


def _encode_sequence(group: h5py.Group, items: list | tuple) -> None:
    """A list or tuple of ml_genn objects (e.g. the steps of a ``Chained``
    connectivity): one subgroup per item, named by its index."""
    group.attrs["sequence"] = type(items).__name__
    for index, item in enumerate(items):
        encode(group.create_group(str(index)), item)


def _decode_sequence(group: h5py.Group, where: str) -> list | tuple:
    items = [decode(group[str(index)], where) for index in range(len(group))]
    return tuple(items) if group.attrs["sequence"] == "tuple" else items


def _resolve_class(path: str, where: str) -> Any:
    module_name, _, qualname = path.partition(":")
    if not any(module_name == p or module_name.startswith(p + ".") for p in TRUSTED_PACKAGES):
        raise FileFormatError(f"{where}: class '{path}' is not from the ml_genn package; "
                              f"only ml_genn classes are loaded from files.")
    try:
        obj: Any = importlib.import_module(module_name)
        for part in qualname.split("."):
            obj = getattr(obj, part)
    except (ImportError, AttributeError) as err:
        raise FileFormatError(f"{where}: class '{path}' does not exist in this version of "
                              f"ml_genn ({err}); load the file with the version that "
                              f"wrote it.") from None
    return obj


def decode(group: h5py.Group, where: str) -> Any:
    """Rebuild the object written by :func:`encode` into ``group``.

    Raises:
        FileFormatError: the group is not an encoded object or names an unknown class.
    """
    if "class" not in group.attrs or "fields" not in group.attrs:
        raise FileFormatError(f"{where}: group '{group.name}' is not a saved ml_genn object "
                              f"(no 'class'/'fields' attributes).")
    cls = _resolve_class(str(group.attrs["class"]), where)
    obj = cls.__new__(cls)
    try:
        fields = json.loads(group.attrs["fields"])
    except (TypeError, ValueError) as err:
        raise FileFormatError(f"{where}: group '{group.name}' has unreadable fields "
                              f"({err}).") from None
    state = {name: from_json_value(value) for name, value in fields.items()}
    for name, member in group.items():
        if isinstance(member, h5py.Dataset):
            state[name] = np.array(member[()])
        elif "sequence" in member.attrs:
            state[name] = _decode_sequence(member, where)
        else:
            state[name] = decode(member, where)
    obj.__dict__.update(state)
    return obj

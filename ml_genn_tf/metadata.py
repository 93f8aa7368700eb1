"""What a converted model records about its conversion (saved with it)."""
from __future__ import annotations

import enum
import hashlib
import platform
from importlib.metadata import PackageNotFoundError, version
from typing import Any

import numpy as np

#: Converter attributes that are working state, not options.
_NOT_OPTIONS = {"norm_data", "mapped", "stats", "precomputed_stats", "pre_convert_output",
                "current_population", "thresholds", "progress"}
#: Packages whose versions are recorded.
PACKAGES = ("ml_genn", "keras", "jax", "jaxlib", "numpy", "h5py", "tensorflow")


def package_versions() -> dict[str, str]:
    """Installed versions of the packages a conversion depends on, and Python's."""
    found = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            found[name] = version(name)
        except PackageNotFoundError:
            pass
    return found


def weights_sha256(keras_model: Any) -> str:
    """sha256 over every weight array of the model (shape, dtype and bytes, in order)."""
    digest = hashlib.sha256()
    for w in keras_model.get_weights():
        w = np.ascontiguousarray(w)
        digest.update(f"{w.dtype.str}{w.shape}".encode())
        digest.update(w.tobytes())
    return digest.hexdigest()


def converter_options(converter: Any) -> dict:
    """The converter's options (its public attributes of plain types)."""
    options = {}
    for name, value in vars(converter).items():
        if name.startswith("_") or name in _NOT_OPTIONS:
            continue
        if isinstance(value, enum.Enum):
            value = value.value
        if value is None or isinstance(value, (bool, int, float, str)):
            options[name] = value
    return options


def _floats(mapping: dict) -> dict:
    return {str(k): float(v) for k, v in mapping.items()}


def calibration_summary(converter: Any) -> dict:
    """Per population: the alphas (few-spike), scales (data-norm) or thresholds
    (spike-norm) the conversion chose, and the activation range where measured."""
    pre: Any = getattr(converter, "pre_convert_output", None)
    summary: dict = {"calibrated": getattr(converter, "norm_data", None) is not None}
    if hasattr(pre, "alphas"):
        summary["alphas"] = _floats(pre.alphas)
    if hasattr(pre, "scales"):
        summary["scales"] = _floats(pre.scales)
    if getattr(converter, "thresholds", None):
        summary["thresholds"] = _floats(converter.thresholds)
    stats = getattr(converter, "stats", None)
    if stats:
        summary["activation_range"] = {name: [float(s.min), float(s.max)]
                                       for name, s in stats.items()}
    return summary


def conversion_metadata(keras_model: Any, converter: Any, method: str,
                        compile_options: dict) -> dict:
    """The metadata of a fresh conversion (``ann_accuracy`` is added when measured)."""
    pre: Any = getattr(converter, "pre_convert_output", None)
    metadata = {"source_model": str(getattr(keras_model, "name", "model")),
                "weights_sha256": weights_sha256(keras_model),
                "method": method, "converter": type(converter).__name__,
                "options": converter_options(converter),
                "compile_options": dict(compile_options),
                "calibration": calibration_summary(converter),
                "versions": package_versions(), "ann_accuracy": None}
    if hasattr(pre, "scales"):
        metadata["population_scales"] = _floats(pre.scales)
    return metadata

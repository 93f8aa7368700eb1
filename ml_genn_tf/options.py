"""Every option of :func:`ml_genn_tf.convert_model`, by method, checked before anything runs.

A method's options are its converter's constructor arguments and the arguments of the
compiler class it creates (``Converter.compiler_class`` and that class's bases), read from
their signatures, so they cannot drift from the code. Besides those, every method takes
the options of :data:`COMMON` and the short names of :data:`ALIASES`.

- an option no method knows raises a ``TypeError`` listing the method's options and
  suggesting the closest name (``kk`` -> ``k``);
- an option of another method (``k`` with ``data_norm``) is ignored, with one warning
  naming every such option, so that one options dict serves a loop over methods.
"""
from __future__ import annotations

import difflib
import inspect
import warnings
from typing import Any, NamedTuple

from .converters import QCFS, DataNorm, FewSpike, Simple, SpikeNorm
from .converters.converter import Converter

#: Method name -> converter class.
METHODS: dict[str, type[Converter]] = {"few_spike": FewSpike, "data_norm": DataNorm,
                                       "simple": Simple, "spike_norm": SpikeNorm,
                                       "qcfs": QCFS}
#: Short names: ``timesteps`` is ``evaluate_timesteps`` (as on the command line).
ALIASES = {"timesteps": "evaluate_timesteps"}
#: Options of ``convert_model`` itself, valid for every method (``progress``: show a
#: progress bar when calibration takes over 2 s, default True).
COMMON = frozenset({"progress"})

_KINDS = (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)


class MethodOptions(NamedTuple):
    """The options of one method.

    Attributes:
        converter: the converter's constructor arguments.
        compiler: the compiler's arguments (less those the converter sets, such as ``k``).
    """

    converter: frozenset[str]
    compiler: frozenset[str]

    @property
    def names(self) -> frozenset[str]:
        """Every option of the method: converter, compiler and :data:`COMMON`."""
        return self.converter | self.compiler | COMMON


class Options(NamedTuple):
    """Options split by where they go (see :func:`split_options`).

    Attributes:
        converter: arguments of the method's converter.
        compiler: arguments of its ``create_compiler``.
        common: options of ``convert_model`` itself (:data:`COMMON`).
    """

    converter: dict[str, Any]
    compiler: dict[str, Any]
    common: dict[str, Any]


def _arguments(function: Any) -> set[str]:
    """Named arguments of ``function`` (a class: of its constructor)."""
    return {p.name for p in inspect.signature(function).parameters.values()
            if p.kind in _KINDS and p.name != "self"}


def compiler_options(compiler_class: type) -> set[str]:
    """The named arguments of ``compiler_class`` and of its bases (which receive its
    ``**kwargs``).

    Example:
        >>> from ml_genn.compilers import FewSpikeCompiler
        >>> {"k", "batch_size", "dt"} <= compiler_options(FewSpikeCompiler)
        True
    """
    names: set[str] = set()
    for cls in compiler_class.__mro__:
        if cls is not object and "__init__" in vars(cls):
            names |= _arguments(vars(cls)["__init__"])
    return names


def method_options(method: str) -> MethodOptions:
    """The options of ``method`` (a key of :data:`METHODS`).

    Example:
        >>> sorted(method_options("few_spike").converter)
        ['alpha', 'k', 'mode', 'norm_data', 'percentile', 'rounding', 'signed_input']
    """
    converter_class = METHODS[method]
    converter = _arguments(converter_class)
    compiler = compiler_options(converter_class.compiler_class) - converter
    return MethodOptions(frozenset(converter), frozenset(compiler))


def known_options() -> frozenset[str]:
    """Every option of every method, with the aliases."""
    names = set(COMMON) | set(ALIASES)
    for method in METHODS:
        names |= method_options(method).names
    return frozenset(names)


def _suggestion(name: str, own: frozenset[str]) -> str:
    close = difflib.get_close_matches(name, sorted(own | set(ALIASES)), n=1) or \
        difflib.get_close_matches(name, sorted(known_options()), n=1)
    return f" (did you mean '{close[0]}'?)" if close else ""


def _unknown_message(method: str, unknown: list[str], own: MethodOptions) -> str:
    names = ", ".join(f"'{name}'{_suggestion(name, own.names)}" for name in unknown)
    aliases = ", ".join(f"{short} (= {full})" for short, full in ALIASES.items()
                        if full in own.names)
    return (f"convert_model(method={method!r}): unknown option{'s' if len(unknown) > 1 else ''} "
            f"{names}. Valid options for {method}: converter: {', '.join(sorted(own.converter))}; "
            f"compiler: {', '.join(sorted(own.compiler))}; all methods: "
            f"{', '.join(sorted(COMMON))}" + (f"; short names: {aliases}" if aliases else "")
            + ".")


def _owners(name: str) -> list[str]:
    return [m for m in METHODS if name in method_options(m).names]


def split_options(method: str, options: dict[str, Any]) -> Options:
    """Check ``options`` for ``method`` and split them into converter, compiler and
    common options; ``timesteps`` becomes ``evaluate_timesteps``.

    Raises:
        ValueError: an unknown method.
        TypeError: an option no method knows (listing the valid ones, with the closest
            name), or an option given under both its names.

    Warns:
        UserWarning: once, naming the options that belong to other methods only (they
            are ignored).

    Example:
        >>> split_options("data_norm", {"timesteps": 100, "batch_size": 8})
        Options(converter={'evaluate_timesteps': 100}, compiler={'batch_size': 8}, common={})
    """
    if method not in METHODS:
        close = difflib.get_close_matches(str(method), sorted(METHODS), n=1)
        raise ValueError(f"Unknown conversion method {method!r}; choose one of "
                         f"{sorted(METHODS)}" + (f" (did you mean {close[0]!r}?)" if close
                                                 else "") + ".")
    resolved: dict[str, Any] = {}
    for name, value in options.items():
        full = ALIASES.get(name, name)
        if full in resolved:
            raise TypeError(f"convert_model: option {full!r} given twice (as "
                            f"{[n for n in options if ALIASES.get(n, n) == full]}); pass one.")
        resolved[full] = value
    own = method_options(method)
    unknown = sorted(set(resolved) - known_options())
    if unknown:
        raise TypeError(_unknown_message(method, [_original(n, options) for n in unknown], own))
    ignored = sorted(set(resolved) - own.names)
    if ignored:
        listed = ", ".join(f"'{_original(n, options)}' (for {', '.join(_owners(n))})"
                           for n in ignored)
        warnings.warn(f"convert_model(method={method!r}) ignores option"
                      f"{'s' if len(ignored) > 1 else ''} {listed}, which "
                      f"{'do' if len(ignored) > 1 else 'does'} not apply to {method}.",
                      UserWarning, stacklevel=3)
    return Options({k: v for k, v in resolved.items() if k in own.converter},
                   {k: v for k, v in resolved.items() if k in own.compiler},
                   {k: v for k, v in resolved.items() if k in COMMON})


def _original(name: str, options: dict[str, Any]) -> str:
    """The name the user gave for option ``name`` (an alias or the name itself)."""
    return next((n for n in options if ALIASES.get(n, n) == name), name)

"""Conversion errors: every problem names the layer, says why, and says what to do.

Handlers raise :class:`UnsupportedLayer` (valid Keras, not convertible) or
:class:`InvalidLayer` (a value the conversion cannot accept); the lowering pass
(:func:`ml_genn_tf.graph.lower.lower_layers`) collects every :class:`Problem` of a model
and raises one :class:`ConversionError` listing them all.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple


class Problem(NamedTuple):
    """One reason a layer cannot be converted.

    Attributes:
        layer: the layer's name.
        class_name: the layer's Keras class name.
        reason: what is wrong, with the received values.
        hint: what to do instead.
        unsupported: True for valid Keras we do not support (NotImplementedError),
            False for a bad value (ValueError).
    """

    layer: str
    class_name: str
    reason: str
    hint: str = ""
    unsupported: bool = True

    def __str__(self) -> str:
        text = f"Layer '{self.layer}' ({self.class_name}): {self.reason}"
        if not text.endswith("."):
            text += "."
        return f"{text} {self.hint}".rstrip()


def _layer_names(layer: Any) -> tuple[str, str]:
    if isinstance(layer, tuple):
        return layer
    return getattr(layer, "name", str(layer)), type(layer).__name__


class LayerError(Exception):
    """Base of the errors a handler raises about one layer (see :class:`Problem`).

    Args:
        layer: the Keras layer, or a ``(name, class_name)`` pair.
        reason: what is wrong, with the received values.
        hint: what to do instead.
    """

    unsupported = True

    def __init__(self, layer: Any, reason: str, hint: str = ""):
        name, class_name = _layer_names(layer)
        self.problem = Problem(name, class_name, reason, hint, self.unsupported)
        super().__init__(str(self.problem))


class UnsupportedLayer(LayerError, NotImplementedError):
    """A valid Keras layer (or setting) the conversion does not support."""


class InvalidLayer(LayerError, ValueError):
    """A layer whose values cannot be converted (e.g. a non-finite weight)."""

    unsupported = False


class ConversionError(Exception):
    """Every problem found in a model, in one error.

    Raised as :class:`UnsupportedModelError` (a ``NotImplementedError``) when any problem
    is an unsupported layer or setting, else as :class:`InvalidModelError` (a
    ``ValueError``). ``problems`` lists them all.

    Example:
        >>> error = ConversionError.from_problems(
        ...     [Problem("conv2d_3", "Conv2D", "dilation_rate=(2, 2) is not supported",
        ...              "Use dilation_rate=1.")], "net")
        >>> isinstance(error, NotImplementedError)
        True
        >>> print(error)
        Cannot convert 'net': 1 problem found.
          - Layer 'conv2d_3' (Conv2D): dilation_rate=(2, 2) is not supported. Use dilation_rate=1.
    """

    def __init__(self, problems: Sequence[Problem], model_name: str = "model"):
        self.problems = list(problems)
        self.model_name = model_name
        count = len(self.problems)
        header = (f"Cannot convert '{model_name}': {count} problem"
                  f"{'' if count == 1 else 's'} found.")
        super().__init__("\n".join([header] + [f"  - {p}" for p in self.problems]))

    @staticmethod
    def from_problems(problems: Sequence[Problem], model_name: str = "model"
                      ) -> ConversionError:
        """The error to raise for ``problems``: unsupported if any is unsupported."""
        cls = UnsupportedModelError if any(p.unsupported for p in problems) \
            else InvalidModelError
        return cls(problems, model_name)


class UnsupportedModelError(ConversionError, NotImplementedError):
    """The model uses layers or settings the conversion does not support."""


class InvalidModelError(ConversionError, ValueError):
    """The model has values the conversion cannot accept."""

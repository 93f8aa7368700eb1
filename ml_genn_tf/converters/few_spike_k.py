"""Is k large enough for the network? Few-spike coding is exactly a quantisation of the
activations: each population sends its value on K bits of its alpha (inputs floor,
hidden ReLUs floor or round by ``rounding``; the output reads its input unquantised).
So the SNN's predictions at any k follow from one forward pass of the mapped model
with the activations quantised (NumPy, with the float32 convolutions run by Keras,
:mod:`~ml_genn_tf.graph.keras_ops`), with no simulation, from the calibration
statistics already computed; the ANN's outputs to compare with are those the
calibration pass kept.

:func:`check_k` compares the predictions (argmax of the outputs) on a sample of the
calibration data with the ANN's at the conversion's k, and warns when they agree on
fewer than :data:`MIN_AGREEMENT` of the examples (:func:`too_small`), naming a k that
would do.
"""
from __future__ import annotations

import dataclasses
import warnings
from collections import Counter
from collections.abc import Iterable
from typing import Any

import numpy as np

from ..calibration import STREAM_CHUNK, call_eagerly, input_shapes, input_value
from ..calibration_data import CalibrationData
from ..graph.keras_ops import apply_op_float32
from ..graph.ops import ActivationOp, apply_activation

#: Calibration examples the check runs (the first ones).
SAMPLE = 256
#: Least fraction of the calibration examples whose SNN prediction (argmax) must equal
#: the ANN's: one of 256 may differ. ``python bench/few_spike_k.py`` (2,000 test images):
#: wherever the shipped models reach it (both roundings, k = 2 ... 10) they lose at most
#: 0.30 points of test accuracy; at 0.99 the Fashion ResNet would pass k=5 (nearest)
#: while losing 3.05 points (the calibration images, from the training set, are
#: predicted with larger margins than test images).
MIN_AGREEMENT = 0.995
#: Most forward passes spent confirming the k a warning suggests.
CONFIRMATIONS = 3
#: From this k on, the estimate needs no confirmation: the error halves with each bit
#: (bench/few_spike_k.py: from k=6 the estimate was the measured k on the shipped models).
HALVING_K = 8


def quantise(value: np.ndarray, alpha: float, bits: int, half_step: bool = False) -> np.ndarray:
    r"""The value a greedy ``bits``-bit code of ``alpha`` sends:
    :math:`\alpha 2^{-b}\,\mathrm{clip}(\lfloor 2^b v/\alpha (+\tfrac12)\rfloor, 0, 2^b-1)`.

    Example:
        >>> quantise(np.array([-1.0, 0.3, 0.7, 5.0]), alpha=1.0, bits=2).tolist()
        [0.0, 0.25, 0.5, 0.75]
    """
    codes = np.floor(value * (2.0 ** bits / alpha) + (0.5 if half_step else 0.0))
    return np.clip(codes, 0.0, 2.0 ** bits - 1) * (alpha * 2.0 ** -bits)


def calibration_sample(converter: Any, size: int = SAMPLE) -> list[np.ndarray] | None:
    """The first ``size`` calibration examples, one array per input (None if the data
    can only be read once, as a generator, or is empty)."""
    data = converter.norm_data
    if data is None or _one_shot(data):
        return None
    parts: list[list[np.ndarray]] = []
    count = 0
    for batch in CalibrationData(data, input_shapes(converter.mapped)):
        parts.append([np.asarray(b) for b in batch])
        count += len(batch[0])
        if count >= size:
            break
    if count == 0:
        return None
    return [np.concatenate(arrays)[:size] for arrays in zip(*parts, strict=True)]


def _one_shot(data: Any) -> bool:
    inner = data[0] if isinstance(data, list) and len(data) == 1 else data
    return isinstance(inner, Iterable) and iter(inner) is inner


def _float32(op: Any) -> Any:
    return op._replace(**{name: value.astype(np.float32) for name, value in op._asdict().items()
                          if isinstance(value, np.ndarray) and value.dtype == np.float64})


def float32_model(mapped: Any) -> Any:
    """A copy of a mapped model whose ops hold float32 arrays (the SNN's precision, and
    single-precision matrix products); the original is left alone."""
    graph = mapped.graph
    nodes = {name: dataclasses.replace(node, op=_float32(node.op)) if node.op is not None
             else node for name, node in graph.nodes.items()}
    return dataclasses.replace(mapped, graph=dataclasses.replace(graph, nodes=nodes))


def predictions(converter: Any, xs: list[np.ndarray], k: int | None,
                mapped: Any = None) -> list[np.ndarray]:
    """The outputs of the converted network on inputs ``xs`` at ``k`` (None: the ANN,
    unquantised), from the calibration statistics of ``converter`` (a FewSpike), with
    the ops of ``mapped`` (default: :func:`float32_model` of the converter's). One pass
    over the graph's nodes, in order; the values of input and hidden ReLU populations
    are quantised (max pooling then pools the quantised values, as the SNN does); a
    value is freed once its consumers have used it."""
    mapped = float32_model(converter.mapped) if mapped is None else mapped
    alphas = {} if k is None else converter.population_alphas(mapped, converter.stats, k)
    bits = 0 if k is None else int(k)
    nearest = converter.rounding == "nearest"
    values: dict[str, np.ndarray] = {}
    uses = Counter(i for node in mapped.graph for i in node.inputs)  # freed when used up
    for node in mapped.graph:
        spec = mapped.populations.get(node.name)
        if spec is not None and spec.kind == "input":
            value = input_value(spec, xs[mapped.inputs.index(node.name)]).astype(np.float32)
            if alphas and converter.signed_input:
                value = np.sign(value) * quantise(np.abs(value), alphas[node.name], bits // 2)
            elif alphas:
                value = quantise(value, alphas[node.name], bits)
        else:
            value = apply_op_float32(node.op, [values[i] for i in node.inputs])
            if alphas and spec is not None and spec.kind == "relu" and not spec.is_output:
                value = quantise(value, alphas[node.name], bits, nearest)
        values[node.name] = value
        for i in node.inputs:
            uses[i] -= 1
            if uses[i] == 0 and i not in mapped.outputs:
                del values[i]
    return [values[name] for name in mapped.outputs]


def agreement(outputs: list[np.ndarray], reference: list[np.ndarray]) -> float | None:
    """Fraction of examples whose argmax equals the reference's, over the outputs with
    at least two values (None if there is none)."""
    same = [np.argmax(o.reshape(len(o), -1), 1) == np.argmax(r.reshape(len(r), -1), 1)
            for o, r in zip(outputs, reference, strict=True) if r[0].size > 1]
    return float(np.mean(same)) if same else None


def agreement_by_k(converter: Any, ks: Iterable[int], size: int = SAMPLE) -> dict:
    """``{k: agreement with the ANN}`` on the first ``size`` calibration examples."""
    xs = calibration_sample(converter, size)
    if xs is None:
        raise ValueError("agreement_by_k needs calibration data that can be read again "
                         "(an array, a list or a dataset, not a generator).")
    mapped = float32_model(converter.mapped)
    ann = predictions(converter, xs, None, mapped)
    return {k: agreement(predictions(converter, xs, k, mapped), ann) for k in ks}


def too_small(agreement_k: float) -> bool:
    """k is too small when fewer than :data:`MIN_AGREEMENT` of the predictions agree."""
    return agreement_k < MIN_AGREEMENT


def estimate_k(k: int, outputs: list[np.ndarray], reference: list[np.ndarray],
               step: int = 1, limit: int = 32) -> int:
    """The smallest k' > k whose predictions would agree with the reference's on
    :data:`MIN_AGREEMENT` of the examples if the outputs' error halved with each extra
    bit (as the quantisation error does): the outputs at k' are extrapolated as
    ``reference + (outputs - reference) * 2 ** (k - k')``; in steps of ``step``, at
    most ``limit``. At very small k, where the error is not yet in that regime, the
    estimate can fall short (:func:`check_k` confirms it).

    Example:
        >>> ann = [np.array([[1.0, 0.0], [0.0, 1.0]])]
        >>> estimate_k(4, [np.array([[1.0, 4.5], [0.0, 1.0]])], ann)  # error 4.5, margin 1
        7
    """
    for n in range(k + step, limit + 1, step):
        scale = 2.0 ** (k - n)
        extrapolated = [r + (o - r) * scale for o, r in zip(outputs, reference, strict=True)]
        if not too_small(agreement(extrapolated, reference) or 0.0):
            return n
    return limit


def ann_outputs(model: Any, mapped: Any, xs: list[np.ndarray]) -> list[np.ndarray] | None:
    """The Keras model's outputs on ``xs`` in the mapped outputs' order (None where the
    two do not correspond one to one)."""
    if len(model.outputs) != len(mapped.outputs):
        return None
    chunks = [call_eagerly(model, [np.asarray(x[start:start + STREAM_CHUNK], np.float32)
                                   for x in xs])
              for start in range(0, len(xs[0]), STREAM_CHUNK)]
    return [np.concatenate(parts) for parts in zip(*chunks, strict=True)]


def calibration_outputs(converter: Any, xs: list[np.ndarray]) -> list[np.ndarray] | None:
    """The ANN's outputs on ``xs`` (the first calibration examples), in the mapped
    outputs' order, as the calibration pass kept them (``calibrate(..., keep=...)``; a
    softmax output kept its logits: the softmax is applied here); None where they were
    not kept or were kept for other examples (data read in another order again)."""
    mapped, stats = converter.mapped, converter.stats
    kept = {name: stats[name].head if name in stats else None
            for name in mapped.inputs + mapped.outputs}
    heads = {name: h for name, h in kept.items() if h is not None and len(h) == len(xs[0])}
    if not mapped.outputs or len(heads) != len(kept):
        return None
    for name, x in zip(mapped.inputs, xs, strict=True):
        if not np.array_equal(heads[name], input_value(mapped[name], x).astype(np.float32)):
            return None
    return [apply_activation(ActivationOp("softmax"), heads[name])
            if mapped[name].kind == "softmax" else heads[name] for name in mapped.outputs]


def check_k(converter: Any, model: Any) -> None:
    """Warn if the converter's k is too small for its network (see the module
    docstring). The Keras model's predictions (kept by the calibration pass) and one
    quantised forward pass on
    :data:`SAMPLE` calibration examples; when it warns below :data:`HALVING_K`, up to
    :data:`CONFIRMATIONS` more passes confirm the k it suggests (:func:`estimate_k`,
    estimated again from each k tried). Nothing is checked without re-readable
    calibration data."""
    k = converter.k
    if converter.stats is None:
        return
    xs = calibration_sample(converter)
    if xs is None:
        return
    mapped = float32_model(converter.mapped)
    ann = calibration_outputs(converter, xs) or ann_outputs(model, mapped, xs) \
        or predictions(converter, xs, None, mapped)
    outputs = predictions(converter, xs, k, mapped)
    low = agreement(outputs, ann)
    if low is None or not too_small(low):
        return
    step = 2 if converter.signed_input else 1
    enough, trusted = k, k >= HALVING_K
    for _ in range(0 if trusted else CONFIRMATIONS):  # the error may not halve per bit yet
        enough = estimate_k(enough, outputs, ann, step)
        outputs = predictions(converter, xs, enough, mapped)
        if not too_small(agreement(outputs, ann) or 0.0):
            trusted = True
            break
    else:
        enough = estimate_k(enough, outputs, ann, step)
    warnings.warn(f"FewSpike: k={k} is too small for this network: the SNN's predictions "
                  f"agree with the ANN's on {low:.1%} of {len(xs[0])} calibration "
                  f"examples (below {MIN_AGREEMENT:.1%}). Use k={enough}"
                  f"{'' if trusted else ' or more'}.", UserWarning, stacklevel=4)

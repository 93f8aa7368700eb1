"""``diagnose``: which population of a converted SNN loses the ANN's accuracy, and why."""
from __future__ import annotations

from typing import Any

import numpy as np

from ml_genn.utils.activity import pipeline_depths

from .activations import derive, population_values
from .culprit import accumulation_note, find_culprit
from .decoding import decode, spike_values
from .hints import Context, hint_for
from .inputs import input_arrays, input_data
from .raster import raster_data, raster_recorders
from .recording import record_network
from .statistics import compare

#: Columns of the text and Markdown tables: (heading, row key).
COLUMNS = (("layer", "layer"), ("population", "population"), ("corr", "correlation"),
           ("rel. error", "relative_error"), ("local error", "local_error"), ("gain", "gain"),
           ("local gain", "local_gain"), ("saturated", "saturated"), ("silent", "silent"),
           ("residual", "residual"), ("spikes/neuron", "spikes_per_neuron"))

#: Format of each numeric column.
FORMATS = {"correlation": "{:.3f}", "relative_error": "{:.3f}", "local_error": "{:.3f}",
           "gain": "{:.2f}", "local_gain": "{:.2f}", "residual": "{:.2f}",
           "spikes_per_neuron": "{:.2f}"}


def _format(value: Any, key: str) -> str:
    if value is None:
        return "-"
    if key in ("saturated", "silent"):
        return f"{100 * value:.0f}%"
    if key in FORMATS:
        return FORMATS[key].format(value)
    return str(value)


class Diagnosis:
    """Per-population comparison of a converted SNN with its ANN on the same inputs.

    Attributes:
        rows: one dict per population, in network order: ``layer`` (the Keras layer
            whose output the population reproduces), ``population``, ``kind``,
            ``neurons``, ``correlation``, ``relative_error``, ``local_error``, ``gain``,
            ``local_gain``, ``saturated``, ``silent``, ``residual``,
            ``spikes_per_neuron``, ``threshold``, ``sources`` and ``hint`` (see
            :mod:`ml_genn_tf.diagnosis.statistics` and :mod:`ml_genn_tf.diagnosis.hints`).
        culprit: the ``layer`` of the first row that adds a large error of its own (the
            rule of :mod:`ml_genn_tf.diagnosis.culprit`: local error, against the ANN's
            layer applied to the SNN's own inputs, above 0.3, and relative error against
            the ANN above 0.3), or None.
        method, steps: the conversion method and ``"T=..."`` or ``"k=..."``.
        num_examples: examples compared.
        ann_accuracy, snn_accuracy: accuracies when labels were given (else None).
        agreement: fraction of examples where the ANN and SNN predict the same class.
        confusion: ``confusion[i][j]``: examples the ANN puts in class ``i`` and the
            SNN in class ``j`` (first output).
        note: without a culprit, when ANN and SNN disagree on more than 3% of the
            examples, what the numbers say instead
            (:func:`~ml_genn_tf.diagnosis.culprit.accumulation_note`), else None.
        raster: the spikes of the first examples when ``diagnose(..., raster=n)`` asked
            for them (else None).

    Example:
        >>> import keras, numpy as np
        >>> from ml_genn_tf import convert_model
        >>> inputs = keras.Input((4,), name="pixels")
        >>> hidden = keras.layers.Dense(8, "relu", name="hidden")(inputs)
        >>> model = keras.Model(inputs, keras.layers.Dense(3, name="logits")(hidden))
        >>> x = np.random.default_rng(0).random((32, 4))
        >>> snn = convert_model(model, "few_spike", data=x, k=10, batch_size=32)
        >>> report = snn.diagnose(x)
        >>> [row["layer"] for row in report.rows], report.culprit
        (['pixels', 'hidden', 'logits'], None)
        >>> report.summary
        'culprit: none'
    """

    def __init__(self, rows: list[dict], method: str, steps: str, num_examples: int,
                 ann_predictions: np.ndarray, snn_predictions: np.ndarray,
                 labels: np.ndarray | None = None):
        self.rows = rows
        self.method = method
        self.steps = steps
        self.num_examples = num_examples
        self.culprit = find_culprit(rows)
        self.agreement = float(np.mean(ann_predictions == snn_predictions)) \
            if len(ann_predictions) else None
        self.note = None if self.culprit else accumulation_note(rows, self.agreement, steps)
        classes = int(max(ann_predictions.max(initial=0), snn_predictions.max(initial=0))) + 1
        confusion = np.zeros((classes, classes), np.int64)
        np.add.at(confusion, (ann_predictions, snn_predictions), 1)
        self.confusion = confusion.tolist()
        self.ann_accuracy = self.snn_accuracy = None
        self.raster: dict | None = None
        if labels is not None:
            labels = np.asarray(labels).reshape(-1)
            self.ann_accuracy = float(np.mean(ann_predictions == labels))
            self.snn_accuracy = float(np.mean(snn_predictions == labels))

    @property
    def summary(self) -> str:
        """One line: the culprit and its hint, or ``"none"`` with the note if any."""
        if self.culprit is None:
            return "culprit: none" + (f" ({self.note})" if self.note else "")
        row = next(r for r in self.rows if r["layer"] == self.culprit)
        return f"culprit: {self.culprit}" + (f" ({row['hint']})" if row["hint"] else "")

    def to_dict(self) -> dict:
        """Everything as JSON-ready values (``results.json``)."""
        return {"method": self.method, "steps": self.steps, "num_examples": self.num_examples,
                "culprit": self.culprit, "note": self.note,
                "ann_accuracy": self.ann_accuracy,
                "snn_accuracy": self.snn_accuracy, "agreement": self.agreement,
                "confusion": self.confusion, "rows": [dict(r) for r in self.rows]}

    def to_markdown(self) -> str:
        """The rows as a Markdown table, then the culprit and every hint."""
        header = [title for title, _ in COLUMNS]
        lines = ["| " + " | ".join(header) + " |",
                 "|" + "|".join("---" if i < 2 else "---:" for i in range(len(header))) + "|"]
        for row in self.rows:
            cells = [_format(row[key], key) for _, key in COLUMNS]
            lines.append("| " + " | ".join(cells) + " |")
        return "\n".join(lines + [""] + self._footer())

    def _footer(self) -> list[str]:
        lines = [f"{self.summary} ({self.method}, {self.steps}, {self.num_examples} examples"
                 + (f", agreement {100 * self.agreement:.1f}%" if self.agreement is not None
                    else "") + ")"]
        lines += [f"- {row['layer']}: {row['hint']}" for row in self.rows if row["hint"]]
        return lines

    def __str__(self) -> str:
        table = [[title for title, _ in COLUMNS]] + \
            [[_format(row[key], key) for _, key in COLUMNS] for row in self.rows]
        widths = [max(len(r[i]) for r in table) for i in range(len(COLUMNS))]
        lines = ["  ".join(cell.ljust(w) if i < 2 else cell.rjust(w)
                           for i, (cell, w) in enumerate(zip(r, widths, strict=True)))
                 for r in table]
        lines.insert(1, "-" * len(lines[0]))
        return "\n".join(lines + [""] + self._footer())

    def __repr__(self) -> str:
        return (f"Diagnosis(method='{self.method}', steps='{self.steps}', "
                f"culprit={self.culprit!r}, rows={len(self.rows)})")


def _predictions(readout: np.ndarray) -> np.ndarray:
    return np.argmax(readout.reshape(len(readout), -1), axis=1)


def diagnose(converted: Any, x: Any, y: Any = None, raster: int = 0) -> Diagnosis:
    """Run the ANN and the SNN on ``x`` and compare them population by population.

    The SNN is run as it stands (thresholds or weights edited after conversion are
    what is run) and recorded through public callbacks; a few hundred examples are
    plenty.

    Args:
        converted: a :class:`~ml_genn_tf.ConvertedModel`.
        x: inputs ``(N, *input shape)`` (a list or a dict by input name for several).
        y: integer labels (first output), to add accuracies; optional.
        raster: also keep the spikes of the first ``raster`` examples, in the same run
            (``Diagnosis.raster``, as :func:`~ml_genn_tf.diagnosis.spike_raster` gives).

    Returns:
        A :class:`Diagnosis`.

    Raises:
        TypeError: ``converted`` has no Keras model (a model from ``ml_genn.load``).
        NotImplementedError: a QCFS conversion (not decoded yet).
        ValueError: ``x`` is empty or does not fit the input populations.
    """
    if getattr(converted, "keras_model", None) is None or \
            getattr(converted, "converter", None) is None:
        raise TypeError(f"diagnose compares the SNN with its ANN, so it needs the "
                        f"ConvertedModel returned by convert_model (with its Keras model "
                        f"and converter); received {type(converted).__name__}, e.g. a "
                        f"model loaded with ml_genn.load. Convert the Keras model again.")
    if converted.method == "qcfs":
        raise NotImplementedError("diagnose does not decode QCFS conversions yet (their "
                                  "windowed, signed spikes need their own decoder); use "
                                  "evaluate() and predict() for them.")
    xs = input_arrays(converted, x)
    if len(xs[0]) == 0:
        raise ValueError("diagnose needs at least one example; x is empty.")
    converter = converted.converter
    mapped = converter.mapped
    ann = population_values(converted.keras_model, mapped, xs)
    timesteps = converted.k if converted.k is not None else converted.evaluate_timesteps
    extra = raster_recorders(converted, raster) if raster > 0 else []
    rec = record_network(converted, input_data(converted, xs), timesteps, extra)
    context = Context.of(converted)
    network_depths = pipeline_depths(converted.network)
    values = spike_values(converter) if converted.k is None else {}
    rows, snn_values = [], {}
    n = len(xs[0])
    for pop in converted.network.populations:
        spec = mapped[pop.name]
        ann_values = ann[pop.name].reshape(n, -1)
        decoded = decode(pop, rec, ann_values, network_depths[pop.name],
                         values.get(pop.name, (1.0, 1.0)))
        snn_values[pop.name] = decoded.value.reshape((n,) + tuple(spec.keras_shape))
        expected = None if spec.kind == "input" else \
            derive(mapped, spec, snn_values).reshape(n, -1)
        row = {"layer": spec.layer.name, "population": pop.name, "kind": spec.kind,
               "neurons": pop.num_neurons, "sources": spec.sources,
               **compare(ann_values, decoded, expected)}
        row["hint"] = hint_for(row, ann_values, decoded, context, network_depths[pop.name])
        rows.append(row)
    steps = f"k={converted.k}" if converted.k is not None else f"T={timesteps}"
    ann_out = ann[converted.outputs[0].name]
    diagnosis = Diagnosis(rows, converted.method, steps, len(xs[0]), _predictions(ann_out),
                          _predictions(rec.readouts[0]), y)
    diagnosis.raster = raster_data(converted, rec.extra) if raster > 0 else None
    return diagnosis

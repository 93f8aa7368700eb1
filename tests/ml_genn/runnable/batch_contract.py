"""The batch contract of ``RunnableModel`` (and so of ``ConvertedModel``, which inherits
it): ``evaluate``/``predict`` given a generator of batches equal the array path."""
import numpy as np
import pytest


def check_batches_equal_arrays(model, x: np.ndarray, labels: np.ndarray | None = None
                               ) -> None:
    """``model.predict``/``evaluate`` on batches of ``x`` (20 examples) against the whole
    array (``labels``: default the model's own predictions); and the two errors of
    mixing batches and arrays."""
    logits = model.predict(x)
    labels = logits.argmax(1) if labels is None else labels
    batched = model.predict(x[s:s + 6] for s in range(0, 20, 6))
    np.testing.assert_array_equal(batched, logits)
    expected = model.evaluate(x, labels)
    results = model.evaluate((x[s:s + 5], labels[s:s + 5]) for s in range(0, 20, 5))
    assert results["num_examples"] == 20
    assert results["accuracy"] == expected["accuracy"]
    assert results["spikes_per_neuron"] == pytest.approx(expected["spikes_per_neuron"])
    with pytest.raises(ValueError, match="leave y out"):
        model.evaluate(iter([(x, labels)]), labels)
    with pytest.raises(ValueError, match="give labels y for the array x"):
        model.evaluate(x)

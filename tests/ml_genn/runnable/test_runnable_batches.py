"""RunnableModel.evaluate/predict given a generator of batches equal the array path
(the same contract as ConvertedModel's, which it inherits)."""
import numpy as np
import pytest
from test_runnable_model import data, rate_model


def test_generator_of_batches_equals_arrays():
    model, x = rate_model(), data(20)
    labels = model.predict(x).argmax(1)
    logits = model.predict(x)
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

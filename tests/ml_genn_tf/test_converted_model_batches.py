"""ConvertedModel.evaluate/predict given a generator of batches equal the array path."""
import numpy as np
import pytest
from test_convert_model import images, small_resnet

from ml_genn_tf import convert_model


def test_generator_of_batches_equals_arrays():
    model, x = small_resnet(), images(20)
    snn = convert_model(model, "few_spike", data=x, k=8, batch_size=8)
    labels = model.predict(x, verbose=0).argmax(1)
    logits = snn.predict(x)
    batched = snn.predict(x[s:s + 6] for s in range(0, 20, 6))
    np.testing.assert_array_equal(batched, logits)
    expected = snn.evaluate(x, labels)
    results = snn.evaluate((x[s:s + 5], labels[s:s + 5]) for s in range(0, 20, 5))
    assert results["num_examples"] == 20
    assert results["accuracy"] == expected["accuracy"]
    assert results["spikes_per_neuron"] == pytest.approx(expected["spikes_per_neuron"])
    with pytest.raises(ValueError, match="leave y out"):
        snn.evaluate(iter([(x, labels)]), labels)
    with pytest.raises(ValueError, match="give labels y for the array x"):
        snn.evaluate(x)

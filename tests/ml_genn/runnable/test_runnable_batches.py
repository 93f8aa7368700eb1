"""RunnableModel.evaluate/predict given a generator of batches equal the array path
(the same contract as ConvertedModel's, which it inherits)."""
from batch_contract import check_batches_equal_arrays
from test_runnable_model import data, rate_model


def test_generator_of_batches_equals_arrays():
    check_batches_equal_arrays(rate_model(), data(20))

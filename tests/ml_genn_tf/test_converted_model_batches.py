"""ConvertedModel.evaluate/predict given a generator of batches equal the array path."""
import sys
from pathlib import Path

from test_convert_model import images, small_resnet

from ml_genn_tf import convert_model

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "ml_genn" / "runnable"))
from batch_contract import check_batches_equal_arrays  # noqa: E402


def test_generator_of_batches_equals_arrays():
    model, x = small_resnet(), images(20)
    snn = convert_model(model, "few_spike", data=x, k=8, batch_size=8)
    check_batches_equal_arrays(snn, x, model.predict(x, verbose=0).argmax(1))

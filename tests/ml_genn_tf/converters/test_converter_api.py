"""The mlGeNN 2.x converter API: signatures, the 4-tuple, hooks."""
import inspect

import keras
import numpy as np
from handler_harness import randomize

from ml_genn.compilers import FewSpikeCompiler, InferenceCompiler
from ml_genn.neurons import BinarySpikeInput, IntegrateFire
from ml_genn_tf.converters import Converter, DataNorm, FewSpike, InputType, Simple

L = keras.layers


def test_signatures_and_defaults_follow_mlgenn():
    def defaults(cls):
        return {k: v.default for k, v in inspect.signature(cls).parameters.items()}
    assert list(defaults(Simple))[:3] == ["evaluate_timesteps", "signed_input", "input_type"]
    assert defaults(Simple)["input_type"] is InputType.POISSON
    assert list(defaults(DataNorm))[:4] == ["evaluate_timesteps", "signed_input", "norm_data",
                                            "input_type"]
    few = defaults(FewSpike)
    assert list(few)[:4] == ["k", "alpha", "signed_input", "norm_data"]
    assert (few["k"], few["alpha"], few["signed_input"], few["norm_data"]) == (10, 25, False, None)
    # mlGeNN's three, then ours: analog input (QCFS)
    assert [m.value for m in InputType] == ["spike", "poisson", "if", "direct"]


def test_create_compiler():
    compiler = Simple(123).create_compiler(batch_size=4)
    assert isinstance(compiler, InferenceCompiler) and compiler.evaluate_timesteps == 123
    compiler = FewSpike(k=6).create_compiler(batch_size=4)
    assert isinstance(compiler, FewSpikeCompiler) and compiler.k == 6


class MlGeNNStyleConverter(Converter):
    """A converter written against mlGeNN 2.x's hooks (its test converter's layout)."""

    def __init__(self):
        self.calls = []

    def validate_tf_layer(self, tf_layer, config):
        self.calls.append(("validate", tf_layer.name, config.is_output))

    def pre_convert(self, tf_model):
        self.calls.append(("pre_convert", tf_model.name))
        return {"threshold": 1.0}

    def create_input_neurons(self, pre_compile_output):
        return BinarySpikeInput()

    def create_neurons(self, tf_layer, pre_convert_output, is_output):
        self.calls.append(("create_neurons", tf_layer.name, is_output))
        if is_output:
            v_thresh = np.float64(np.finfo(np.float32).max)
            return IntegrateFire(v_thresh=v_thresh, readout="var")
        return IntegrateFire(v_thresh=pre_convert_output["threshold"])

    def post_convert(self, mlg_network, mlg_network_inputs, mlg_model_outputs):
        self.calls.append(("post_convert", len(mlg_network.populations),
                           [p.name for p in mlg_network_inputs],
                           [p.name for p in mlg_model_outputs]))

    def create_compiler(self, **kwargs):
        return InferenceCompiler(evaluate_timesteps=2, **kwargs)


def test_hooks_are_called_and_the_network_is_exact():
    model = randomize(keras.Sequential([keras.Input((3, 3, 2), name="x"),
                                        L.Conv2D(2, 2, use_bias=False, name="conv"),
                                        L.Flatten(name="flat"),
                                        L.Dense(3, use_bias=False, name="out")]))
    converter = MlGeNNStyleConverter()
    net, net_inputs, net_outputs, tf_layer_pops = converter.convert(model)
    assert converter.calls == [
        ("validate", "conv", False), ("validate", "flat", False), ("validate", "out", True),
        ("pre_convert", model.name), ("create_neurons", "out", True),
        ("post_convert", 2, [net_inputs[0].name], ["out"])]
    assert tf_layer_pops[model.get_layer("out")] is net_outputs[0]
    x = np.random.default_rng(0).integers(0, 2, (5, 3, 3, 2)).astype(np.float32)
    compiled = converter.create_compiler(batch_size=5).compile(net, inputs=net_inputs,
                                                               outputs=net_outputs)
    with compiled:
        out, _ = compiled.predict({net_inputs[0]: x}, net_outputs, callbacks=[])
    np.testing.assert_allclose(out[net_outputs[0]], model.predict(x, verbose=0), atol=1e-4)

"""export_nir refuses what NIR cannot state, naming the culprit and what to do, and
lists every problem at once; nothing is written then."""
import keras
import numpy as np
import pytest

from ml_genn import Connection, Network, Population
from ml_genn.connectivity import Dense
from ml_genn.neurons import IntegrateFire, IntegrateFireInput, LeakyIntegrateFire
from ml_genn_tf import UnsupportedExport, convert_model, export_nir
from ml_genn_tf.export import register_neuron_exporter
from ml_genn_tf.export.neurons import export_integrate_fire

L = keras.layers


def dense_model():
    return keras.Sequential([keras.Input((4,), name="x"),
                             L.Dense(3, activation="relu", name="hidden"),
                             L.Dense(2, name="out")])


def refused(snn, tmp_path):
    path = tmp_path / "snn.nir"
    with pytest.raises(UnsupportedExport) as info:
        export_nir(snn, path)
    assert not path.exists() and list(tmp_path.iterdir()) == []
    return str(info.value)


def test_reset_by_subtraction_is_refused(tmp_path):
    snn = convert_model(dense_model(), "simple", input_type="if", readout="spike_count")
    message = refused(snn, tmp_path)
    assert "Population 'hidden' (IntegrateFire) resets by subtraction" in message
    assert "Convert with reset='zero'" in message
    assert "Population 'out' (IntegrateFire)" in message            # every problem listed


def test_poisson_input_is_refused_with_the_current_hint(tmp_path):
    snn = convert_model(dense_model(), "simple", input_type="poisson", reset="zero")
    with pytest.raises(UnsupportedExport, match=r"Population 'x' \(PoissonInput\) "
                                                r"draws random .*input_type='if'"):
        export_nir(snn, tmp_path / "snn.nir")


def test_binary_spike_input_is_refused(tmp_path):
    snn = convert_model(dense_model(), "simple", input_type="spike", reset="zero")
    with pytest.raises(UnsupportedExport, match=r"\(BinarySpikeInput\).*input_type='if'"):
        export_nir(snn, tmp_path / "snn.nir")


def test_few_spike_neurons_are_refused(tmp_path):
    snn = convert_model(dense_model(), "few_spike", k=4)
    message = refused(snn, tmp_path)
    assert "(FewSpikeReluInput) is a few-spike input neuron" in message
    assert "Population 'hidden' (FewSpikeRelu) is a few-spike neuron" in message
    assert "method='data_norm'" in message


def test_max_pooling_approximation_is_refused(tmp_path):
    model = keras.Sequential([keras.Input((4, 4, 1)), L.Conv2D(2, 3, padding="same",
                              activation="relu"), L.MaxPooling2D(2, name="pool"),
                              L.Flatten(), L.Dense(2)])
    snn = convert_model(model, "simple", input_type="if", reset="zero", max_pool="spike_gate")
    message = refused(snn, tmp_path)
    assert "(MaxPool2D, " in message and "approximates max pooling" in message
    assert "AveragePooling2D" in message
    assert "Population 'pool' (IntegrateFire) is the gate of the max-pooling" in message
    assert "reset='zero'" not in message                  # zero reset would not help here


def test_asymmetric_same_padding_is_refused(tmp_path):
    model = keras.Sequential([keras.Input((8, 8, 1), name="x"),
                              L.Conv2D(2, 3, strides=2, padding="same", activation="relu",
                                       name="conv"), L.Flatten(), L.Dense(2)])
    snn = convert_model(model, "simple", input_type="if", reset="zero")
    with pytest.raises(UnsupportedExport, match=r"Connection 'x_to_conv' \(Conv2D, "
                                                r"x -> conv\): the convolution pads "
                                                r"asymmetrically .*\(\(0, 1\), \(0, 1\)\)"):
        export_nir(snn, tmp_path / "snn.nir")


class Model:
    """A hand-built model: anything with network, inputs and outputs exports."""

    def __init__(self, network, inputs, outputs):
        self.network, self.inputs, self.outputs = network, inputs, outputs


def lif_model(delay=0, synapse="delta", neuron=None):
    network = Network()
    with network:
        inp = Population(IntegrateFireInput(), 3, name="inp")
        out = Population(neuron or LeakyIntegrateFire(relative_reset=False), 2, name="lif")
        Connection(inp, out, Dense(np.ones((3, 2)), delay=delay), synapse=synapse,
                   name="syn")
    return Model(network, [inp], [out])


def test_a_neuron_without_exporter_is_refused_by_name(tmp_path):
    with pytest.raises(UnsupportedExport, match=r"Population 'lif': neuron LeakyIntegrateFire "
                                                r"has no NIR exporter .*register_neuron_"
                                                r"exporter\(LeakyIntegrateFire\)"):
        export_nir(lif_model(), tmp_path / "snn.nir")


def test_delays_are_refused(tmp_path):
    with pytest.raises(UnsupportedExport, match=r"Connection 'syn' \(Dense, inp -> lif\) has "
                                                r"delay=2"):
        export_nir(lif_model(delay=2), tmp_path / "snn.nir")


def test_exponential_synapses_are_refused(tmp_path):
    with pytest.raises(UnsupportedExport, match=r"Connection 'syn' \(Dense, inp -> lif\) "
                                                r"uses Exponential synapses.*synapse='delta'"):
        export_nir(lif_model(synapse="exponential", neuron=IntegrateFire()),
                   tmp_path / "snn.nir")


def test_registering_an_exporter_twice_is_refused():
    with pytest.raises(ValueError, match="IntegrateFire already has a NIR neuron exporter"):
        register_neuron_exporter(IntegrateFire)(export_integrate_fire)


def test_same_average_pooling_with_padding_is_refused(tmp_path):
    model = keras.Sequential([keras.Input((5, 5, 1), name="x"),
                              L.AveragePooling2D(3, strides=1, padding="same"), L.Flatten(),
                              L.Dense(2, name="out")])
    snn = convert_model(model, "simple", input_type="if", reset="zero")
    with pytest.raises(UnsupportedExport, match=r"Connection 'x_to_out' \(AvgPoolDense2D, x -> "
                                                r"out\): 'same' average pooling divides by the "
                                                r"real inputs.*pool_padding='valid'"):
        export_nir(snn, tmp_path / "snn.nir")

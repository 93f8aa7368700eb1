"""export_nir: the graph read back with nir.read against the Keras model and the network
(nodes, shapes, weights, edges, metadata), and run by a NumPy re-statement of NIR."""
import os

import keras
import nir
import nir_reference
import numpy as np
import pytest

from ml_genn_tf import convert_model, export_nir

L = keras.layers


def randomize(model, seed):
    rng = np.random.default_rng(seed)
    for layer in model.layers:
        layer.set_weights([rng.normal(0, 0.4, w.shape).astype("float32")
                           for w in layer.get_weights()])
    return model


def sequential_cnn():
    # Name the input explicitly: Keras' auto-generated name ("input_layer",
    # "input_layer_24", ...) depends on how many models this process built before.
    return randomize(keras.Sequential([
        keras.Input((8, 8, 2), name="input_layer"),
        L.Conv2D(4, 3, padding="same", activation="relu", name="conv_a"),
        L.AveragePooling2D(2, name="pool"),
        L.Conv2D(3, 3, activation="relu", name="conv_b"),
        L.Flatten(name="flatten"),
        L.Dense(5, name="logits")]), seed=1)


def residual_net():
    x_in = keras.Input((6, 6, 2), name="image")
    h = L.Conv2D(3, 3, padding="same", activation="relu", name="conv_a")(x_in)
    s = L.Add(name="add")([L.Conv2D(3, 3, padding="same", name="conv_b")(h), h])
    r = L.ReLU(name="relu")(s)
    return randomize(keras.Model(x_in, L.Dense(4, name="logits")(L.Flatten()(r))), seed=2)


def export(snn, tmp_path, name="snn.nir", **options):
    return nir.read(export_nir(snn, tmp_path / name, **options))


def chw(x):
    return np.moveaxis(x, -1, 1)


@pytest.fixture(scope="module")
def cnn_graph(tmp_path_factory):
    model = sequential_cnn()
    snn = convert_model(model, "simple", input_type="if", reset="zero", evaluate_timesteps=20,
                        dt=0.5, batch_size=8)
    return model, snn, export(snn, tmp_path_factory.mktemp("cnn"))


def test_sequential_cnn_nodes_edges_and_shapes(cnn_graph):
    _, _, graph = cnn_graph
    kinds = {name: type(node).__name__ for name, node in graph.nodes.items()}
    assert kinds == {
        "input": "Input", "input_layer": "IF", "input_layer_to_conv_a": "Conv2d",
        "conv_a": "IF", "conv_a_to_conv_b.pool": "SumPool2d", "conv_a_to_conv_b.conv": "Conv2d",
        "conv_b": "IF", "conv_b_to_logits.flatten": "Flatten",
        "conv_b_to_logits.affine": "Affine", "logits": "I", "output": "Output"}
    assert sorted(graph.edges) == sorted([
        ("input", "input_layer"), ("input_layer", "input_layer_to_conv_a"),
        ("input_layer_to_conv_a", "conv_a"), ("conv_a", "conv_a_to_conv_b.pool"),
        ("conv_a_to_conv_b.pool", "conv_a_to_conv_b.conv"), ("conv_a_to_conv_b.conv", "conv_b"),
        ("conv_b", "conv_b_to_logits.flatten"),
        ("conv_b_to_logits.flatten", "conv_b_to_logits.affine"),
        ("conv_b_to_logits.affine", "logits"), ("logits", "output")])
    shapes = {name: tuple(graph.nodes[name].r.shape)
              for name in ("input_layer", "conv_a", "conv_b", "logits")}
    assert shapes == {"input_layer": (2, 8, 8), "conv_a": (4, 8, 8), "conv_b": (3, 2, 2),
                      "logits": (5,)}
    assert tuple(graph.nodes["input"].input_type["input"]) == (2, 8, 8)
    assert tuple(graph.nodes["output"].output_type["output"]) == (5,)


def test_sequential_cnn_weights_match_the_keras_layers(cnn_graph):
    model, _, graph = cnn_graph
    rng = np.random.default_rng(0)
    (ka, ba), (kb, bb), (kd, bd) = (model.get_layer(n).get_weights()
                                    for n in ("conv_a", "conv_b", "logits"))
    conv_a = graph.nodes["input_layer_to_conv_a"]
    # Keras (kh, kw, cin, cout) against NIR (cout, cin, kh, kw), element by element.
    assert conv_a.weight[3, 1, 0, 2] == ka[0, 2, 1, 3]
    np.testing.assert_array_equal(conv_a.weight, np.einsum("hwio->oihw", ka))
    np.testing.assert_array_equal(conv_a.bias, ba)
    assert tuple(conv_a.padding) == (1, 1) and tuple(conv_a.stride) == (1, 1)
    # Average pooling then conv_b = sum pooling then conv_b's kernel / 4.
    conv_b = graph.nodes["conv_a_to_conv_b.conv"]
    np.testing.assert_allclose(conv_b.weight, np.einsum("hwio->oihw", kb) / 4, rtol=1e-6)
    np.testing.assert_array_equal(conv_b.bias, bb)
    pool = graph.nodes["conv_a_to_conv_b.pool"]
    assert tuple(pool.kernel_size) == (2, 2) and tuple(pool.stride) == (2, 2)
    # NIR flattens channels-first: Affine on a CHW-flattened image equals Keras' Dense on
    # the same image flattened HWC.
    affine = graph.nodes["conv_b_to_logits.affine"]
    image = rng.normal(size=(2, 2, 3)).astype("float32")
    np.testing.assert_allclose(affine.weight @ image.transpose(2, 0, 1).ravel() + affine.bias,
                               image.ravel() @ kd + bd, rtol=1e-5, atol=1e-6)


def test_neurons_thresholds_reset_and_dt(cnn_graph):
    _, _, graph = cnn_graph
    for name in ("input_layer", "conv_a", "conv_b"):
        node = graph.nodes[name]
        assert np.all(node.v_threshold == 1.0) and np.all(node.v_reset == 0.0)
        assert np.all(node.r == 2.0)                               # r = 1/dt, dt = 0.5
    assert np.all(graph.nodes["logits"].r == 2.0)


def test_metadata_states_what_nir_leaves_open(cnn_graph):
    _, _, graph = cnn_graph
    meta = {k: v.item() if isinstance(v, np.ndarray) and v.ndim == 0 else v
            for k, v in graph.metadata.items()}
    assert meta["reset_mode"] == "zero" and meta["threshold_comparison"] == ">="
    assert meta["dt"] == 0.5 and meta["time_unit"] == "ms"
    assert meta["input_encoding"].startswith("current")
    assert meta["input_scale"] == 1.0 and meta["input_offset"] == 0.0
    assert meta["readout"] == "var" and meta["method"] == "simple"
    assert meta["evaluate_timesteps"] == 20 and meta["converter"] == "Simple"


def test_the_nir_graph_computes_the_network(cnn_graph):
    """A NumPy re-statement of NIR's equations, reading only the file, gives our
    simulator's readout (the output integrator's potential)."""
    _, snn, graph = cnn_graph
    x = np.random.default_rng(3).uniform(0, 1, (8, 8, 8, 2)).astype("float32")
    want = snn.predict(x)
    got = nir_reference.run(graph, chw(x), 20)["logits"][1]
    np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-4)


def test_strict_comparison_serves_consumers_that_follow_nirs_equation(cnn_graph, tmp_path):
    """Inputs on a grid reach the input threshold exactly, where ``>=`` and ``>`` differ.
    NIR's IF equation fires on ``>``: read that way, the default graph (whose metadata
    says ``>=``) is another network; the ``">"`` export is ours."""
    _, snn, graph = cnn_graph
    x = np.random.default_rng(5).choice([0.0, 0.25, 0.5, 1.0], (8, 8, 8, 2)).astype("float32")
    want = snn.predict(x)
    strict = export(snn, tmp_path, threshold_comparison=">")
    assert str(strict.metadata["threshold_comparison"]) == ">"
    assert np.all(strict.nodes["conv_a"].v_threshold == np.float32(1 - 2 ** -24))
    np.testing.assert_allclose(nir_reference.run(strict, chw(x), 20)["logits"][1], want,
                               rtol=1e-4, atol=1e-4)
    graph.metadata = {**graph.metadata, "threshold_comparison": ">"}
    try:
        as_nir_says = nir_reference.run(graph, chw(x), 20)["logits"][1]
    finally:
        graph.metadata["threshold_comparison"] = ">="
    assert not np.allclose(as_nir_says, want, rtol=1e-2, atol=1e-2)


def test_unknown_threshold_comparison_is_refused(cnn_graph, tmp_path):
    with pytest.raises(ValueError, match=r"threshold_comparison must be one of \('>=', '>'\), "
                                         r"received '<'"):
        export_nir(cnn_graph[1], tmp_path / "x.nir", threshold_comparison="<")


def test_residual_sum_is_several_edges_into_one_node(tmp_path):
    model = residual_net()
    snn = convert_model(model, "simple", input_type="if", reset="zero", evaluate_timesteps=16,
                        batch_size=8)
    graph = export(snn, tmp_path)
    relu_inputs = sorted(s for s, t in graph.edges if t == "relu")
    network_sources = sorted(c.source().name for c in snn.network.connections
                             if c.target().name == "relu")
    assert len(relu_inputs) == len(network_sources) >= 2
    assert {s.split(".")[0].split("_to_")[0] for s in relu_inputs} == set(network_sources)
    x = np.random.default_rng(4).uniform(0, 1, (8, 6, 6, 2)).astype("float32")
    got = nir_reference.run(graph, chw(x), 16)["logits"][1]
    np.testing.assert_allclose(got, snn.predict(x), rtol=1e-4, atol=1e-4)


def test_depthwise_conv_and_pooling_branches_compute_the_network(tmp_path):
    x_in = keras.Input((6, 6, 2), name="image")
    h = L.DepthwiseConv2D(3, depth_multiplier=2, padding="same", activation="relu",
                          name="dw")(x_in)
    p = L.AveragePooling2D(2, name="pool")(h)
    a = L.ReLU(name="relu")(L.Add()([p, L.Conv2D(4, 1, name="c1")(p)]))
    model = randomize(keras.Model(x_in, L.Dense(3, name="out")(L.Flatten()(a))), seed=5)
    snn = convert_model(model, "simple", input_type="if", reset="zero", evaluate_timesteps=12,
                        batch_size=8)
    graph = export(snn, tmp_path)
    into_relu = {type(graph.nodes[s]).__name__ for s, t in graph.edges if t == "relu"}
    assert into_relu == {"AvgPool2d", "Conv2d"}
    dw = graph.nodes["image_to_dw"]
    kernel = model.get_layer("dw").get_weights()[0]              # (3, 3, 2 channels, 2)
    assert dw.weight.shape == (4, 2, 3, 3)
    np.testing.assert_array_equal(dw.weight[3, 1], kernel[:, :, 1, 1])    # channel 1*2+1
    assert np.all(dw.weight[3, 0] == 0)
    x = np.random.default_rng(6).uniform(0, 1, (8, 6, 6, 2)).astype("float32")
    got = nir_reference.run(graph, chw(x), 12)["out"][1]
    np.testing.assert_allclose(got, snn.predict(x), rtol=1e-4, atol=1e-4)


def test_input_scaling_is_in_the_metadata(tmp_path):
    model = keras.Sequential([keras.Input((3,)), L.Rescaling(0.5, offset=0.25),
                              L.Dense(2, name="out")])
    snn = convert_model(model, "simple", input_type="if", reset="zero", evaluate_timesteps=8)
    meta = export(snn, tmp_path).metadata
    assert float(meta["input_scale"]) == 0.5 and float(meta["input_offset"]) == 0.25


def test_export_replaces_the_file_atomically(cnn_graph, tmp_path):
    _, snn, _ = cnn_graph
    path = tmp_path / "snn.nir"
    path.write_bytes(b"old")
    assert export_nir(snn, path) == path
    assert isinstance(nir.read(path), nir.NIRGraph)
    assert os.listdir(tmp_path) == ["snn.nir"]

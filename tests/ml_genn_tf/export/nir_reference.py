"""A NumPy re-statement of NIR's node equations, run in discrete time with the
semantics the graph's metadata states: integrators step ``v += r * dt * I``, IF nodes
fire when ``v`` compares with ``v_threshold`` as ``threshold_comparison`` says and then
set ``v = v_reset``, and a neuron node's output reaches its targets on the next step
(delta synapses). Written from the NIR docs, independently of ml_genn's backend."""
import nir
import numpy as np

NEURONS = (nir.IF, nir.I)


def _windows(x, kernel, stride, padding):
    """Yield ``(i, j, patch)`` over a kernel's offsets; patch ``(B, C, out_h, out_w)``."""
    (kh, kw), (sh, sw), (ph, pw) = kernel, stride, padding
    x = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    out_h, out_w = (x.shape[2] - kh) // sh + 1, (x.shape[3] - kw) // sw + 1
    for i in range(kh):
        for j in range(kw):
            yield i, j, x[:, :, i:i + sh * out_h:sh, j:j + sw * out_w:sw]


def _conv(node, x):
    if int(node.groups) != 1:
        raise NotImplementedError("grouped Conv2d")
    out = 0.0
    for i, j, patch in _windows(x, node.weight.shape[2:], node.stride, node.padding):
        out = out + np.einsum("bchw,oc->bohw", patch, node.weight[:, :, i, j])
    return out + node.bias[None, :, None, None]


def _pool(node, x, average):
    out = sum(patch for _, _, patch in _windows(x, node.kernel_size, node.stride,
                                                node.padding))
    return out / np.prod(node.kernel_size) if average else out


def _apply(node, x):
    if isinstance(node, nir.Affine):
        return x @ node.weight.T + node.bias
    if isinstance(node, nir.Conv2d):
        return _conv(node, x)
    if isinstance(node, (nir.SumPool2d, nir.AvgPool2d)):
        return _pool(node, x, isinstance(node, nir.AvgPool2d))
    if isinstance(node, nir.Flatten):
        return x.reshape(len(x), -1)
    if isinstance(node, nir.Scale):
        return x * node.scale
    raise NotImplementedError(type(node).__name__)


def run(graph, x, timesteps):
    """Run ``graph`` on a batch ``x`` (``(B, *input shape)`` in NIR layout, one input) for
    ``timesteps`` steps; returns ``{neuron node: (spike counts, final v)}``."""
    meta = graph.metadata
    dt = float(meta["dt"])
    fires = {">=": np.greater_equal, ">": np.greater}[str(meta["threshold_comparison"])]
    (input_name,) = [n for n, node in graph.nodes.items() if isinstance(node, nir.Input)]
    current = np.asarray(meta["input_scale"]) * x + np.asarray(meta["input_offset"])
    sources = {name: [s for s, t in graph.edges if t == name] for name in graph.nodes}
    neurons = [n for n, node in graph.nodes.items() if isinstance(node, NEURONS)]
    v = {n: np.zeros((len(x),) + graph.nodes[n].r.shape) for n in neurons}
    spikes = {n: np.zeros_like(v[n]) for n in neurons}
    counts = {n: np.zeros_like(v[n]) for n in neurons}

    def value(name, cache):
        if name == input_name:
            return current
        if name in spikes:
            return spikes[name]                       # last step's spikes (delta synapse)
        if name not in cache:
            cache[name] = _apply(graph.nodes[name], sum(value(s, cache) for s in sources[name]))
        return cache[name]

    for _ in range(timesteps):
        cache: dict = {}
        drive = {n: sum(value(s, cache) for s in sources[n]) for n in neurons}
        for n in neurons:
            node = graph.nodes[n]
            v[n] = v[n] + node.r * dt * drive[n]
            if isinstance(node, nir.IF):
                spikes[n] = fires(v[n], node.v_threshold).astype(float)
                v[n] = np.where(spikes[n] > 0, node.v_reset, v[n])
                counts[n] += spikes[n]
    return {n: (counts[n], v[n]) for n in neurons}

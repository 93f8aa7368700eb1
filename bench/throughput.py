"""Throughput of mlGeNN's VGG-16 and ResNet-20 examples (CIFAR-10 shapes, random
weights) as ANNs in pure JAX and as SNNs, device-only and through the user's path.

Per network and batch size it prints, side by side, from one run:

* ``ANN def`` / ``ANN hi``: the ANN (``jax.jit``), matrix precision "default"
  (TF32 on recent GPUs) and "highest" (true float32);
* ``FS dev``: the few-spike SNN's batch program (k=10) on device-resident inputs, as
  many batches as one timed ``evaluate()`` call runs, scanned in one program (the
  engine's speed, no dispatch per batch: the host's cost of dispatching a program with
  a ResNet-20's parameters made a loop of dispatches host-bound at batch 256);
* ``FS eval``: the same network through ``compiled.evaluate()`` on host NumPy arrays
  (``callbacks=[]``), ``FS iter`` through ``evaluate_batch_iter`` over a generator of
  ``(x, y)`` batches, ``FS pred`` through ``predict()``, ``model ev`` through
  ``RunnableModel.evaluate`` (the path of ``ml_genn_tf.ConvertedModel.evaluate``, with
  its default spike statistics), and their ratios to ``FS dev`` (the user's path over
  the engine); a line per row adds the device program with the spike counts those
  statistics need (``SPIKE_COUNT`` of every population) and ``RunnableModel.evaluate``
  over it (the user's path over the device program that computes the same);
* ``rate dev`` / ``rate eval``: a data-normalised rate-coded SNN (T steps) device-only
  and through ``evaluate()``.

SNNs use ``--snn-precision`` (default "default", as the ANN column it is compared
with). Alphas and normalisation come from the ANN's activations on random inputs.

``--h2d`` first prints the host-to-device copy rates that bound the user's path (a
NumPy array straight to the device, through pinned host memory, and the host passes
over the data; ``bench/h2d.py`` measures more); ``--variants`` adds, per row, ``FS eval``,
``FS iter`` and ``FS pred`` under other transfer settings
(``staging:workers:group MiB[:window[:fuse[:grouped[:split[:ahead]]]]]``, workers
``auto`` = the default, group 0 = one batch per group, window: batches
dispatched ahead, ``ml_genn.backend.runner.WINDOW``, fuse 1/0: one program per batch or
the schedule's own loop, ``runner.FUSE``, grouped 1/0: one program per transfer group
or per batch, ``runner.GROUP``, split 1/0: a group copied per batch or whole,
``transfer.SPLIT_PUTS``, ahead: groups whose copies are started ahead,
``transfer.GROUPS_AHEAD``; see ``ml_genn/backend/transfer.py``), measured in the
same run.

Usage::

    python bench/throughput.py                       # full sizes on a GPU, tiny on a CPU
    python bench/throughput.py --nets vgg16 --batch-sizes 256 512 --timesteps 100
    python bench/throughput.py --h2d --variants pageable:1:32 pageable:0:8 pageable:0:32:8:0
"""
from __future__ import annotations

import argparse
import threading
import time
from functools import partial

import jax
import jax.numpy as jnp
import numpy as np

from ml_genn import Connection, Network, Population, RunnableModel
from ml_genn.backend import runner, transfer
from ml_genn.backend.schedules import SCHEDULES
from ml_genn.backend.schedules.few_spike import program as few_spike_program
from ml_genn.compilers import FewSpikeCompiler, InferenceCompiler
from ml_genn.connectivity import AvgPoolConv2D, AvgPoolDense2D, Conv2D, Dense, OneToOne
from ml_genn.neurons import FewSpikeRelu, FewSpikeReluInput, IntegrateFire, PoissonInput
from ml_genn.utils.recording import SPIKE_COUNT

#: mlGeNN's VGG-16 example: conv widths, "P" = 2x2 average pooling, then dense widths.
VGG16 = [64, 64, "P", 128, 128, "P", 256, 256, 256, "P", 512, 512, 512, "P",
         512, 512, 512, "P"]
VGG16_DENSE = [4096, 4096, 10]


def he(rng, shape, fan_in, gain=1.0):
    return (gain * rng.normal(0, np.sqrt(2.0 / fan_in), shape)).astype(np.float32)


def vgg16(width: float, rng) -> list[list[tuple]]:
    """Nodes of the network: node ``n`` (1..) gets ``[(source node, op), ...]``; node 0
    is the input. Ops: ``("conv", w, stride, pooled)``, ``("dense", w, pool)``,
    ``("identity",)``."""
    nodes: list[list[tuple]] = []
    cin, pooled, size = 3, False, 32
    for item in VGG16:
        if item == "P":
            pooled, size = True, size // 2
            continue
        cout = max(1, int(item * width))
        nodes.append([(len(nodes), ("conv", he(rng, (3, 3, cin, cout), 9 * cin), 1, pooled))])
        cin, pooled = cout, False
    n_in = size * size * cin
    for i, units in enumerate(VGG16_DENSE):
        units = units if i == len(VGG16_DENSE) - 1 else max(1, int(units * width))
        nodes.append([(len(nodes), ("dense", he(rng, (n_in, units), n_in), 2 if i == 0 else 1))])
        n_in = units
    return nodes


def resnet20(width: float, rng) -> list[list[tuple]]:
    """ResNet-20 for CIFAR-10: a 3x3 convolution, 3 stages of 3 residual blocks (16, 32,
    64 filters; stride 2 and a 1x1 convolution shortcut where the shape changes),
    global average pooling and a dense layer."""
    c0 = max(1, int(16 * width))
    nodes = [[(0, ("conv", he(rng, (3, 3, 3, c0), 27), 1, False))]]
    x, cin = 1, c0
    for stage, filters in enumerate((16, 32, 64)):
        cout = max(1, int(filters * width))
        for block in range(3):
            stride = 2 if stage > 0 and block == 0 else 1
            nodes.append([(x, ("conv", he(rng, (3, 3, cin, cout), 9 * cin), stride, False))])
            h = len(nodes)
            if stride == 1 and cin == cout:
                shortcut = ("identity",)
            else:
                shortcut = ("conv", he(rng, (1, 1, cin, cout), cin), stride, False)
            nodes.append([(h, ("conv", he(rng, (3, 3, cout, cout), 9 * cout, 0.5), 1, False)),
                          (x, shortcut)])
            x, cin = len(nodes), cout
    nodes.append([(x, ("dense", he(rng, (cin, 10), cin), 8))])
    return nodes


NETWORKS = {"vgg16": vgg16, "resnet20": resnet20}


def apply_op(op, h, precision):
    kind = op[0]
    if kind == "identity":
        return h
    if kind == "conv":
        _, w, stride, pooled = op
        if pooled:
            h = jax.lax.reduce_window(h, 0.0, jax.lax.add, (1, 2, 2, 1), (1, 2, 2, 1), "VALID") / 4
        return jax.lax.conv_general_dilated(h, w, (stride, stride), "SAME",
                                            dimension_numbers=("NHWC", "HWIO", "NHWC"),
                                            precision=precision)
    _, w, pool = op
    if pool > 1:
        h = jax.lax.reduce_window(h, 0.0, jax.lax.add, (1, pool, pool, 1),
                                  (1, pool, pool, 1), "VALID") / (pool * pool)
    return jnp.dot(h.reshape(h.shape[0], -1), w, precision=precision)


def ann_forward(nodes, x, precision):
    """The ANN: the logits and every hidden node's activation."""
    values = [x]
    for n, edges in enumerate(nodes):
        total = sum(apply_op(op, values[src], precision) for src, op in edges)
        values.append(total if n == len(nodes) - 1 else jax.nn.relu(total))
    return values[-1], values[1:-1]


def ann_logits(nodes, x, precision):
    return ann_forward(nodes, x, precision)[0]


def connectivity(op, scale=1.0):
    kind = op[0]
    if kind == "identity":
        return OneToOne(scale)
    if kind == "conv":
        _, w, stride, pooled = op
        if pooled:
            return AvgPoolConv2D(w * scale, w.shape[-1], 2, w.shape[0], conv_strides=stride,
                                 conv_padding="same")
        return Conv2D(w * scale, w.shape[-1], w.shape[0], conv_strides=stride,
                      conv_padding="same")
    _, w, pool = op
    return AvgPoolDense2D(w * scale, pool) if pool > 1 else Dense(w * scale)


def build_snn(nodes, input_neuron, neuron_of, scale_of=lambda src, dst: 1.0):
    """The SNN with the ANN's graph; ``neuron_of(n)`` makes node n's neuron."""
    net = Network()
    with net:
        pops = [Population(input_neuron, (32, 32, 3), name="input")]
        for n, edges in enumerate(nodes, start=1):
            pops.append(Population(neuron_of(n), None, name=f"node{n}"))
            for src, op in edges:
                Connection(pops[src], pops[n], connectivity(op, scale_of(src, n)))
    return net, pops[0], pops[-1]


def few_spike_network(nodes, acts, x_max, k):
    last = len(nodes)
    alphas = [None] + [float(np.max(a)) / (1 - 2.0 ** -k) for a in acts]
    return build_snn(nodes, FewSpikeReluInput(k=k, alpha=x_max / (1 - 2.0 ** -k)),
                     lambda n: FewSpikeRelu(k=k, alpha=25.0, readout="var") if n == last
                     else FewSpikeRelu(k=k, alpha=alphas[n]))


def rate_network(nodes, acts, percentile=99.9):
    """Data-normalised weights ``W * lambda_src / lambda_dst``, thresholds 1."""
    last = len(nodes)
    lambdas = [1.0] + [float(np.percentile(a, percentile)) for a in acts] + [1.0]
    return build_snn(nodes, PoissonInput(),
                     lambda n: IntegrateFire(v_thresh=1.0, readout="spike_count") if n == last
                     else IntegrateFire(v_thresh=1.0),
                     lambda src, dst: lambdas[src] / lambdas[dst])


def ann_activations(nodes, rng) -> list[np.ndarray]:
    """Every node's ANN activations on 64 random images (they set the SNNs' alphas and
    normalisation)."""
    calib = rng.uniform(0, 1, (64, 32, 32, 3)).astype(np.float32)
    _, acts = jax.jit(partial(ann_forward, nodes, precision="highest"))(calib)
    return [np.asarray(a) for a in acts]


def best_time(fn, repeats=3):
    """Best wall time of ``fn()`` (which blocks until its results are ready)."""
    best = np.inf
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def scanned_rate(program, sim, xs, *args) -> float:
    """Images/s of ``program(sim.params, {0: x[:, None]}, *args)`` (a schedule's batch
    program, not jitted) over the batches ``xs`` ``(n, batch, ...)`` already on the
    device, run by one program (``lax.scan``, the outputs summed so that nothing is left
    out) compiled with the network's XLA options (``sim.compiler_options``): the
    engine's speed, with no dispatch per batch (what ``evaluate()``'s grouped programs
    also do)."""
    @partial(jax.jit, compiler_options=sim.compiler_options)
    def many(params, xs):
        def body(total, x):
            leaves = jax.tree_util.tree_leaves(program(params, {0: x[:, None]}, *args))
            return total + sum(jnp.sum(a.astype(jnp.float32)) for a in leaves), None
        return jax.lax.scan(body, jnp.float32(0), xs)[0]
    jax.block_until_ready(many(sim.params, xs))
    return xs.shape[0] * xs.shape[1] / best_time(
        lambda: jax.block_until_ready(many(sim.params, xs)))


def device_rate(fn, n_batches, batch):
    """Images/s of ``fn()`` (one batch program) dispatched ``n_batches`` times."""
    jax.block_until_ready(fn())

    def loop():
        out = None
        for _ in range(n_batches):
            out = fn()
        jax.block_until_ready(out)
    return n_batches * batch / best_time(loop)


def user_rates(compiled, inp, out, x_host, y_host):
    """(evaluate, evaluate_batch_iter, predict) images/s under the current transfer
    settings."""
    batch, n = compiled.batch_size, len(x_host)

    def batches():
        for s in range(0, n, batch):
            yield x_host[s:s + batch], y_host[s:s + batch]
    t_eval = best_time(lambda: compiled.evaluate({inp: x_host}, {out: y_host}, callbacks=[]))
    t_iter = best_time(lambda: compiled.evaluate_batch_iter(inp, out, batches(), callbacks=[]))
    t_pred = best_time(lambda: compiled.predict({inp: x_host}, out, callbacks=[]))
    return n / t_eval, n / t_iter, n / t_pred


def warm(compiled, inp, out, x_host, y_host, predict=True) -> None:
    """Run the calls to be timed once, so that every program they use (one per transfer
    group size) is compiled outside the timed region."""
    compiled.evaluate({inp: x_host}, {out: y_host}, callbacks=[])
    if predict:
        compiled.predict({inp: x_host}, out, callbacks=[])


def stacked_batches(x_host, n_batches, batch):
    """The first ``n_batches`` batches of ``x_host`` on the device, ``(n, batch, ...)``."""
    return jnp.asarray(x_host[:n_batches * batch].reshape((n_batches, batch) + x_host.shape[1:]))


def device_only_rate(compiled, x_host, n_batches) -> float:
    """Images/s of ``compiled``'s batch program over the first ``n_batches`` batches of
    ``x_host``, on the device and scanned in one program (:func:`scanned_rate`), each
    batch from a fresh state as ``evaluate()``'s first."""
    sim = compiled.simulator
    program = SCHEDULES[compiled.schedule].batch_program(sim, ()).fn
    return scanned_rate(lambda params, x, first: program(params, x, first)[0], sim,
                        stacked_batches(x_host, n_batches, compiled.batch_size), jnp.int32(0))


def add_network_arguments(parser, width: float) -> None:
    """``--nets``, ``--batch-sizes`` (256 512 on a GPU, else 16) and ``--width``
    (default ``width``): what every benchmark of these networks takes."""
    on_gpu = jax.default_backend() == "gpu"
    parser.add_argument("--nets", nargs="+", default=list(NETWORKS), choices=list(NETWORKS))
    parser.add_argument("--batch-sizes", type=int, nargs="+",
                        default=[256, 512] if on_gpu else [16])
    parser.add_argument("--width", type=float, default=width,
                        help="channel/unit multiplier (1.0 = the full networks)")


def snn_rates(compiled, inp, out, x_host, y_host, n_dev, full=True):
    """(device-only over ``n_dev`` batches, evaluate, evaluate_batch_iter, predict)
    images/s and the accuracy (only the first two if not ``full``)."""
    dev = device_only_rate(compiled, x_host, n_dev)
    warm(compiled, inp, out, x_host, y_host, predict=full)
    n = len(x_host)
    if not full:
        t_eval = best_time(lambda: compiled.evaluate({inp: x_host}, {out: y_host}, callbacks=[]))
        return dev, n / t_eval, float("nan"), float("nan"), float("nan")
    metrics, _ = compiled.evaluate({inp: x_host}, {out: y_host}, callbacks=[])
    r_eval, r_iter, r_pred = user_rates(compiled, inp, out, x_host, y_host)
    return dev, r_eval, r_iter, r_pred, metrics[out].result


def model_rate(model, x_host, y_host) -> tuple[float, float]:
    """Images/s of ``RunnableModel.evaluate`` (defaults: spike statistics, no bar), and
    without spike statistics."""
    model.evaluate(x_host, y_host)  # every program the timed calls run, compiled first
    model.evaluate(x_host, y_host, spikes=False)
    return (len(x_host) / best_time(lambda: model.evaluate(x_host, y_host)),
            len(x_host) / best_time(lambda: model.evaluate(x_host, y_host, spikes=False)))


def counting_rate(sim, x_host, n_batches) -> float:
    """Images/s of the few-spike batch program that also counts every population's
    spikes per example (``SPIKE_COUNT``: what ``RunnableModel.evaluate``'s spike
    statistics ask for), device-only (:func:`scanned_rate`)."""
    record = tuple((i, SPIKE_COUNT) for i in range(len(sim.plan.populations)))
    return scanned_rate(partial(few_spike_program, sim, record=record), sim,
                        stacked_batches(x_host, n_batches, sim.batch_size), jnp.int32(0))


def variant_rates(compiled, inp, out, x_host, y_host, variants):
    """``[(variant, evaluate, evaluate_batch_iter, predict images/s)]`` under each transfer
    setting ``staging:workers:group MiB[:window[:fuse[:grouped[:split[:ahead]]]]]``
    (workers ``auto``: the default; fuse 1/0: ``ml_genn.backend.runner.FUSE``; grouped
    1/0: ``runner.GROUP``; split 1/0: ``transfer.SPLIT_PUTS``; ahead:
    ``transfer.GROUPS_AHEAD``); the settings are restored afterwards."""
    saved = (transfer.STAGING, transfer.TRANSFER_WORKERS, transfer.GROUP_BYTES,
             runner.WINDOW, runner.FUSE, runner.GROUP, transfer.SPLIT_PUTS,
             transfer.GROUPS_AHEAD)
    rows = []
    try:
        for variant in variants:
            staging, workers, mib, *rest = variant.split(":")
            transfer.STAGING = staging
            transfer.TRANSFER_WORKERS = saved[1] if workers == "auto" else int(workers)
            transfer.GROUP_BYTES = max(1, int(float(mib) * 2 ** 20))
            runner.WINDOW = int(rest[0]) if rest else saved[3]
            runner.FUSE = bool(int(rest[1])) if len(rest) > 1 else saved[4]
            runner.GROUP = bool(int(rest[2])) if len(rest) > 2 else saved[5]
            transfer.SPLIT_PUTS = bool(int(rest[3])) if len(rest) > 3 else saved[6]
            transfer.GROUPS_AHEAD = int(rest[4]) if len(rest) > 4 else saved[7]
            warm(compiled, inp, out, x_host, y_host)
            rows.append((variant, *user_rates(compiled, inp, out, x_host, y_host)))
    finally:
        (transfer.STAGING, transfer.TRANSFER_WORKERS, transfer.GROUP_BYTES, runner.WINDOW,
         runner.FUSE, runner.GROUP, transfer.SPLIT_PUTS, transfer.GROUPS_AHEAD) = saved
    return rows


def h2d_rates(sizes_mib=(8, 32)) -> None:
    """Print host-to-device copy rates (GB/s, best of 5), host passes over the data, and
    how much Python work another thread gets done while a thread copies."""
    for mib in sizes_mib:
        a = np.random.default_rng(0).uniform(0, 1, mib * 2 ** 18).astype(np.float32)
        for name, rate in _h2d_cases(a):
            print(f"h2d {mib:>3} MiB  {name:<28} {rate}", flush=True)
    to_device = jax.sharding.SingleDeviceSharding(jax.devices()[0])
    share = _python_share(lambda: jax.device_put(a, to_device).block_until_ready())
    print(f"h2d: Python work done by another thread during device_put: {share:.2f} of idle "
          f"(1.0: the copy releases the GIL)", flush=True)


def _python_share(copy, seconds=0.5) -> float:
    """Loop iterations of this thread while another one runs ``copy`` repeatedly, over
    the iterations with no other thread."""
    def spin() -> int:
        n, stop = 0, time.perf_counter() + seconds
        while time.perf_counter() < stop:
            n += 1
        return n
    idle = spin()
    done = threading.Event()

    def work():
        while not done.is_set():
            copy()
    thread = threading.Thread(target=work)
    thread.start()
    busy = spin()
    done.set()
    thread.join()
    return busy / idle


def _h2d_cases(a: np.ndarray):
    device = jax.devices()[0]
    to_device = jax.sharding.SingleDeviceSharding(device)
    pinned = jax.sharding.SingleDeviceSharding(device, memory_kind="pinned_host")
    staged: list = []  # the pinned copy, made by the second case
    buf = np.empty_like(a)

    def to_pinned():
        staged[:] = [jax.device_put(a, pinned).block_until_ready()]
    cases = {
        "numpy->device (pageable)": lambda: jax.device_put(a, to_device).block_until_ready(),
        "numpy->pinned_host": to_pinned,
        "pinned_host->device": lambda: jax.device_put(staged[0], to_device).block_until_ready(),
        "numpy->pinned->device": lambda: jax.device_put(
            jax.device_put(a, pinned), to_device).block_until_ready(),
        "np.all(np.isfinite) (host)": lambda: bool(np.all(np.isfinite(a))),
        "np.copyto (host)": lambda: np.copyto(buf, a),
    }
    for name, fn in cases.items():
        try:
            fn()
            yield name, f"{a.nbytes / best_time(fn, 5) / 1e9:7.2f} GB/s"
        except Exception as err:  # noqa: BLE001  (a copy this platform lacks)
            yield name, f"failed: {type(err).__name__}: {err}"


def main() -> None:
    on_gpu = jax.default_backend() == "gpu"
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_network_arguments(parser, 1.0 if on_gpu else 0.125)
    parser.add_argument("--k", type=int, default=10)
    parser.add_argument("--timesteps", type=int, default=100)
    parser.add_argument("--snn-precision", default="default")
    parser.add_argument("--eval-batches", type=int, default=64 if on_gpu else 4,
                        help="batches per timed evaluate() call (few-spike)")
    parser.add_argument("--rate-batches", type=int, default=4 if on_gpu else 2)
    parser.add_argument("--skip-rate", action="store_true")
    parser.add_argument("--h2d", action="store_true", help="print host-to-device copy rates")
    parser.add_argument("--ann-precisions", nargs="+", default=["default", "highest"],
                        choices=["default", "highest"])
    parser.add_argument("--variants", nargs="*", default=[],
                        help="transfer settings staging:workers:group_MiB[:window[:fuse"
                             "[:grouped[:split[:ahead]]]]] to compare")
    args = parser.parse_args()

    print(f"device: {jax.devices()[0].device_kind} ({jax.default_backend()}) x"
          f"{len(jax.devices())}, jax {jax.__version__}, width x{args.width}, k={args.k}, "
          f"T={args.timesteps}, SNN precision {args.snn_precision!r}", flush=True)
    cols = ["net", "batch", "ANN def", "ANN hi", "FS dev", "FS eval", "FS iter", "FS pred",
            "eval/dev", "iter/dev", "pred/dev", "model ev", "mod/dev", "dev/ANN", "eval/ANN",
            "rate dev", "rate eval", "r e/d", "FS acc=ANN"]
    widths = [8, 5, 9, 9, 9, 9, 9, 9, 8, 8, 8, 9, 7, 7, 8, 9, 9, 6, 10]
    if args.h2d:
        h2d_rates()
    print(" ".join(f"{c:>{w}}" for c, w in zip(cols, widths, strict=True)), flush=True)
    rng = np.random.default_rng(0)
    for name in args.nets:
        nodes = NETWORKS[name](args.width, rng)
        acts = ann_activations(nodes, rng)
        for batch in args.batch_sizes:
            x_dev = jnp.asarray(rng.uniform(0, 1, (batch, 32, 32, 3)).astype(np.float32))
            ann = {"default": float("nan"), "highest": float("nan")}
            for p in args.ann_precisions:
                fn = jax.jit(partial(ann_logits, nodes, precision=p))
                ann[p] = device_rate(partial(fn, x_dev), 20, batch)
            n = args.eval_batches * batch
            x_host = rng.uniform(0, 1, (n, 32, 32, 3)).astype(np.float32)
            logits = jax.jit(partial(ann_logits, nodes, precision="highest"))
            y_host = np.concatenate([np.asarray(logits(x_host[s:s + batch])).argmax(1)
                                     for s in range(0, n, batch)])

            net, inp, out = few_spike_network(nodes, acts, 1.0, args.k)
            compiler = FewSpikeCompiler(k=args.k, batch_size=batch,
                                        precision=args.snn_precision)
            compiled = compiler.compile(net)
            fs_dev, fs_eval, fs_iter, fs_pred, fs_acc = snn_rates(
                compiled, inp, out, x_host, y_host, args.eval_batches)
            model = RunnableModel(net, [inp], [out], compiler)
            fs_model, fs_model_bare = model_rate(model, x_host, y_host)
            fs_counting = counting_rate(model.compiled().simulator, x_host, args.eval_batches)
            print(f"   {name} b{batch}: RunnableModel.evaluate without spike statistics "
                  f"{fs_model_bare:9.0f} ({fs_model_bare / fs_dev:.2f} dev); the device "
                  f"program with the spike counts the statistics need {fs_counting:9.0f} "
                  f"({fs_counting / fs_dev:.2f} dev), RunnableModel.evaluate over it "
                  f"{fs_model / fs_counting:.2f}", flush=True)
            for variant, *rates in variant_rates(compiled, inp, out, x_host, y_host,
                                                 args.variants):
                print(f"   variant {name} b{batch} {variant:<14} " + "  ".join(
                    f"FS {what} {r:9.0f} ({r / fs_dev:.2f} dev)"
                    for what, r in zip(("eval", "iter", "pred"), rates, strict=True)),
                    flush=True)
            rate_dev = rate_eval = float("nan")
            if not args.skip_rate:
                net, inp, out = rate_network(nodes, acts)
                compiled = InferenceCompiler(evaluate_timesteps=args.timesteps,
                                             batch_size=batch,
                                             precision=args.snn_precision).compile(net)
                nr = args.rate_batches * batch
                rate_dev, rate_eval, _, _, _ = snn_rates(compiled, inp, out, x_host[:nr],
                                                      y_host[:nr], args.rate_batches,
                                                      full=False)
            row = [name, batch, f"{ann['default']:.0f}", f"{ann['highest']:.0f}",
                   f"{fs_dev:.0f}", f"{fs_eval:.0f}", f"{fs_iter:.0f}", f"{fs_pred:.0f}",
                   f"{fs_eval / fs_dev:.2f}", f"{fs_iter / fs_dev:.2f}",
                   f"{fs_pred / fs_dev:.2f}", f"{fs_model:.0f}", f"{fs_model / fs_dev:.2f}",
                   f"{fs_dev / ann['default']:.2f}",
                   f"{fs_eval / ann['default']:.2f}", f"{rate_dev:.0f}", f"{rate_eval:.0f}",
                   f"{rate_eval / rate_dev:.2f}", f"{fs_acc:.3f}"]
            print(" ".join(f"{c:>{w}}" for c, w in zip(row, widths, strict=True)), flush=True)
    print("img/s throughout. eval/dev: few-spike through evaluate() over device-only (the "
          "user's path; target >= 0.9 at batch >= 256 on a GPU). dev/ANN, eval/ANN: "
          "few-spike over the ANN at default precision. r e/d: rate-coded evaluate() over "
          "device-only. FS acc=ANN: fraction of examples where the few-spike SNN's class "
          "equals the ANN's.")


if __name__ == "__main__":
    main()

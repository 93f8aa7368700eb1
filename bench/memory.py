"""Peak memory of the batch iterators: 10,000 vs 100,000 examples (issue 9, item 2).

Each size runs in a fresh process on the CPU with a tiny network (784 -> 128 -> 10,
few-spike and rate-coded), fed by a generator that makes each batch on demand:
``evaluate_batch_iter`` and ``predict_batch_iter`` writing into a caller's array
(``out=``). The process prints its peak resident set size (``ru_maxrss``); memory
bounded by the batch means the same peak for both sizes (the caller's output array,
10 float32 per example, aside).

Usage::

    python bench/memory.py                 # both sizes, both methods, a table
    python bench/memory.py --examples 100000 --method few_spike --child
"""
from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys

BATCH = 256


def child(examples: int, method: str) -> None:
    import numpy as np

    from ml_genn import Connection, Network, Population
    from ml_genn.compilers import FewSpikeCompiler, InferenceCompiler
    from ml_genn.connectivity import Dense
    from ml_genn.neurons import FewSpikeRelu, FewSpikeReluInput, IntegrateFire, PoissonInput

    rng = np.random.default_rng(0)
    w1 = rng.normal(0, 0.05, (784, 128)).astype(np.float32)
    w2 = rng.normal(0, 0.1, (128, 10)).astype(np.float32)
    with Network() as net:
        if method == "few_spike":
            inp = Population(FewSpikeReluInput(k=8, alpha=1.0), 784)
            hid = Population(FewSpikeRelu(k=8, alpha=2.0), 128)
            out = Population(FewSpikeRelu(k=8, alpha=4.0, readout="var"), 10)
            compiler = FewSpikeCompiler(k=8, batch_size=BATCH)
        else:
            inp = Population(PoissonInput(), 784)
            hid = Population(IntegrateFire(), 128)
            out = Population(IntegrateFire(readout="spike_count"), 10)
            compiler = InferenceCompiler(evaluate_timesteps=20, batch_size=BATCH)
        Connection(inp, hid, Dense(w1))
        Connection(hid, out, Dense(w2))
    compiled = compiler.compile(net)

    def batches(n, labelled):
        batch_rng = np.random.default_rng(1)
        for start in range(0, n, BATCH):
            count = min(BATCH, n - start)
            x = batch_rng.uniform(0, 1, (count, 784)).astype(np.float32)
            yield (x, batch_rng.integers(0, 10, count)) if labelled else x

    compiled.evaluate_batch_iter(inp, out, batches(2 * BATCH, True), callbacks=[])  # compile
    metrics, _ = compiled.evaluate_batch_iter(inp, out, batches(examples, True), callbacks=[])
    target = np.zeros((examples, 10), np.float32)
    compiled.predict_batch_iter(inp, out, batches(examples, False), callbacks=[],
                                out={out: target})
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{peak_mb:.1f} {metrics[out].total}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--examples", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--method", nargs="+", default=["few_spike", "rate"],
                        choices=["few_spike", "rate"])
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.examples[0], args.method[0])
        return
    env = dict(os.environ, JAX_PLATFORMS="cpu")
    print(f"{'method':>9} {'examples':>9} {'peak RSS MB':>12} {'evaluated':>10}")
    for method in args.method:
        for n in args.examples:
            result = subprocess.run([sys.executable, __file__, "--child", "--examples", str(n),
                                     "--method", method], env=env, capture_output=True,
                                    text=True, check=True)
            peak, total = result.stdout.split()[-2:]
            print(f"{method:>9} {n:>9} {float(peak):>12.1f} {total:>10}", flush=True)
    print("Peak RSS of a process running evaluate_batch_iter and predict_batch_iter(out=...) "
          "over a generator; the output array holds 40 bytes per example.")


if __name__ == "__main__":
    main()

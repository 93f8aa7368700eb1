"""Two-piece convolutions (``"fp16x2"``): the Pallas kernel against cuDNN, side by side.

For each layer shape of mlGeNN's ResNet-20 and VGG-16 (3x3, stride 1, "same"; float16
codes, batch ``--batch``) it prints the time of

* ``cudnn x2``: what XLA runs today, one cuDNN convolution with the two weight pieces
  side by side on the output channels (float32 sums) and their outputs added;
* ``kernel``: ``two_piece_conv`` (``ml_genn/backend/connectivity/conv_kernel.py``), one
  float32 accumulator per piece, for each ``--rows`` x ``--warps`` setting;
* ``cudnn x1``: one piece (float32 sums), for scale;

and the kernel's largest difference from ``cudnn x2`` relative to the output's range.
Each figure is 50 applications in one program (``fori_loop``, the output cast back to
float16 as the next input), so no dispatch is timed.

Usage (GPU; on a CPU the kernel runs in Pallas' interpreter, slowly)::

    python bench/conv_kernel.py
    python bench/conv_kernel.py --rows 64 128 256 --warps 4 8
"""
from __future__ import annotations

import argparse
import itertools
import time

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

from ml_genn.backend.connectivity import conv_kernel

SHAPES = {"resnet20": [(32, 16), (16, 32), (8, 64)],
          "vgg16": [(32, 64), (16, 128), (8, 256), (4, 512), (2, 512)]}
REPEATS = 50


def cudnn(x, w, pieces):
    out = lax.conv_general_dilated(x, w, (1, 1), "SAME",
                                   dimension_numbers=("NHWC", "HWIO", "NHWC"),
                                   preferred_element_type=jnp.float32)
    if pieces == 1:
        return out
    return out.reshape(out.shape[:-1] + (2, out.shape[-1] // 2)).sum(-2)


def timed(f, x) -> float:
    """Seconds per application of ``f`` (float16 -> float32, same shape)."""
    @jax.jit
    def many(x):
        return lax.fori_loop(0, REPEATS, lambda i, x: (f(x) * 1e-3).astype(jnp.float16), x)
    jax.block_until_ready(many(x))
    best = np.inf
    for _ in range(5):
        start = time.perf_counter()
        jax.block_until_ready(many(x))
        best = min(best, time.perf_counter() - start)
    return best / REPEATS


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--batch", type=int, default=256)
    parser.add_argument("--nets", nargs="+", default=list(SHAPES), choices=list(SHAPES))
    parser.add_argument("--rows", type=int, nargs="+", default=[conv_kernel.ROWS])
    parser.add_argument("--warps", type=int, nargs="+", default=[conv_kernel.WARPS])
    args = parser.parse_args()
    interpret = jax.default_backend() == "cpu"
    print(f"device: {jax.devices()[0].device_kind}, jax {jax.__version__}, batch "
          f"{args.batch}", flush=True)
    rng = np.random.default_rng(0)
    defaults = conv_kernel.ROWS, conv_kernel.WARPS
    for net in args.nets:
        for size, channels in SHAPES[net]:
            x = jnp.asarray(rng.integers(0, 256, (args.batch, size, size, channels)),
                            jnp.float16)
            w = rng.normal(0, 1 / np.sqrt(9 * channels), (3, 3, channels, channels))
            hi = jnp.asarray(w, jnp.float16)
            lo = jnp.asarray(w - np.asarray(hi, np.float64), jnp.float16)
            both = jnp.concatenate([hi, lo], -1)
            x2 = timed(lambda x, both=both: cudnn(x, both, 2), x)
            x1 = timed(lambda x, hi=hi: cudnn(x, hi, 1), x)
            ref = cudnn(x, both, 2)
            line = f"{net:8s} {size:2d}x{size:<2d}x{channels:<3d} cudnn x2 {x2 * 1e6:7.1f} us, " \
                   f"cudnn x1 {x1 * 1e6:7.1f} us"
            for rows, warps in itertools.product(args.rows, args.warps):
                conv_kernel.ROWS, conv_kernel.WARPS = rows, warps

                def kernel(x, both=both):
                    return conv_kernel.two_piece_conv(x, both, ((1, 1), (1, 1)),
                                                      interpret=interpret)
                t = timed(kernel, x)
                diff = float(jnp.max(jnp.abs(kernel(x) - ref)) / jnp.max(jnp.abs(ref)))
                line += f"; kernel {rows}/{warps}w {t * 1e6:7.1f} us ({x2 / t:.2f}x, " \
                        f"diff {diff:.1e})"
            conv_kernel.ROWS, conv_kernel.WARPS = defaults
            print(line, flush=True)


if __name__ == "__main__":
    main()

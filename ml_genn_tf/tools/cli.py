"""The ``ml-genn-tf`` command line.

Subcommands live in :data:`COMMANDS`; add one with :func:`register_command`::

    def _export_arguments(parser):
        parser.add_argument("snn", help="a saved SNN (.h5)")

    @register_command("export", "Export a saved SNN to NIR.", _export_arguments)
    def export(args):
        ...
        return 0                   # the exit code

Only ``convert`` and ``layers`` import Keras (``evaluate``, ``info`` and ``report`` run
without it).
"""
from __future__ import annotations

import argparse
import json
import sys
import tomllib
from collections.abc import Callable, Sequence
from dataclasses import fields
from pathlib import Path
from typing import Any, NamedTuple

from ml_genn.backend.precision import PRECISION_NAMES

from .batch import METHOD_NAMES, BatchOptions
from .results import write_atomic


class Command(NamedTuple):
    """A subcommand: its help line, how it adds its arguments, and what it runs."""

    help: str
    add_arguments: Callable[[argparse.ArgumentParser], None]
    run: Callable[[argparse.Namespace], int]


#: Subcommand name -> :class:`Command`.
COMMANDS: dict[str, Command] = {}


def register_command(name: str, help: str,
                     add_arguments: Callable[[argparse.ArgumentParser], None]
                     ) -> Callable[[Callable], Callable]:
    """Decorator registering ``run(args) -> exit code`` as subcommand ``name``.

    Raises:
        ValueError: ``name`` is taken.
    """
    def decorator(run: Callable[[argparse.Namespace], int]) -> Callable:
        if name in COMMANDS:
            raise ValueError(f"A subcommand named '{name}' is already registered.")
        COMMANDS[name] = Command(help, add_arguments, run)
        return run
    return decorator


def build_parser() -> argparse.ArgumentParser:
    """The parser with every registered subcommand."""
    parser = argparse.ArgumentParser(
        prog="ml-genn-tf", description="Convert Keras models to spiking neural networks, "
        "evaluate and compare them.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, command in COMMANDS.items():
        sub_parser = sub.add_parser(name, help=command.help, description=command.help)
        command.add_arguments(sub_parser)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    args = build_parser().parse_args(argv)
    try:
        return COMMANDS[args.command].run(args)
    except (FileNotFoundError, ValueError, TypeError, NotImplementedError) as err:
        print(f"ml-genn-tf {args.command}: error: {err}", file=sys.stderr)
        return 2


# --- convert -----------------------------------------------------------------------------
def _convert_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("models", nargs="*", metavar="MODEL",
                   help="Keras model files (.keras or legacy .h5)")
    p.add_argument("--method", nargs="+", choices=METHOD_NAMES, dest="methods",
                   metavar="METHOD", help=f"conversion methods: {', '.join(METHOD_NAMES)} "
                   f"(default: few_spike)")
    p.epilog = ("example: ml-genn-tf convert models/mnist_cnn.keras --method few_spike "
                "data_norm --dataset mnist --test-samples 1000 --sweep 32 64 128 --out results")
    p.add_argument("--dataset", help="mnist, fashion_mnist, a keras.datasets name, or a "
                   ".npz file with x and y (and optionally x_train, y_train)")
    p.add_argument("--out", help="output folder (default: snn-results)")
    p.add_argument("--timesteps", type=int, help="timesteps of the rate methods (500)")
    p.add_argument("--k", type=int, help="few-spike timesteps per stage (converter default)")
    p.add_argument("--calib-samples", type=int, help="calibration examples (1000)")
    p.add_argument("--test-samples", type=int, help="test examples (default: all)")
    p.add_argument("--batch-size", type=int, help="batch size (128)")
    p.add_argument("--precision", choices=PRECISION_NAMES, metavar="PRECISION",
                   help="matrix precision of the compiled SNNs: highest (exact float32, "
                   "the default), default (TF32 on recent GPUs), or a low-precision mode "
                   "(fp16x1/x2/x3, bf16x1/x2/x3, fp16: README 'Low-precision modes'); "
                   f"one of {', '.join(PRECISION_NAMES)}")
    p.add_argument("--sweep", nargs="+", type=int, metavar="T",
                   help="rate methods: also sweep the timesteps over these values (one "
                   "simulation to the largest)")
    p.add_argument("--sweep-k", nargs="+", type=int, metavar="K",
                   help="few_spike: also sweep k over these values (one calibration)")
    p.add_argument("--diagnose-samples", type=int, help="test examples of the per-layer "
                   "diagnosis in results.json and the report (128; 0: none)")
    p.add_argument("--raster-examples", type=int, help="test examples whose spikes the "
                   "report's raster shows (2; 0: none)")
    p.add_argument("--no-scale", dest="scale", action="store_const", const=False,
                   help="keep named data sets' pixels in 0..255 (default: divided by 255; "
                   "either way float32 with a channel axis)")
    p.add_argument("--config", type=Path, help="TOML file with any of these options "
                   "(models, methods, dataset, ...; [method_options.<method>] tables "
                   "pass extra convert_model options); the command line wins")
    p.add_argument("--no-progress", dest="progress", action="store_false",
                   help="no progress bars")


def resolve_options(args: argparse.Namespace) -> tuple[list[str], BatchOptions]:
    """Models and options from the defaults, the TOML file and the command line (in
    increasing priority)."""
    values: dict[str, Any] = {}
    models: list[str] = []
    if args.config is not None:
        try:
            config = tomllib.loads(Path(args.config).read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as err:
            raise ValueError(f"Config file '{args.config}' is not valid TOML: {err}.") \
                from None
        models = [str(m) for m in config.pop("models", [])]
        known = {f.name for f in fields(BatchOptions)}
        unknown = sorted(set(config) - known)
        if unknown:
            raise ValueError(f"Config file '{args.config}': unknown option(s) {unknown}; "
                             f"known: models, {', '.join(sorted(known))}.")
        values.update(config)
    for f in fields(BatchOptions):
        given = getattr(args, f.name, None)
        if given is not None:
            values[f.name] = given
    models = list(args.models) or models
    if not models:
        raise ValueError("No models given: pass MODEL files or 'models = [...]' in --config.")
    options = BatchOptions(**values)
    bad = [m for m in options.methods if m not in METHOD_NAMES]
    if bad:
        raise ValueError(f"Unknown method(s) {bad}; choose from {list(METHOD_NAMES)}.")
    return models, options


@register_command("convert", "Convert Keras models with one or more methods, evaluate "
                  "ANN and SNN, and write the SNNs, results.json, results.csv and "
                  "report.html into the output folder.", _convert_arguments)
def convert(args: argparse.Namespace) -> int:
    from .batch import run_batch
    from .report import write_report
    models, options = resolve_options(args)
    out = Path(options.out)
    out.mkdir(parents=True, exist_ok=True)
    write_atomic(out / "options.json", json.dumps({"models": models, **options.as_dict()},
                                                  indent=2) + "\n")
    rows = run_batch(models, options, progress=args.progress)
    write_report(rows, out / "report.html")
    failed = [r for r in rows if r["error"]]
    for row in rows:
        if not row["error"]:
            print(f"{row['model']:<20} {row['method']:<11} ANN {100 * row['ann_accuracy']:.2f}% "
                  f"SNN {100 * row['snn_accuracy']:.2f}%  ({row['snn_file']})")
    print(f"Results in {out}/ (results.json, results.csv, report.html); "
          f"{len(failed)} of {len(rows)} failed.")
    return 1 if failed else 0


# --- evaluate ------------------------------------------------------------------------------
def _evaluate_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("snn", type=Path, help="a saved SNN (.h5, from convert or model.save)")
    p.add_argument("--dataset", required=True, help="mnist, fashion_mnist, a "
                   "keras.datasets name, or a .npz file with x and y")
    p.add_argument("--test-samples", type=int, help="test examples (default: all)")
    p.add_argument("--batch-size", type=int, help="batch size (default: the saved one)")
    p.add_argument("--sweep", nargs="+", type=int, metavar="T",
                   help="rate-coded SNNs: also sweep the timesteps (one simulation)")
    p.add_argument("--no-scale", dest="scale", action="store_false",
                   help="keep named data sets' pixels in 0..255 (default: divided by 255)")
    p.add_argument("--no-progress", dest="progress", action="store_false",
                   help="no progress bar")


@register_command("evaluate", "Evaluate a saved SNN on a data set (without TensorFlow or "
                  "Keras); prints the results as JSON.", _evaluate_arguments)
def evaluate(args: argparse.Namespace) -> int:
    from ml_genn import load

    from .datasets import load_dataset
    model = load(args.snn)
    if args.batch_size is not None:
        model.compiler.batch_size = args.batch_size
    _, (x, y) = load_dataset(args.dataset, scale=args.scale)
    results = model.evaluate(x[:args.test_samples], y[:args.test_samples],
                             progress=args.progress)
    if args.sweep:
        results["sweep"] = {"parameter": "timesteps", "rows": list(
            model.sweep(x[:args.test_samples], y[:args.test_samples], timesteps=args.sweep))}
    print(json.dumps({"snn": str(args.snn), **results}, indent=2))
    return 0


# --- info -----------------------------------------------------------------------------------
def _info_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("snn", type=Path, help="a saved SNN (.h5)")


@register_command("info", "Print a saved SNN's summary and metadata.", _info_arguments)
def info(args: argparse.Namespace) -> int:
    from ml_genn import load
    model = load(args.snn)
    model.summary()
    print("Metadata:")
    print(json.dumps(model.metadata, indent=2))
    return 0


# --- report ---------------------------------------------------------------------------------
def _report_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("results", type=Path, help="results.json written by convert")
    p.add_argument("--out", type=Path, default=Path("report.html"),
                   help="the HTML file to write (default: report.html)")


@register_command("report", "Rebuild the HTML report from results.json.", _report_arguments)
def report(args: argparse.Namespace) -> int:
    from .report import write_report
    path = write_report(args.results, args.out)
    print(f"Report written to {path}")
    return 0


# --- layers ---------------------------------------------------------------------------------
@register_command("layers", "List the supported Keras layers and conversion methods "
                  "(generated from the handler registry).", lambda parser: None)
def layers(args: argparse.Namespace) -> int:
    from .readme import layers_table, methods_table
    print(methods_table())
    print()
    print(layers_table())
    return 0


# --- export ---------------------------------------------------------------------------------
def _export_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("snn", type=Path, help="a saved SNN (.h5)")
    p.add_argument("--nir", type=Path, required=True, metavar="OUT.nir",
                   help="write the network as a NIR graph (read it with nir.read)")
    p.add_argument("--threshold-comparison", choices=(">=", ">"), default=">=",
                   help="'>=' (default): thresholds as they are, the comparison in the "
                   "metadata; '>': thresholds one float32 lower, for consumers that apply "
                   "NIR's v > v_threshold")


@register_command("export", "Export a saved SNN as a NIR graph (without TensorFlow or "
                  "Keras); refuses, with the reason, what NIR cannot state.", _export_arguments)
def export(args: argparse.Namespace) -> int:
    from ml_genn import load

    from ..export import export_nir
    path = export_nir(load(args.snn), args.nir, args.threshold_comparison)
    print(f"NIR graph written to {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The README's generated tables: supported layers (from the handler registry) and
conversion methods (from :data:`ml_genn_tf.METHODS`).

``python -m ml_genn_tf.tools.readme`` rewrites the blocks between
``<!-- generated:NAME -->`` and ``<!-- end:NAME -->`` in README.md; ``--check`` only
reports whether they are up to date (exit code 1 if not).
"""
from __future__ import annotations

import argparse
import inspect
import re
import sys
from collections.abc import Callable
from pathlib import Path

README = Path(__file__).resolve().parents[2] / "README.md"


def _plain_rst(text: str) -> str:
    text = re.sub(r":\w+:`~?([\w.]+)`", lambda m: f"`{m.group(1).split('.')[-1]}`", text)
    return text.replace("``", "`")


def _first_sentence(doc: str | None) -> str:
    paragraph = " ".join(inspect.cleandoc(doc or "").split("\n\n")[0].split())
    match = re.match(r"(.+?(?<!\bal)(?<!e\.g)(?<!i\.e)\.)(\s|$)", paragraph)  # not "et al."
    return _plain_rst(match.group(1) if match else paragraph).replace("|", "\\|")


def layers_table() -> str:
    """Markdown table of the supported Keras layers."""
    from ..handlers import support_table
    return support_table()


def methods_table() -> str:
    """Markdown table of the conversion methods."""
    from ..convert import METHODS
    rows = ["| method | converter | what it does |", "|---|---|---|"]
    for name, cls in METHODS.items():
        rows.append(f"| `{name}` | `{cls.__name__}` | {_first_sentence(cls.__doc__)} |")
    return "\n".join(rows)


#: Block name -> generator.
BLOCKS: dict[str, Callable[[], str]] = {"layers": layers_table, "methods": methods_table}


def render(text: str) -> str:
    """``text`` with every generated block replaced by its current content."""
    for name, generate in BLOCKS.items():
        pattern = re.compile(rf"(<!-- generated:{name} -->\n)(?:.*?\n)?(<!-- end:{name} -->)",
                             re.S)
        if not pattern.search(text):
            raise ValueError(f"README has no block '<!-- generated:{name} -->' ... "
                             f"'<!-- end:{name} -->'; add the two markers.")
        table = generate()

        def replace(match: re.Match[str], table: str = table) -> str:
            return match.group(1) + table + "\n" + match.group(2)
        text = pattern.sub(replace, text)
    return text


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Update README.md's generated tables.")
    parser.add_argument("--check", action="store_true", help="only check; exit 1 if stale")
    parser.add_argument("--readme", type=Path, default=README)
    args = parser.parse_args(argv)
    text = args.readme.read_text(encoding="utf-8")
    updated = render(text)
    if args.check:
        print("up to date" if updated == text else f"{args.readme} is stale; run "
              f"python -m ml_genn_tf.tools.readme")
        return 0 if updated == text else 1
    if updated != text:
        from .results import write_atomic
        write_atomic(args.readme, updated)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Command line: run one tool call, or print the tool definitions.

    python -m tools symbolic_math '{"operation": "differentiate", "expression": "x**3 + 2*x", "variable": "x"}'
    python -m tools --schemas anthropic          # or: openai
    python -m tools --docs                       # Markdown reference of every op (docs/tools.md)
"""

from __future__ import annotations

import argparse
import json
import sys

import tools
from tools.docs import render_markdown


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("name", nargs="?", help="tool name, e.g. symbolic_math")
    parser.add_argument("args", nargs="?", default="{}", help="JSON arguments (duplicate keys are kept)")
    parser.add_argument("--schemas", nargs="?", const="anthropic", choices=["anthropic", "openai"],
                        help="print the tool definitions as JSON")
    parser.add_argument("--docs", action="store_true", help="print the Markdown reference of every op")
    parser.add_argument("--timeout", type=float, default=None, help="wall-clock limit in seconds")
    ns = parser.parse_args(argv)
    if ns.schemas:
        print(json.dumps(tools.schemas(ns.schemas), indent=2, ensure_ascii=False))
        return 0
    if ns.docs:
        print(render_markdown(), end="")
        return 0
    if not ns.name:
        parser.print_help()
        return 2
    result = tools.call(ns.name, ns.args, timeout=ns.timeout)
    print(json.dumps(result.model_dump(), ensure_ascii=False, default=str))
    return 0 if result.ok else 1


if __name__ == "__main__":
    sys.exit(main())

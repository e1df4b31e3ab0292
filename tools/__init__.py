"""tooltrace's tools: `tools.call(name, args) -> ToolResult`.

The five tools (symbolic_math, execute_python, logic_solver, chemistry, physics) are registered in
`TOOLS`, the one place that lists them. See `docs/tools.md` or `python -m tools --help`.
"""

from __future__ import annotations

from tools.registry import Tool, ToolError, ToolResult
from tools.runtime import call, normalise, schemas

__all__ = ["Tool", "ToolError", "ToolResult", "call", "normalise", "schemas", "TOOLS", "TOOL_ALIASES"]

from tools.catalog import TOOL_ALIASES, TOOLS  # noqa: E402

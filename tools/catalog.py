"""The one list of tools. Adding a tool means adding its module here."""

from __future__ import annotations

import importlib

from tools.registry import Tool

TOOL_MODULES = ("symbolic_math", "execute_python", "logic_solver", "chemistry", "physics")

TOOLS: dict[str, Tool] = {}
for _mod in TOOL_MODULES:
    try:
        _tool = importlib.import_module(f"tools.{_mod}").TOOL
    except ModuleNotFoundError as exc:  # only while a tool is still being written
        if exc.name != f"tools.{_mod}":
            raise
        continue
    TOOLS[_tool.name] = _tool

# Tool-name variants models write (the seed plan uses chemistry_calc / physics_calc).
TOOL_ALIASES: dict[str, str] = {
    "chemistry_calc": "chemistry", "chem": "chemistry", "chemistry_calculator": "chemistry",
    "physics_calc": "physics", "physics_calculator": "physics",
    "python": "execute_python", "run_python": "execute_python", "python_interpreter": "execute_python",
    "code_interpreter": "execute_python",
    "sympy": "symbolic_math", "math": "symbolic_math", "symbolic": "symbolic_math",
    "z3": "logic_solver", "logic": "logic_solver", "smt": "logic_solver",
}
for _tool in TOOLS.values():
    for _alias in _tool.aliases:
        TOOL_ALIASES.setdefault(_alias, _tool.name)

"""execute_python: run a model's Python code and show what it printed.

The code comes from an LLM, so it never runs in the pipeline process: `tools.sandbox` runs it in an
isolated, resource-limited child (no environment, no network, no repository, its own temp dir;
limits on time, memory, processes, output and file size). The op is registered `isolated=False`
because the sandbox *is* its isolation; the runtime's generic worker would only add a second layer
of processes around it.

What the model sees mirrors running a script: stdout (and stderr) as printed — cut with a marker
past a limit — and, when the code fails, the exception line Python would end its traceback with
(`ZeroDivisionError: division by zero`), never a traceback through our own machinery. As in a
notebook, a final bare expression is echoed.
"""

from __future__ import annotations

import re

from pydantic import AliasChoices, Field

from tools import sandbox
from tools.registry import OpArgs, Tool, ToolResult

MAX_TIMEOUT_S = 30.0
DEFAULT_TIMEOUT_S = 10.0
MAX_OUTPUT_CHARS = 10_000

TOOL = Tool(
    "execute_python",
    "Run a Python 3.11 script and return what it prints (stdout and stderr). Use print() to show "
    "results; a final bare expression is also shown. numpy, sympy, math, fractions, decimal, "
    "statistics and itertools are available. Runs in an isolated sandbox: no network, no files "
    "outside its own temporary directory, limits on time (default 10 s), memory and output.",
    aliases=("python",),
    single_op=True,
)


class RunArgs(OpArgs):
    code: str = Field(
        description="Python source to run, e.g. \"import math\\nprint(math.factorial(10))\"",
        validation_alias=AliasChoices("code", "source", "script", "program", "python_code"),
    )
    timeout: float = Field(DEFAULT_TIMEOUT_S, gt=0, description=f"seconds before the run is stopped "
                           f"(at most {MAX_TIMEOUT_S:g})")


_FENCE = re.compile(r"^\s*```[ \t]*(?:python3?|py)?[ \t]*\n(.*?)\n?```\s*$", re.DOTALL | re.IGNORECASE)


def strip_fences(code: str) -> str:
    """Models often wrap the code in a Markdown fence; running it verbatim would be a SyntaxError."""
    match = _FENCE.match(code)
    return match.group(1) if match else code


def _truncate(text: str) -> tuple[str, bool]:
    if len(text) <= MAX_OUTPUT_CHARS:
        return text, False
    return text[:MAX_OUTPUT_CHARS], True


@TOOL.op("run", "Run Python code in a sandbox and return its printed output.", aliases=("execute", "exec"),
         isolated=False)
def run(a: RunArgs) -> ToolResult:
    code = strip_fences(a.code)
    if not code.strip():
        return ToolResult.failure("no code given")
    timeout = min(float(a.timeout), MAX_TIMEOUT_S)
    try:
        res = sandbox.run(code, timeout=timeout, max_output=MAX_OUTPUT_CHARS * 4)
    except sandbox.SandboxUnavailable as exc:
        return ToolResult.failure(f"python sandbox unavailable: {exc}")
    stdout, cut = _truncate(res.stdout)
    truncated = cut or res.truncated
    if truncated:
        stdout = stdout.rstrip("\n") + f"\n... [output truncated: {res.output_bytes} bytes in total]\n"
    value = {"stdout": stdout, "error": res.error, "timed_out": res.timed_out, "truncated": truncated,
             "sandbox": res.sandbox}
    if res.error is None:
        return ToolResult(ok=True, output=stdout.rstrip("\n") if stdout.strip() else "(no output)", value=value)
    output = (stdout.rstrip("\n") + "\n" if stdout.strip() else "") + res.error
    return ToolResult(ok=False, output=output, value=value, error=res.error)

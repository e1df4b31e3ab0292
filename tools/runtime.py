"""`call(name, args)`: normalise, validate, look up the cache, run under limits, never raise.

Every caller — the offline backend building traces, the API backends answering a model's tool use,
the execute stage re-running claimed calls — goes through here, so all agree on what a call means
and what it returns.
"""

from __future__ import annotations

from typing import Any

from tools.normalise import SUBKIND_KEY, CallError, parse_args, split_operation
from tools.registry import Op, ToolResult


class Normalised:
    """A call resolved to a registered op with canonical arguments."""

    __slots__ = ("tool", "op", "args")

    def __init__(self, tool: str, op: Op, args: dict[str, Any]):
        self.tool, self.op, self.args = tool, op, args

    @property
    def name(self) -> str:
        return f"{self.tool}.{self.op.name}"


def normalise(name: str, args: Any) -> Normalised:
    """Resolve tool/op name variants and argument dialects; raise CallError when impossible."""
    from tools.catalog import TOOL_ALIASES, TOOLS

    key = (name or "").strip().lower().replace("-", "_")
    key = TOOL_ALIASES.get(key, key)
    tool = TOOLS.get(key)
    if tool is None:
        raise CallError(f"unknown tool '{name}' (tools: {', '.join(sorted(TOOLS))})")
    raw = parse_args(args)
    if tool.single_op:
        op = next(iter(tool.ops.values()))
        raw.pop("operation", None)
        return Normalised(tool.name, op, raw)
    op_name, flat = split_operation(raw)
    if op_name is None:
        raise CallError(f"{tool.name}: missing 'operation' (one of: {', '.join(sorted(tool.ops))})")
    resolved = tool.resolve_op(op_name)
    if resolved is None:
        raise CallError(f"{tool.name}: unknown operation '{op_name}' (one of: {', '.join(sorted(tool.ops))})")
    op, implied = resolved
    # A sub-op written as the second "operation" (kind) may itself be an alias of the op's kind.
    for k, v in implied.items():
        flat.setdefault(k, v)
    if SUBKIND_KEY in flat and SUBKIND_KEY not in op.args_model.model_fields:
        flat.pop(SUBKIND_KEY)
    return Normalised(tool.name, op, flat)


def call(name: str, args: Any, *, timeout: float | None = None, use_cache: bool = True) -> ToolResult:
    """Run one tool call. Bad input gives `ok=False` with a clear error, never an exception."""
    try:
        norm = normalise(name, args)
    except CallError as exc:
        return ToolResult.failure(str(exc))
    from tools import executor

    return executor.execute(norm, timeout=timeout, use_cache=use_cache)


def schemas(flavour: str = "anthropic", names: list[str] | None = None) -> list[dict[str, Any]]:
    """Tool definitions for an API (`anthropic` or `openai`), derived from the op models."""
    from tools.catalog import TOOLS

    chosen = [TOOLS[n] for n in (names or list(TOOLS)) if n in TOOLS]
    if flavour == "anthropic":
        return [t.anthropic_schema() for t in chosen]
    if flavour == "openai":
        return [t.openai_schema() for t in chosen]
    raise ValueError(f"unknown schema flavour '{flavour}' (anthropic | openai)")

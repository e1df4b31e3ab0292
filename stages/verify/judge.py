"""Optional semantic judge for the filter stage (off by default: `filter.judge.name: null`).

The three verification layers catch wrong syntax, wrong tool results and wrong answers, but not a
trace whose *reasoning* is muddled (steps that contradict the tool output, a tool called for a trivial
sum). A judge is a function `Trace -> str | None` (a rejection reason, or None to keep) registered here
under a name; the filter calls it only for traces that passed every other check, so a paid LLM judge
sees as few traces as possible.

Hook only for now: the registry is empty except `length_ratio`, a cheap offline sanity check. An LLM
judge belongs here too (build it from `filter.judge` params; keep it deterministic with a response
cache, as the generate backends do).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from stages.schema import Trace

Judge = Callable[[Trace], "str | None"]
JUDGE_FACTORIES: dict[str, Callable[[dict[str, Any]], Judge]] = {}


def register(name: str) -> Callable[[Callable[[dict[str, Any]], Judge]], Callable[[dict[str, Any]], Judge]]:
    def deco(factory: Callable[[dict[str, Any]], Judge]) -> Callable[[dict[str, Any]], Judge]:
        JUDGE_FACTORIES[name] = factory
        return factory

    return deco


@register("length_ratio")
def _length_ratio(params: dict[str, Any]) -> Judge:
    """Reject traces whose reasoning is mostly pasted tool output (text words < `min_ratio` × result words)."""
    min_ratio = float(params.get("min_ratio", 0.5))

    def judge(trace: Trace) -> str | None:
        text = sum(len(s.content.split()) for s in trace.reasoning)
        results = sum(len((s.tool_result or "").split()) for s in trace.reasoning)
        if results and text < min_ratio * results:
            return f"judge: reasoning text ({text} words) is mostly tool output ({results} words)"
        return None

    return judge


def make_judge(cfg: Any) -> Judge | None:
    """The configured judge, or None when `filter.judge.name` is null/empty."""
    if cfg is None:
        return None
    name = cfg.get("name") if hasattr(cfg, "get") else None
    if not name:
        return None
    if name not in JUDGE_FACTORIES:
        raise ValueError(f"filter.judge.name: unknown judge {name!r} (known: {', '.join(sorted(JUDGE_FACTORIES))})")
    params = dict(cfg.get("params") or {})
    return JUDGE_FACTORIES[name](params)

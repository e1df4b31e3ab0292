"""Stage 4 — filter: keep verified, well-formed traces; reject the rest with reasons.

Reads `data/execute/traces.jsonl` (every trace carries the execute stage's `Verdict`) and writes
`data/filter/kept.jsonl` and `data/filter/rejected.jsonl` (with `rejection_reasons`), plus
`metrics/filter.json` (counts per reason, kept rate, average reasoning steps, tool calls per example,
domain distribution) and plot data under `metrics/plots/` (domain distribution, steps histogram,
tool/op usage) for `dvc plots show`.

Reasons (a trace may have several; each is counted):
  generation_error, invalid_record, invalid_format, invalid_tool_call — format layer failed;
  tool_result_mismatch — execution layer failed (unfixed mismatch, or a failing call);
  wrong_answer — answer layer failed;
  too_short / too_long — fewer than `min_steps` / more than `max_steps` reasoning steps;
  no_reasoning_text — fewer than `min_words` words of step text (tool results not counted);
  no_tool_call / too_few_distinct_tools — fewer calls than the category needs (`min_tool_calls`,
    `min_distinct_tools`, e.g. multi_tool needs 2 distinct tools);
  duplicate_question — the same normalised question was already kept;
  judge — the optional semantic judge (`filter.judge.name`, off by default) said no.
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from omegaconf import DictConfig

from stages.app import ConfigError, stage_main
from stages.jsonl import atomic_open, gc_paused, read_jsonl, to_json_line, write_json
from stages.schema import Trace
from stages.verify.judge import Judge, make_judge

log = logging.getLogger("filter")

IN = "data/execute/traces.jsonl"
KEPT = "data/filter/kept.jsonl"
REJECTED = "data/filter/rejected.jsonl"
METRICS = "metrics/filter.json"
PLOTS_DIR = "metrics/plots"

REASONS = ("not_verified", "generation_error", "invalid_record", "invalid_format", "invalid_tool_call",
           "tool_result_mismatch", "wrong_answer", "too_short", "too_long", "no_reasoning_text",
           "no_tool_call", "too_few_distinct_tools", "duplicate_question", "judge")


@dataclass
class Rules:
    """conf/filter as a plain object (so tests can build one without Hydra)."""

    min_steps: int = 3
    max_steps: int = 40
    min_words: int = 15
    min_tool_calls: int = 1
    min_distinct_tools: dict[str, int] = field(default_factory=lambda: {"multi_tool": 2})
    tool_free_categories: tuple[str, ...] = ()
    dedupe: bool = True
    judge: Judge | None = None

    @classmethod
    def from_cfg(cls, fcfg: Any) -> Rules:
        try:
            return cls(min_steps=int(fcfg.get("min_steps", 3)), max_steps=int(fcfg.get("max_steps", 40)),
                       min_words=int(fcfg.get("min_words", 15)),
                       min_tool_calls=int(fcfg.get("min_tool_calls", 1)),
                       min_distinct_tools={str(k): int(v) for k, v in
                                           dict(fcfg.get("min_distinct_tools") or {}).items()},
                       tool_free_categories=tuple(fcfg.get("tool_free_categories") or ()),
                       dedupe=bool(fcfg.get("dedupe", True)),
                       judge=make_judge(fcfg.get("judge")))
        except ValueError as exc:
            raise ConfigError(str(exc)) from None


def normalise_question(text: str) -> str:
    """The key for duplicate questions (and for split grouping): case, spacing and end punctuation."""
    t = re.sub(r"\s+", " ", text.strip().casefold())
    return t.rstrip(" .?!")


def words(trace: Trace) -> int:
    return sum(len(s.content.split()) for s in trace.reasoning)


def distinct_tools(trace: Trace) -> set[str]:
    from tools.catalog import TOOL_ALIASES

    return {TOOL_ALIASES.get(c.name.strip().lower(), c.name.strip().lower()) for c in trace.tool_calls()}


def reasons_for(trace: Trace, rules: Rules) -> list[str]:
    """Every rule the trace breaks (duplicates and the judge are handled by `apply`)."""
    out: list[str] = []
    v = trace.verdict
    if v is None:
        return ["not_verified"]
    if not v.format.ok:
        fr = v.format.reasons
        if trace.generation_error or any(r.startswith("generation_error") for r in fr):
            out.append("generation_error")
        if any(r.startswith(("invalid JSON", "record is not", "schema:")) for r in fr):
            out.append("invalid_record")
        if any("invalid tool call" in r for r in fr):
            out.append("invalid_tool_call")
        if any(not r.startswith(("generation_error", "invalid JSON", "record is not", "schema:"))
               and "invalid tool call" not in r for r in fr) or not out:
            out.append("invalid_format")
    if not v.execution.ok:
        out.append("tool_result_mismatch")
    if not v.answer.ok:
        out.append("wrong_answer")
    if trace.generation_error or "invalid_record" in out:
        return out  # nothing readable to measure
    n = len(trace.reasoning)
    if n < rules.min_steps:
        out.append("too_short")
    if n > rules.max_steps:
        out.append("too_long")
    if words(trace) < rules.min_words:
        out.append("no_reasoning_text")
    if trace.category not in rules.tool_free_categories:
        if len(trace.tool_calls()) < rules.min_tool_calls:
            out.append("no_tool_call")
        need = rules.min_distinct_tools.get(trace.category, 0)
        if need and len(distinct_tools(trace)) < need:
            out.append("too_few_distinct_tools")
    return out


def apply(traces: Iterable[Trace], rules: Rules, workers: int = 4) -> Iterator[tuple[Trace, bool]]:
    """Yield (trace with rejection_reasons set, kept?) in input order; first copy of a question wins.

    The rule checks are cheap; the optional judge may be an API call, so it runs in a thread pool (only
    for traces that pass every rule) while results are still consumed in input order.
    """
    judge = rules.judge

    def check(t: Trace) -> tuple[Trace, list[str], str | None]:
        reasons = reasons_for(t, rules)
        return t, reasons, (judge(t) if judge is not None and not reasons else None)

    seen: set[str] = set()
    if judge is None:
        checked: Iterable[tuple[Trace, list[str], str | None]] = map(check, traces)
        pool = None
    else:
        from stages.execute import ordered_map

        pool = ThreadPoolExecutor(max(1, workers))
        checked = ordered_map(pool, check, traces, window=4 * max(1, workers))
    try:
        for t, reasons, judged in checked:
            key = normalise_question(t.question)
            if not reasons and rules.dedupe and key in seen:
                reasons.append("duplicate_question")
            if not reasons and judged:
                reasons.append("judge")
                t.judge_reason = judged
            if not reasons:
                seen.add(key)
            t.rejection_reasons = reasons
            yield t, not reasons
    finally:
        if pool is not None:
            pool.shutdown()


class Stats:
    """Metrics and plot data over the kept traces."""

    def __init__(self) -> None:
        self.records = 0
        self.kept = 0
        self.reasons: Counter[str] = Counter()
        self.primary: Counter[str] = Counter()
        self.domains: Counter[str] = Counter()
        self.categories: Counter[str] = Counter()
        self.rejected_categories: Counter[str] = Counter()
        self.steps: Counter[int] = Counter()
        self.tools: Counter[str] = Counter()
        self.ops: Counter[str] = Counter()
        self.steps_total = 0
        self.calls_total = 0
        self.fixed = 0

    def add(self, t: Trace, kept: bool) -> None:
        self.records += 1
        if not kept:
            self.reasons.update(t.rejection_reasons)
            self.primary[t.rejection_reasons[0]] += 1
            self.rejected_categories[t.category] += 1
            return
        self.kept += 1
        self.domains[t.domain] += 1
        self.categories[t.category] += 1
        self.steps[len(t.reasoning)] += 1
        self.steps_total += len(t.reasoning)
        calls = t.tool_calls()
        self.calls_total += len(calls)
        self.fixed += bool(t.verdict and t.verdict.fixed)
        from tools.catalog import TOOL_ALIASES

        for c in calls:
            name = TOOL_ALIASES.get(c.name.strip().lower(), c.name.strip().lower())
            self.tools[name] += 1
            op = c.args.get("operation")
            self.ops[f"{name}.{op}" if isinstance(op, str) else name] += 1

    def metrics(self) -> dict[str, Any]:
        k = self.kept
        return {
            "records": self.records,
            "kept": k,
            "rejected": self.records - k,
            "kept_rate": round(k / self.records, 4) if self.records else None,
            "avg_reasoning_steps": round(self.steps_total / k, 3) if k else None,
            "tool_calls_per_example": round(self.calls_total / k, 3) if k else None,
            "kept_with_fixed_results": self.fixed,
            "rejection_reasons": {r: self.reasons.get(r, 0) for r in REASONS},
            "primary_rejection_reason": dict(self.primary.most_common()),
            "domain_distribution": dict(sorted(self.domains.items())),
            "category_distribution": dict(sorted(self.categories.items())),
            "rejected_per_category": dict(sorted(self.rejected_categories.items())),
            "tool_usage": dict(self.tools.most_common()),
            "op_coverage": op_coverage(self.ops),
        }

    def plots(self) -> dict[str, list[dict[str, Any]]]:
        """Plot data files for `dvc plots show` (lists of rows)."""
        return {
            "domain_distribution.json": [{"domain": d, "count": n} for d, n in sorted(self.domains.items())],
            "steps_histogram.json": [{"steps": s, "count": n} for s, n in sorted(self.steps.items())],
            "tool_usage.json": [{"tool_op": o, "count": n} for o, n in sorted(self.ops.items())],
            "rejection_reasons.json": [{"reason": r, "count": n} for r, n in sorted(self.reasons.items())],
        }


def write_plots(stats: Stats, directory: str = PLOTS_DIR) -> None:
    for name, rows in stats.plots().items():
        write_json(f"{directory}/{name}", rows)


@stage_main
def main(cfg: DictConfig) -> None:
    rules = Rules.from_cfg(cfg.filter)
    stats = Stats()
    with gc_paused(), atomic_open(KEPT) as kept_fh, atomic_open(REJECTED) as rej_fh:
        for t, kept in apply(read_jsonl(IN, Trace), rules, workers=int(cfg.filter.get("workers", 4))):
            stats.add(t, kept)
            (kept_fh if kept else rej_fh).write(to_json_line(t) + "\n")
    m = stats.metrics()
    write_json(METRICS, m)
    write_plots(stats)
    log.info("kept %d of %d traces (%.1f%%); top rejection reasons: %s", m["kept"], m["records"],
             100 * (m["kept_rate"] or 0), dict(stats.reasons.most_common(4)))


def op_coverage(ops: Counter[str]) -> dict[str, Any]:
    """Per tool: how many of its registered ops the kept traces call, and which are never called."""
    from tools.catalog import TOOLS

    out: dict[str, Any] = {}
    for tool in TOOLS.values():
        names = [f"{tool.name}.{op}" for op in tool.ops]
        if tool.single_op:
            used = [n for n in names if ops.get(n) or ops.get(tool.name)]
        else:
            used = [n for n in names if ops.get(n)]
        out[tool.name] = {"ops_used": len(used), "ops_total": len(names),
                          "unused": sorted(n.split(".", 1)[1] for n in set(names) - set(used))}
    return out


if __name__ == "__main__":
    main()

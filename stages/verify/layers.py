"""The three verification layers of the execute stage: format, execution, answer.

- **format**: the record parses and matches the schema, steps are numbered 1..n, the answer is not
  empty, and every tool call names a known tool/op with arguments valid against the op's model.
- **execution**: every valid call is re-run with `tools.call` and the claimed `tool_result` compared with
  the real one (`results.result_matches`). `on_mismatch="fix"` replaces a wrong or missing claim with the
  real output and sets `verdict.fixed`; `"drop"` records the mismatch (the filter stage drops it).
- **answer**: the final answer against `reference_answer` when there is one; and against the real tool
  results it relies on — the last one usually, but any will do, since a trace may end with a check
  (differentiating an antiderivative back). Required when there is no reference (an unverifiable answer
  is not kept), a warning otherwise; `answer_support: warn | off` relaxes it.

The layers are plain functions on a `Trace` so tests and other stages can run them one at a time;
`verify_record` runs all three. Reasons are short sentences naming the step, for `rejection_reasons`.
A reason starting with "warning:" does not fail its layer.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from pydantic import ValidationError

from stages.schema import CATEGORY_DOMAIN, DOMAINS, LayerVerdict, ToolCall, Trace, Verdict
from stages.verify.answers import Number, answers_equivalent, as_items, numbers_close, parse_number
from stages.verify.results import _key, _tokens, is_status_only, is_unordered, result_matches

Runner = Callable[[str, dict[str, Any]], Any]  # (tool, args) -> tools.ToolResult


@dataclass(frozen=True)
class Options:
    """The execute stage's parameters (conf/execute)."""

    rel_tol: float = 1e-6
    abs_tol: float = 1e-9
    on_mismatch: str = "drop"              # drop | fix
    answer_support: str = "require"        # require | warn | off (see module docstring)
    canonical_calls: bool = True           # rewrite calls to canonical tool/op names after validation

    def __post_init__(self) -> None:
        if self.on_mismatch not in ("drop", "fix"):
            raise ValueError(f"execute.on_mismatch must be 'drop' or 'fix', not {self.on_mismatch!r}")
        if self.answer_support not in ("require", "warn", "off"):
            raise ValueError(f"execute.answer_support must be require | warn | off, not {self.answer_support!r}")


def _clip(text: Any, n: int = 80) -> str:
    s = str(text)
    return s if len(s) <= n else s[: n - 1] + "…"


# -- reading a record leniently ------------------------------------------------------------------

def parse_record(line: str | dict[str, Any], lineno: int = 0) -> tuple[Trace, list[str]]:
    """A Trace from one JSONL line or dict; a malformed record becomes a stub Trace plus format reasons.

    Why lenient: one bad line from an LLM backend must become a rejected record with a reason the
    report can count, not a crash of the whole stage.
    """
    raw: Any = line
    if isinstance(line, str):
        try:
            raw = json.loads(line)
        except json.JSONDecodeError as exc:
            return _stub({}, lineno, line), [f"invalid JSON: {exc.msg} (column {exc.colno})"]
    if not isinstance(raw, dict):
        return _stub({}, lineno), [f"record is not a JSON object ({type(raw).__name__})"]
    try:
        return Trace.model_validate(raw), []
    except ValidationError as exc:
        errs = exc.errors()
        where = ".".join(str(p) for p in errs[0]["loc"]) or "record"
        more = f" (+{len(errs) - 1} more)" if len(errs) > 1 else ""
        return _stub(raw, lineno), [f"schema: field '{where}': {errs[0]['msg']}{more}"]


def _stub(raw: dict[str, Any], lineno: int, text: str | None = None) -> Trace:
    category = raw.get("category") if isinstance(raw.get("category"), str) else "unknown"
    domain = raw.get("domain") if raw.get("domain") in DOMAINS else CATEGORY_DOMAIN.get(category, "mixed")
    question = raw.get("question") if isinstance(raw.get("question"), str) else ""
    tid = raw.get("id") if isinstance(raw.get("id"), str) and raw.get("id") else f"line-{lineno}"
    return Trace(question=question, domain=domain, id=tid, category=category,
                 invalid_record=(text if text is not None
                                 else json.dumps(raw, ensure_ascii=False, default=str))[:20000])


# -- layer 1: format -----------------------------------------------------------------------------

@dataclass
class CheckedCall:
    """A tool call that passed the format layer: where it is, and what it resolves to."""

    index: int            # index into trace.reasoning
    tool: str             # canonical tool name
    op: Any               # tools.registry.Op
    args: dict[str, Any]  # canonical (normalised) arguments


def format_layer(trace: Trace, verdict: Verdict, opts: Options) -> list[CheckedCall]:
    """Check structure and tool-call syntax; return the calls valid enough to run."""
    from tools.normalise import CallError
    from tools.registry import describe_validation_error
    from tools.runtime import normalise

    reasons = verdict.format.reasons
    unreadable = bool(reasons)  # parse_record already failed: the stub's emptiness says nothing more
    if trace.generation_error:
        reasons.append(f"generation_error: {_clip(trace.generation_error, 200)}")
    if not trace.reasoning:
        if not trace.generation_error and not unreadable:
            reasons.append("no reasoning steps")
    else:
        numbers = [s.step for s in trace.reasoning]
        if numbers != list(range(1, len(numbers) + 1)):
            reasons.append(f"steps not numbered 1..{len(numbers)} (got {_clip(numbers, 60)})")
    if not trace.answer.strip() and not trace.generation_error and not unreadable:
        reasons.append("empty answer")

    valid: list[CheckedCall] = []
    calls = 0  # counted here, stored once (each assignment to a model field goes through pydantic)
    for i, step in enumerate(trace.reasoning):
        call = step.tool_call
        if call is None:
            continue
        calls += 1
        try:
            norm = normalise(call.name, call.args)
        except CallError as exc:
            reasons.append(f"step {step.step}: invalid tool call: {exc}")
            continue
        try:
            norm.op.args_model.model_validate(norm.args)
        except ValidationError as exc:
            reasons.append(f"step {step.step}: invalid tool call: {describe_validation_error(norm.op, exc)}")
            continue
        valid.append(CheckedCall(i, norm.tool, norm.op, norm.args))
    verdict.tool_calls += calls
    verdict.tool_calls_valid += len(valid)
    verdict.format.ok = not reasons

    if opts.canonical_calls and valid:
        from tools.catalog import TOOLS

        for c in valid:
            args = dict(c.args) if TOOLS[c.tool].single_op else {"operation": c.op.name, **c.args}
            trace.reasoning[c.index].tool_call = ToolCall(name=c.tool, args=args)
    if trace.reasoning:
        used: list[str] = []
        for c in valid:
            if c.tool not in used:
                used.append(c.tool)
        if valid and len(valid) == verdict.tool_calls:
            trace.tools_used = used
    return valid


# -- layer 2: execution --------------------------------------------------------------------------

def claimed_results(trace: Trace) -> tuple[dict[int, int | None], list[int]]:
    """Pair each tool call with the step holding its claimed result.

    The seed layout puts a call's result in the *next* step's `tool_result`; a step that both calls and
    reports a result reports the *previous* call's result when one is pending (the offline builder's
    call→call layout), else its own. Returns {call step index: result step index or None} and the
    indices of results that belong to no call (orphans).
    """
    pairs: dict[int, int | None] = {}
    orphans: list[int] = []
    pending: int | None = None
    for i, step in enumerate(trace.reasoning):
        if step.tool_result is not None:
            if pending is not None:
                pairs[pending] = i
                pending = None
            elif step.tool_call is not None:
                pairs[i] = i
                continue
            else:
                orphans.append(i)
        if step.tool_call is not None:
            if pending is not None:
                pairs[pending] = None
            pending = i
    if pending is not None:
        pairs[pending] = None
    return pairs, orphans


def execution_layer(trace: Trace, verdict: Verdict, calls: list[CheckedCall], opts: Options,
                    runner: Runner) -> list[tuple[int, Any]]:
    """Re-run each valid call, compare with the claim, fix or record mismatches; return real results."""
    reasons = verdict.execution.reasons
    pairs, orphans = claimed_results(trace)
    steps = trace.reasoning
    real_results: list[tuple[int, Any]] = []
    matched = 0
    for c in calls:
        real = runner(c.tool, _call_args(c))
        real_results.append((c.index, real))
        where = f"step {steps[c.index].step}: {c.tool}.{c.op.name}"
        target = pairs.get(c.index)
        if target is None:
            nxt = c.index + 1
            if opts.on_mismatch == "fix" and real.ok and nxt < len(steps) and steps[nxt].tool_result is None:
                steps[nxt].tool_result = real.output
                verdict.fixed = True
            else:
                reasons.append(f"{where}: no tool_result reported for the call")
            continue
        claimed = steps[target].tool_result
        if result_matches(claimed, real, rel_tol=opts.rel_tol, abs_tol=opts.abs_tol,
                          unordered=is_unordered(c.tool, c.op, c.args),
                          status_only=is_status_only(c.tool, c.op, c.args)):
            matched += 1
            continue
        if not real.ok:
            reasons.append(f"{where}: the tool failed ({_clip(real.error, 120)}) but the trace claims "
                           f"{_clip(claimed)!r}")
        elif opts.on_mismatch == "fix":
            steps[target].tool_result = real.output
            verdict.fixed = True
        else:
            reasons.append(f"{where}: claimed {_clip(claimed)!r} but the tool returned {_clip(real.output)!r}")
    for i in orphans:
        if opts.on_mismatch == "fix":
            steps[i].tool_result = None
            verdict.fixed = True
        else:
            reasons.append(f"step {steps[i].step}: tool_result without a tool call")
    verdict.tool_results_matched += matched
    verdict.execution.ok = not reasons
    return real_results


def _call_args(c: CheckedCall) -> dict[str, Any]:
    from tools.catalog import TOOLS

    return dict(c.args) if TOOLS[c.tool].single_op else {"operation": c.op.name, **c.args}


# -- layer 3: answer -----------------------------------------------------------------------------

def _contains(haystack: str, needle: str) -> bool:
    """`needle` occurs in `haystack` not glued to a letter, digit or decimal point.

    Same as `re.search(rf"(?<![\\w.]){re.escape(needle)}(?![\\w.])", haystack)` (`\\w` is exactly
    `str.isalnum()` or `_`), without compiling a pattern per needle: a regex per (answer, output) pair
    overflows `re`'s pattern cache and recompiles every time.
    """
    end = len(needle)
    i = haystack.find(needle)
    while i >= 0:
        if (i == 0 or not _glued(haystack[i - 1])) and (i + end >= len(haystack) or not _glued(haystack[i + end])):
            return True
        i = haystack.find(needle, i + 1)
    return False


def _glued(ch: str) -> bool:
    """A character `_contains` treats as part of a word or number (regex `[\\w.]`)."""
    return ch == "." or ch == "_" or ch.isalnum()


def answer_supported(answer: str, output: str, rel_tol: float = 1e-6) -> bool:
    """Does a tool's output state the answer (equivalent, contains it, or lists it)?

    The tests are independent (any one suffices), so the cheap text and number ones run before
    `answers_equivalent`, whose SymPy fallback is the execute stage's main cost.
    """
    return _stated_in_text(answer, output, rel_tol) or _equivalent_to_output(answer, output, rel_tol)


def _equivalent_to_output(answer: str, output: str, rel_tol: float) -> bool:
    """The tests of `answer_supported` beyond `_stated_in_text`: equivalent to the output or an item."""
    if answers_equivalent(answer, output, rel_tol):
        return True
    items = as_items.memo(output if type(output) is str else str(output))
    return bool(items) and any(answers_equivalent(answer, it, rel_tol) for it in items)


def _stated_in_text(answer: str, output: str, rel_tol: float) -> bool:
    """The cheap sufficient tests of `answer_supported`: text containment, a number among the output's
    numbers, or the same text as the output or one of its items (which `answers_equivalent` accepts
    first thing)."""
    ka, ko = _key(answer), _key(output)
    # containment only for texts long enough not to match by accident ("2" is inside "12*x**2")
    if (len(ka) >= 4 and _contains(ko, ka)) or (len(ko) >= 3 and _contains(ka, ko)):
        return True
    text = output if type(output) is str else str(output)
    na = parse_number(answer)
    if na is not None:
        for nt in _output_numbers(text):
            if numbers_close(na, nt, rel_tol):
                return True
    return ka == ko or ka in _item_keys(text)


@lru_cache(maxsize=1 << 15)
def _output_numbers(output: str) -> tuple[Number, ...]:
    """The numbers among an output's number tokens, parsed once per output (not once per answer)."""
    return tuple(n for n in map(parse_number.memo, _tokens.memo(output)) if n is not None)


@lru_cache(maxsize=1 << 15)
def _item_keys(output: str) -> frozenset[str]:
    """The `_key`s of an output's items (`as_items`), computed once per output."""
    return frozenset(map(_key, as_items.memo(output) or ()))


def answer_layer(trace: Trace, verdict: Verdict, real_results: list[tuple[int, Any]], opts: Options) -> None:
    """Final answer against the reference answer and the real tool results."""
    reasons = verdict.answer.reasons
    answer = trace.answer.strip()
    if not answer or trace.generation_error:
        verdict.answer.ok = not reasons
        return
    has_ref = trace.reference_answer is not None and trace.reference_answer.strip() != ""
    if has_ref and not answers_equivalent(answer, trace.reference_answer, opts.rel_tol):
        reasons.append(f"wrong answer: {_clip(answer)!r} != reference {_clip(trace.reference_answer)!r}")
    outputs = [r.output for _, r in reversed(real_results) if r.ok]
    # `any` over pure tests: the cheap ones on every output first, so an answer stated verbatim in an
    # earlier result is found before a SymPy comparison with the last one (same result, less work); the
    # second pass is `answer_supported` without the cheap tests, which all failed
    if opts.answer_support != "off" and outputs and not (
            any(_stated_in_text(answer, o, opts.rel_tol) for o in outputs)
            or any(_equivalent_to_output(answer, o, opts.rel_tol) for o in outputs)):
        msg = f"answer {_clip(answer)!r} not supported by any tool result (last: {_clip(outputs[0])!r})"
        if has_ref or opts.answer_support == "warn":
            reasons.append(f"warning: {msg}")
        else:
            reasons.append(msg)
    verdict.answer.ok = not [r for r in reasons if not r.startswith("warning:")]


# -- all three -----------------------------------------------------------------------------------

def verify_structure(trace: Trace, pre_reasons: list[str], opts: Options,
                     runner: Runner) -> tuple[Trace, list[tuple[int, Any]]]:
    """Format and execution layers (thread-safe: run these in a pool; they wait on tool workers)."""
    verdict = Verdict()
    verdict.format.reasons.extend(pre_reasons)
    calls = format_layer(trace, verdict, opts)
    real = execution_layer(trace, verdict, calls, opts, runner)
    trace.verdict = verdict
    return trace, real


def verify_answer(trace: Trace, real: list[tuple[int, Any]], opts: Options) -> Trace:
    """Answer layer (call from the main thread so LaTeX answers can use math-verify)."""
    assert trace.verdict is not None
    answer_layer(trace, trace.verdict, real, opts)
    # re-validate the assembled verdict (layer objects were mutated in place)
    if not _well_typed(trace.verdict):
        trace.verdict = Verdict.model_validate(trace.verdict.model_dump())
    return trace


# `_well_typed` checks these fields: with any other schema it says no, and the verdict is validated
_SCHEMA_CHECKED = (tuple(Verdict.model_fields), tuple(LayerVerdict.model_fields)) == (
    ("format", "execution", "answer", "fixed", "tool_calls", "tool_calls_valid", "tool_results_matched"),
    ("ok", "reasons"))


def _well_typed(verdict: Verdict) -> bool:
    """Every field of the verdict still has exactly its declared type, so that validating it again
    (`Verdict.model_validate(verdict.model_dump())`, ~30 us a trace) would only copy it."""
    return (_SCHEMA_CHECKED and type(verdict) is Verdict and type(verdict.fixed) is bool
            and type(verdict.tool_calls) is int and type(verdict.tool_calls_valid) is int
            and type(verdict.tool_results_matched) is int
            and all(type(layer) is LayerVerdict and type(layer.ok) is bool and type(layer.reasons) is list
                    and all(type(r) is str for r in layer.reasons)
                    for layer in (verdict.format, verdict.execution, verdict.answer)))


def verify_record(line: str | dict[str, Any], opts: Options, runner: Runner | None = None,
                  lineno: int = 0) -> Trace:
    """Parse one record and run all three layers; the returned Trace carries its Verdict."""
    if runner is None:
        import tools

        runner = tools.call
    trace, pre = parse_record(line, lineno)
    trace, real = verify_structure(trace, pre, opts, runner)
    return verify_answer(trace, real, opts)


__all__ = ["Options", "parse_record", "format_layer", "execution_layer", "answer_layer", "verify_record",
           "verify_structure", "verify_answer", "claimed_results", "answer_supported", "CheckedCall"]

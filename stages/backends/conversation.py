"""One problem's exchange with a model, as a small state machine the transports drive.

    conv = Conversation(problem, ctx)
    request = conv.start()
    while request is not None:
        request = conv.step(answer_for(request))     # sync call, cache hit, or a batch result
    trace = conv.trace()

Being a state machine (not a blocking loop) is what lets the same conversation run under the
synchronous transport (one thread per conversation) and the Message Batches transport (every
conversation's next request goes into the next batch round).

Modes:
- `single_shot` (the seed plan): one request; the model writes the whole trace as JSON, tool results
  included. Parsed leniently: code fences, prose around the JSON, `"operation"` given twice, numeric
  answers, missing step numbers.
- `interleaved`: the tools are offered natively; each tool call the model makes is run by `tools.call`
  and the real result is sent back, until the model answers. The trace is assembled in the seed's layout
  from the model's text, its tool calls and the real results.

Whatever goes wrong (unparsable output, truncation, too many turns, an API error) becomes a Trace with
`generation_error` (and `raw_output` when there was text), never an exception.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from stages.backends.pricing import Tokens
from stages.backends.prompting import Prompt
from stages.backends.providers import Provider, Reply, ToolUse
from stages.schema import Generator, Problem, Step, ToolCall, Trace, Usage

NOT_GENERATED = "not generated: "  # prefix of generation_error for problems skipped (budget), not failed


@dataclass
class Answer:
    """A response to one request, wherever it came from, and what it cost."""

    response: dict[str, Any]
    cost: float
    cached: bool


@dataclass
class Context:
    provider: Provider
    prompt: Prompt
    mode: str
    max_turns: int
    generator: Generator
    redact: Callable[[str], str] = lambda s: s
    tool_names: Callable[[Problem], list[str]] = field(default=lambda p: list(p.required_tools))


class ParseError(Exception):
    pass


# -- single-shot parsing ----------------------------------------------------------------------------
_FENCE = re.compile(r"```(?:json|JSON)?\s*\n(.*?)```", re.S)


def _json_candidates(text: str) -> list[str]:
    """Fenced blocks first, then every balanced object starting at a `{` (first found wins)."""
    out = [m.group(1) for m in _FENCE.finditer(text)]
    dec = json.JSONDecoder()
    for src in [*out, text]:
        for m in re.finditer(r"\{", src):
            try:
                _, end = dec.raw_decode(src, m.start())
            except json.JSONDecodeError:
                continue
            out.append(src[m.start():end])
            break
    return out


def _load_object(text: str) -> dict[str, Any]:
    from tools.normalise import CallError, parse_args

    for cand in _json_candidates(text):
        try:
            obj = parse_args(cand)  # keeps a duplicated "operation" as operation + kind
        except CallError:
            continue
        if isinstance(obj, dict) and ("reasoning" in obj or "steps" in obj):
            return obj
    raise ParseError("no JSON object with a 'reasoning' array in the model output")


def _tool_call(raw: Any) -> ToolCall | None:
    from tools.normalise import CallError, parse_args

    if raw in (None, {}, ""):
        return None
    if isinstance(raw, str):
        try:
            raw = parse_args(raw)
        except CallError as exc:
            raise ParseError(f"tool_call is not a JSON object: {exc}") from None
    if not isinstance(raw, dict):
        raise ParseError("tool_call must be an object with 'name' and 'args'")
    name = raw.get("name") or raw.get("tool") or raw.get("tool_name")
    args = raw.get("args", raw.get("arguments", raw.get("input", raw.get("parameters", {}))))
    if isinstance(args, str):
        try:
            args = parse_args(args)
        except CallError as exc:
            raise ParseError(f"tool_call args are not a JSON object: {exc}") from None
    if not isinstance(name, str) or not name or not isinstance(args, dict):
        raise ParseError("tool_call must be an object with 'name' and 'args'")
    return ToolCall(name=name, args=args)


def parse_single_shot(text: str) -> dict[str, Any]:
    """The trace fields (`reasoning`, `answer`, `tools_used`) from a model's single-shot output."""
    obj = _load_object(text)
    raw_steps = obj.get("reasoning", obj.get("steps"))
    if not isinstance(raw_steps, list) or not raw_steps:
        raise ParseError("'reasoning' must be a non-empty array of steps")
    steps: list[Step] = []
    for i, raw in enumerate(raw_steps, 1):
        if isinstance(raw, str):
            raw = {"content": raw}
        if not isinstance(raw, dict):
            raise ParseError(f"reasoning step {i} is not an object")
        content = raw.get("content", raw.get("text", raw.get("thought", "")))
        result = raw.get("tool_result", raw.get("result"))
        steps.append(Step(step=i, content=str(content if content is not None else ""),
                          tool_call=_tool_call(raw.get("tool_call")),
                          tool_result=result))
    answer = obj.get("answer", obj.get("final_answer"))
    if answer is None or (isinstance(answer, str) and not answer.strip()):
        raise ParseError("no 'answer' in the model output")
    if not isinstance(answer, str):
        answer = json.dumps(answer, ensure_ascii=False) if isinstance(answer, (list, dict)) else str(answer)
    used = obj.get("tools_used")
    calls = [s.tool_call.name for s in steps if s.tool_call]
    if not isinstance(used, list) or not all(isinstance(u, str) for u in used):
        used = list(dict.fromkeys(calls))
    return {"reasoning": steps, "answer": answer.strip(), "tools_used": used}


# -- interleaved assembly ---------------------------------------------------------------------------
_FINAL = re.compile(r"final answer\s*(?:is)?\s*[:：]?\s*(.+)", re.I)


def extract_answer(text: str) -> str | None:
    """The text after the last 'Final answer:'; else the last non-empty line."""
    hits = _FINAL.findall(text.replace("**", ""))
    if hits:
        ans = hits[-1].strip()
    else:
        lines = [ln.strip() for ln in text.strip().splitlines() if ln.strip()]
        if not lines:
            return None
        ans = lines[-1]
    ans = ans.strip("*` ").removesuffix(".").strip()
    m = re.fullmatch(r"\\boxed\{(.*)\}", ans) or re.fullmatch(r"\$+(.*?)\$+", ans)
    return (m.group(1).strip() if m else ans) or None


def _paragraphs(text: str) -> list[str]:
    return [p.strip() for p in re.split(r"\n\s*\n", text) if p.strip()]


def assemble(turns: list[Reply], results: dict[str, str]) -> tuple[list[Step], list[str]]:
    """Seed-layout steps from the model's turns: each tool call is a step whose content is the text the
    model wrote just before it; the step after it carries the call's real result (`tool_result`)."""
    steps: list[Step] = []
    used: list[str] = []
    pending: list[str | None] = [None]

    def add(content: str, **extra: Any) -> None:
        if pending[0] is not None:
            extra["tool_result"] = pending[0]
            pending[0] = None
        steps.append(Step(step=len(steps) + 1, content=content, **extra))

    for turn in turns:
        buf: list[str] = []
        for seg in turn.segments:
            if isinstance(seg, str):
                buf.extend(_paragraphs(seg))
                continue
            assert isinstance(seg, ToolUse)
            for para in buf[:-1]:
                add(para)
            add(buf[-1] if buf else f"Let me use {seg.name}.", tool_call=ToolCall(name=seg.name, args=seg.args))
            buf = []
            pending[0] = results.get(seg.id, "")
            if seg.name not in used:
                used.append(seg.name)
        for para in buf:
            add(para)
    return steps, used


# -- the state machine -----------------------------------------------------------------------------
class Conversation:
    def __init__(self, problem: Problem, ctx: Context):
        self.problem = problem
        self.ctx = ctx
        self.tokens = Tokens()
        self.cost = 0.0
        self.requests = 0
        self.cached = 0
        self.turns: list[Reply] = []
        self.results: dict[str, str] = {}
        self.request: dict[str, Any] | None = None
        self.error: str | None = None
        self.raw: str | None = None
        self.fields: dict[str, Any] | None = None

    def start(self) -> dict[str, Any] | None:
        ctx, prov = self.ctx, self.ctx.provider
        names = ctx.tool_names(self.problem)
        if ctx.mode == "single_shot":
            system, user = ctx.prompt.messages(self.problem, all_tools_in_list=True)
            self.request = prov.first_request(system, user, None)
        else:
            system, user = ctx.prompt.messages(self.problem, all_tools_in_list=False)
            schemas = prov.tool_schemas(names)
            if not schemas:
                self.fail(f"no tools available for {names or 'this problem'}")
                return None
            self.request = prov.first_request(system, user, schemas)
        return self.request

    def fail(self, reason: str, raw: str | None = None) -> None:
        self.error = self.ctx.redact(reason)
        if raw:
            self.raw = self.ctx.redact(raw)
        self.request = None

    def step(self, answer: Answer) -> dict[str, Any] | None:
        """Take the answer to the current request; return the next request or None when done."""
        assert self.request is not None
        reply = self.ctx.provider.parse(answer.response)
        self.tokens += reply.tokens
        self.cost += answer.cost
        self.requests += 1
        self.cached += int(answer.cached)
        if self.ctx.mode == "single_shot":
            return self._single_shot(reply)
        return self._interleaved(reply, answer.response)

    def _single_shot(self, reply: Reply) -> None:
        text = reply.text
        if reply.stop == "max_tokens":
            self.fail("single_shot: output truncated at max_tokens", text)
        elif reply.stop.startswith("other:"):
            self.fail(f"single_shot: model stopped ({reply.stop[6:]})", text)
        else:
            try:
                self.fields = parse_single_shot(text)
                self.request = None
            except (ParseError, ValueError) as exc:
                msg = str(exc).splitlines()[0][:300]
                self.fail(f"single_shot: malformed output: {msg}", text)
        return None

    def _interleaved(self, reply: Reply, response: dict[str, Any]) -> dict[str, Any] | None:
        import tools

        self.turns.append(reply)
        if reply.stop == "tool_use" and reply.tool_uses:
            if len(self.turns) >= self.ctx.max_turns:
                self.fail(f"interleaved: no final answer after {self.ctx.max_turns} turns (generate.max_turns)",
                          self._transcript())
                return None
            out: list[tuple[str, str, bool]] = []
            for use in reply.tool_uses:
                if use.args_error:
                    text, is_err = f"Error: {use.args_error}", True
                else:
                    res = tools.call(use.name, use.args)
                    text, is_err = res.output, not res.ok
                self.results[use.id] = text
                out.append((use.id, text, is_err))
            self.request = self.ctx.provider.next_request(self.request, response, out)
            return self.request
        if reply.stop == "max_tokens":
            self.fail("interleaved: output truncated at max_tokens", self._transcript())
        elif reply.stop != "end":
            self.fail(f"interleaved: model stopped ({reply.stop.removeprefix('other:')})", self._transcript())
        else:
            self._finish()
        return None

    def _transcript(self) -> str:
        return "\n\n".join(t.text for t in self.turns if t.text)

    def _finish(self) -> None:
        steps, used = assemble(self.turns, self.results)
        final = self.turns[-1].text if self.turns else ""
        answer = extract_answer(final) if final.strip() else None
        if not steps or answer is None:
            self.fail("interleaved: the model gave no final answer", self._transcript())
            return
        self.fields = {"reasoning": steps, "answer": answer, "tools_used": used}
        self.request = None

    def trace(self) -> Trace:
        usage = Usage(input_tokens=self.tokens.input, output_tokens=self.tokens.output,
                      cache_read_tokens=self.tokens.cache_read, cache_write_tokens=self.tokens.cache_write,
                      cost_usd=round(self.cost, 8), cached=self.requests > 0 and self.cached == self.requests)
        if self.fields is not None and self.error is None:
            return Trace.for_problem(self.problem, generator=self.ctx.generator, usage=usage, **self.fields)
        return Trace.for_problem(self.problem, generator=self.ctx.generator, usage=usage,
                                 generation_error=self.error or "generation did not finish", raw_output=self.raw)

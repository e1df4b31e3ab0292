"""Synthetic problems and the offline backend's traces, one template at a time.

A template is a pair of functions registered under an id such as `calculus/poly_derivative`:

    @template("calculus", "poly_derivative", tools=("symbolic_math",))
    def poly_derivative(rng: random.Random, difficulty: str) -> Spec:
        ...draw numbers...
        return Spec(question=..., params={...}, answer="77")   # answer computed independently

    @poly_derivative.solver
    def _(p: dict, b: TraceBuilder) -> str:
        b.think(...)
        r = b.call("symbolic_math", {"operation": "differentiate", ...}, "Let me differentiate ...")
        b.observe(f"The derivative is {r.output}.")
        return b.finish(r.output)

The source stage calls the generator (`make`) to create problems; the offline backend calls the solver
with the same params to write the trace, calling the real tools so every `tool_result` is what the
tool returned. The answer the solver reaches is checked against the `Spec.answer` the generator
computed another way: a disagreement is a bug and fails the stage.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from stages.app import StageError
from stages.schema import CATEGORY_DOMAIN, Generator, Problem, Step, ToolCall, Trace


def nonzero_int(rng: random.Random, lo: int, hi: int) -> int:
    """A non-zero integer in [lo, hi] (coefficients, shifts: zero would make the problem degenerate)."""
    while True:
        v = rng.randint(lo, hi)
        if v:
            return v


class TraceBuildError(StageError):
    """A solver could not build its trace (a tool failed, or the answer disagrees): a bug."""


@dataclass
class Spec:
    """What a generator returns: the problem text, the parameters the solver needs, the answer."""

    question: str
    params: dict[str, Any]
    answer: str
    tools: tuple[str, ...] | None = None  # overrides the template's tools when a variant needs fewer


Maker = Callable[[random.Random, str], Spec]
Solver = Callable[[dict[str, Any], "TraceBuilder"], str]


@dataclass
class Template:
    id: str
    category: str
    make: Maker
    tools: tuple[str, ...]
    solve: Solver | None = None
    weight: float = 1.0

    def solver(self, func: Solver) -> Solver:
        self.solve = func
        return func

    def __call__(self, rng: random.Random, difficulty: str) -> Spec:
        return self.make(rng, difficulty)


TEMPLATES: dict[str, Template] = {}


def template(category: str, name: str, tools: Sequence[str], weight: float = 1.0) -> Callable[[Maker], Template]:
    """Register a problem generator; attach its solver with `@<template>.solver`."""
    if category not in CATEGORY_DOMAIN:
        raise ValueError(f"unknown category {category!r}")

    def register(make: Maker) -> Template:
        tid = f"{category}/{name}"
        if tid in TEMPLATES:
            raise ValueError(f"template {tid} registered twice")
        TEMPLATES[tid] = Template(tid, category, make, tuple(tools), weight=weight)
        return TEMPLATES[tid]

    return register


def templates_for(category: str) -> list[Template]:
    return [t for t in TEMPLATES.values() if t.category == category]


class TraceBuilder:
    """Builds a seed-format trace step by step, calling the real tools.

    `call()` adds a step with the tool call and runs it; the next step, written with `observe()`,
    carries the tool's real output as `tool_result` (the seed plan's layout). `say()` picks one of
    several phrasings with the trace's own RNG so the text varies but stays reproducible.
    """

    def __init__(self, problem: Problem, rng: random.Random):
        self.problem = problem
        self.rng = rng
        self.steps: list[Step] = []
        self.tools_used: list[str] = []
        self._pending: str | None = None
        self._answer: str | None = None

    # -- phrasing ---------------------------------------------------------------------------
    def say(self, variants: Sequence[str] | str, **fmt: Any) -> str:
        text = variants if isinstance(variants, str) else self.rng.choice(list(variants))
        return text.format(**fmt) if fmt else text

    # -- steps --------------------------------------------------------------------------------
    def _add(self, content: str, **extra: Any) -> None:
        if self._pending is not None:
            extra.setdefault("tool_result", self._pending)
            self._pending = None
        self.steps.append(Step(step=len(self.steps) + 1, content=content.strip(), **extra))

    def think(self, content: Sequence[str] | str, **fmt: Any) -> None:
        """A reasoning step without a tool (plans, conceptual steps, simple arithmetic)."""
        self._add(self.say(content, **fmt))

    def call(self, tool: str, args: dict[str, Any], content: Sequence[str] | str, **fmt: Any):
        """A step that calls `tool`; returns the real ToolResult. Fails loudly if the tool errs."""
        import tools

        result = tools.call(tool, args)
        if not result.ok:
            raise TraceBuildError(f"{self.problem.id}: {tool} {args} failed: {result.error}")
        self._add(self.say(content, **fmt), tool_call=ToolCall(name=tool, args=args))
        if tool not in self.tools_used:
            self.tools_used.append(tool)
        self._pending = result.output
        return result

    def observe(self, content: Sequence[str] | str, **fmt: Any) -> None:
        """The step after a call: interprets the result (carries `tool_result`)."""
        if self._pending is None:
            raise TraceBuildError(f"{self.problem.id}: observe() without a preceding call()")
        self._add(self.say(content, **fmt))

    def finish(self, answer: str, content: Sequence[str] | str | None = None, **fmt: Any) -> str:
        """Final step stating the answer; returns the answer for the solver to return."""
        if content is None:
            content = ["So the answer is {a}.", "Therefore, the final answer is {a}.",
                       "The final answer is {a}.", "Putting it together: {a}."]
            fmt = {**fmt, "a": answer}
        self._add(self.say(content, **fmt))
        self._answer = answer
        return answer

    def build(self, generator: Generator) -> Trace:
        if self._pending is not None:
            raise TraceBuildError(f"{self.problem.id}: a tool result was never interpreted")
        if self._answer is None:
            raise TraceBuildError(f"{self.problem.id}: the solver never called finish()")
        return Trace.for_problem(self.problem, reasoning=self.steps, answer=self._answer,
                                 tools_used=self.tools_used, generator=generator)


@dataclass
class Draw:
    """Bookkeeping of one category's draw (for metrics)."""

    category: str
    problems: list[Problem] = field(default_factory=list)
    attempts: int = 0
    duplicates: int = 0

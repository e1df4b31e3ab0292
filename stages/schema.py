"""The one definition of every record the pipeline reads and writes.

Each stage reads its input and writes its output through these models, so a field added here is
visible end to end and a malformed record is caught at the first stage that touches it.

- `Problem`  — one line of `data/source/problems.jsonl`.
- `Trace`    — the seed plan's record (`question`, `domain`, `reasoning`, `answer`, `tools_used`) plus
  what the pipeline adds (ids, category, generator, token usage, verdicts). It is the line format of
  `data/generate/traces.jsonl`, `data/execute/traces.jsonl` and `data/filter/{kept,rejected}.jsonl`.
"""

from __future__ import annotations

import json
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

Domain = Literal["math", "physics", "chemistry", "logic", "code", "mixed"]
Difficulty = Literal["easy", "medium", "hard"]

DOMAINS: tuple[str, ...] = ("math", "physics", "chemistry", "logic", "code", "mixed")

# The ten generation categories and the domain each belongs to (issue 4's table).
CATEGORY_DOMAIN: dict[str, str] = {
    "calculus": "math",
    "algebra": "math",
    "linear_algebra": "math",
    "physics_mechanics": "physics",
    "physics_em_optics": "physics",
    "chemistry_fundamentals": "chemistry",
    "chemistry_solutions": "chemistry",
    "logic": "logic",
    "numerical": "code",
    "multi_tool": "mixed",
}


class _Record(BaseModel):
    """Shared config: unknown keys are kept (forward compatible), assignment is validated."""

    model_config = ConfigDict(extra="allow", validate_assignment=True)


class Problem(_Record):
    """A problem to be solved with tools, from a dataset or a synthetic generator."""

    id: str = Field(min_length=1)
    question: str = Field(min_length=1)
    domain: Domain
    category: str
    difficulty: Difficulty = "medium"
    required_tools: list[str] = Field(default_factory=list)
    reference_answer: str | None = None
    origin: str = Field(description="where the problem came from, e.g. 'synthetic:calculus/poly_derivative' "
                        "or 'dataset:openai/gsm8k:train:17'")
    meta: dict[str, Any] = Field(default_factory=dict,
                                 description="generator parameters or dataset metadata")


class ToolCall(BaseModel):
    """A tool invocation as the model wrote it: `{"name": ..., "args": {...}}`."""

    model_config = ConfigDict(extra="forbid")

    name: str
    args: dict[str, Any] = Field(default_factory=dict)


class Step(BaseModel):
    """One numbered reasoning step; a step may call a tool and/or report a tool's result."""

    model_config = ConfigDict(extra="forbid")

    step: int = Field(ge=1)
    content: str
    tool_call: ToolCall | None = None
    tool_result: str | None = None

    @field_validator("tool_result", mode="before")
    @classmethod
    def _result_as_text(cls, value: Any) -> Any:
        """Models sometimes write a result as a number or list; the record keeps canonical text."""
        if value is None or isinstance(value, str):
            return value
        return json.dumps(value, ensure_ascii=False)


class Usage(BaseModel):
    """Tokens and money one generation cost (zero for the offline backend)."""

    input_tokens: int = 0
    output_tokens: int = 0
    cache_read_tokens: int = 0
    cache_write_tokens: int = 0
    cost_usd: float = 0.0
    cached: bool = Field(False, description="answered from the response cache, nothing paid this run")


class Generator(BaseModel):
    """Which backend, model, prompt and mode produced a trace."""

    backend: str
    model: str | None = None
    prompt_version: str | None = None
    mode: str | None = None


class LayerVerdict(BaseModel):
    ok: bool = True
    reasons: list[str] = Field(default_factory=list)


class Verdict(BaseModel):
    """The execute stage's judgement of a trace, one entry per verification layer."""

    format: LayerVerdict = Field(default_factory=LayerVerdict)
    execution: LayerVerdict = Field(default_factory=LayerVerdict)
    answer: LayerVerdict = Field(default_factory=LayerVerdict)
    fixed: bool = Field(False, description="claimed tool results were replaced by the real ones")
    tool_calls: int = 0
    tool_calls_valid: int = 0
    tool_results_matched: int = 0

    @property
    def ok(self) -> bool:
        return self.format.ok and self.execution.ok and self.answer.ok


class Trace(_Record):
    """A reasoning trace: the seed plan's record plus pipeline bookkeeping."""

    # -- the seed plan's record --------------------------------------------------------------
    question: str
    domain: Domain
    reasoning: list[Step] = Field(default_factory=list)
    answer: str = ""
    tools_used: list[str] = Field(default_factory=list)
    # -- added by the pipeline ---------------------------------------------------------------
    id: str
    category: str
    difficulty: Difficulty = "medium"
    reference_answer: str | None = None
    origin: str = ""
    generator: Generator | None = None
    usage: Usage | None = None
    generation_error: str | None = Field(None, description="why the backend produced no usable trace")
    raw_output: str | None = Field(None, description="the model's text when it could not be parsed")
    verdict: Verdict | None = None
    rejection_reasons: list[str] = Field(default_factory=list)

    def tool_calls(self) -> list[ToolCall]:
        return [s.tool_call for s in self.reasoning if s.tool_call is not None]

    def seed_record(self) -> dict[str, Any]:
        """The five fields of the seed plan's output record, nothing else."""
        return self.model_dump(include={"question", "domain", "reasoning", "answer", "tools_used"},
                               exclude_none=True)

    @classmethod
    def for_problem(cls, problem: Problem, **fields: Any) -> Trace:
        """A trace that carries over the problem's identity fields."""
        base = dict(question=problem.question, domain=problem.domain, id=problem.id,
                    category=problem.category, difficulty=problem.difficulty,
                    reference_answer=problem.reference_answer, origin=problem.origin)
        base.update(fields)
        return cls(**base)

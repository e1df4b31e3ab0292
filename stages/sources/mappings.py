"""Built-in column mappings: how a row of each known dataset becomes a problem.

A mapping names *roles* (question, answer, topic, ...) and the columns that fill them in the
dataset's published layout (see shared notes/datasets.md); a source entry can override any role's
column with `columns: {role: column}`. The mapping also says how to pull the reference answer out,
which metadata decides the category, which categories the dataset may be labelled with, and how hard
its problems are.
"""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Mapping as MappingT
from dataclasses import dataclass, field
from typing import Any

from stages.sources import answers
from stages.sources.categories import Assignment, domain_categories, from_camel_topic, from_math_type

Row = MappingT[str, Any]
MATH_CATEGORIES = ("calculus", "algebra", "linear_algebra", "numerical")


def _no_hint(_: Row) -> Assignment | None:
    return None


def _medium(_: Row) -> str:
    return "medium"


def _easy(_: Row) -> str:
    return "easy"


def _math_level(row: Row) -> str:
    """MATH 'Level 1'..'Level 5' → easy (1-2), medium (3), hard (4-5)."""
    level = str(row.get("level") or "")
    digits = [c for c in level if c.isdigit()]
    if not digits:
        return "medium"
    n = int(digits[0])
    return "easy" if n <= 2 else "medium" if n == 3 else "hard"


def _camel(domain: str) -> Callable[[Row], Assignment | None]:
    def hint(row: Row) -> Assignment | None:
        return from_camel_topic(domain, row.get("topic"), row.get("sub_topic"))

    return hint


@dataclass(frozen=True)
class Mapping:
    """How one dataset layout becomes problems."""

    name: str
    hub: str | None  # the dataset's hub name (the default `dataset:` of an entry using this mapping)
    hub_config: str | None
    columns: dict[str, tuple[str, ...]]  # role → accepted column names, first present wins
    required: tuple[str, ...]  # roles that must be present
    answer: Callable[[str | None], str | None] | None = None  # reference answer from the `answer` role
    hint: Callable[[Row], Assignment | None] = _no_hint  # metadata → category
    allowed: tuple[str, ...] | None = None  # categories the classifier may choose (None: all)
    difficulty: Callable[[Row], str] = _medium
    meta: tuple[str, ...] = field(default=())  # roles copied into problem.meta


def _camel_mapping(domain: str, allowed: tuple[str, ...] | None) -> Mapping:
    return Mapping(
        name=f"camel_{domain}", hub=f"camel-ai/{domain}", hub_config=None,
        columns={"question": ("message_1",), "topic": ("topic;", "topic"), "sub_topic": ("sub_topic",)},
        required=("question",), hint=_camel(domain), allowed=allowed, meta=("topic", "sub_topic"))


MAPPINGS: dict[str, Mapping] = {m.name: m for m in (
    Mapping(
        name="openmathinstruct2", hub="nvidia/OpenMathInstruct-2", hub_config=None,
        columns={"question": ("problem",), "answer": ("expected_answer",), "problem_source": ("problem_source",)},
        required=("question", "answer"), answer=answers.plain, allowed=MATH_CATEGORIES,
        meta=("problem_source",)),
    _camel_mapping("physics", domain_categories("physics")),
    _camel_mapping("chemistry", domain_categories("chemistry")),
    _camel_mapping("math", None),
    Mapping(
        name="math", hub="EleutherAI/hendrycks_math", hub_config=None,
        columns={"question": ("problem",), "answer": ("solution",), "type": ("type",), "level": ("level",)},
        required=("question", "answer"), answer=answers.last_boxed,
        hint=lambda row: from_math_type(row.get("type")), allowed=MATH_CATEGORIES, difficulty=_math_level,
        meta=("type", "level")),
    Mapping(
        name="gsm8k", hub="openai/gsm8k", hub_config="main",
        columns={"question": ("question",), "answer": ("answer",)},
        required=("question", "answer"), answer=answers.gsm8k_final, allowed=("numerical", "algebra"),
        difficulty=_easy),
    # Any other dataset: say which columns hold the question (and optionally answer) with `columns:`.
    Mapping(
        name="generic", hub=None, hub_config=None,
        columns={"question": ("question", "problem"), "answer": ("answer", "expected_answer")},
        required=("question",), answer=answers.plain),
)}


def get(name: str) -> Mapping:
    try:
        return MAPPINGS[name]
    except KeyError:
        raise KeyError(f"unknown mapping '{name}'; built-in mappings are {', '.join(MAPPINGS)}") from None


def infer(dataset: str | None) -> str | None:
    """The built-in mapping for a hub dataset name (`openai/gsm8k` → `gsm8k`), if any."""
    if not dataset:
        return None
    for m in MAPPINGS.values():
        if m.hub and m.hub.lower() == dataset.lower():
            return m.name
    low = dataset.lower()
    if "competition_math" in low or "hendrycks_math" in low or low.endswith("/math"):
        return "math"
    return None

"""Checks every synthetic-category test module applies the same way (one copy, not three)."""

from __future__ import annotations

import random
import re
from collections import Counter

from stages.schema import CATEGORY_DOMAIN, Generator, Problem, Trace
from stages.synthetic import TEMPLATES, TraceBuilder, draw_category, load_all, templates_for

PLACEHOLDER = re.compile(r"\{[A-Za-z_]\w*\}")  # an unformatted "{name}" left in the text


def build_trace(problem: Problem) -> Trace:
    """What the offline backend does for one problem: run the template's solver with a TraceBuilder."""
    tmpl = TEMPLATES[problem.meta["template"]]
    builder = TraceBuilder(problem, random.Random(problem.id))
    tmpl.solve(dict(problem.meta["params"]), builder)
    return builder.build(Generator(backend="offline", model="test"))


def assert_full_size_draw_is_diverse(category: str, count: int) -> None:
    """A default-size draw: no duplicate questions, every template and difficulty used, no placeholders."""
    draw = draw_category(category, count, seed=0, seen=set())
    assert len(draw.problems) == count
    questions = {" ".join(p.question.lower().split()) for p in draw.problems}
    assert len(questions) == count
    # duplicates are rare, so the questions are really diverse (not just barely distinct)
    assert draw.duplicates < count * 0.1
    per_template = Counter(p.meta["template"] for p in draw.problems)
    assert len(per_template) == len(templates_for(category))
    assert min(per_template.values()) >= count / len(per_template) / 4
    assert {p.difficulty for p in draw.problems} == {"easy", "medium", "hard"}
    for p in draw.problems:
        assert p.reference_answer and p.reference_answer.strip()
        assert p.domain == CATEGORY_DOMAIN[category]
        assert not PLACEHOLDER.search(p.question), p.question


def templates_with_solvers(category: str, minimum: int = 10) -> list:
    """The category's templates, asserting there are at least `minimum` and each has a solver."""
    load_all()
    temps = templates_for(category)
    assert len(temps) >= minimum, [t.id for t in temps]
    assert all(t.solve is not None for t in temps)
    return temps


def assert_draw_reproducible(category: str, count: int, seed: int) -> None:
    """The same seed gives the same questions and reference answers."""
    a = draw_category(category, count, seed=seed, seen=set())
    b = draw_category(category, count, seed=seed, seen=set())
    assert [p.question for p in a.problems] == [p.question for p in b.problems]
    assert [p.reference_answer for p in a.problems] == [p.reference_answer for p in b.problems]

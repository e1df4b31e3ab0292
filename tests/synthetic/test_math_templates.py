"""The math/code synthetic templates (calculus, algebra, linear_algebra, numerical): enough distinct
templates, full-size draws without duplicate questions, and traces built with the real tools whose final
answers agree with the independently computed reference answers.
"""

from __future__ import annotations

from collections import Counter

import pytest
from draw_checks import (
    PLACEHOLDER,
    assert_draw_reproducible,
    assert_full_size_draw_is_diverse,
    build_trace,
    templates_with_solvers,
)
from omegaconf import OmegaConf

from stages.synthetic import draw_category

FULL_SIZE = {"calculus": 2000, "algebra": 1500, "linear_algebra": 500, "numerical": 1500}
TOOL_OF = {"calculus": "symbolic_math", "algebra": "symbolic_math", "linear_algebra": "symbolic_math",
           "numerical": "execute_python"}
CATEGORIES = tuple(FULL_SIZE)


def _equivalent(got: str, expected: str) -> bool:
    from stages.verify.answers import answers_equivalent

    return answers_equivalent(got, expected)


def _tool_available(name: str) -> bool:
    import tools

    return name in tools.TOOLS




@pytest.mark.parametrize("category", CATEGORIES)
def test_enough_templates_each_with_a_solver(category: str) -> None:
    temps = templates_with_solvers(category)
    assert all(TOOL_OF[category] in t.tools for t in temps)


@pytest.mark.parametrize("category", CATEGORIES)
def test_full_size_draw_has_no_duplicate_questions(category: str) -> None:
    assert_full_size_draw_is_diverse(category, FULL_SIZE[category])


@pytest.mark.parametrize("category", CATEGORIES)
def test_draw_is_reproducible(category: str) -> None:
    assert_draw_reproducible(category, 30, seed=7)


def _sample(category: str, per_template: int, seed: int):
    """`per_template` problems of every template of the category, over all difficulties."""
    draw = draw_category(category, 400 if category != "linear_algebra" else 300, seed=seed, seen=set())
    chosen, seen = [], Counter()
    for p in draw.problems:
        if seen[p.meta["template"]] < per_template:
            seen[p.meta["template"]] += 1
            chosen.append(p)
    return chosen


@pytest.mark.parametrize("category", CATEGORIES)
def test_traces_use_real_tools_and_reach_the_reference_answer(category: str) -> None:
    tool = TOOL_OF[category]
    if not _tool_available(tool):
        pytest.skip(f"tool {tool} is not registered yet")
    problems = _sample(category, per_template=5, seed=11)
    assert len(problems) >= 50
    lengths = []
    for problem in problems:
        trace = build_trace(problem)
        steps = trace.reasoning
        assert [s.step for s in steps] == list(range(1, len(steps) + 1))
        calls = [s for s in steps if s.tool_call is not None]
        assert calls, problem.question
        assert trace.tools_used == list(dict.fromkeys(s.tool_call.name for s in calls))
        assert tool in trace.tools_used
        # every call's result is reported in the following step, and the trace goes on after it
        for s in calls:
            nxt = steps[s.step]  # steps are 1-based: steps[s.step] is the next step
            assert nxt.tool_result is not None and nxt.tool_result.strip()
            assert not nxt.tool_result.startswith("Error")
        assert all(s.content.strip() for s in steps)
        assert not any(PLACEHOLDER.search(s.content) for s in steps), [s.content for s in steps]
        assert _equivalent(trace.answer, problem.reference_answer), (
            problem.meta["template"], problem.question, trace.answer, problem.reference_answer)
        lengths.append(len(steps))
    assert 3 <= min(lengths) and sum(lengths) / len(lengths) >= 4


def test_offline_backend_generates_math_traces() -> None:
    """The real backend over a small mixed math/code set: no generation errors, answers checked inside."""
    if not (_tool_available("symbolic_math") and _tool_available("execute_python")):
        pytest.skip("math tools are not registered yet")
    from stages.backends.offline import OfflineBackend

    problems = []
    for cat in CATEGORIES:
        problems += draw_category(cat, 6, seed=3, seen=set()).problems
    cfg = OmegaConf.create({"workers": 2, "backend": {"name": "offline", "model": "offline-templates-v1"}})
    backend = OfflineBackend(cfg)
    traces = list(backend.generate(problems))
    assert len(traces) == len(problems)
    assert all(t.generation_error is None for t in traces)
    assert backend.summary()["generated"] == len(problems)
    rec = traces[0].seed_record()
    assert set(rec) == {"question", "domain", "reasoning", "answer", "tools_used"}


def test_source_stage_builds_math_problems_from_these_templates() -> None:
    from stages.source import build_problems

    cfg = OmegaConf.create({"num_examples": 200, "domain": "math", "seed": 0,
                            "categories": {"calculus": 2000, "algebra": 1500, "linear_algebra": 500,
                                           "numerical": 1500, "physics_mechanics": 1500}})
    problems, metrics = build_problems(cfg)
    assert len(problems) == 200
    assert set(metrics["per_category"]) == {"calculus", "algebra", "linear_algebra"}
    assert all(p.origin.startswith("synthetic:") for p in problems)


def test_phrasing_helpers() -> None:
    from stages.synthetic.phrasing import caret, list_text, matrix_text, ordinal, poly_text

    assert caret("3*x**2 + 2*x") == "3x^2 + 2x"
    assert caret("x**3*exp(-5*x)") == "x^3*exp(-5x)"
    assert caret("4*pi**2*m/T**2") == "4*pi^2*m/T^2"  # an exponent is not a coefficient of the next letter
    assert caret("-3*x**2*(6*x**2 - 1)") == "-3x^2(6x^2 - 1)"
    assert poly_text([3, 0, -1, 2]) == "3*x**3 - x + 2"
    assert poly_text([-1, 0]) == "-x"
    assert list_text([2, 3]) == "[2, 3]"
    assert matrix_text([[1, 2], [3, 4]]) == "[[1, 2], [3, 4]]"
    assert [ordinal(n) for n in (1, 2, 3, 4, 11, 22)] == ["1st", "2nd", "3rd", "4th", "11th", "22nd"]

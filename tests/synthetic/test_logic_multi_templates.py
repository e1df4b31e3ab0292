"""The logic and multi_tool synthetic templates: enough templates, full-size draws without duplicate
questions, reference answers computed without the tools, and offline traces built with the real tools
(logic_solver, symbolic_math, chemistry, physics, execute_python) that reach those answers.
"""

from __future__ import annotations

from collections import Counter

import pytest
from draw_checks import PLACEHOLDER, assert_full_size_draw_is_diverse, templates_with_solvers
from omegaconf import OmegaConf

from stages.synthetic import draw_category, templates_for
from stages.verify.answers import answers_equivalent

CATEGORIES = ("logic", "multi_tool")
FULL_SIZE = 1000
ALL_TOOLS = {"symbolic_math", "execute_python", "logic_solver", "chemistry", "physics"}


def _tools_ready() -> bool:
    import tools

    return ALL_TOOLS <= set(tools.TOOLS)


def _sample(category: str, per_template: int, seed: int) -> list:
    """`per_template` problems of every template (difficulties cycle within a draw)."""
    draw = draw_category(category, 200, seed=seed, seen=set())
    chosen, seen = [], Counter()
    for p in draw.problems:
        if seen[p.meta["template"]] < per_template:
            seen[p.meta["template"]] += 1
            chosen.append(p)
    return chosen


@pytest.fixture(scope="module")
def traces() -> dict[str, list]:
    """~40 problems per category, traced by the real offline backend (answers checked inside it too)."""
    if not _tools_ready():
        pytest.skip("not every tool is registered yet")
    from stages.backends.offline import OfflineBackend

    backend = OfflineBackend(OmegaConf.create({"workers": 2, "backend": {"name": "offline", "model": "x"}}))
    out = {}
    for cat in CATEGORIES:
        problems = _sample(cat, per_template=3, seed=21)
        out[cat] = list(zip(problems, backend.generate(problems), strict=True))
    assert backend.summary()["generated"] == sum(len(v) for v in out.values())
    return out


@pytest.mark.parametrize("category", CATEGORIES)
def test_enough_templates_each_with_a_solver(category: str) -> None:
    temps = templates_with_solvers(category)
    for t in temps:
        assert set(t.tools) <= ALL_TOOLS
        if category == "logic":
            assert t.tools == ("logic_solver",)
        else:
            assert len(set(t.tools)) >= 2, t.id


@pytest.mark.parametrize("category", CATEGORIES)
def test_full_size_draw_has_no_duplicate_questions(category: str) -> None:
    assert_full_size_draw_is_diverse(category, FULL_SIZE)


@pytest.mark.parametrize("category", CATEGORIES)
def test_draw_is_reproducible_and_needs_no_tool(category: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Reference answers come from the generators' own arithmetic: drawing works with every tool broken."""
    import tools

    def broken(*_a, **_k):
        raise AssertionError("a generator called a tool")

    monkeypatch.setattr(tools, "call", broken)
    a = draw_category(category, 60, seed=5, seen=set())
    b = draw_category(category, 60, seed=5, seen=set())
    assert [p.question for p in a.problems] == [p.question for p in b.problems]
    assert [p.reference_answer for p in a.problems] == [p.reference_answer for p in b.problems]


@pytest.mark.parametrize("category", CATEGORIES)
def test_traces_call_real_tools_and_reach_the_reference(traces: dict, category: str) -> None:
    pairs = traces[category]
    assert len(pairs) >= 30
    assert {p.meta["template"] for p, _ in pairs} == {t.id for t in templates_for(category)}
    for problem, trace in pairs:
        assert trace.generation_error is None, trace.generation_error
        steps = trace.reasoning
        assert [s.step for s in steps] == list(range(1, len(steps) + 1))
        calls = [s for s in steps if s.tool_call is not None]
        assert calls, problem.question
        for s in calls:
            nxt = steps[s.step]  # 1-based step numbers: steps[s.step] is the step after s
            assert nxt.tool_result is not None and nxt.tool_result.strip()
            assert not nxt.tool_result.startswith("Error")
        names = list(dict.fromkeys(s.tool_call.name for s in calls))
        assert trace.tools_used == names
        assert set(trace.tools_used) == set(problem.required_tools), problem.meta["template"]
        if category == "multi_tool":
            assert len(set(trace.tools_used)) >= 2, problem.meta["template"]
        assert all(s.content.strip() for s in steps)
        assert not any(PLACEHOLDER.search(s.content) for s in steps), [s.content for s in steps]
        assert len(steps) >= 3
        assert answers_equivalent(trace.answer, problem.reference_answer), (
            problem.meta["template"], problem.question, trace.answer, problem.reference_answer)
    rec = pairs[0][1].seed_record()
    assert set(rec) == {"question", "domain", "reasoning", "answer", "tools_used"}


def test_logic_traces_use_every_solver_operation(traces: dict) -> None:
    ops = Counter()
    for _, trace in traces["logic"]:
        for s in trace.reasoning:
            if s.tool_call is not None:
                args = s.tool_call.args
                assert set(args) >= {"operation", "constraints", "variables"}
                assert isinstance(args["constraints"], list) and isinstance(args["variables"], dict)
                op = args["operation"]
                ops[op + ("+objective" if "objective" in args else "")] += 1
    assert {"check_sat", "prove", "solve_constraints", "solve_constraints+objective"} <= set(ops), ops


def test_multi_tool_traces_cover_the_tools(traces: dict) -> None:
    used = Counter(t for _, trace in traces["multi_tool"] for t in trace.tools_used)
    assert set(used) == ALL_TOOLS, used


def test_canonical_logic_answers_compare_strictly() -> None:
    """The answer forms the logic templates produce are compared exactly, not loosely."""
    assert answers_equivalent("Ann = 2, Ben = 1", "Ben = 1, Ann = 2")
    assert not answers_equivalent("Ann = 1, Ben = 2", "Ann = 2, Ben = 1")
    assert answers_equivalent("Jill = knave, Omar = knight", "Omar = knight, Jill = knave")
    assert not answers_equivalent("Jill = knight, Omar = knave", "Jill = knave, Omar = knight")
    assert not answers_equivalent("yes", "no") and not answers_equivalent("valid", "invalid")
    assert answers_equivalent("2341", "2341") and not answers_equivalent("2341", "2314")
    assert answers_equivalent("C3H8 + 5O2 -> 3CO2 + 4H2O", "C3H8 + 5O2 -> 3CO2 + 4H2O")


def test_final_answers_keep_their_precision() -> None:
    """6-digit answers that would print like integers or short decimals still match the precise value."""
    from stages.synthetic.multi_tool import ans, ref

    for x, text in [(128405.5463450604, "1.28406e+05"), (2.500004, "2.50000"), (12.3086049, "12.3086"),
                    (0.3, "0.3"), (5.0, "5")]:
        assert ans(x) == text
        assert answers_equivalent(f"{ans(x)} J", ref(x, "J"))
    assert not answers_equivalent("1.28403e+05 J", ref(128405.5463450604, "J"))


def test_source_stage_builds_logic_and_mixed_problems() -> None:
    from stages.source import build_problems

    for domain, category in (("logic", "logic"), ("mixed", "multi_tool")):
        cfg = OmegaConf.create({"num_examples": 40, "domain": domain, "seed": 0,
                                "categories": {"logic": 1000, "multi_tool": 1000, "calculus": 2000}})
        problems, metrics = build_problems(cfg)
        assert len(problems) == 40
        assert set(metrics["per_category"]) == {category}
        assert all(p.origin.startswith(f"synthetic:{category}/") and p.reference_answer for p in problems)

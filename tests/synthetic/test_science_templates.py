"""The science synthetic templates (physics_mechanics, physics_em_optics, chemistry_fundamentals,
chemistry_solutions): enough templates, full-size draws without duplicate questions, traces built with
the real tools whose answers agree with the independently computed references, every required tool
operation exercised, and the curated chemistry tables agreeing with the chemistry tool.
"""

from __future__ import annotations

import math
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

FULL_SIZE = {"physics_mechanics": 1500, "physics_em_optics": 1000, "chemistry_fundamentals": 1000,
             "chemistry_solutions": 1000}
TOOL_OF = {"physics_mechanics": "physics", "physics_em_optics": "physics", "chemistry_fundamentals": "chemistry",
           "chemistry_solutions": "chemistry"}
CATEGORIES = tuple(FULL_SIZE)
# Tool operations (and sub-kinds) the four categories must exercise between them.
REQUIRED_OPS = {
    "physics": {"kinematics", "energy", "projectile", "shm", "unit_convert", "ideal_gas", "constant",
                "electricity:ohms_law", "electricity:power", "electricity:series", "electricity:parallel",
                "electricity:coulomb", "optics:thin_lens", "optics:magnification", "optics:snell",
                "waves:wave_speed", "waves:photon_energy", "waves:doppler"},
    "chemistry": {"molecular_weight", "stoichiometry", "balance_equation", "ph", "dilution", "concentration",
                  "molar_conversion", "percent_composition", "limiting_reagent", "parse_formula"},
}


def _equivalent(got: str, expected: str) -> bool:
    from stages.verify.answers import answers_equivalent

    return answers_equivalent(got, expected)




def _sample(category: str, per_template: int, seed: int):
    """`per_template` problems of every template of the category, over all difficulties."""
    draw = draw_category(category, 300, seed=seed, seen=set())
    chosen, seen = [], Counter()
    for p in draw.problems:
        if seen[p.meta["template"]] < per_template:
            seen[p.meta["template"]] += 1
            chosen.append(p)
    return chosen


@pytest.fixture(scope="module")
def built() -> dict[str, list[tuple]]:
    """~50-60 (problem, trace) pairs per category, built once for the tests below."""
    return {cat: [(p, build_trace(p)) for p in _sample(cat, per_template=5, seed=11)] for cat in CATEGORIES}


@pytest.mark.parametrize("category", CATEGORIES)
def test_enough_templates_each_with_a_solver(category: str) -> None:
    temps = templates_with_solvers(category)
    assert all(TOOL_OF[category] in t.tools for t in temps)


@pytest.mark.parametrize("category", CATEGORIES)
def test_full_size_draw_has_no_duplicate_questions(category: str) -> None:
    assert_full_size_draw_is_diverse(category, FULL_SIZE[category])


@pytest.mark.parametrize("category", CATEGORIES)
def test_draw_is_reproducible(category: str) -> None:
    assert_draw_reproducible(category, 40, seed=7)


@pytest.mark.parametrize("category", CATEGORIES)
def test_traces_use_real_tools_and_reach_the_reference_answer(category: str, built) -> None:
    pairs = built[category]
    assert len(pairs) >= 50
    lengths = []
    for problem, trace in pairs:
        steps = trace.reasoning
        assert [s.step for s in steps] == list(range(1, len(steps) + 1))
        calls = [s for s in steps if s.tool_call is not None]
        assert calls, problem.question
        assert trace.tools_used == list(dict.fromkeys(s.tool_call.name for s in calls))
        assert set(trace.tools_used) == set(problem.required_tools), (trace.tools_used, problem.required_tools)
        for s in calls:
            assert "operation" in s.tool_call.args  # canonical arguments
            nxt = steps[s.step]  # steps are 1-based: steps[s.step] is the following step
            assert nxt.tool_result is not None and nxt.tool_result.strip()
            assert not nxt.tool_result.startswith("Error")
        assert all(s.content.strip() for s in steps)
        assert not any(PLACEHOLDER.search(s.content) for s in steps), [s.content for s in steps]
        assert _equivalent(trace.answer, problem.reference_answer), (
            problem.meta["template"], problem.question, trace.answer, problem.reference_answer)
        lengths.append(len(steps))
    assert min(lengths) >= 3 and sum(lengths) / len(lengths) >= 4
    assert sum(TOOL_OF[category] in t.tools_used for _, t in pairs) >= 0.9 * len(pairs)


def test_required_tool_operations_all_appear(built) -> None:
    seen: dict[str, set[str]] = {"physics": set(), "chemistry": set()}
    for pairs in built.values():
        for _, trace in pairs:
            for s in trace.reasoning:
                if s.tool_call is None:
                    continue
                args = s.tool_call.args
                op = args["operation"]
                seen[s.tool_call.name].add(op)
                if "kind" in args:
                    seen[s.tool_call.name].add(f"{op}:{args['kind']}")
    for tool, ops in REQUIRED_OPS.items():
        assert ops <= seen[tool], sorted(ops - seen[tool])


def test_some_traces_reason_without_the_tool_and_some_chain_results(built) -> None:
    """Traces teach when to call: not every step is a call, and multi-call traces exist."""
    for category, pairs in built.items():
        multi = [t for _, t in pairs if sum(s.tool_call is not None for s in t.reasoning) >= 2]
        assert len(multi) >= 5, category
        thinking = sum(1 for _, t in pairs for s in t.reasoning if s.tool_call is None and s.tool_result is None)
        assert thinking >= len(pairs), category


def test_curated_reactions_and_formulas_agree_with_the_chemistry_tool() -> None:
    import tools
    from stages.synthetic.chemistry_fundamentals import COMPOUNDS, REACTIONS, equation_text, molar_mass

    for rxn in REACTIONS:
        r = tools.call("chemistry", {"operation": "balance_equation", "equation": equation_text(rxn, coeffs=False)})
        assert r.ok and r.value["equation"] == equation_text(rxn), (rxn, r.output)
    for formula, (_, counts) in COMPOUNDS.items():
        r = tools.call("chemistry", {"operation": "parse_formula", "formula": formula})
        assert r.ok and r.value["elements"] == counts, (formula, r.output)
        m = tools.call("chemistry", {"operation": "molecular_weight", "formula": formula})
        assert math.isclose(m.value, molar_mass(formula), rel_tol=1e-9)


def test_closed_forms_match_textbook_values() -> None:
    from stages.synthetic.chemistry_fundamentals import molar_mass
    from stages.synthetic.chemistry_solutions import strong_x, weak_x
    from stages.synthetic.physics_mechanics import _projectile

    assert f"{_projectile(20, 45, 0)['range']:.2f}" == "40.77"
    assert f"{-math.log10(weak_x(0.1, 1.8e-5)):.3f}" == "2.875"  # 0.1 M acetic acid
    assert f"{-math.log10(strong_x(0.01)):.3f}" == "2.000"
    assert f"{molar_mass('C6H12O6'):.2f}" == "180.16"


def test_number_formatting_is_stable_at_ties() -> None:
    from stages.synthetic.science_text import fixed, qty, si, sig

    # exact ties from clean inputs must print the same whichever side of the tie float noise lands
    assert sig(718.7499999999) == sig(718.75) == sig(718.7500000001) == "718.8"
    assert sig(40.7747196738) == "40.77" and sig(20.0000000001) == "20" and sig(3.9728917e-19) == "3.973e-19"
    assert sig(99773.5514) == "99773.6" and sig(5841327.6) == "5.841e6" and sig(9.99996) == "10.0"
    assert qty(2.5, "m/s") == "2.5 m/s"
    assert fixed(2.87527706, 3) == "2.875" and fixed(1.99949999999, 3) == fixed(1.9995, 3)
    assert si(2.4999999999999998e-06) == 2.5e-06 and si(4099999999.9999995) == 4100000000


def test_offline_backend_generates_science_traces() -> None:
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


def test_traces_pass_the_execute_stage_layers(built) -> None:
    """The execute stage's format, execution and answer layers accept the offline traces as they are."""
    from stages.verify.layers import Options, verify_record

    opts = Options()
    for pairs in built.values():
        for _, trace in pairs[:20]:
            v = verify_record(trace.model_dump(mode="json"), opts).verdict
            failed = [r for layer in (v.format, v.execution, v.answer) for r in layer.reasons
                      if not r.startswith("warning:")]
            assert not failed and not v.fixed, (trace.question, failed)

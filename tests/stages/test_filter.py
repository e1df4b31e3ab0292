"""Filter stage: every rejection reason, duplicates, multi_tool, metrics and plot data."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from stage_traces import projectile_trace, two_tool_trace

from stages.filter import Rules, Stats, apply, reasons_for, write_plots
from stages.schema import Trace, Verdict
from stages.verify.judge import make_judge


def verified(rec: dict[str, Any], **verdict: Any) -> Trace:
    """A trace with a verdict set by hand (the filter only reads the verdict)."""
    t = Trace.model_validate(copy.deepcopy(rec))
    v = Verdict()
    for layer, reasons in verdict.items():
        getattr(v, layer).ok = False
        getattr(v, layer).reasons.extend(reasons)
    t.verdict = v
    return t


def test_good_traces_are_kept() -> None:
    rules = Rules()
    assert reasons_for(verified(projectile_trace()), rules) == []
    assert reasons_for(verified(two_tool_trace()), rules) == []


def test_layer_failures_map_to_reasons() -> None:
    rules = Rules()
    rec = projectile_trace()
    assert reasons_for(verified(rec, format=["step 2: invalid tool call: unknown tool 'x'"]), rules) == [
        "invalid_tool_call"]
    assert reasons_for(verified(rec, format=["steps not numbered 1..3 (got [1, 2, 7])"]), rules) == [
        "invalid_format"]
    assert reasons_for(verified(rec, execution=["step 2: claimed 'a' but the tool returned 'b'"]), rules) == [
        "tool_result_mismatch"]
    assert reasons_for(verified(rec, answer=["wrong answer: '1' != reference '2'"]), rules) == ["wrong_answer"]
    gen = verified({"id": "g", "question": "q", "domain": "math", "category": "algebra",
                    "generation_error": "refused"}, format=["generation_error: refused"])
    assert reasons_for(gen, rules) == ["generation_error"]
    bad = verified({"id": "b", "question": "", "domain": "mixed", "category": "unknown"},
                   format=["invalid JSON: Expecting value (column 1)"])
    assert "invalid_record" in reasons_for(bad, rules)
    t = Trace.model_validate(rec)
    assert reasons_for(t, rules) == ["not_verified"]


def test_too_short_too_long_no_text() -> None:
    rec = projectile_trace()
    short = dict(rec, reasoning=rec["reasoning"][1:], tools_used=["physics"])
    short["reasoning"] = [dict(s, step=i + 1) for i, s in enumerate(short["reasoning"])]
    assert "too_short" in reasons_for(verified(short), Rules())
    assert "too_long" in reasons_for(verified(rec), Rules(max_steps=2))
    terse = copy.deepcopy(rec)
    for s in terse["reasoning"]:
        s["content"] = "ok"
    assert reasons_for(verified(terse), Rules()) == ["no_reasoning_text"]


def test_tool_requirements() -> None:
    rec = projectile_trace()
    no_tool = copy.deepcopy(rec)
    del no_tool["reasoning"][1]["tool_call"]
    assert reasons_for(verified(no_tool), Rules()) == ["no_tool_call"]
    assert reasons_for(verified(no_tool), Rules(tool_free_categories=("physics_mechanics",))) == []
    one_tool = two_tool_trace()
    one_tool["reasoning"][2]["tool_call"] = {"name": "chemistry_calc",
                                             "args": {"operation": "molar_mass", "formula": "CO2"}}
    assert reasons_for(verified(one_tool), Rules()) == ["too_few_distinct_tools"]
    assert reasons_for(verified(one_tool), Rules(min_distinct_tools={})) == []


def test_exact_duplicates_first_kept() -> None:
    a = verified(projectile_trace(id="a"))
    b = verified(projectile_trace(id="b", question=projectile_trace()["question"].upper() + "  "))
    c = verified(projectile_trace(id="c", answer="1 m"), answer=["wrong answer"])
    out = list(apply([c, a, b], Rules()))
    assert [(t.id, kept, t.rejection_reasons) for t, kept in out] == [
        ("c", False, ["wrong_answer"]), ("a", True, []), ("b", False, ["duplicate_question"])]


def test_judge_hook() -> None:
    judge = make_judge({"name": "length_ratio", "params": {"min_ratio": 100}})
    out = list(apply([verified(projectile_trace())], Rules(judge=judge)))
    assert out[0][1] is False and out[0][0].rejection_reasons == ["judge"]
    assert make_judge({"name": None}) is None


def test_metrics_and_plots(tmp_path: Path) -> None:
    traces = [verified(projectile_trace()), verified(two_tool_trace()),
              verified(projectile_trace(id="x", question="other"), execution=["claimed"])]
    stats = Stats()
    for t, kept in apply(traces, Rules()):
        stats.add(t, kept)
    m = stats.metrics()
    assert (m["records"], m["kept"], m["rejected"]) == (3, 2, 1)
    assert m["kept_rate"] == round(2 / 3, 4)
    assert m["avg_reasoning_steps"] == 3.5
    assert m["tool_calls_per_example"] == 1.5
    assert m["domain_distribution"] == {"mixed": 1, "physics": 1}
    assert m["rejection_reasons"]["tool_result_mismatch"] == 1
    write_plots(stats, str(tmp_path))
    rows = json.loads((tmp_path / "steps_histogram.json").read_text())
    assert rows == [{"steps": 3, "count": 1}, {"steps": 4, "count": 1}]
    tools = {r["tool_op"] for r in json.loads((tmp_path / "tool_usage.json").read_text())}
    assert tools == {"physics.projectile", "chemistry.molecular_weight", "physics.electricity"}

"""Execute stage: the three layers on hand-made good and bad traces, with the real tools."""

from __future__ import annotations

import json
from typing import Any

import pytest
from stage_traces import two_tool_trace

from stages.execute import Tally, run
from stages.verify.layers import Options, claimed_results, parse_record, verify_record

pytestmark = pytest.mark.timeout(120)


def verdict(rec: Any, **opts: Any):
    t = verify_record(rec, Options(**opts))
    assert t.verdict is not None
    return t, t.verdict


def test_good_trace_passes_all_layers(good: dict[str, Any]) -> None:
    t, v = verdict(good)
    assert v.ok, (v.format.reasons, v.execution.reasons, v.answer.reasons)
    assert (v.tool_calls, v.tool_calls_valid, v.tool_results_matched) == (1, 1, 1)
    # calls are rewritten to canonical names, tools_used follows
    assert t.reasoning[1].tool_call.name == "physics"
    assert t.tools_used == ["physics"]


def test_multi_tool_call_call_layout(multi: dict[str, Any]) -> None:
    t, v = verdict(multi)
    assert v.ok, (v.format.reasons, v.execution.reasons, v.answer.reasons)
    assert v.tool_results_matched == 2
    assert t.reasoning[2].tool_call.args == {"operation": "electricity", "kind": "ohms_law", "V": 12, "R": 4}


def test_wrong_tool_name(good: dict[str, Any]) -> None:
    good["reasoning"][1]["tool_call"]["name"] = "physix"
    _, v = verdict(good)
    assert not v.format.ok and "unknown tool 'physix'" in v.format.reasons[0]
    assert (v.tool_calls, v.tool_calls_valid) == (1, 0)


def test_unknown_operation(good: dict[str, Any]) -> None:
    good["reasoning"][1]["tool_call"]["args"]["operation"] = "teleport"
    _, v = verdict(good)
    assert not v.format.ok and "unknown operation 'teleport'" in v.format.reasons[0]


def test_bad_args(good: dict[str, Any]) -> None:
    good["reasoning"][1]["tool_call"]["args"]["speed"] = 3
    _, v = verdict(good)
    assert not v.format.ok and "unexpected argument 'speed'" in v.format.reasons[0]


def test_wrong_claimed_result_dropped(good: dict[str, Any]) -> None:
    good["reasoning"][2]["tool_result"] = "range = 41.5 m"
    t, v = verdict(good)
    assert v.format.ok and not v.execution.ok and not v.fixed
    assert "claimed 'range = 41.5 m'" in v.execution.reasons[0]
    assert t.reasoning[2].tool_result == "range = 41.5 m"


def test_wrong_claimed_result_fixed(good: dict[str, Any]) -> None:
    good["reasoning"][2]["tool_result"] = "range = 41.5 m"
    t, v = verdict(good, on_mismatch="fix")
    assert v.ok and v.fixed
    assert t.reasoning[2].tool_result.startswith("range = 40.7747 m")


def test_missing_result_fixed_or_reported(good: dict[str, Any]) -> None:
    del good["reasoning"][2]["tool_result"]
    _, v = verdict(good)
    assert not v.execution.ok and "no tool_result" in v.execution.reasons[0]
    t, v = verdict(good, on_mismatch="fix")
    assert v.execution.ok and v.fixed and t.reasoning[2].tool_result


def test_result_written_differently_still_matches(good: dict[str, Any]) -> None:
    good["reasoning"][2]["tool_result"] = json.dumps({"range": 40.774720, "time_of_flight": 2.8832081})
    _, v = verdict(good)
    assert v.ok, v.execution.reasons


def test_symbolic_equivalent_result() -> None:
    tools = pytest.importorskip("tools")
    if "symbolic_math" not in tools.TOOLS:
        pytest.skip("symbolic_math not registered yet")
    rec = {"id": "calc-1", "category": "calculus", "domain": "math",
           "question": "Differentiate x^3 + 2x.",
           "reasoning": [
               {"step": 1, "content": "Differentiate term by term with the symbolic tool to be safe here."},
               {"step": 2, "content": "Calling differentiate.",
                "tool_call": {"name": "symbolic_math",
                              "args": {"operation": "differentiate", "expression": "x**3 + 2*x", "variable": "x"}}},
               {"step": 3, "content": "The derivative is 2 + 3x^2.", "tool_result": "2 + 3*x**2"}],
           "answer": "3*x**2 + 2", "reference_answer": "3*x**2 + 2", "tools_used": ["symbolic_math"]}
    _, v = verdict(rec)
    assert v.execution.ok, v.execution.reasons


def test_wrong_final_answer(good: dict[str, Any]) -> None:
    good["answer"] = "38 m"
    _, v = verdict(good)
    assert v.format.ok and v.execution.ok and not v.answer.ok
    assert v.answer.reasons[0].startswith("wrong answer")


def test_rounded_final_answer_accepted(good: dict[str, Any]) -> None:
    good["answer"] = "40.8 m"
    _, v = verdict(good)
    assert v.answer.ok, v.answer.reasons


def test_answer_without_reference_must_follow_last_result(good: dict[str, Any]) -> None:
    del good["reference_answer"]
    _, v = verdict(good)
    assert v.ok
    good["answer"] = "55 m"
    _, v = verdict(good)
    assert not v.answer.ok and "not supported by any tool result" in v.answer.reasons[0]
    _, v = verdict(good, answer_support="warn")
    assert v.answer.ok and v.answer.reasons[0].startswith("warning:")


def test_step_numbering(good: dict[str, Any]) -> None:
    good["reasoning"][2]["step"] = 7
    _, v = verdict(good)
    assert not v.format.ok and "steps not numbered" in v.format.reasons[0]


def test_malformed_records_become_verdicts() -> None:
    t, reasons = parse_record("{not json", lineno=4)
    assert t.id == "line-4" and reasons[0].startswith("invalid JSON")
    t, v = verdict({"id": "x", "question": "q", "domain": "math", "category": "algebra",
                    "reasoning": [{"step": 1, "content": "c", "extra_key": 1}]})
    assert not v.format.ok and v.format.reasons[0].startswith("schema:")
    assert "extra_key" in t.invalid_record
    _, v = verdict({"id": "y", "question": "q", "domain": "math", "category": "algebra",
                    "generation_error": "the API refused"})
    assert v.format.reasons == ["generation_error: the API refused"]


def test_claimed_result_pairing() -> None:
    t, _ = parse_record(json.dumps(two_tool_trace()))
    pairs, orphans = claimed_results(t)
    assert pairs == {1: 2, 2: 3} and orphans == []


def test_run_keeps_order_and_tallies(good: dict[str, Any], multi: dict[str, Any]) -> None:
    bad = dict(good, id="bad", answer="1 m")
    lines = [(i + 1, json.dumps(r)) for i, r in enumerate([good, "oops", multi, bad])]
    lines[1] = (2, "{oops")
    out = list(run(lines, Options(), workers=3))
    assert [t.id for t in out] == ["phys-1", "line-2", "multi-1", "bad"]
    tally = Tally()
    for t in out:
        tally.add(t)
    m = tally.metrics()
    assert m["records"] == 4 and m["passed"] == 2
    assert m["valid_json_rate"] == 0.75
    assert m["tool_call_syntax_correctness"] == 1.0
    assert m["tool_result_match_rate"] == 1.0
    assert m["answer_accuracy"] == pytest.approx(2 / 3, abs=1e-4)


def test_a_verifier_crash_costs_one_record(good: dict[str, Any]) -> None:
    def broken_runner(tool: str, args: dict[str, Any]) -> Any:
        raise RuntimeError("boom")

    out = list(run([(1, json.dumps(good))], Options(), workers=1, runner=broken_runner))
    assert len(out) == 1 and not out[0].verdict.ok
    assert out[0].verdict.execution.reasons == ["verifier error: RuntimeError: boom"]


def test_set_valued_result_in_any_order() -> None:
    tools = pytest.importorskip("tools")
    if "symbolic_math" not in tools.TOOLS:
        pytest.skip("symbolic_math not registered yet")
    rec = {"id": "alg-1", "category": "algebra", "domain": "math", "question": "Solve x^2 - 5x + 6 = 0.",
           "reasoning": [
               {"step": 1, "content": "A quadratic; I will let the solver find both roots exactly."},
               {"step": 2, "content": "Solving for x.",
                "tool_call": {"name": "sympy", "args": {"operation": "solve", "equation": "x**2 - 5*x + 6 = 0",
                                                        "variable": "x"}}},
               {"step": 3, "content": "The roots are 3 and 2.", "tool_result": "[3, 2]"}],
           "answer": "x = 3, x = 2", "reference_answer": "[2, 3]", "tools_used": ["sympy"]}
    t, v = verdict(rec)
    assert v.ok, (v.format.reasons, v.execution.reasons, v.answer.reasons)
    assert t.tools_used == ["symbolic_math"]
    rec["reasoning"][2]["tool_result"] = "[3, 1]"
    _, v = verdict(rec)
    assert not v.execution.ok


def test_bad_params_are_config_errors() -> None:
    from stages.app import ConfigError
    from stages.execute import options_from

    with pytest.raises(ConfigError, match="on_mismatch"):
        options_from({"on_mismatch": "repair"})
    with pytest.raises(ConfigError, match="answer_support"):
        options_from({"answer_support": "maybe"})
    assert options_from({"on_mismatch": "fix"}).on_mismatch == "fix"


@pytest.mark.parametrize(("haystack", "needle"), [
    ("12*x**2", "2"), ("x = 2", "2"), ("2.5", "2"), ("a2", "2"), ("2_", "2"), ("_2", "2"), (".2", "2"),
    ("22 2", "2"), ("2x 2", "2"), ("x2x2", "x2"), ("aaa", "aa"), ("", ""), ("ab", ""), ("", "a"),
    ("é2", "2"), ("2é", "2"), ("٣2", "2"), ("2²", "2"), ("x-2", "2"), ("(2)", "2"), ("2.", "2"),
    ("range=40.7747m", "40.7747m"), ("range=40.77471m", "40.7747m"), ("v=1,t=2", "t=2"),
])
def test_contains_matches_the_regex_it_replaces(haystack: str, needle: str) -> None:
    import re

    from stages.verify.layers import _contains

    expected = re.search(rf"(?<![\w.]){re.escape(needle)}(?![\w.])", haystack) is not None
    assert _contains(haystack, needle) is expected


def test_tally_merge_is_sequential_add(good: dict[str, Any], multi: dict[str, Any]) -> None:
    bad = dict(good, id="bad", answer="1 m")
    wrong = dict(multi, id="wrong", answer="7 A")
    lines = [(i + 1, json.dumps(r)) for i, r in enumerate([good, bad, multi, wrong, bad])]
    lines.insert(1, (9, "{oops"))
    out = list(run(lines, Options(), workers=2))
    whole = Tally()
    for t in out:
        whole.add(t)
    merged, part = Tally(), Tally()
    for i, t in enumerate(out):
        part.add(t)
        if i % 2:
            merged.merge(part)
            part = Tally()
    merged.merge(part)
    assert json.dumps(merged.metrics()) == json.dumps(whole.metrics())  # same keys in the same order


def test_processes_give_the_same_lines_and_tally(good: dict[str, Any], multi: dict[str, Any]) -> None:
    from stages.execute import verify_in_processes
    from stages.jsonl import to_json_line

    recs = [good, multi, dict(good, id="bad", answer="1 m"), dict(multi, id="m2")]
    lines = [(i + 1, json.dumps(r)) for i, r in enumerate(recs * 3)]
    lines[4] = (5, "{oops")

    def runner(tool: str, args: dict[str, Any]) -> Any:  # the real tools, without the shared runtime
        from tools.catalog import TOOLS
        from tools.runtime import normalise

        norm = normalise(tool, args)
        assert norm.tool in TOOLS
        return norm.op.run(norm.args)

    serial = list(run(lines, Options(), workers=2, runner=runner))
    whole = Tally()
    for t in serial:
        whole.add(t)
    got, merged = [], Tally()
    for chunk, part in verify_in_processes(lines, Options(), processes=2, workers=2, runner=runner,
                                           chunk_lines=5):
        got.extend(chunk)
        merged.merge(part)
    assert got == [to_json_line(t) for t in serial]
    assert merged.metrics() == whole.metrics()


def test_run_uses_the_given_thread_pool(good: dict[str, Any]) -> None:
    """Worker processes pass one pool to every chunk: the sandbox's zygote dies with its thread."""
    import threading
    from concurrent.futures import ThreadPoolExecutor

    from tools.runtime import normalise

    threads: set[int] = set()

    def runner(tool: str, args: dict[str, Any]) -> Any:
        threads.add(threading.get_ident())
        norm = normalise(tool, args)
        return norm.op.run(norm.args)

    lines = [(1, json.dumps(good))]
    with ThreadPoolExecutor(1) as pool:
        first = list(run(lines, Options(), workers=1, runner=runner, pool=pool))
        second = list(run(lines, Options(), workers=1, runner=runner, pool=pool))
        assert len(threads) == 1 and threads != {threading.get_ident()}
    assert first[0].verdict.ok and second[0].verdict.ok


def test_stage_output_does_not_depend_on_processes_or_how_it_is_started(tmp_path: Any, good: dict[str, Any],
                                                                        multi: dict[str, Any]) -> None:
    """Processes give the serial bytes, also under `python -m cProfile -m` (which runs the stage as a
    `__main__` it does not register, so tasks must name the importable module's functions)."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    repo = Path(__file__).resolve().parents[2]
    (tmp_path / "data/generate").mkdir(parents=True)
    recs = [good, multi, dict(good, id="bad", answer="1 m")]
    (tmp_path / "data/generate/traces.jsonl").write_text("\n".join(json.dumps(r) for r in recs) + "\n{oops\n")
    env = dict(os.environ, PYTHONPATH=str(repo), TOOLTRACE_TOOL_CACHE=str(tmp_path / "tools.sqlite"))
    outputs = []
    for cmd in (["-m", "stages.execute", "+execute.processes=1"],
                ["-m", "cProfile", "-o", str(tmp_path / "p.prof"), "-m", "stages.execute", "+execute.processes=2"]):
        proc = subprocess.run([sys.executable, *cmd], cwd=tmp_path, env=env, capture_output=True, text=True,
                              timeout=100)
        assert proc.returncode == 0, proc.stderr[-2000:]
        outputs.append(((tmp_path / "data/execute/traces.jsonl").read_bytes(),
                        (tmp_path / "metrics/execute.json").read_bytes()))
    assert outputs[0] == outputs[1] and outputs[0][0].count(b"\n") == 4

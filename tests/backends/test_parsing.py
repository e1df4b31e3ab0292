"""Single-shot output parsing, final-answer extraction and interleaved trace assembly (no server)."""

from __future__ import annotations

import json

import pytest

from stages.backends.conversation import ParseError, assemble, extract_answer, parse_single_shot
from stages.backends.providers import Reply, ToolUse

TRACE = {"question": "q", "domain": "math",
         "reasoning": [{"step": 1, "content": "Plan."},
                       {"step": 2, "content": "Differentiate.",
                        "tool_call": {"name": "symbolic_math",
                                      "args": {"operation": "differentiate", "expression": "x**3 + 2*x"}}},
                       {"step": 3, "content": "Got it.", "tool_result": "3*x**2 + 2"}],
         "answer": "3*x**2 + 2", "tools_used": ["symbolic_math"]}


def test_parses_fenced_json_with_prose_around_it():
    text = "Here you go:\n```json\n" + json.dumps(TRACE) + "\n```\nLet me know if you need more."
    out = parse_single_shot(text)
    assert [s.step for s in out["reasoning"]] == [1, 2, 3]
    assert out["reasoning"][1].tool_call.name == "symbolic_math"
    assert out["reasoning"][2].tool_result == "3*x**2 + 2"
    assert out["answer"] == "3*x**2 + 2" and out["tools_used"] == ["symbolic_math"]


def test_parses_bare_json_with_trailing_text_and_lenient_fields():
    raw = {"reasoning": [{"content": "a"}, "just text",
                         {"step": 9, "content": "call", "tool_call": {"tool": "chemistry",
                                                                      "arguments": '{"operation": "ph"}'}},
                         {"step": 4, "content": "r", "tool_result": 7.0, "extra": "ignored"}],
           "answer": 77}
    out = parse_single_shot("Sure. " + json.dumps(raw) + " That's all {not json}")
    assert [s.step for s in out["reasoning"]] == [1, 2, 3, 4]  # renumbered
    assert out["reasoning"][2].tool_call.args == {"operation": "ph"}
    assert out["reasoning"][3].tool_result == "7.0"
    assert out["answer"] == "77" and out["tools_used"] == ["chemistry"]  # derived from the calls


def test_duplicated_operation_key_is_kept_as_kind():
    text = ('{"reasoning": [{"step": 1, "content": "Ohm", "tool_call": {"name": "physics", "args": '
            '{"operation": "electricity", "operation": "ohms_law", "params": {"V": 12, "R": 4}}}}], "answer": "3 A"}')
    call = parse_single_shot(text)["reasoning"][0].tool_call
    assert call.args["operation"] == "electricity" and call.args["kind"] == "ohms_law"


@pytest.mark.parametrize("text", ["no json here", '{"answer": "1"}', '{"reasoning": [], "answer": "1"}',
                                  '{"reasoning": [{"content": "x"}]}', '```json\n{"reasoning": [oops\n```'])
def test_unusable_output_is_a_parse_error(text):
    with pytest.raises(ParseError):
        parse_single_shot(text)


@pytest.mark.parametrize("text,answer", [
    ("So...\n\nFinal answer: 77", "77"),
    ("**Final Answer:** 18.015 g/mol.", "18.015 g/mol"),
    ("final answer: $\\frac{1}{2}$", "\\frac{1}{2}"),
    ("The answer is below.\nFinal answer: \\boxed{42}", "42"),
    ("No marker\n\n42 m/s", "42 m/s"),
])
def test_extract_answer(text, answer):
    assert extract_answer(text) == answer


def test_assemble_puts_real_results_on_the_step_after_each_call():
    turns = [Reply(["I need the derivative.\n\nLet me differentiate.",
                    ToolUse("t1", "symbolic_math", {"operation": "differentiate", "expression": "x**2"})], "tool_use"),
             Reply([ToolUse("t2", "symbolic_math", {"operation": "evaluate", "expression": "2*x"})], "tool_use"),
             Reply(["At x=5 that is 10.\n\nFinal answer: 10"], "end")]
    steps, used = assemble(turns, {"t1": "2*x", "t2": "10"})
    assert [(s.content, s.tool_call is not None, s.tool_result) for s in steps] == [
        ("I need the derivative.", False, None),
        ("Let me differentiate.", True, None),
        ("Let me use symbolic_math.", True, "2*x"),
        ("At x=5 that is 10.", False, "10"),
        ("Final answer: 10", False, None)]
    assert [s.step for s in steps] == [1, 2, 3, 4, 5] and used == ["symbolic_math"]

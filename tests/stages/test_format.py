"""Format stage: SFT text with tool tokens; chat messages that render through a real HF chat template;
parquet that `datasets` loads back."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from stage_traces import two_tool_trace

from stages.format import Style, to_chat, to_sft, tool_schemas, write_parquet
from stages.schema import Trace

# Qwen2.5-Instruct's tool-calling chat template (arguments rendered with `tojson`, so they must be dicts).
QWEN25 = r"""{%- if tools %}
    {{- '<|im_start|>system\n' }}
    {%- if messages[0]['role'] == 'system' %}{{- messages[0]['content'] }}{%- else %}{{- 'You are a helpful assistant.' }}{%- endif %}
    {{- "\n\n# Tools\n\nYou may call one or more functions to assist with the user query.\n\nYou are provided with function signatures within <tools></tools> XML tags:\n<tools>" }}
    {%- for tool in tools %}{{- "\n" }}{{- tool | tojson }}{%- endfor %}
    {{- "\n</tools>\n\nFor each function call, return a json object with function name and arguments within <tool_call></tool_call> XML tags:\n<tool_call>\n{\"name\": <function-name>, \"arguments\": <args-json-object>}\n</tool_call><|im_end|>\n" }}
{%- else %}
    {%- if messages[0]['role'] == 'system' %}{{- '<|im_start|>system\n' + messages[0]['content'] + '<|im_end|>\n' }}{%- endif %}
{%- endif %}
{%- for message in messages %}
    {%- if (message.role == "user") or (message.role == "system" and not loop.first) or (message.role == "assistant" and not message.tool_calls) %}
        {{- '<|im_start|>' + message.role + '\n' + message.content + '<|im_end|>' + '\n' }}
    {%- elif message.role == "assistant" %}
        {{- '<|im_start|>' + message.role }}
        {%- if message.content %}{{- '\n' + message.content }}{%- endif %}
        {%- for tool_call in message.tool_calls %}
            {%- if tool_call.function is defined %}{%- set tool_call = tool_call.function %}{%- endif %}
            {{- '\n<tool_call>\n{"name": "' }}{{- tool_call.name }}{{- '", "arguments": ' }}
            {{- ARGS }}
            {{- '}\n</tool_call>' }}
        {%- endfor %}
        {{- '<|im_end|>\n' }}
    {%- elif message.role == "tool" %}
        {%- if (loop.index0 == 0) or (messages[loop.index0 - 1].role != "tool") %}{{- '<|im_start|>user' }}{%- endif %}
        {{- '\n<tool_response>\n' }}{{- message.content }}{{- '\n</tool_response>' }}
        {%- if loop.last or (messages[loop.index0 + 1].role != "tool") %}{{- '<|im_end|>\n' }}{%- endif %}
    {%- endif %}
{%- endfor %}
{%- if add_generation_prompt %}{{- '<|im_start|>assistant\n' }}{%- endif %}"""
TOJSON = "tool_call.arguments | tojson"
# Qwen3-style: accepts OpenAI's JSON-string arguments as well as dicts.
STRING_AWARE = ("(tool_call.arguments if tool_call.arguments is string else tool_call.arguments | tojson)")


def local_tokenizer(tmp_path: Path, template: str) -> Any:
    """A tiny word-level tokenizer saved to a local dir with the chat template, loaded back by AutoTokenizer."""
    pytest.importorskip("transformers")
    from tokenizers import Tokenizer, models, pre_tokenizers
    from transformers import AutoTokenizer, PreTrainedTokenizerFast

    tok = Tokenizer(models.WordLevel({"[UNK]": 0, "<|im_end|>": 1}, unk_token="[UNK]"))
    tok.pre_tokenizer = pre_tokenizers.Whitespace()
    fast = PreTrainedTokenizerFast(tokenizer_object=tok, unk_token="[UNK]", eos_token="<|im_end|>",
                                   chat_template=template)
    fast.save_pretrained(tmp_path / "tok")
    return AutoTokenizer.from_pretrained(tmp_path / "tok", local_files_only=True)


@pytest.fixture(scope="module")
def trace() -> Trace:
    t = Trace.model_validate(two_tool_trace())
    t.reasoning[1].tool_call.args = {"operation": "molecular_weight", "formula": "H2O"}
    return t


def test_sft_output_uses_tool_tokens(trace: Trace) -> None:
    rec = to_sft(trace, Style())
    assert rec["instruction"] == trace.question
    out = rec["output"]
    assert ('<tool_call>{"name": "chemistry", "arguments": {"operation": "molecular_weight", "formula": "H2O"}}'
            '</tool_call>\n<tool_result>18.015 g/mol</tool_result>\nWater is 18.015 g/mol.') in out
    assert out.index("<tool_result>I = 3 A") > out.index('"name": "physics"')
    assert out.endswith("Final answer: 3 A")
    custom = to_sft(trace, Style(tool_call_open="[CALL]", tool_call_close="[/CALL]",
                                 tool_result_open="[RES]", tool_result_close="[/RES]", final_answer=""))
    assert "[CALL]{" in custom["output"] and "[RES]18.015 g/mol[/RES]" in custom["output"]
    assert "<tool_call>" not in custom["output"] and "Final answer" not in custom["output"]
    for key in ("question", "domain", "reasoning", "answer", "tools_used", "id", "category"):
        assert key in rec


def test_chat_messages_shape(trace: Trace) -> None:
    rec = to_chat(trace, Style(), tool_schemas(None))
    msgs = rec["messages"]
    assert [m["role"] for m in msgs] == ["system", "user", "assistant", "tool", "assistant", "tool", "assistant"]
    call = msgs[2]["tool_calls"][0]
    assert call["type"] == "function" and len(call["id"]) == 9
    assert call["function"]["name"] == "chemistry"
    assert json.loads(call["function"]["arguments"]) == {"operation": "molecular_weight", "formula": "H2O"}
    assert msgs[3] == {"role": "tool", "tool_call_id": call["id"], "name": "chemistry", "content": "18.015 g/mol"}
    assert msgs[-1]["content"].endswith("Final answer: 3 A")
    assert {t["function"]["name"] for t in rec["tools"]} >= {"chemistry", "physics"}
    used = to_chat(trace, Style(tools_in_prompt="used"))
    assert sorted(t["function"]["name"] for t in used["tools"]) == ["chemistry", "physics"]


def test_chat_renders_through_qwen25_template(trace: Trace, tmp_path: Path) -> None:
    tok = local_tokenizer(tmp_path, QWEN25.replace("ARGS", TOJSON))
    rec = to_chat(trace, Style(arguments="object"), tool_schemas(None))
    text = tok.apply_chat_template(rec["messages"], tools=rec["tools"], tokenize=False)
    assert '<tool_call>\n{"name": "chemistry", "arguments": {"operation": "molecular_weight", "formula": "H2O"}}' in text
    assert "<tool_response>\n18.015 g/mol\n</tool_response>" in text
    assert '"name": "physics"' in text.split("\n</tools>")[0]       # tool schemas in the system prompt
    assert text.rstrip().endswith("Final answer: 3 A<|im_end|>")
    ids = tok.apply_chat_template(rec["messages"], tools=rec["tools"], tokenize=True)
    assert len(ids) > 0


def test_json_string_arguments_render_with_string_aware_template(trace: Trace, tmp_path: Path) -> None:
    tok = local_tokenizer(tmp_path, QWEN25.replace("ARGS", STRING_AWARE))
    rec = to_chat(trace, Style(arguments="json_string"), tool_schemas(None))
    text = tok.apply_chat_template(rec["messages"], tools=rec["tools"], tokenize=False)
    assert '"arguments": {"operation": "electricity", "kind": "ohms_law", "V": 12, "R": 4}}' in text


def test_parquet_round_trip_with_datasets(trace: Trace, tmp_path: Path) -> None:
    from datasets import load_dataset

    chat = to_chat(trace, Style(), tool_schemas(None))
    sft = to_sft(trace, Style())
    write_parquet(tmp_path / "chat.parquet", [chat], "chat")
    write_parquet(tmp_path / "sft.parquet", [sft], "sft")
    ds = load_dataset("parquet", data_files=str(tmp_path / "chat.parquet"), split="train")
    row = ds[0]
    assert row["messages"] == chat["messages"] and row["tools"] == chat["tools"]
    assert row["reasoning"] == chat["reasoning"]
    ds2 = load_dataset("parquet", data_files=str(tmp_path / "sft.parquet"), split="train")
    assert ds2[0]["output"] == sft["output"] and ds2[0]["tools_used"] == trace.tools_used
    import pandas as pd

    assert list(pd.read_parquet(tmp_path / "sft.parquet")["id"]) == [trace.id]


# -- the parquet files are the ones `datasets` writes -------------------------------------------------

def _rows(trace: Trace) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """sft and chat rows covering what the writer must reproduce: unicode, long floats (which the Json
    cells round), escapes, nulls, empty lists and a missing column."""
    sft, chat = [], []
    for i in range(40):
        t = trace.model_copy(deep=True)
        t.id = f"{trace.id}-{i}"
        t.question = f"{trace.question} ({i}) — ünïcode ² \u2028 / \\ \"quoted\" 😀 \x01"
        t.reasoning[1].tool_call.args = {"operation": "molecular_weight", "formula": "H2O", "x": 9.44444444444 * i,
                                         "big": 10**20 + i, "tiny": 1.5e-17, "neg": -0.0, "n": None, "ok": True,
                                         "nested": {"list": [1, 2.5, "a/b"]}}
        if i % 7 == 3:
            t.reasoning = []
        sft.append(to_sft(t, Style()))
        chat.append(to_chat(t, Style(tools_in_prompt="used" if i % 2 else "all"), tool_schemas(None)))
    sft[5]["answer"] = None
    del sft[6]["tools_used"]
    chat[7]["tools"] = []
    return sft, chat


@pytest.mark.parametrize("max_bytes", [None, 20_000])
def test_parquet_bytes_match_datasets(trace: Trace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                      max_bytes: int | None) -> None:
    import datasets

    from stages.format import JsonCells, _write_parquet_datasets, arrow_schema, features

    for kind in ("sft", "chat", "both"):
        assert arrow_schema(kind).equals(features(kind).arrow_schema, check_metadata=True)
    if max_bytes:  # several row groups: the batch size follows the table's in-memory size
        monkeypatch.setattr(datasets.config, "MAX_ROW_GROUP_SIZE", f"{max_bytes // 1000}KB")
    kw = {"max_row_group_bytes": max_bytes} if max_bytes else {}
    sft, chat = _rows(trace)
    both = [{**s, "messages": c["messages"], "tools": c["tools"]} for s, c in zip(sft, chat, strict=True)]
    cells = JsonCells()
    for name, rows, kind in (("sft", sft, "sft"), ("chat", chat, "chat"), ("both", both, "both")):
        write_parquet(tmp_path / f"{name}.parquet", rows, kind, cells, **kw)
        _write_parquet_datasets(tmp_path / f"{name}.ref.parquet", rows, kind)
        assert (tmp_path / f"{name}.parquet").read_bytes() == (tmp_path / f"{name}.ref.parquet").read_bytes()
    if max_bytes:
        import pyarrow.parquet as pq

        assert pq.ParquetFile(tmp_path / "both.parquet").metadata.num_row_groups > 1


def test_parquet_values_datasets_would_coerce_go_through_datasets(trace: Trace, tmp_path: Path) -> None:
    from stages.format import _write_parquet_datasets

    sft, _ = _rows(trace)
    sft[0]["answer"] = 42                    # a string column holding a number: `datasets` writes "42"
    sft[1]["reasoning"] = ['{"step": 1}']   # a Json cell given as JSON text
    write_parquet(tmp_path / "a.parquet", sft, "sft")
    _write_parquet_datasets(tmp_path / "b.parquet", sft, "sft")
    assert (tmp_path / "a.parquet").read_bytes() == (tmp_path / "b.parquet").read_bytes()


def test_jsonl_lines_are_the_rows_encoded(trace: Trace) -> None:
    import os

    from stages.format import _Lines, chat_fields, seed_fields, sft_output
    from stages.jsonl import to_json_line

    def line(row: dict[str, Any]) -> bytes:  # what a text-mode file writes for `to_json_line(row) + "\n"`
        return (to_json_line(row) + os.linesep).encode()

    lines = _Lines()
    for style in (Style(), Style(tools_in_prompt="used", arguments="object", system_prompt="")):
        sft, chat = _rows(trace)
        t = trace.model_copy(deep=True)
        seed = seed_fields(t)
        s = {**seed, "instruction": t.question, "output": sft_output(t, style)}
        c = {**seed, **chat_fields(t, style, tool_schemas(None))}
        assert s == to_sft(t, style) and c == to_chat(t, style, tool_schemas(None))
        assert lines.pair(seed, s, c) == (line(s), line(c))
        for row_s, row_c in zip(sft, chat, strict=True):
            seed_s = {k: v for k, v in row_s.items() if k not in ("instruction", "output")}
            seed_c = {k: v for k, v in row_c.items() if k not in ("messages", "tools")}
            assert lines.pair(seed_s, row_s, row_c)[0] == line(row_s)
            assert lines.pair(seed_c, row_s, row_c)[1] == line(row_c)


def test_in_forked_child_waits_and_reports_failures(tmp_path: Path) -> None:
    import time

    from stages.app import StageError
    from stages.format import in_forked_child
    from stages.jsonl import atomic_open

    def write(name: str, delay: float = 0.0) -> Any:
        def work() -> None:
            with atomic_open(tmp_path / name) as fh:
                fh.write("x")
                time.sleep(delay)
        return work

    with in_forked_child(write("ok.txt"), "ok"):
        pass
    assert (tmp_path / "ok.txt").read_text() == "x"

    def fail() -> None:
        raise ValueError("boom")

    with pytest.raises(StageError, match="child work failed"), in_forked_child(fail, "child work"):
        pass
    with pytest.raises(RuntimeError, match="parent"), in_forked_child(write("slow.txt", 30), "slow"):
        time.sleep(0.5)
        raise RuntimeError("parent")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ok.txt"]  # the child's temporary file is gone

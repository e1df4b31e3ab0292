"""Split stage: deterministic, stratified by category, grouped by normalised question."""

from __future__ import annotations

import os
import random

import pytest

from stages.app import ConfigError
from stages.filter import normalise_question
from stages.split import join_formats, sizes, split_records


def records(n_per_cat: dict[str, int], dup_every: int = 0) -> list[dict]:
    out = []
    for cat, n in n_per_cat.items():
        for i in range(n):
            q = f"{cat} question {i // 2 if dup_every and i % dup_every == 1 else i}"
            out.append({"id": f"{cat}-{i}", "category": cat, "question": q if i % 3 else q.upper() + " "})
    return out


def test_deterministic_and_order_independent() -> None:
    recs = records({"calculus": 60, "logic": 40, "multi_tool": 20})
    train1, val1 = split_records(recs, 0.1, seed=0)
    shuffled = list(recs)
    random.Random(7).shuffle(shuffled)
    train2, val2 = split_records(shuffled, 0.1, seed=0)
    assert {r["id"] for r in val1} == {r["id"] for r in val2}
    assert [r["id"] for r in train1] == [r["id"] for r in recs if r not in val1]  # input order kept
    _, val3 = split_records(recs, 0.1, seed=1)
    assert {r["id"] for r in val3} != {r["id"] for r in val1}


def test_stratified_by_category() -> None:
    recs = records({"calculus": 60, "logic": 40, "multi_tool": 20})
    train, val = split_records(recs, 0.1, seed=0)
    m = sizes(train, val)
    assert m["per_category"] == {"calculus": {"train": 54, "val": 6}, "logic": {"train": 36, "val": 4},
                                 "multi_tool": {"train": 18, "val": 2}}
    assert m["train"] + m["val"] == 120


def test_same_question_never_on_both_sides() -> None:
    recs = records({"algebra": 80, "calculus": 30}, dup_every=2)
    recs.append({"id": "cross", "category": "calculus", "question": recs[1]["question"]})  # another category
    for seed in range(5):
        train, val = split_records(recs, 0.2, seed=seed)
        assert val
        keys_train = {normalise_question(r["question"]) for r in train}
        keys_val = {normalise_question(r["question"]) for r in val}
        assert not keys_train & keys_val


def test_bad_fraction() -> None:
    with pytest.raises(ConfigError):
        split_records([], 1.0, seed=0)


def test_join_formats() -> None:
    sft = [{"id": "a", "instruction": "q", "output": "o"}]
    chat = [{"id": "a", "messages": [], "tools": []}]
    assert join_formats(sft, chat) == [{"id": "a", "instruction": "q", "output": "o", "messages": [], "tools": []}]


def test_tiny_run_still_gets_a_val_record() -> None:
    recs = records({"calculus": 2, "logic": 1})
    train, val = split_records(recs, 0.05, seed=0)
    assert len(val) == 1 and len(train) == 2


def test_zero_row_parquet_keeps_schema(tmp_path) -> None:
    import pandas as pd

    from stages.format import write_parquet

    write_parquet(tmp_path / "empty.parquet", [], "both")
    df = pd.read_parquet(tmp_path / "empty.parquet")
    assert len(df) == 0 and {"messages", "tools", "instruction", "output"} <= set(df.columns)


def test_shared_tail_reads_and_writes_what_plain_json_does(tmp_path) -> None:
    from stages.jsonl import DataError, read_jsonl_dicts, to_json_line
    from stages.split import SharedTail

    tools_a = [{"type": "function", "function": {"name": "a", "parameters": {"x": 1.5, "y": [1, True, None]}}}]
    tools_b = [{"type": "function", "function": {"name": "b/é", "description": "😀 \"q\""}}]
    enc = [to_json_line(r) for r in (
        {"id": "1", "messages": [], "tools": tools_a},
        {"id": "2", "messages": [{"role": "user"}], "tools": tools_a},
        {"id": "3", "tools": tools_b},
        {"id": "4", "tools": tools_a},
        {"id": "5", "tools": tools_b},
    )]
    tail_a = enc[0][enc[0].index(',"tools":'):]
    lines = enc + [
        '  {"id": "6",  "tools": [1]}  ',                         # not compact: parsed whole
        '{"id":"7","tools":"x"' + tail_a,                          # duplicate key: the last wins, first position
        '{"id":"8","nested":{"a":1' + tail_a + "}",                # the tail text inside a nested object
        "{" + tail_a[1:],                                          # nothing but the tail
        '{"id":"9","tools":null}',
        "",
        '["not", "an", "object"]',
        '{"id":"10","s":"' + tail_a.replace('"', '\\"') + '"' + tail_a,  # the tail text inside a string too
    ]
    path = tmp_path / "chat.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    expected = list(read_jsonl_dicts(path))
    tail = SharedTail("tools")
    got = list(tail.read(path))
    assert got == expected
    assert [type(r) for r in got] == [type(r) for r in expected]
    assert [list(r) for r in got if isinstance(r, dict)] == [list(r) for r in expected if isinstance(r, dict)]
    assert got[1]["tools"] is got[0]["tools"] and got[3]["tools"] is got[0]["tools"]  # parsed once
    assert got[4]["tools"] is got[2]["tools"]
    for r in got:
        if isinstance(r, dict):
            assert tail.line(r) == (to_json_line(r) + os.linesep).encode()
            assert tail.line({**r, "more": 1}) == (to_json_line({**r, "more": 1}) + os.linesep).encode()

    for bad in (enc[1][:-1], '{"id":"8","nested":{"a":1' + tail_a):  # truncated; the tail closing a nested object
        path.write_text(enc[0] + "\n" + bad + "\n", encoding="utf-8")
        with pytest.raises(DataError) as plain:
            list(read_jsonl_dicts(path))
        with pytest.raises(DataError) as shared:
            list(SharedTail("tools").read(path))
        assert str(shared.value) == str(plain.value) and ":2: invalid JSON" in str(plain.value)

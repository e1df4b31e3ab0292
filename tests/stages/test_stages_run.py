"""execute → filter → format → split → report as real stage processes (Hydra over params.yaml)."""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from stage_traces import projectile_trace, two_tool_trace

REPO = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.timeout(240)


def stage(name: str, cwd: Path, *overrides: str) -> None:
    env = dict(os.environ, PYTHONPATH=str(REPO), TOOLTRACE_TOOL_CACHE=str(cwd / "tools.sqlite"),
               HF_DATASETS_OFFLINE="1", HF_HUB_OFFLINE="1", MPLBACKEND="Agg")
    proc = subprocess.run([sys.executable, "-m", f"stages.{name}", *overrides], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=200)
    assert proc.returncode == 0, f"stages.{name} failed:\n{proc.stderr[-3000:]}"


def read(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def test_pipeline_tail(tmp_path: Path) -> None:
    good = projectile_trace()
    wrong_result = projectile_trace(id="wr", question="Same launch, but what if I misreport the range?")
    wrong_result["reasoning"][2]["tool_result"] = "range = 41.5 m"
    bad_tool = projectile_trace(id="bt", question="A launch with a misspelled tool?")
    bad_tool["reasoning"][1]["tool_call"]["name"] = "physix"
    duplicate = projectile_trace(id="dup")
    lines = [json.dumps(r) for r in (good, wrong_result, bad_tool, duplicate, two_tool_trace())]
    lines.insert(2, "{this is not json")
    # ten more distinct good traces so the split has something to stratify
    for i in range(10):
        r = copy.deepcopy(good)
        r["id"], r["question"] = f"g{i}", f"Launch number {i}: 20 m/s at 45 degrees. Range?"
        lines.append(json.dumps(r))
    (tmp_path / "data/generate").mkdir(parents=True)
    (tmp_path / "data/generate/traces.jsonl").write_text("\n".join(lines) + "\n")

    stage("execute", tmp_path)
    executed = read(tmp_path / "data/execute/traces.jsonl")
    assert len(executed) == 16 and all("verdict" in r for r in executed)
    em = json.loads((tmp_path / "metrics/execute.json").read_text())
    assert em["records"] == 16 and em["valid_json_rate"] == pytest.approx(15 / 16, abs=1e-4)
    assert em["tool_call_syntax_correctness"] < 1 and em["tool_result_match_rate"] < 1

    stage("filter", tmp_path)
    kept = read(tmp_path / "data/filter/kept.jsonl")
    rejected = {r["id"]: r["rejection_reasons"] for r in read(tmp_path / "data/filter/rejected.jsonl")}
    assert rejected == {"wr": ["tool_result_mismatch"], "line-3": ["invalid_record"],
                        "bt": ["invalid_tool_call"], "dup": ["duplicate_question"]}
    assert len(kept) == 12
    fm = json.loads((tmp_path / "metrics/filter.json").read_text())
    assert fm["kept"] == 12 and fm["domain_distribution"] == {"mixed": 1, "physics": 11}
    for name in ("domain_distribution", "steps_histogram", "tool_usage"):
        assert json.loads((tmp_path / f"metrics/plots/{name}.json").read_text())

    stage("format", tmp_path)
    for name in ("sft.jsonl", "chat.jsonl", "sft.parquet", "chat.parquet", "special_tokens.json"):
        assert (tmp_path / "data/format" / name).stat().st_size > 0

    stage("split", tmp_path, "split.val_fraction=0.25")
    train = read(tmp_path / "data/split/train.jsonl")
    val = read(tmp_path / "data/split/val.jsonl")
    assert len(train) + len(val) == 12 and val
    row = val[0]
    for key in ("question", "domain", "reasoning", "answer", "tools_used", "id", "category", "instruction",
                "output", "messages", "tools"):
        assert key in row
    assert (tmp_path / "data/split/train.parquet").exists()

    stage("report", tmp_path)
    report = (tmp_path / "data/report.md").read_text()
    assert "tool result match rate" in report and "Domain distribution" in report
    assert (tmp_path / "metrics/plots/domain_distribution.png").read_bytes()[:4] == b"\x89PNG"

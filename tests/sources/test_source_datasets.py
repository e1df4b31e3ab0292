"""The source stage on real dataset layouts: small local files shaped like the published datasets.

The fixtures in `fixtures/` use the exact column layouts of nvidia/OpenMathInstruct-2, camel-ai/*,
MATH and openai/gsm8k (shared notes/datasets.md); the rows are written for these tests. The hub is
never reached: conftest sets HF_HUB_OFFLINE/HF_DATASETS_OFFLINE.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import datasets
import pandas as pd
import pytest
from omegaconf import DictConfig, OmegaConf

from stages.app import ConfigError
from stages.jsonl import DataError
from stages.schema import Problem
from stages.source import build_problems, run

ROOT = Path(__file__).resolve().parents[2]
FIX = Path(__file__).resolve().parent / "fixtures"
FILES = {"openmathinstruct2": "openmathinstruct2", "camel_physics": "camel_physics",
         "camel_chemistry": "camel_chemistry", "camel_math": "camel_math", "math": "math_train",
         "gsm8k": "gsm8k_train"}


def source_cfg(enable: dict[str, str | Path] | None = None, *, benchmarks: bool = True, share: float = 1.0,
               num_examples: int = 300, synthetic: bool = False, **extra) -> DictConfig:
    """conf/source/default.yaml with some entries pointed at local files (dataset-only unless asked)."""
    cfg = OmegaConf.load(ROOT / "conf" / "source" / "default.yaml")
    cfg.synthetic = synthetic
    for name, path in (enable or {}).items():
        cfg.datasets[name].enabled = True
        cfg.datasets[name].path = str(path)
    cfg.decontamination.benchmarks.math_test.path = str(FIX / "math_test.jsonl")
    cfg.decontamination.benchmarks.gsm8k_test.path = str(FIX / "gsm8k_test.jsonl")
    if not benchmarks:
        cfg.decontamination.benchmarks.math_test.enabled = False
        cfg.decontamination.benchmarks.gsm8k_test.enabled = False
    cfg.dataset_share.default = share
    cfg.num_examples = num_examples
    for key, val in extra.items():
        OmegaConf.update(cfg, key, val, merge=False)
    return cfg


def dataset_problems(cfg: DictConfig) -> tuple[list[Problem], dict]:
    problems, metrics = build_problems(cfg)
    return [p for p in problems if p.origin.startswith("dataset:")], metrics


def by_row(problems: list[Problem], dataset: str) -> dict[int, Problem]:
    return {p.meta["row"]: p for p in problems if p.meta["dataset"] == dataset}


# -- each built-in mapping ---------------------------------------------------------------------

def test_gsm8k_mapping_keeps_final_number_and_assigns_numerical():
    probs, metrics = dataset_problems(source_cfg({"gsm8k": FIX / "gsm8k_train.jsonl"}, benchmarks=False))
    rows = by_row(probs, "openai/gsm8k")
    assert rows[0].reference_answer == "255" and rows[0].category == "numerical"
    assert rows[0].origin == "dataset:openai/gsm8k:train:0" and rows[0].id.startswith("ds-")
    assert rows[0].difficulty == "easy" and rows[0].required_tools == ["execute_python"]
    assert rows[0].domain == "code"
    assert rows[6].reference_answer == "6250"  # "#### 6,250": thousands separator dropped
    assert rows[0].meta["tool_benefit"] and rows[0].meta["category_rule"]
    stats = metrics["datasets"]["per_source"]["gsm8k"]
    assert stats["rows_read"] == 7
    assert stats["dropped"]["duplicate_exact"] == 1  # row 2: same text, other case and spacing
    assert stats["dropped"]["duplicate_near"] == 1  # row 3: two words added
    assert stats["dropped"]["no_tool_benefit"] == 1  # row 1: 12 pages x 3 weeks


def test_math_mapping_uses_type_level_and_last_boxed():
    probs, metrics = dataset_problems(source_cfg({"math": FIX / "math_train.jsonl"}, benchmarks=False))
    rows = by_row(probs, "EleutherAI/hendrycks_math")
    assert rows[0].category == "algebra" and rows[0].meta["category_rule"] == "meta:type=Algebra"
    assert rows[0].reference_answer == "5" and rows[0].difficulty == "easy"
    assert rows[1].reference_answer == "1, 2, 3" and rows[1].difficulty == "hard"
    # Precalculus does not decide: the classifier sees the matrix.
    assert rows[2].category == "linear_algebra" and rows[2].meta["category_rule"] == "kw:linear_algebra/matrix"
    assert rows[3].category == "numerical" and rows[3].reference_answer == "120"
    assert rows[5].reference_answer == r"\frac{3}{2}"  # the last \boxed{}, nested braces
    assert rows[0].meta["type"] == "Algebra" and rows[0].meta["level"] == "Level 2"
    dropped = metrics["datasets"]["per_source"]["math"]["dropped"]
    assert dropped["proof_only"] == 1 and dropped["unassigned"] == 1
    assert metrics["datasets"]["unassigned"] == 1


def test_openmathinstruct2_mapping_keeps_expected_answer_and_classifies_text():
    probs, _ = dataset_problems(source_cfg({"openmathinstruct2": FIX / "openmathinstruct2.jsonl"},
                                           benchmarks=False))
    rows = by_row(probs, "nvidia/OpenMathInstruct-2")
    assert len(rows) == 5
    assert (rows[0].category, rows[0].reference_answer) == ("calculus", "12")
    assert rows[0].meta["tool_benefit"] == "integral" and rows[0].meta["problem_source"] == "augmented_math"
    assert rows[2].category == "calculus" and rows[2].reference_answer == r"-\pi^3"
    assert rows[3].category == "linear_algebra"
    assert rows[4].category == "algebra" and rows[4].meta["tool_benefit"] == "system_of_equations"
    assert all(r.required_tools == ["symbolic_math"] for i, r in rows.items() if i != 1)


def test_camel_mappings_use_topic_and_sub_topic():
    probs, metrics = dataset_problems(source_cfg({
        "camel_physics": FIX / "camel_physics.jsonl", "camel_chemistry": FIX / "camel_chemistry.jsonl",
        "camel_math": FIX / "camel_math.jsonl"}, benchmarks=False))
    phys = by_row(probs, "camel-ai/physics")
    assert phys[0].category == "physics_em_optics" and phys[0].meta["category_rule"].startswith("meta:sub_topic=")
    assert phys[1].category == "physics_em_optics"
    assert phys[2].category == "physics_mechanics" and phys[2].required_tools == ["physics"]
    assert phys[0].reference_answer is None  # CAMEL has no separate final answer
    assert phys[0].meta["topic"] == "Electromagnetism"
    chem = by_row(probs, "camel-ai/chemistry")
    assert chem[0].category == "chemistry_solutions" and chem[1].category == "chemistry_fundamentals"
    assert chem[3].category == "chemistry_solutions"
    maths = by_row(probs, "camel-ai/math")
    assert [maths[i].category for i in range(4)] == ["calculus", "linear_algebra", "logic", "numerical"]
    per = metrics["datasets"]["per_source"]
    assert per["camel_physics"]["dropped"] == {"unassigned": 1, "conceptual": 1}  # quantum; "Explain how"
    assert per["camel_chemistry"]["dropped"] == {"unassigned": 1}  # SN2 mechanism
    assert metrics["datasets"]["tool_benefit_rules"]["physical_quantities"] >= 2


# -- formats -------------------------------------------------------------------------------------

def _as(fmt: str, src: Path, tmp: Path) -> Path:
    df = pd.read_json(src, lines=True)
    if fmt == "parquet":
        out = tmp / "d.parquet"
        df.to_parquet(out)
    elif fmt == "csv":
        out = tmp / "d.csv"
        df.to_csv(out, index=False)
    elif fmt == "json":
        out = tmp / "d.json"
        out.write_text(json.dumps(df.to_dict(orient="records")), encoding="utf-8")
    elif fmt == "disk":
        out = tmp / "saved"
        datasets.Dataset.from_pandas(df).save_to_disk(str(out))
    else:  # a DatasetDict with train/test splits
        out = tmp / "saved_dict"
        d = datasets.Dataset.from_pandas(df)
        datasets.DatasetDict(train=d, test=d.select(range(2))).save_to_disk(str(out))
    return out


@pytest.mark.parametrize("fmt", ["parquet", "csv", "json", "disk", "disk_dict"])
def test_every_local_format_gives_the_same_problems(fmt, tmp_path):
    base, _ = dataset_problems(source_cfg({"camel_physics": FIX / "camel_physics.jsonl"}, benchmarks=False))
    other, _ = dataset_problems(source_cfg({"camel_physics": _as(fmt, FIX / "camel_physics.jsonl", tmp_path)},
                                           benchmarks=False))
    assert [p.model_dump() for p in other] == [p.model_dump() for p in base]


# -- dedup and decontamination across sources --------------------------------------------------

def test_exact_duplicates_across_sources_and_decontamination(tmp_path):
    cfg = source_cfg({"openmathinstruct2": FIX / "openmathinstruct2.jsonl", "math": FIX / "math_train.jsonl",
                      "gsm8k": FIX / "gsm8k_train.jsonl"})
    cfg.rejected_file = str(tmp_path / "rejected.jsonl")
    cfg.rejected_reasons = ["unassigned", "contaminated", "duplicate_near", "duplicate_exact"]
    metrics = run(cfg, out=str(tmp_path / "problems.jsonl"), metrics_path=str(tmp_path / "source.json"))
    ds = metrics["datasets"]
    # OpenMathInstruct-2 row 1 is GSM8K train row 0 verbatim: kept once (OMI is read first).
    assert ds["per_source"]["gsm8k"]["dropped"]["duplicate_exact"] == 2
    assert ds["contaminated"] == {"total": 2, "per_benchmark": {"openai/gsm8k": 1, "EleutherAI/hendrycks_math": 1}}
    assert ds["decontamination"]["benchmark_items"] == {"EleutherAI/hendrycks_math": 2, "openai/gsm8k": 2}
    side = [json.loads(line) for line in (tmp_path / "rejected.jsonl").read_text().splitlines()]
    contaminated = {r["origin"]: r["benchmark_item"] for r in side if r["reason"] == "contaminated"}
    assert contaminated == {"dataset:EleutherAI/hendrycks_math:train:8": "EleutherAI/hendrycks_math:test:1",
                            "dataset:openai/gsm8k:train:4": "openai/gsm8k:test:1"}
    assert {r["origin"] for r in side if r["reason"] == "unassigned"} == {
        "dataset:EleutherAI/hendrycks_math:train:7"}
    near = [r for r in side if r["reason"] == "duplicate_near"]
    assert near and near[0]["duplicate_of"].startswith("ds-") and near[0]["similarity"] >= 0.8
    problems = [json.loads(line) for line in (tmp_path / "problems.jsonl").read_text().splitlines()]
    ids = [p["id"] for p in problems]
    assert len(ids) == len(set(ids))
    assert json.loads((tmp_path / "source.json").read_text())["problems"] == len(problems)


def test_decontamination_ngram_size_is_configurable():
    cfg = source_cfg({"math": FIX / "math_train.jsonl"}, **{"decontamination.ngram": 30})
    _, metrics = dataset_problems(cfg)
    assert metrics["datasets"]["contaminated"]["total"] == 0  # the shared run is shorter than 30 words


def test_near_duplicate_detection_can_be_disabled():
    cfg = source_cfg({"gsm8k": FIX / "gsm8k_train.jsonl"}, benchmarks=False,
                     **{"near_duplicates.enabled": False})
    _, metrics = dataset_problems(cfg)
    assert metrics["datasets"]["duplicates"] == {"exact": 1, "near": 0}


# -- mix, quotas, shortfall, ids ---------------------------------------------------------------

def test_mix_fills_shortfall_synthetically_and_reports_it():
    cfg = source_cfg({"openmathinstruct2": FIX / "openmathinstruct2.jsonl"}, benchmarks=False, share=0.5,
                     num_examples=40, domain="math", synthetic=True)
    problems, metrics = build_problems(cfg)
    cal = metrics["per_category"]["calculus"]
    assert cal["requested"] == 20 and cal["dataset_target"] == 10 and cal["dataset"] == 2
    assert cal["shortfall"] == 8 and metrics["shortfall"]["calculus"] == 8
    assert cal["dataset"] + cal["synthetic"] <= cal["requested"]
    assert metrics["per_source"]["nvidia/OpenMathInstruct-2"] == 4  # the gsm8k-like row is not math
    assert metrics["datasets"]["per_source"]["openmathinstruct2"]["dropped"]["category_not_requested"] == 1
    assert metrics["problems"] == len(problems)
    for key in ("problems", "per_category", "per_domain", "per_difficulty"):
        assert key in metrics
    assert "templates" in cal


def test_quota_stops_reading_a_source_early():
    cfg = source_cfg({"camel_math": FIX / "camel_math.jsonl"}, benchmarks=False, num_examples=10,
                     categories={"calculus": 1})
    probs, metrics = dataset_problems(cfg)
    stats = metrics["datasets"]["per_source"]["camel_math"]
    # calculus quota 1 is filled by row 0; the other rows' categories are not requested.
    assert len(probs) == 1 and stats["kept"] == 1
    assert stats["dropped"]["category_not_requested"] == 3


def test_ids_are_stable_and_sampling_is_seeded():
    cfg = source_cfg({"math": FIX / "math_train.jsonl"}, benchmarks=False)
    a, _ = dataset_problems(cfg)
    b, _ = dataset_problems(cfg)
    assert [p.id for p in a] == [p.id for p in b]
    cfg.datasets.math.sample = 4
    cfg.datasets.math.shuffle_buffer = 9
    s1, m1 = dataset_problems(cfg)
    s2, _ = dataset_problems(cfg)
    assert [p.id for p in s1] == [p.id for p in s2]
    assert m1["datasets"]["per_source"]["math"]["rows_read"] == 4
    rows = set()
    for seed in range(6):
        cfg.datasets.math.seed = seed
        got, _ = dataset_problems(cfg)
        rows.add(tuple(sorted(p.meta["row"] for p in got)))
    assert len(rows) > 1
    # The same row keeps its id whatever the sample: ids come from dataset, split and row only.
    full = {p.meta["row"]: p.id for p in a}
    assert all(full.get(p.meta["row"], p.id) == p.id for p in s1)


def test_column_override_and_generic_mapping(tmp_path):
    path = tmp_path / "mine.jsonl"
    path.write_text(json.dumps({"text": "Compute the integral of x^2 from 0 to 3.", "final": "9",
                                "label": "calculus"}) + "\n", encoding="utf-8")
    cfg = source_cfg(benchmarks=False)
    cfg.datasets.mine = {"path": str(path), "mapping": "generic", "columns": {"question": "text", "answer": "final"}}
    probs, _ = dataset_problems(cfg)
    assert len(probs) == 1 and probs[0].reference_answer == "9" and probs[0].category == "calculus"
    assert probs[0].origin == "dataset:mine:train:0"


# -- errors --------------------------------------------------------------------------------------

def test_missing_column_is_one_clear_error(tmp_path):
    path = tmp_path / "gsm.jsonl"
    path.write_text(json.dumps({"prompt": "What is 2+2?", "answer": "#### 4"}) + "\n", encoding="utf-8")
    with pytest.raises(DataError) as err:
        build_problems(source_cfg({"gsm8k": path}, benchmarks=False))
    msg = str(err.value)
    assert "\n" not in msg and "source.datasets.gsm8k" in msg and "'question'" in msg and "prompt" in msg


@pytest.mark.parametrize("content,name", [("{not json\n", "bad.jsonl"), ("PAR1garbage", "bad.parquet")])
def test_unreadable_file_is_one_clear_error(tmp_path, content, name):
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    with pytest.raises(DataError) as err:
        build_problems(source_cfg({"gsm8k": path}, benchmarks=False))
    assert str(path) in str(err.value) and "\n" not in str(err.value)


def test_missing_file_and_unsupported_type(tmp_path):
    with pytest.raises(DataError, match="no such file"):
        build_problems(source_cfg({"gsm8k": tmp_path / "nope.jsonl"}, benchmarks=False))
    (tmp_path / "x.txt").write_text("hi", encoding="utf-8")
    with pytest.raises(DataError, match="unsupported file type"):
        build_problems(source_cfg({"gsm8k": tmp_path / "x.txt"}, benchmarks=False))


def test_offline_hub_fails_fast_naming_dataset_and_local_copy():
    assert os.environ.get("HF_HUB_OFFLINE") == "1"
    cfg = source_cfg(benchmarks=False)
    cfg.datasets.gsm8k.enabled = True
    with pytest.raises(DataError) as err:
        build_problems(cfg)
    msg = str(err.value)
    assert "openai/gsm8k" in msg and "source.datasets.gsm8k.path=" in msg and "\n" not in msg


def test_config_errors_name_the_parameter():
    cfg = source_cfg(benchmarks=False)
    cfg.datasets.gsm8k.sampel = 3
    with pytest.raises(ConfigError, match=r"source\.datasets\.gsm8k\.sampel"):
        build_problems(cfg)
    cfg = source_cfg(benchmarks=False)
    cfg.datasets.gsm8k.mapping = "nope"
    with pytest.raises(ConfigError, match="unknown mapping 'nope'"):
        build_problems(cfg)
    cfg = source_cfg(benchmarks=False)
    cfg.dataset_share.calculas = 0.5
    with pytest.raises(ConfigError, match="dataset_share.calculas"):
        build_problems(cfg)
    cfg = source_cfg(benchmarks=False)
    cfg.tool_filter.disabled = ["nope"]
    with pytest.raises(ConfigError, match="unknown rule"):
        build_problems(cfg)


def test_default_config_is_synthetic_only():
    cfg = OmegaConf.load(ROOT / "conf" / "source" / "default.yaml")
    cfg.num_examples = 20
    cfg.domain = "math"
    problems, metrics = build_problems(cfg)
    assert all(p.origin.startswith("synthetic:") for p in problems)
    assert metrics["datasets"]["rows_read"] == 0 and metrics["shortfall"] == {}
    assert all(v["dataset_target"] == 0 for v in metrics["per_category"].values())


# -- as a stage ----------------------------------------------------------------------------------

def _stage(tmp_path: Path, *overrides: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1"}
    return subprocess.run([sys.executable, "-m", "stages.source", "source.num_examples=120",
                           "source.dataset_share.default=1.0", "source.synthetic=false", *overrides],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)


def test_stage_runs_with_a_local_dataset_and_exits_1_on_a_missing_column(tmp_path):
    ok = _stage(tmp_path, "source.datasets.gsm8k.enabled=true", f"source.datasets.gsm8k.path={FIX}/gsm8k_train.jsonl",
                f"source.decontamination.benchmarks.gsm8k_test.path={FIX}/gsm8k_test.jsonl",
                "source.decontamination.benchmarks.math_test.enabled=false")
    assert ok.returncode == 0, ok.stderr
    problems = (tmp_path / "data/source/problems.jsonl").read_text().splitlines()
    assert any('"origin":"dataset:openai/gsm8k:train:' in line for line in problems)
    metrics = json.loads((tmp_path / "metrics/source.json").read_text())
    assert metrics["datasets"]["contaminated"]["total"] == 1
    assert (tmp_path / "data/source/rejected.jsonl").exists()

    bad = _stage(tmp_path, "source.datasets.gsm8k.enabled=true", f"source.datasets.gsm8k.path={FIX}/math_train.jsonl",
                 "source.decontamination.benchmarks.gsm8k_test.enabled=false",
                 "source.decontamination.benchmarks.math_test.enabled=false")
    assert bad.returncode == 1
    errors = [line for line in bad.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "missing column 'question'" in errors[0]
    # The previous output is intact (atomic writes).
    assert (tmp_path / "data/source/problems.jsonl").read_text().splitlines() == problems

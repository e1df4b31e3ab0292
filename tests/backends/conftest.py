"""Shared fixtures: a fake API server, a composed config pointing at it, and a problems file."""

from __future__ import annotations

import functools
import json
from pathlib import Path

import pytest
import yaml
from omegaconf import DictConfig, OmegaConf

from stages.schema import Problem
from tests.backends.fake_server import FakeLLM

SECRET = "sk-ant-test-0123456789-SECRET-KEY-never-on-disk"
FORMULAS = ["H2O", "CO2", "NaCl", "CH4", "NH3", "C6H12O6", "H2SO4", "CaCO3", "KOH", "HCl", "O2", "N2"]


@functools.cache
def _composed(overrides: tuple[str, ...]) -> str:
    from stages.params import compose

    return compose(list(overrides))


def make_cfg(*overrides: str, **generate: object) -> DictConfig:
    """params.yaml as `dvc exp run -S <overrides>` would compose it, then `generate.<k>=<v>` set."""
    cfg = OmegaConf.create(yaml.safe_load(_composed(tuple(overrides))))
    for k, v in generate.items():
        OmegaConf.update(cfg, f"generate.{k.replace('__', '.')}", v, force_add=True)
    return cfg


def make_problems(n: int, extra: dict[int, str] | None = None) -> list[Problem]:
    out = []
    for i in range(n):
        f = FORMULAS[i % len(FORMULAS)]
        q = f"What is the molar mass of {f}? (#{i})" + (f" {extra[i]}" if extra and i in extra else "")
        out.append(Problem(id=f"p{i:03d}", question=q, domain="chemistry", category="chemistry_fundamentals",
                           required_tools=["chemistry"], origin="test"))
    return out


def write_problems(root: Path, problems: list[Problem]) -> None:
    path = root / "data/source/problems.jsonl"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(p.model_dump_json() + "\n" for p in problems), encoding="utf-8")


def read_traces(root: Path) -> list[dict]:
    return [json.loads(x) for x in (root / "data/generate/traces.jsonl").read_text().splitlines() if x.strip()]


def read_metrics(root: Path) -> dict:
    return json.loads((root / "metrics/generate.json").read_text())


@pytest.fixture
def fake():
    with FakeLLM() as server:
        yield server


@pytest.fixture
def workdir(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("ANTHROPIC_API_KEY", SECRET)
    monkeypatch.setenv("OPENAI_API_KEY", SECRET)
    monkeypatch.delenv("TOOLTRACE_LLM_CACHE", raising=False)
    return tmp_path


def anthropic_cfg(fake: FakeLLM, *overrides: str, **generate: object) -> DictConfig:
    base = dict(backend__base_url=fake.url, backend__timeout_s=2, backend__max_retries=3,
                backend__batch__poll_interval_s=0.01, progress=False)
    base.update(generate)
    return make_cfg("generate/backend=anthropic", *overrides, **base)


def openai_cfg(fake: FakeLLM, *overrides: str, **generate: object) -> DictConfig:
    base = dict(backend__base_url=fake.url + "/v1", backend__timeout_s=2, backend__max_retries=3, progress=False)
    base.update(generate)
    return make_cfg("generate/backend=openai", *overrides, **base)

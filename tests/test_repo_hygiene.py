"""The repository stays consistent: params.yaml matches conf/, docs match the tools, ruff is clean."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def test_params_yaml_is_composed_from_conf():
    from stages.params import compose

    assert (ROOT / "params.yaml").read_text(encoding="utf-8") == compose(), \
        "params.yaml is stale: run `python -m stages.params`"


def test_docs_tools_md_is_generated_from_the_op_models():
    from tools.docs import render_markdown

    assert (ROOT / "docs" / "tools.md").read_text(encoding="utf-8") == render_markdown(), \
        "docs/tools.md is stale: run `python -m tools --docs > docs/tools.md`"


@pytest.mark.skipif(shutil.which("ruff") is None, reason="ruff not installed")
def test_ruff_clean():
    proc = subprocess.run([sys.executable, "-m", "ruff", "check", str(ROOT)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_required_top_level_shape():
    for name in ("stages", "conf", "tools", "data", "dvc.yaml", "params.yaml", "tests", "pyproject.toml",
                 "README.md", ".ci/run", "benchmarks"):
        assert (ROOT / name).exists(), name

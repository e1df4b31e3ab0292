"""The pipeline under real DVC in a temporary git repository (issue 2's "done when").

One module-scoped project copy is built with a small `source.num_examples`, then exercised in order:
repro from scratch, a no-op second repro, an experiment on a filter param, metrics diff, plots, a corrupt
input, and a push → clone → pull round trip through a local DVC remote.
"""

from __future__ import annotations

import filecmp
import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
COPY_DIRS = ("stages", "tools", "conf", "benchmarks")
COPY_FILES = ("dvc.yaml", "pyproject.toml", ".gitignore", ".dvcignore", ".dvc/config", ".dvc/.gitignore")
NUM_EXAMPLES = 120

pytestmark = pytest.mark.slow


def run(cmd: list[str] | str, cwd: Path, check: bool = True) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.endswith("_API_KEY")}
    env.update(GIT_AUTHOR_NAME="t", GIT_AUTHOR_EMAIL="t@t", GIT_COMMITTER_NAME="t", GIT_COMMITTER_EMAIL="t@t",
               DVC_NO_ANALYTICS="1", PYTHONDONTWRITEBYTECODE="1")
    proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, shell=isinstance(cmd, str))
    if check and proc.returncode != 0:
        raise AssertionError(f"{cmd} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
    return proc


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def make_project(dest: Path) -> Path:
    """A fresh git repo holding the project's code and config (no data), with a small example count."""
    dest.mkdir(parents=True)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for d in COPY_DIRS:
        if (ROOT / d).exists():
            shutil.copytree(ROOT / d, dest / d, ignore=ignore)
    for f in COPY_FILES:
        if (ROOT / f).exists():
            (dest / f).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / f, dest / f)
    conf = dest / "conf" / "source" / "default.yaml"
    data = yaml.safe_load(conf.read_text())
    data["num_examples"] = NUM_EXAMPLES
    conf.write_text(yaml.safe_dump(data, sort_keys=False))
    run([sys.executable, "-m", "stages.params"], dest)
    run("git init -q && git add -A && git commit -qm init", dest)
    return dest


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    return make_project(tmp_path_factory.mktemp("pipeline") / "repo")


@pytest.fixture(scope="module")
def built(project):
    """`dvc repro` from scratch, then the lock and outputs committed (a user's normal first step)."""
    proc = run(["dvc", "repro"], project)
    run("git add -A && git commit -qm 'first dataset'", project)
    return project, proc


def test_repro_builds_the_split(built):
    project, proc = built
    for stage in ("source", "generate", "execute", "filter", "format", "split"):
        assert f"Running stage '{stage}'" in proc.stdout, proc.stdout
    train, val = project / "data/split/train.jsonl", project / "data/split/val.jsonl"
    assert train.stat().st_size > 0 and val.stat().st_size > 0
    assert not (project / "outputs").exists(), "Hydra must not litter outputs/"
    for stage in ("source", "generate", "execute", "filter", "format", "split"):
        assert (project / "metrics" / f"{stage}.json").exists()


def test_second_repro_reruns_nothing(built):
    project, _ = built
    proc = run(["dvc", "repro"], project)
    assert "Running stage" not in proc.stdout, proc.stdout
    assert run(["dvc", "status"], project).stdout.strip() in ("Data and pipelines are up to date.", "")


def test_metrics_show_lists_the_seed_quality_metrics(built):
    project, _ = built
    out = run(["dvc", "metrics", "show", "--json"], project).stdout
    for name in ("valid_json_rate", "tool_call_syntax_correctness", "tool_result_match_rate",
                 "avg_reasoning_steps", "tool_calls_per_example", "domain_distribution"):
        assert name in out, name


def test_filter_experiment_reruns_only_filter_format_split_and_metrics_diff(built):
    project, _ = built
    proc = run(["dvc", "exp", "run", "-S", "filter.max_steps=5"], project)
    ran = {s for s in ("source", "generate", "execute", "filter", "format", "split")
           if f"Running stage '{s}'" in proc.stdout}
    assert ran == {"filter", "format", "split"}, proc.stdout
    params = run(["dvc", "params", "diff"], project).stdout
    assert "filter.max_steps" in params
    diff = run(["dvc", "metrics", "diff"], project).stdout
    assert "metrics/filter.json" in diff, diff
    # Back to the committed state for the tests that follow.
    run("git checkout -q -- . && dvc checkout -q", project)


def test_plots_render_domain_distribution(built, tmp_path):
    project, _ = built
    out = tmp_path / "plots"
    run(["dvc", "plots", "show", "-o", str(out)], project)
    html = (out / "index.html").read_text()
    assert "domain" in html.lower()


def test_corrupt_problem_line_is_one_clear_error_and_outputs_survive(built):
    project, _ = built
    problems = project / "data/source/problems.jsonl"
    traces = project / "data/generate/traces.jsonl"
    before = sha(traces)
    lines = problems.read_text().splitlines()
    lines[2] = '{"id": "broken", "question": '
    problems.write_text("\n".join(lines) + "\n")
    try:
        proc = run([sys.executable, "-m", "stages.generate"], project, check=False)
        assert proc.returncode != 0
        err = [line for line in proc.stderr.splitlines() if line.strip()]
        assert len(err) == 1, proc.stderr
        assert "data/source/problems.jsonl:3" in err[0] and "invalid JSON" in err[0]
        assert sha(traces) == before, "the previous output must stay intact"
    finally:
        run(["dvc", "checkout", "-q", "-f", "data/source/problems.jsonl"], project)


def test_push_clone_pull_round_trip(built, tmp_path):
    project, _ = built
    remote = tmp_path / "remote"
    run(["dvc", "remote", "add", "-d", "local", str(remote)], project)
    run("git add .dvc/config && git commit -qm remote", project)
    run(["dvc", "push"], project)
    clone = tmp_path / "clone"
    run(["git", "clone", "-q", str(project), str(clone)], tmp_path)
    run(["dvc", "pull"], clone)
    for rel in ("data/source/problems.jsonl", "data/split/train.jsonl", "data/split/val.jsonl",
                "data/filter/kept.jsonl"):
        assert filecmp.cmp(project / rel, clone / rel, shallow=False), rel
    assert "Running stage" not in run(["dvc", "repro"], clone).stdout

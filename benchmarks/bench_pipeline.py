"""Time the whole default pipeline (all six stages, 12,000 records) on this machine.

    python benchmarks/bench_pipeline.py [--num-examples 12000] [--keep DIR] [--repeat N]

Runs each stage as `dvc repro` would (`python -m stages.<name>`) in a fresh copy of the project, with the
tool-result cache empty (a cold run), and prints per-stage wall and CPU time (CPU includes the tool workers and sandbox zygotes each
stage waited for), the total, and the ratio to the
60 s target. The baseline measured in the same run is the bare cost of starting each stage's interpreter
(`python -c 'import stages.<name>'`), so the per-stage numbers show what the work itself costs.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
STAGES = ("source", "generate", "execute", "filter", "format", "split")
TARGET_S = 60.0


def copy_project(dest: Path) -> None:
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for d in ("stages", "tools", "conf"):
        shutil.copytree(ROOT / d, dest / d, ignore=ignore, dirs_exist_ok=True)
    for f in ("dvc.yaml", "params.yaml"):
        shutil.copy2(ROOT / f, dest / f)


def _children_cpu() -> float:
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ru.ru_utime + ru.ru_stime


def timed(cmd: list[str], cwd: Path, env: dict[str, str]) -> tuple[float, float]:
    """(wall seconds, CPU seconds of the stage and every process it waited for: tool workers, zygotes)."""
    cpu0, start = _children_cpu(), time.perf_counter()
    proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed:\n{proc.stderr[-3000:]}")
    return elapsed, _children_cpu() - cpu0


def speed_probe() -> float:
    """Milliseconds for a fixed pure-Python loop: this VM's speed drifts by ±30 % over minutes (other
    tenants), so each run prints it next to its times."""
    start = time.perf_counter()
    total = 0
    for i in range(2_000_000):
        total += i * i
    return (time.perf_counter() - start) * 1000


def run_once(work: Path, env: dict[str, str], override: list[str]) -> float:
    """All six stages from a cold tool cache; prints per-stage times and returns the total wall time."""
    for d in (".cache", "data", "metrics"):
        shutil.rmtree(work / d, ignore_errors=True)
    load = os.getloadavg()[0]
    print(f"{os.cpu_count()} CPUs, 1-minute load average {load:.2f}"
          + ("  (the machine is busy: wall times will be inflated)" if load > 0.5 else "")
          + f", speed probe {speed_probe():.0f} ms", flush=True)
    rows = []
    for stage in STAGES:
        base, _ = timed([sys.executable, "-c", f"import stages.{stage}"], work, env)
        extra = override if stage == "source" else []
        wall, cpu = timed([sys.executable, "-m", f"stages.{stage}", *extra], work, env)
        rows.append((stage, wall, cpu))
        print(f"{stage:>9}: {wall:7.2f} s wall, {cpu:7.2f} s CPU   (interpreter + imports alone: {base:5.2f} s)",
              flush=True)
    total, total_cpu = sum(r[1] for r in rows), sum(r[2] for r in rows)
    print(f"{'total':>9}: {total:7.2f} s wall, {total_cpu:7.2f} s CPU   target {TARGET_S:.0f} s wall → ratio "
          f"{total / TARGET_S:.2f} ({'met' if total <= TARGET_S else 'NOT met'})")
    split = json.loads((work / "metrics" / "split.json").read_text()) if (work / "metrics/split.json").exists() else {}
    print("split:", json.dumps({k: v for k, v in split.items() if not isinstance(v, dict)}), flush=True)
    return total


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--num-examples", type=int, default=12000)
    ap.add_argument("--keep", type=Path, help="run in this directory and keep it")
    ap.add_argument("--repeat", type=int, default=1, help="run the pipeline this many times; print min and median")
    ns = ap.parse_args()
    work = ns.keep or Path(tempfile.mkdtemp(prefix="tooltrace-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    copy_project(work)
    env = {k: v for k, v in os.environ.items() if not k.endswith("_API_KEY")}
    env["TOOLTRACE_TOOL_CACHE"] = str(work / ".cache" / "tools.sqlite")  # cold cache
    override = [f"source.num_examples={ns.num_examples}"]
    totals = [run_once(work, env, override) for _ in range(max(1, ns.repeat))]
    if len(totals) > 1:
        print(f"{len(totals)} runs: min {min(totals):.2f} s, median {statistics.median(totals):.2f} s, "
              f"max {max(totals):.2f} s wall (target {TARGET_S:.0f} s)")
    if not ns.keep:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()

"""Report: `data/report.md` summarising a run, plus PNG plots under `metrics/plots/`.

Why PNGs as well as the JSON plot data: `dvc plots show` renders Vega-Lite from a CDN, which is blank
offline; PNGs (matplotlib, Agg backend) display anywhere, and DVC lists image plots too.

Reads whatever stage metrics exist (`metrics/{source,generate,execute,filter,format,split}.json`) and the
filter stage's plot data (`metrics/plots/*.json`); a missing file is reported as "not run", so the
report can be produced after any prefix of the pipeline.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

from omegaconf import DictConfig

from stages.app import stage_main
from stages.jsonl import atomic_open

log = logging.getLogger("report")

METRICS_DIR = "metrics"
PLOTS_DIR = "metrics/plots"
OUT = "data/report.md"
STAGES = ("source", "generate", "execute", "filter", "format", "split")

# (plot data file, x field, y field, title, horizontal?)
PLOTS = (
    ("domain_distribution", "domain", "count", "Kept traces per domain", False),
    ("steps_histogram", "steps", "count", "Reasoning steps per kept trace", False),
    ("tool_usage", "tool_op", "count", "Tool/op calls in kept traces", True),
    ("rejection_reasons", "reason", "count", "Rejection reasons (a trace may have several)", True),
)


def load(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (FileNotFoundError, json.JSONDecodeError):
        return None


def render_png(rows: list[dict[str, Any]], x: str, y: str, title: str, horizontal: bool, out: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    logging.getLogger("matplotlib").setLevel(logging.WARNING)  # numeric category labels are intended
    import matplotlib.pyplot as plt

    labels = [str(r[x]) for r in rows]
    values = [r[y] for r in rows]
    height = max(3.0, 0.3 * len(rows) + 1.5) if horizontal else 4.0
    fig, ax = plt.subplots(figsize=(8, height))
    if not rows:  # still write the file: it is a declared DVC output
        ax.text(0.5, 0.5, "no data", ha="center", va="center", transform=ax.transAxes)
        ax.set_axis_off()
    elif horizontal:
        ax.barh(labels, values, color="#4c72b0")
        ax.invert_yaxis()
        ax.set_xlabel(y)
    else:
        ax.bar(labels, values, color="#4c72b0")
        ax.set_xlabel(x)
        ax.set_ylabel(y)
    ax.set_title(title)
    fig.tight_layout()
    out.parent.mkdir(parents=True, exist_ok=True)
    with atomic_open(out, "wb") as fh:
        fig.savefig(fh, format="png", dpi=100)
    plt.close(fig)


def _pct(x: Any) -> str:
    return f"{100 * x:.1f}%" if isinstance(x, (int, float)) else "n/a"


def _table(d: dict[str, Any]) -> list[str]:
    lines = ["| | |", "|---|---|"]
    lines += [f"| {k} | {v} |" for k, v in d.items()]
    return lines


def build_report(metrics: dict[str, Any], plots: list[str]) -> str:
    ex, fi, sp = metrics.get("execute"), metrics.get("filter"), metrics.get("split")
    lines = ["# tooltrace run report", ""]
    lines.append("Stages: " + ", ".join(f"{s} {'✓' if metrics.get(s) is not None else '(not run)'}"
                                         for s in STAGES))
    lines += ["", "## Quality (seed plan metrics)", ""]
    q: dict[str, Any] = {}
    if ex:
        q.update({"valid JSON rate": _pct(ex.get("valid_json_rate")),
                  "tool call syntax correctness": _pct(ex.get("tool_call_syntax_correctness")),
                  "tool result match rate": _pct(ex.get("tool_result_match_rate")),
                  "answer accuracy": _pct(ex.get("answer_accuracy")),
                  "traces verified / passed": f"{ex.get('records')} / {ex.get('passed')}"})
    if fi:
        q.update({"kept rate": _pct(fi.get("kept_rate")),
                  "kept traces": fi.get("kept"),
                  "average reasoning steps": fi.get("avg_reasoning_steps"),
                  "tool calls per example": fi.get("tool_calls_per_example")})
    lines += _table(q) if q else ["(execute/filter not run)"]
    if fi:
        lines += ["", "## Domain distribution (kept)", ""]
        lines += _table(fi.get("domain_distribution") or {})
        reasons = {k: v for k, v in (fi.get("rejection_reasons") or {}).items() if v}
        lines += ["", "## Rejection reasons", ""]
        lines += _table(reasons) if reasons else ["none"]
    if ex and ex.get("failure_reasons"):
        lines += ["", "## Verification failures by kind", ""]
        lines += _table(ex["failure_reasons"])
    if sp:
        lines += ["", "## Split", "", f"train {sp.get('train')}, val {sp.get('val')} "
                  f"(val fraction {sp.get('val_fraction_actual')})", ""]
        lines += ["| category | train | val |", "|---|---|---|"]
        lines += [f"| {c} | {v['train']} | {v['val']} |" for c, v in (sp.get("per_category") or {}).items()]
    gen = metrics.get("generate")
    if gen:
        lines += ["", "## Generation", ""]
        lines += _table({k: v for k, v in gen.items() if not isinstance(v, (dict, list))})
    if plots:
        lines += ["", "## Plots", ""]
        lines += [f"![{p}](../{PLOTS_DIR}/{p}.png)" for p in plots]
    return "\n".join(lines) + "\n"


def make_report(metrics_dir: str | Path = METRICS_DIR, out: str | Path = OUT, pngs: bool = True) -> str:
    metrics_dir = Path(metrics_dir)
    metrics = {s: load(metrics_dir / f"{s}.json") for s in STAGES}
    done = []
    for name, x, y, title, horizontal in PLOTS:
        rows = load(metrics_dir / "plots" / f"{name}.json")
        if rows is not None and pngs:
            render_png(rows, x, y, title, horizontal, metrics_dir / "plots" / f"{name}.png")
            done.append(name)
    text = build_report(metrics, done)
    with atomic_open(out) as fh:
        fh.write(text)
    return text


@stage_main
def main(cfg: DictConfig) -> None:
    make_report()
    log.info("wrote %s and PNG plots under %s", OUT, PLOTS_DIR)


if __name__ == "__main__":
    main()

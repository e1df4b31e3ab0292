"""Stage 1 — source: write `data/source/problems.jsonl`.

Problems come from real datasets (`source.datasets`, see `stages/sources/`) and from the synthetic
generators of each category. Per category, `category_targets` scales `source.categories` to
`source.num_examples` (restricted to `source.domain`); `source.dataset_share` of that count is taken
from the enabled datasets (after classification, the tool-benefit filter, dedup and benchmark
decontamination) and the rest — plus any shortfall the datasets leave — is drawn synthetically.

With no dataset enabled (the default) the stage is synthetic-only and needs no network; with
`source.synthetic: false` it is dataset-only (shortfalls are reported, not filled).

Dataset problems are written as they stream in, so the number of dataset rows read never shows in
memory; `metrics/source.json` counts every decision per source and per category. The synthetic
categories are drawn in worker processes, one CPU each (`draw_categories`: the same problems as a
serial draw, whatever the number of CPUs).
"""

from __future__ import annotations

import contextlib
import logging
from collections import Counter
from collections.abc import Iterator
from typing import Any

from omegaconf import DictConfig

from stages.app import ConfigError, stage_main
from stages.jsonl import atomic_open, to_json_line, write_json
from stages.schema import CATEGORY_DOMAIN, DOMAINS, Problem
from stages.sources import config as sources_config
from stages.sources.dedup import ExactDedup, normalise, text_key
from stages.sources.select import Selector
from stages.synthetic import draw_categories

log = logging.getLogger("source")

OUT = "data/source/problems.jsonl"
METRICS = "metrics/source.json"


def category_targets(cfg: DictConfig) -> dict[str, int]:
    """Per-category counts: the configured proportions scaled to `num_examples`, filtered by domain."""
    domain = str(cfg.domain)
    if domain != "all" and domain not in DOMAINS:
        raise ConfigError(f"source.domain: '{domain}' is not one of {', '.join(DOMAINS)}, all")
    base = {}
    for cat, count in cfg.categories.items():
        if cat not in CATEGORY_DOMAIN:
            raise ConfigError(f"source.categories: unknown category '{cat}'")
        if domain in ("all", CATEGORY_DOMAIN[cat]):
            base[cat] = int(count)
    total = int(cfg.num_examples)
    if total < 0:
        raise ConfigError("source.num_examples must be >= 0")
    weight = sum(base.values())
    if not weight:
        return {}
    # Largest-remainder rounding so the counts sum exactly to num_examples.
    raw = {c: total * n / weight for c, n in base.items()}
    counts = {c: int(v) for c, v in raw.items()}
    for c in sorted(raw, key=lambda c: raw[c] - counts[c], reverse=True)[: total - sum(counts.values())]:
        counts[c] += 1
    return counts


def dataset_targets(targets: dict[str, int], dcfg: sources_config.DatasetsConfig) -> dict[str, int]:
    """How many of each category's problems to take from datasets (0 when none is enabled)."""
    if not dcfg.enabled:
        return {c: 0 for c in targets}
    return {c: int(round(n * dcfg.share(c))) for c, n in targets.items()}


class _SeenAcrossSources(set):
    """The synthetic generators' `seen` set, also answering for texts a dataset problem already has.

    The generators normalise with lower-case + collapsed whitespace; `normalise` of that is the same
    as `normalise` of the original, so dataset and synthetic texts are compared on equal terms.
    """

    def __init__(self, exact: ExactDedup) -> None:
        super().__init__()
        self._exact = exact

    def __contains__(self, key: object) -> bool:
        if super().__contains__(key):
            return True
        if not len(self._exact):  # no dataset problem kept (the synthetic-only default): skip normalising
            return False
        return isinstance(key, str) and self._exact.find(text_key(normalise(key))) is not None


def iter_problems(cfg: DictConfig, metrics: dict[str, Any],
                  reject: Any = None) -> Iterator[Problem]:
    """Yield dataset problems (streamed) then synthetic ones; fill `metrics` once exhausted."""
    targets = category_targets(cfg)
    dcfg = sources_config.parse(cfg)
    synthetic = bool(cfg.get("synthetic", True))
    ds_targets = dataset_targets(targets, dcfg)
    selector = Selector(dcfg, ds_targets, int(cfg.seed), reject=reject)
    counts: dict[str, Counter[str]] = {"domain": Counter(), "difficulty": Counter(), "source": Counter()}

    def count(p: Problem, source: str) -> Problem:
        counts["domain"][p.domain] += 1
        counts["difficulty"][p.difficulty] += 1
        counts["source"][source] += 1
        return p

    if dcfg.enabled:
        selector.load_benchmarks()
        for p in selector.problems():
            yield count(p, p.meta["dataset"])

    seen = _SeenAcrossSources(selector.exact)
    per_category: dict[str, dict[str, Any]] = {}
    shortfall: dict[str, int] = {}
    needs: dict[str, int] = {}
    for cat, requested in targets.items():
        from_ds = selector.kept[cat]
        short = ds_targets[cat] - from_ds
        if short > 0:
            shortfall[cat] = short
            log.warning("%s: datasets gave %d of %d%s", cat, from_ds, ds_targets[cat],
                        f", {short} filled synthetically" if synthetic else "")
        needs[cat] = requested - from_ds if synthetic else 0
    for cat, draw in draw_categories(needs, int(cfg.seed), seen):
        requested, from_ds, need, short = targets[cat], selector.kept[cat], needs[cat], shortfall.get(cat, 0)
        if len(draw.problems) < need:
            log.warning("%s: only %d distinct synthetic problems of %d requested", cat, len(draw.problems), need)
        for p in draw.problems:
            yield count(p, "synthetic")
        per_category[cat] = {"requested": requested, "dataset_target": ds_targets[cat], "dataset": from_ds,
                             "shortfall": max(short, 0), "synthetic": len(draw.problems),
                             "duplicates_redrawn": draw.duplicates,
                             "templates": len({p.meta["template"] for p in draw.problems})}
    metrics.update({
        "problems": sum(counts["source"].values()),
        "per_category": per_category,
        "per_domain": dict(counts["domain"]),
        "per_difficulty": dict(counts["difficulty"]),
        "per_source": dict(counts["source"]),
        "shortfall": shortfall,
        "datasets": selector.metrics(),
    })


def build_problems(cfg: DictConfig) -> tuple[list[Problem], dict]:
    """All problems in memory plus metrics (for tests and small runs; the stage streams instead)."""
    metrics: dict[str, Any] = {}
    problems = list(iter_problems(cfg, metrics))
    return problems, metrics


def run(cfg: DictConfig, out: str = OUT, metrics_path: str = METRICS) -> dict[str, Any]:
    """Write the problems (and the rejected side file, if configured) atomically; return the metrics."""
    metrics: dict[str, Any] = {}
    rejected_file = cfg.get("rejected_file")
    n = 0
    with contextlib.ExitStack() as stack:
        reject = None
        if rejected_file:
            side = stack.enter_context(atomic_open(rejected_file))

            def reject(record: dict[str, Any]) -> None:
                side.write(to_json_line(record))
                side.write("\n")

        fh = stack.enter_context(atomic_open(out))
        for problem in iter_problems(cfg, metrics, reject=reject):
            fh.write(to_json_line(problem))
            fh.write("\n")
            n += 1
    write_json(metrics_path, metrics)
    log.info("wrote %d problems to %s", n, out)
    return metrics


@stage_main
def main(cfg: DictConfig) -> None:
    run(cfg.source)


if __name__ == "__main__":
    main()

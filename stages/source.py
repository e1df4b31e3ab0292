"""Stage 1 — source: write `data/source/problems.jsonl`.

Problems come from the synthetic generators of each category (scaled so the counts sum to
`source.num_examples`, restricted to `source.domain`).
"""

from __future__ import annotations

import logging
from collections import Counter

from omegaconf import DictConfig

from stages.app import ConfigError, stage_main
from stages.jsonl import write_json, write_jsonl
from stages.schema import CATEGORY_DOMAIN, DOMAINS, Problem
from stages.synthetic import draw_category

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


def build_problems(cfg: DictConfig) -> tuple[list[Problem], dict]:
    seen: set[str] = set()
    problems: list[Problem] = []
    per_category: dict[str, dict] = {}
    for cat, count in category_targets(cfg).items():
        draw = draw_category(cat, count, int(cfg.seed), seen)
        if len(draw.problems) < count:
            log.warning("%s: only %d distinct problems of %d requested", cat, len(draw.problems), count)
        problems.extend(draw.problems)
        per_category[cat] = {"requested": count, "synthetic": len(draw.problems),
                             "duplicates_redrawn": draw.duplicates,
                             "templates": len({p.meta["template"] for p in draw.problems})}
    metrics = {
        "problems": len(problems),
        "per_category": per_category,
        "per_domain": dict(Counter(p.domain for p in problems)),
        "per_difficulty": dict(Counter(p.difficulty for p in problems)),
    }
    return problems, metrics


@stage_main
def main(cfg: DictConfig) -> None:
    problems, metrics = build_problems(cfg.source)
    n = write_jsonl(OUT, problems)
    write_json(METRICS, metrics)
    log.info("wrote %d problems to %s", n, OUT)


if __name__ == "__main__":
    main()

"""Stage 2 — generate: write `data/generate/traces.jsonl`, one trace per problem."""

from __future__ import annotations

import logging
from collections import Counter

from omegaconf import DictConfig

from stages.app import stage_main
from stages.backends import make_backend
from stages.jsonl import read_jsonl, write_json, write_jsonl
from stages.schema import Problem, Trace

log = logging.getLogger("generate")

IN = "data/source/problems.jsonl"
OUT = "data/generate/traces.jsonl"
METRICS = "metrics/generate.json"


@stage_main
def main(cfg: DictConfig) -> None:
    gcfg = cfg.generate
    problems = list(read_jsonl(IN, Problem))
    if gcfg.get("limit") is not None:
        problems = problems[: int(gcfg.limit)]
    backend = make_backend(gcfg)
    failed: Counter[str] = Counter()

    def traces():
        for trace in backend.generate(problems):
            if trace.generation_error:
                failed[trace.category] += 1
            yield trace

    n = write_jsonl(OUT, traces())
    write_json(METRICS, {"traces": n, "failed_generations": sum(failed.values()),
                         "failed_per_category": dict(failed), **backend.summary()})
    log.info("wrote %d traces to %s (%d failed generations)", n, OUT, sum(failed.values()))


if __name__ == "__main__":
    main()


__all__ = ["main", "Trace"]

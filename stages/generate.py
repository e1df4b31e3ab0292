"""Stage 2 — generate: write `data/generate/traces.jsonl`, one trace per problem.

The backend (`generate/backend=offline|anthropic|openai`) turns problems into traces. A failed
generation is a trace with `generation_error`; a problem skipped because `generate.budget_usd` ran out is
one whose error starts with "not generated:" (rerun with a higher budget: answered requests are cached).

`generate.dry_run=true` estimates tokens and cost, prints them and writes them to
`metrics/generate.json` without calling an API or touching the traces.
"""

from __future__ import annotations

import json
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
NOT_GENERATED = "not generated: "


def run(cfg: DictConfig) -> None:
    """The stage body (separate from the Hydra wrapper so tests can call it with a composed config)."""
    gcfg = cfg.generate
    problems = list(read_jsonl(IN, Problem))
    if gcfg.get("limit") is not None:
        problems = problems[: int(gcfg.limit)]
    backend = make_backend(gcfg)  # checks config and keys before any work

    if gcfg.get("dry_run"):
        estimate = getattr(backend, "estimate", None)
        est = estimate(problems) if estimate else {"problems": len(problems), "cost_usd": 0.0}
        write_json(METRICS, {"dry_run": True, **backend.summary(), "estimate": est})
        print(json.dumps({"dry_run_estimate": est}, indent=2))
        return

    failed: Counter[str] = Counter()
    skipped = 0

    def traces():
        nonlocal skipped
        for trace in backend.generate(problems):
            if trace.generation_error:
                if trace.generation_error.startswith(NOT_GENERATED):
                    skipped += 1
                else:
                    failed[trace.category] += 1
            yield trace

    n = write_jsonl(OUT, traces())
    write_json(METRICS, {"traces": n, "failed_generations": sum(failed.values()),
                         "failed_per_category": dict(failed), "not_generated": skipped, **backend.summary()})
    log.info("wrote %d traces to %s (%d failed generations, %d not generated)", n, OUT,
             sum(failed.values()), skipped)


main = stage_main(run)

if __name__ == "__main__":
    main()


__all__ = ["main", "run", "Trace"]

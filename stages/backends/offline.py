"""The offline backend: no key, no network. Writes each synthetic problem's trace with its template's
solver, calling the real tools, and checks the solver's answer against the generator's.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from omegaconf import DictConfig

from stages.schema import Generator, Problem, Trace
from stages.synthetic import TEMPLATES, TraceBuilder, TraceBuildError, load_all


class AnswerMismatch(TraceBuildError):
    """The trace's answer disagrees with the independently computed one: a generator bug."""


def same_answer(got: str, expected: str) -> bool:
    """Equal as text, or as numbers within 1e-6 relative (answers may carry units after the number)."""
    from stages.verify.answers import answers_equivalent

    return answers_equivalent(got, expected)


class OfflineBackend:
    def __init__(self, cfg: DictConfig):
        from tools.executor import POOL_SIZE, pool

        pool().start()  # the tool workers import SymPy/Z3 while this process imports the templates
        load_all()

        # Threads mostly wait on the tool worker processes; with only as many threads as workers, a
        # worker idles while its thread builds the next trace in Python. Three per worker keep them busy.
        self.workers = max(1, int(cfg.get("workers", 2)), 3 * POOL_SIZE)
        self.generator = Generator(backend="offline", model=str(cfg.backend.get("model", "offline")),
                                   prompt_version=None, mode="interleaved")
        self.stats: Counter[str] = Counter()

    def _one(self, problem: Problem) -> Trace:
        tid = problem.meta.get("template") if problem.meta else None
        tmpl = TEMPLATES.get(tid) if tid else None
        if tmpl is None or tmpl.solve is None:
            self.stats["no_solver"] += 1
            return Trace.for_problem(problem, generator=self.generator,
                                     generation_error="offline backend: no solver for this problem "
                                                      f"(origin {problem.origin}); use an API backend")
        builder = TraceBuilder(problem, random.Random(problem.id))
        answer = tmpl.solve(dict(problem.meta.get("params", {})), builder)
        if problem.reference_answer is not None and not same_answer(answer, problem.reference_answer):
            raise AnswerMismatch(f"{problem.id} ({tid}): trace answer {answer!r} != generator answer "
                                 f"{problem.reference_answer!r}")
        self.stats["generated"] += 1
        return builder.build(self.generator)

    def generate(self, problems: list[Problem]) -> Iterator[Trace]:
        with ThreadPoolExecutor(self.workers) as pool:
            yield from pool.map(self._one, problems, chunksize=1)

    def summary(self) -> dict[str, Any]:
        return {"backend": "offline", **dict(self.stats), "cost_usd": 0.0}

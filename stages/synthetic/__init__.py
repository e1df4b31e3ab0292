"""Synthetic problem generators for the ten categories (one module each) and their trace solvers.

`CATEGORY_MODULES` is the one list of modules; importing them registers their templates.
"""

from __future__ import annotations

import hashlib
import importlib
import multiprocessing
import random
from collections.abc import Iterator
from concurrent.futures import Future, ProcessPoolExecutor

from stages.app import usable_cpus
from stages.schema import CATEGORY_DOMAIN, Problem
from stages.synthetic.base import (
    TEMPLATES,
    Draw,
    Spec,
    Template,
    TraceBuilder,
    TraceBuildError,
    template,
    templates_for,
)

__all__ = ["TEMPLATES", "Draw", "Spec", "Template", "TraceBuilder", "TraceBuildError", "template",
           "templates_for", "draw_category", "draw_categories", "load_all", "DIFFICULTIES"]

CATEGORY_MODULES = tuple(CATEGORY_DOMAIN)  # stages/synthetic/<category>.py
DIFFICULTIES = ("easy", "medium", "hard")

# Below this many problems a draw is too short for worker processes to pay for their start-up.
PARALLEL_MIN_PROBLEMS = 1000


def _load(category: str) -> None:
    """Import one category's module (registering its templates), if present.

    Each module registers templates of its own category only, so this is all `templates_for(category)`
    needs; importing one module instead of all keeps SymPy/SciPy out of draws that do not use them.
    """
    try:
        importlib.import_module(f"stages.synthetic.{category}")
    except ModuleNotFoundError as exc:
        if exc.name != f"stages.synthetic.{category}":
            raise


def load_all() -> dict[str, Template]:
    """Import every category module present (registering its templates)."""
    for cat in CATEGORY_MODULES:
        _load(cat)
    return TEMPLATES


def _normalise_question(text: str) -> str:
    return " ".join(text.lower().split())


def draw_category(category: str, count: int, seed: int, seen: set[str], max_tries_per_problem: int = 50) -> Draw:
    """Draw `count` problems with distinct question texts, cycling templates and difficulties."""
    draw = Draw(category)
    if count <= 0:
        return draw
    _load(category)
    temps = templates_for(category)
    if not temps:
        return draw
    rng = random.Random(f"{seed}:{category}")
    weights = [t.weight for t in temps]
    budget = count * max_tries_per_problem
    while len(draw.problems) < count and draw.attempts < budget:
        draw.attempts += 1
        tmpl = rng.choices(temps, weights)[0]
        difficulty = DIFFICULTIES[draw.attempts % 3]
        spec = tmpl.make(rng, difficulty)
        key = _normalise_question(spec.question)
        if key in seen:
            draw.duplicates += 1
            continue
        seen.add(key)
        pid = "syn-" + hashlib.sha1(f"{tmpl.id}|{spec.question}".encode()).hexdigest()[:12]
        draw.problems.append(Problem(
            id=pid, question=spec.question, domain=CATEGORY_DOMAIN[category], category=category,
            difficulty=difficulty, required_tools=list(spec.tools or tmpl.tools), reference_answer=spec.answer,
            origin=f"synthetic:{tmpl.id}", meta={"template": tmpl.id, "params": spec.params}))
    return draw


# -- several categories, in worker processes ------------------------------------------------------

class _Overlay(set):
    """A category's own `seen` keys on top of a read-only base (what the caller had seen before)."""

    def __init__(self, base: set[str]) -> None:
        super().__init__()
        self._base = base

    def __contains__(self, key: object) -> bool:
        return super().__contains__(key) or key in self._base


_worker_base: set[str] = set()


def _init_worker(base: set[str]) -> None:
    global _worker_base
    _worker_base = base  # inherited through fork, never pickled


def _draw_in_worker(category: str, count: int, seed: int, max_tries_per_problem: int) -> Draw:
    return draw_category(category, count, seed, _Overlay(_worker_base), max_tries_per_problem)


def draw_categories(counts: dict[str, int], seed: int, seen: set[str], workers: int | None = None,
                    max_tries_per_problem: int = 50) -> Iterator[tuple[str, Draw]]:
    """`draw_category` for each category in `counts` order, sharing `seen`; yields (category, draw).

    The result is exactly the serial one — `draw_category(c, n, seed, seen)` for each category in
    turn — whatever `workers` is. Each category's RNG is seeded by (seed, category) alone, so the only
    link between categories is `seen`: in a worker a category is drawn against the caller's `seen`
    plus its own questions, and when its turn comes it is kept only if none of its questions is one
    an earlier category took (then the serial draw would have made the very same choices); otherwise
    it is drawn again here, in order. Cross-category repeats are rare, so this almost never happens.
    """
    workers = usable_cpus() if workers is None else workers
    jobs = {cat: n for cat, n in counts.items() if n > 0}
    workers = min(workers, len(jobs))
    # fork: workers inherit `seen` (and any module already loaded) without pickling
    forkable = "fork" in multiprocessing.get_all_start_methods()
    if workers <= 1 or not forkable or sum(jobs.values()) < PARALLEL_MIN_PROBLEMS:
        for cat, n in counts.items():
            yield cat, draw_category(cat, n, seed, seen, max_tries_per_problem)
        return
    pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork"), initializer=_init_worker,
                               initargs=(seen,))
    try:
        futures: dict[str, Future[Draw]] = {}
        for cat in sorted(jobs, key=lambda c: -jobs[c]):  # big draws first, so none starts last
            futures[cat] = pool.submit(_draw_in_worker, cat, jobs[cat], seed, max_tries_per_problem)
        for cat, n in counts.items():
            if cat not in futures:
                yield cat, draw_category(cat, n, seed, seen, max_tries_per_problem)
                continue
            draw = futures.pop(cat).result()
            keys = [_normalise_question(p.question) for p in draw.problems]
            if any(k in seen for k in keys):
                draw = draw_category(cat, n, seed, seen, max_tries_per_problem)
            else:
                for k in keys:
                    seen.add(k)
            yield cat, draw
    finally:
        pool.shutdown(wait=True, cancel_futures=True)

"""Synthetic problem generators for the ten categories (one module each) and their trace solvers.

`CATEGORY_MODULES` is the one list of modules; importing them registers their templates.
"""

from __future__ import annotations

import hashlib
import importlib
import random

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
           "templates_for", "draw_category", "load_all", "DIFFICULTIES"]

CATEGORY_MODULES = tuple(CATEGORY_DOMAIN)  # stages/synthetic/<category>.py
DIFFICULTIES = ("easy", "medium", "hard")


def load_all() -> dict[str, Template]:
    """Import every category module present (registering its templates)."""
    for cat in CATEGORY_MODULES:
        try:
            importlib.import_module(f"stages.synthetic.{cat}")
        except ModuleNotFoundError as exc:
            if exc.name != f"stages.synthetic.{cat}":
                raise
    return TEMPLATES


def _normalise_question(text: str) -> str:
    return " ".join(text.lower().split())


def draw_category(category: str, count: int, seed: int, seen: set[str], max_tries_per_problem: int = 50) -> Draw:
    """Draw `count` problems with distinct question texts, cycling templates and difficulties."""
    load_all()
    temps = templates_for(category)
    draw = Draw(category)
    if not temps or count <= 0:
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

"""Number formatting and value drawing shared by the physics and chemistry templates.

Why a module: a science answer is a rounded number with a unit ("40.77 m", "pH = 2.875"). The
generator writes its reference answer from a closed form and the solver writes the trace's answer from
the tool's value; both go through `sig`/`qty` here, so the two texts are formatted identically and the
offline backend's `answers_equivalent` check compares like with like.
"""

from __future__ import annotations

import math
import random

ANSWER_SIG = 4  # significant digits of a reference answer (the tool itself prints 6)


def _near_int(x: float) -> bool:
    return 0.5 <= abs(x) < 1e9 and abs(x - round(x)) <= 1e-9 * abs(x)


def sig(x: float, n: int = ANSWER_SIG) -> str:
    """`x` rounded to `n` significant digits as text: 40.7747 → "40.77", 20.0000000001 → "20".

    Whole numbers print as integers. A number with more integer digits than `n` keeps one decimal
    (99773.55 → "99773.6") rather than trailing zeros ("99770" would read as an exact count). Very
    small or very large magnitudes use e-notation ("3.973e-19").
    """
    x = float(x)
    if x == 0 or _near_int(x):
        return str(int(round(x)))
    digits = math.floor(math.log10(abs(x))) + 1
    if 1 <= digits <= 8:
        n = max(n, digits + 1)
    text = f"{x:.{n}g}"
    if "e" in text:
        mant, exp = text.split("e")
        text = f"{mant}e{int(exp)}" if int(exp) >= 0 else f"{mant}e-{-int(exp):02d}"
    return text


def qty(x: float, unit: str = "", n: int = ANSWER_SIG) -> str:
    """A rounded number with its unit: `qty(40.7747, "m")` → "40.77 m"."""
    text = sig(x, n)
    return f"{text} {unit}" if unit else text


def num(x: float) -> str:
    """A given value as written in a question or a step: plain, up to 6 significant digits."""
    x = float(x)
    if _near_int(x):
        return str(int(round(x)))
    return f"{x:.6g}"


def grid(rng: random.Random, lo: float, hi: float, step: float) -> float:
    """A value in [lo, hi] on a grid of `step` (clean numbers a textbook would print)."""
    k = rng.randint(0, int(round((hi - lo) / step)))
    value = lo + k * step
    decimals = max(0, -math.floor(math.log10(step))) if step < 1 else 0
    value = round(value, decimals + 2)
    return int(value) if float(value).is_integer() else value


def choose(rng: random.Random, table: dict[str, tuple]) -> tuple[str, tuple]:
    """One (key, entry) of a curated table, in a reproducible order."""
    key = rng.choice(sorted(table))
    return key, table[key]

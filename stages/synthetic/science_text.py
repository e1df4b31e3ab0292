"""Number formatting and value drawing shared by the physics and chemistry templates.

Why a module: a science answer is a rounded number with a unit ("40.77 m", "pH = 2.875"). The
generator writes its reference answer from a closed form and the solver writes the trace's answer from
the tool's value; both go through `sig`/`qty` here, so the two texts are formatted identically and the
offline backend's `answers_equivalent` check compares like with like.
"""

from __future__ import annotations

import math
import random
from decimal import ROUND_HALF_UP, Decimal

ANSWER_SIG = 4  # significant digits of a reference answer (the tool itself prints 6)


def _near_int(x: float) -> bool:
    return 0.5 <= abs(x) < 1e9 and abs(x - round(x)) <= 1e-9 * abs(x)


def sig(x: float, n: int = ANSWER_SIG) -> str:
    """`x` rounded to `n` significant digits as text: 40.7747 → "40.77", 20.0000000001 → "20".

    Whole numbers print as integers. A number below 10^6 with more integer digits than `n` keeps one
    decimal (99773.55 → "99773.6") rather than trailing zeros ("99770" would read as an exact count).
    Very small or large magnitudes use e-notation ("3.973e-19", "5.841e6").

    Ties are rounded half-up after first cutting `x` to 10 significant digits: clean inputs often give
    an exact tie (½ × 2.3 × 25² = 718.75), and float noise must not send the closed form one way
    (718.7499999) and the tool's value the other (718.7500001).
    """
    x = float(x)
    if x == 0 or _near_int(x):
        return str(int(round(x)))
    d = Decimal(f"{x:.10g}")
    exp = d.adjusted()  # floor(log10 |x|)
    if 0 <= exp <= 5:
        n = max(n, exp + 2)
    r = d.quantize(Decimal(1).scaleb(exp - n + 1), rounding=ROUND_HALF_UP)
    if r.adjusted() != exp:  # 9.9996 → 10.00: one more integer digit
        exp = r.adjusted()
    if -4 <= exp <= 5:
        text = f"{r:f}"
        if "." in text:
            text = text.rstrip("0")
            text = text + "0" if text.endswith(".") else text  # 9.99996 → "10.0", not an exact-looking "10"
        return text
    mant = (r.scaleb(-exp)).normalize()
    mtext = f"{mant:f}"
    return f"{mtext}e{exp}" if exp >= 0 else f"{mtext}e-{-exp:02d}"


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


def si(x: float) -> float | int:
    """A converted value as a tool argument: float noise trimmed (2.5 × 1e-6 → 2.5e-06, not
    2.4999999999999998e-06), whole numbers as ints."""
    x = float(f"{float(x):.12g}")
    return int(x) if x.is_integer() and abs(x) < 1e15 else x


def grid(rng: random.Random, lo: float, hi: float, step: float) -> float:
    """A value in [lo, hi] on a grid of `step` (clean numbers a textbook would print)."""
    k = rng.randint(0, int(round((hi - lo) / step)))
    value = lo + k * step
    decimals = max(0, -math.floor(math.log10(step))) if step < 1 else 0
    value = round(value, decimals + 2)
    return int(value) if float(value).is_integer() else value


def fixed(x: float, decimals: int) -> str:
    """`x` with a fixed number of decimals (pH = 2.875), ties half-up after the same 10-digit cut as
    `sig`, so a closed form and a tool value that differ only by float noise print the same."""
    d = Decimal(f"{float(x):.10g}")
    return f"{d.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP):f}"

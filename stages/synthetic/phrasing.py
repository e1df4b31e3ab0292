"""Small text helpers shared by the synthetic templates.

Why a module: every category writes numbers, expressions and lists into questions and reasoning
steps, and a model trained on the traces should see them written consistently (and in a few natural
styles, so it does not over-fit one). Templates of other categories may import these too.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterable, Sequence
from fractions import Fraction
from typing import Any

# A coefficient times a one-letter variable or a bracket: `3*x` → `3x`, `2*(x + 1)` → `2(x + 1)`. An
# exponent keeps its star before a letter (`pi^2*m`, not `pi^2m`), but not before a bracket (`x^2(x - 1)`).
_COEF_STAR = re.compile(r"(?<![\w.])(\d+)\*(?=\()|(?<![\w.^])(\d+)\*(?=[A-Za-z](?![A-Za-z(]))")


def pick(rng: random.Random, variants: Sequence[str], **fmt: Any) -> str:
    """One of several phrasings, formatted."""
    text = rng.choice(list(variants))
    return text.format(**fmt) if fmt else text


def caret(expr: str) -> str:
    """Python syntax to the way people type math: `3*x**2 + 2*x` → `3x^2 + 2x`."""
    text = expr.replace("**", "^")
    return _COEF_STAR.sub(lambda m: m.group(1) or m.group(2), text)


def show(expr: str, rng: random.Random | None = None) -> str:
    """An expression as it appears in a question: caret style, or (sometimes) the Python spelling.

    Questions in both styles teach the model that `x^2` in prose and `x**2` in a tool call are the
    same thing.
    """
    if rng is not None and rng.random() < 0.3:
        return expr
    return caret(expr)


def num(x: int | float | Fraction) -> str:
    """A number as text: integers plainly, fractions as p/q, floats with up to 6 significant digits."""
    if isinstance(x, Fraction):
        return str(x.numerator) if x.denominator == 1 else f"{x.numerator}/{x.denominator}"
    if isinstance(x, float):
        if x.is_integer():
            return str(int(x))
        return f"{x:.6g}"
    return str(x)


def signed(x: int | Fraction, first: bool = False) -> str:
    """A term's sign and magnitude inside a sum: `+ 3`, `- 2` (or `-2` as the first term)."""
    if first:
        return num(x)
    return f"- {num(-x)}" if x < 0 else f"+ {num(x)}"


def join_words(items: Iterable[str], conj: str = "and") -> str:
    """`a`, `a and b`, `a, b and c`."""
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + f" {conj} " + items[-1]


def ordinal(n: int) -> str:
    if 10 <= n % 100 <= 20:
        suffix = "th"
    else:
        suffix = {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def list_text(values: Iterable[Any]) -> str:
    """A canonical answer list: `[2, 3]`."""
    return "[" + ", ".join(num(v) if isinstance(v, (int, float, Fraction)) else str(v) for v in values) + "]"


def matrix_text(rows: Sequence[Sequence[Any]]) -> str:
    """A matrix in the canonical nested-list form `[[1, 2], [3, 4]]`."""
    return "[" + ", ".join(list_text(r) for r in rows) + "]"


def matrix_pretty(rows: Sequence[Sequence[Any]]) -> str:
    """A matrix for prose: rows separated by semicolons, `[1 2; 3 4]`."""
    return "[" + "; ".join(" ".join(num(v) if not isinstance(v, str) else v for v in r) for r in rows) + "]"


def poly_text(coeffs: Sequence[int | Fraction], var: str = "x") -> str:
    """Python-syntax polynomial from coefficients, highest degree first: [3, 0, 2] → `3*x**2 + 2`.

    Written by hand (not via SymPy's printer) so the generator's text never depends on a parser.
    """
    deg = len(coeffs) - 1
    parts: list[str] = []
    for i, c in enumerate(coeffs):
        if c == 0:
            continue
        p = deg - i
        mag = abs(c)
        if p == 0:
            body = num(mag)
        else:
            pw = var if p == 1 else f"{var}**{p}"
            if mag == 1:
                body = pw
            elif isinstance(mag, Fraction) and mag.denominator != 1:
                body = f"{mag.numerator}*{pw}/{mag.denominator}"
            else:
                body = f"{num(mag)}*{pw}"
        if not parts:
            parts.append(("-" if c < 0 else "") + body)
        else:
            parts.append(("- " if c < 0 else "+ ") + body)
    return " ".join(parts) if parts else "0"

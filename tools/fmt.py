"""Canonical text for numbers and quantities, shared by every tool so outputs look alike.

A model trained on our traces sees these strings as tool results, so they should be stable
(same value → same text) and readable: integers stay integers, floats get 6 significant digits,
SI units follow the number after a space ("40.7747 m").
"""

from __future__ import annotations

import math
from typing import Any

SIG_DIGITS = 6


def fmt_number(x: Any, sig: int = SIG_DIGITS) -> str:
    """`77` → "77", `2.8723…` → "2.87234", `1.8e-05` → "1.8e-05", `-0.0` → "0"."""
    if isinstance(x, bool):
        return str(x)
    if isinstance(x, int):
        return str(x)
    x = float(x)
    if math.isnan(x) or math.isinf(x):
        return str(x)
    if x == 0:
        return "0"
    if x.is_integer() and abs(x) < 10**15:
        return str(int(x))
    return f"{x:.{sig}g}"


def fmt_quantity(x: Any, unit: str = "", sig: int = SIG_DIGITS) -> str:
    """A number with its unit: `fmt_quantity(40.7747, "m")` → "40.7747 m"."""
    text = fmt_number(x, sig)
    return f"{text} {unit}" if unit else text


def json_number(x: Any) -> Any:
    """A JSON-safe number for `ToolResult.value` (ints stay ints, floats rounded to 12 digits)."""
    if isinstance(x, bool) or isinstance(x, int):
        return x
    x = float(x)
    if x.is_integer() and abs(x) < 10**15:
        return int(x)
    return float(f"{x:.12g}")

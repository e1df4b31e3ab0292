"""A cheap, exact pre-check for the keyword regexes of the classifier and the tool-benefit filter.

Why: those regexes are alternations of `\\b`-anchored words, which Python's `re` can only try at every
position of the text (~20 µs each on a typical question), and a row meets dozens of them: they were
three quarters of the stage's time per row. Every alternative of such a pattern starts with a literal
("integra", "antiderivative", ...), so a match is impossible unless one of those literals is a
substring of the text, which `in` checks in well under a microsecond. The literals are read from the
compiled pattern itself (the `re` parser), so they can never drift from the regex; a pattern whose
alternatives do not all start with a literal of two or more characters gets no pre-check and always
runs. Case-insensitive patterns are checked against the case-folded text.
"""

from __future__ import annotations

import re
from typing import Any

try:  # the parser `re.compile` itself uses; private, so anything unexpected just disables the pre-check
    from re import _constants as _c  # type: ignore[attr-defined]
    from re import _parser as _p  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover - other Python versions
    _p = _c = None


def _required(items: list[tuple[Any, Any]]) -> set[str] | None:
    """Literals of which one must occur in any match of this sequence, or None if unknown."""
    i = 0
    while i < len(items) and items[i][0] is _c.AT:  # \b, ^, $: zero-width
        i += 1
    if i == len(items):
        return None
    op, av = items[i]
    if op is _c.LITERAL:
        text = ""
        while i < len(items) and items[i][0] is _c.LITERAL:
            text += chr(items[i][1])
            i += 1
        return {text} if len(text) >= 2 else None
    if op is _c.BRANCH:
        out: set[str] = set()
        for alt in av[1]:
            sub = _required(list(alt))
            if sub is None:
                return None
            out |= sub
        return out
    if op is _c.SUBPATTERN:
        _group, add_flags, del_flags, pattern = av
        return None if add_flags or del_flags else _required(list(pattern))
    return None


def literal_hints(pattern: re.Pattern[str]) -> tuple[str, ...] | None:
    """The literals (case-folded for IGNORECASE patterns) one of which any match must contain."""
    if _p is None:
        return None
    try:
        parsed = _p.parse(pattern.pattern, pattern.flags)
        hints = _required(list(parsed.data))
    except Exception:  # an unexpected parse tree: no pre-check, the regex always runs
        return None
    if hints is None:
        return None
    if pattern.flags & re.IGNORECASE:
        hints = {h.casefold() for h in hints}
    return tuple(sorted(hints))


class Keyed:
    """A regex plus its literal pre-check; `search(text, folded)` is `pattern.search(text)` but faster."""

    __slots__ = ("pattern", "hints", "folded")

    def __init__(self, pattern: re.Pattern[str]) -> None:
        self.pattern = pattern
        self.hints = literal_hints(pattern)
        self.folded = bool(pattern.flags & re.IGNORECASE)

    def search(self, text: str, folded: str) -> bool:
        if self.hints is not None:
            hay = folded if self.folded else text
            if not any(h in hay for h in self.hints):
                return False
        return self.pattern.search(text) is not None

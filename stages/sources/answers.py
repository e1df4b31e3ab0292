"""Reference answers pulled out of a dataset's solution text.

Why here and not in the verifier: the source stage keeps the dataset's own final answer as
`Problem.reference_answer` so the execute stage can check a generated trace against it. Only the
*extraction* lives here; comparing answers is `stages.verify`'s job.
"""

from __future__ import annotations

import re

_BOXED = re.compile(r"\\(?:boxed|fbox)\s*\{")
_BOXED_BARE = re.compile(r"\\boxed\s+([^\s$]+)")
_GSM8K_FINAL = re.compile(r"^####\s*(.+?)\s*$", re.MULTILINE)


def _balanced(text: str, start: int) -> str | None:
    """The text between the `{` before `start` and its matching `}` (nested braces allowed)."""
    depth = 1
    i = start
    while i < len(text):
        ch = text[i]
        if ch == "\\" and i + 1 < len(text):  # an escaped brace \{ or \} does not count
            i += 2
            continue
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
            if depth == 0:
                return text[start:i]
        i += 1
    return None


def last_boxed(solution: str | None) -> str | None:
    """The content of the last `\\boxed{…}` (or `\\fbox{…}`, or `\\boxed 5`) in a MATH solution."""
    if not solution:
        return None
    found: list[tuple[int, str]] = []
    for m in _BOXED.finditer(solution):
        inner = _balanced(solution, m.end())
        if inner is not None:
            found.append((m.start(), inner.strip()))
    for m in _BOXED_BARE.finditer(solution):
        found.append((m.start(), m.group(1).strip()))
    if not found:
        return None
    answer = max(found)[1]
    return answer or None


def gsm8k_final(answer: str | None) -> str | None:
    """The number after the last `#### ` of a GSM8K answer, thousands separators removed."""
    if not answer:
        return None
    hits = _GSM8K_FINAL.findall(answer)
    if not hits:
        return None
    final = hits[-1].strip()
    if re.fullmatch(r"-?[\d,]+(\.\d+)?", final):
        final = final.replace(",", "")
    return final or None


def plain(answer: str | None) -> str | None:
    """A dataset's answer column used as it is (OpenMathInstruct-2's `expected_answer`)."""
    if answer is None:
        return None
    text = str(answer).strip()
    return text or None

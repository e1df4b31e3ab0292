"""Does a trace's claimed `tool_result` say what the tool really returns?

A model writing a trace in one shot invents its tool results; the execute stage re-runs every call and
compares. The real result is canonical text (`ToolResult.output`, 6 significant digits, SI units) plus a
JSON value, while the claim may be a number with more or fewer digits, a list in another order, an
expression written differently (`2 + 3*x**2` for `3*x**2 + 2`), or JSON. The comparison is therefore
layered, cheapest first, and each layer only says "same" when it is sure:

1. normalised text equality (case, spaces, LaTeX decoration);
2. both failed: a claimed `Error: ...` matches a real failure (a trace may show error recovery);
   for satisfiability ops only the status must match (`sat: x = 2` is as right as Z3's `sat: x = 1`);
3. JSON claims against the real `value` (numbers within tolerance, dict keys equal, lists ordered or not);
4. a single number (with optional unit) within `rel_tol`, or the real number rounded to >= 6 significant
   digits (the canonical output precision);
5. the same text skeleton with every number within tolerance (`v = 12.3 m/s, t = 2 s`);
6. lists item by item, order-insensitively when the op's result is a set;
7. symbolic expressions equivalent (safe parser + random-point evaluation, see `answers.py`).
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

from stages.verify.answers import (
    _WS,
    Number,
    _memoised_on_text,
    _parse_symbolic,
    _text_key,
    as_items,
    close,
    normalise_text,
    parse_number,
    symbolic_equivalent,
)

TOOL_RESULT_MIN_SIG = 6   # a claimed number rounded to this many significant digits still matches

# Ops whose result is a set (solutions, eigenvalues, ...) rather than an ordered sequence. A tool may also
# declare it on the op: `Op.unordered_result = True` (read with getattr, so the registry need not know).
UNORDERED_OPS: frozenset[str] = frozenset({
    "symbolic_math.solve", "symbolic_math.roots", "symbolic_math.factor_list",
    "logic_solver.solve_constraints", "logic_solver.check_sat", "chemistry.parse_formula",
    "chemistry.percent_composition",
})

_NUM_TOKEN = re.compile(r"(?<![A-Za-z_\d.])[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")


# Sub-operations (the `values`/`kind` argument of e.g. symbolic_math.matrix) whose result is a set.
UNORDERED_KINDS: frozenset[str] = frozenset({"eigenvalues", "eigenvals", "eigenvectors", "eigenvects",
                                             "nullspace", "null_space", "roots"})


# Ops whose result names *a* solution among many (a Z3 model): the status is what must match.
STATUS_ONLY_OPS: frozenset[str] = frozenset({"logic_solver.check_sat", "logic_solver.solve_constraints"})


_MISSING = object()


def _op_name(op: Any) -> Any:
    """An op's name (`str(op)` for a plain name; not as getattr's default: an Op's repr is long)."""
    name = getattr(op, "name", _MISSING)
    return str(op) if name is _MISSING else name


def is_status_only(tool: str, op: Any, args: dict[str, Any] | None = None) -> bool:
    """True for satisfiability ops without an objective (minimize/maximize have a unique optimum value)."""
    name = _op_name(op)
    kind = str((args or {}).get("kind", "")).lower()
    return f"{tool}.{name}" in STATUS_ONLY_OPS and not kind.startswith(("min", "max"))


def is_unordered(tool: str, op: Any, args: dict[str, Any] | None = None) -> bool:
    """True when the order of the op's result list carries no meaning."""
    name = _op_name(op)
    if bool(getattr(op, "unordered_result", False)) or f"{tool}.{name}" in UNORDERED_OPS:
        return True
    kinds = {str((args or {}).get(k, "")).strip().lower() for k in ("values", "kind")}
    return bool(kinds & UNORDERED_KINDS)


_key = _text_key  # normalised, spaceless, lower-case text (of `str(x)` for a non-text)


def _close(a: float, b: float, rel_tol: float, abs_tol: float) -> bool:
    return close(a, b, rel_tol, abs_tol)


def _numbers_match(claimed: Number, real: Number, rel_tol: float, abs_tol: float) -> bool:
    if claimed.unit and real.unit and claimed.unit.lower() != real.unit.lower():
        return False
    if claimed.integer is not None and real.integer is not None:
        return claimed.integer == real.integer
    if _close(claimed.value, real.value, rel_tol, abs_tol):
        return True
    # a rounded claim: at least TOOL_RESULT_MIN_SIG significant digits, within half a unit in its last place
    for rounded, other in ((claimed, real), (real, claimed)):
        if rounded.sig is None or rounded.sig < TOOL_RESULT_MIN_SIG or rounded.value == 0:
            continue
        exp = math.floor(math.log10(abs(rounded.value)))
        if abs(rounded.value - other.value) <= 0.5 * 10.0 ** (exp - rounded.sig + 1) * (1 + 1e-9):
            return True
    return False


def values_match(claimed: Any, real: Any, *, rel_tol: float = 1e-6, abs_tol: float = 1e-9,
                 unordered: bool = False, _top: bool = False) -> bool:
    """Structural comparison of two JSON values (numbers within tolerance, strings by `text_match`)."""
    if isinstance(claimed, bool) or isinstance(real, bool):
        if isinstance(claimed, str) or isinstance(real, str):
            return _key(str(claimed)) == _key(str(real))
        return claimed == real
    if isinstance(claimed, int) and isinstance(real, int):
        return claimed == real
    if isinstance(claimed, (int, float)) and isinstance(real, (int, float)):
        return _close(float(claimed), float(real), rel_tol, abs_tol) or _numbers_match(
            parse_number(repr(claimed)) or Number(float(claimed), None),
            Number(float(real), None), rel_tol, abs_tol)
    if isinstance(claimed, dict) and isinstance(real, dict):
        ck, rk = {_key(str(k)) for k in claimed}, {_key(str(k)) for k in real}
        if not ck or not (ck == rk or (_top and ck <= rk)):  # a top-level claim may quote some results
            return False
        by_key = {_key(str(k)): v for k, v in real.items()}
        return all(values_match(v, by_key[_key(str(k))], rel_tol=rel_tol, abs_tol=abs_tol, unordered=unordered)
                   for k, v in claimed.items())
    if isinstance(claimed, list) and isinstance(real, list):
        if len(claimed) != len(real):
            return False
        if not unordered:
            return all(values_match(a, b, rel_tol=rel_tol, abs_tol=abs_tol) for a, b in zip(claimed, real, strict=True))
        remaining = list(real)
        for item in claimed:
            for j, other in enumerate(remaining):
                if values_match(item, other, rel_tol=rel_tol, abs_tol=abs_tol):
                    del remaining[j]
                    break
            else:
                return False
        return True
    if isinstance(claimed, (dict, list)) or isinstance(real, (dict, list)):
        return False
    return text_match(str(claimed), str(real), rel_tol=rel_tol, abs_tol=abs_tol, unordered=unordered)


@_memoised_on_text(1 << 15)
def _skeleton(text: str) -> tuple[str, tuple[float, ...]]:
    """The text with every number replaced by `#` (no spaces, lower case), and the numbers."""
    t = normalise_text.memo(text)
    nums = tuple(float(m.group()) for m in _NUM_TOKEN.finditer(t))
    skel = _WS.sub("", _NUM_TOKEN.sub("#", t)).lower()
    return skel, nums


def text_match(claimed: str, real: str, *, rel_tol: float = 1e-6, abs_tol: float = 1e-9,
               unordered: bool = False, _depth: int = 0) -> bool:
    """Claimed text against real output text (layers 1 and 4-7 of the module docstring)."""
    if _key(claimed) == _key(real):
        return True
    if _depth > 3 or len(claimed) > 5000 or len(real) > 5000:
        return False
    nc, nr = parse_number(claimed), parse_number(real)
    if nc is not None and nr is not None:
        return _numbers_match(nc, nr, rel_tol, abs_tol)
    sc, numc = _skeleton(claimed)
    sr, numr = _skeleton(real)
    if numc and sc == sr and len(numc) == len(numr):
        if all(_numbers_match(_token_number(ta), _token_number(tb), rel_tol, abs_tol)
               for ta, tb in zip(_tokens(claimed), _tokens(real), strict=True)):
            return True
    ic, ir = as_items(claimed), as_items(real)
    if ic is not None and ir is not None and len(ic) == len(ir) and len(ic) > 1:
        if not unordered:
            return all(text_match(a, b, rel_tol=rel_tol, abs_tol=abs_tol, _depth=_depth + 1)
                       for a, b in zip(ic, ir, strict=True))
        remaining = list(ir)
        for item in ic:
            for j, other in enumerate(remaining):
                if text_match(item, other, rel_tol=rel_tol, abs_tol=abs_tol, _depth=_depth + 1):
                    del remaining[j]
                    break
            else:
                return False
        return True
    ec, er = _parse_symbolic(claimed), _parse_symbolic(real)
    if ec is not None and er is not None:
        return symbolic_equivalent(ec, er, rel_tol)
    return False


@_memoised_on_text(1 << 15)
def _tokens(text: str) -> tuple[str, ...]:
    """The number tokens of a text, in order."""
    return tuple(m.group() for m in _NUM_TOKEN.finditer(normalise_text.memo(text)))


def _token_number(token: str) -> Number:
    exact = not any(c in token for c in ".eE")
    return Number(float(token), _sig(token), "", int(token) if exact else None)


def _sig(token: str) -> int | None:
    if not any(c in token for c in ".eE"):
        return None
    digits = token.lstrip("+-").split("e")[0].split("E")[0].replace(".", "").lstrip("0")
    return len(digits) or 1


_PAIR = re.compile(r"([A-Za-z_][A-Za-z_0-9]*)\s*[=:]\s*([^,;()\n]+)")


def named_values(text: str) -> dict[str, str]:
    """`"range = 40.7747 m, t = 2.88 s (v0 = 20 m/s)"` → {"range": "40.7747 m", "t": "2.88 s", "v0": "20 m/s"}."""
    return {m.group(1).lower(): m.group(2).strip() for m in _PAIR.finditer(normalise_text(text))}


def _pairs_match(claimed: str, real: Any, rel_tol: float, abs_tol: float) -> bool:
    """Every `name = value` the claim states is among the real results with the same value.

    Why a subset is enough: tools print every derived quantity (and echo their inputs); a trace that
    quotes only the one it needs has not misreported anything.
    """
    cpairs = named_values(claimed)
    if not cpairs:
        return False
    # the claim must consist of its pairs (no unexplained extra text such as a different conclusion)
    rest = _PAIR.sub("", normalise_text(claimed))
    if re.sub(r"[\s,;()]", "", rest):
        return False
    rpairs = named_values(real.output)
    rvalue = {str(k).lower(): v for k, v in real.value.items()} if isinstance(real.value, dict) else {}
    for key, val in cpairs.items():
        if key in rpairs:  # the printed result decides (it carries the unit)
            if text_match(val, rpairs[key], rel_tol=rel_tol, abs_tol=abs_tol):
                continue
            return False
        if key in rvalue and values_match(val, rvalue[key] if not isinstance(rvalue[key], (int, float))
                                          else str(rvalue[key]), rel_tol=rel_tol, abs_tol=abs_tol):
            continue
        return False
    return True


SAT_STATUSES = ("sat", "unsat", "unknown", "proved", "disproved", "not proved", "counterexample")


def sat_status_match(claimed: str, real: Any) -> bool:
    """For satisfiability results, the status decides: a satisfying assignment is one of many, so a
    trace may quote a different (equally valid) model than the one Z3 happened to return."""
    status = real.value.get("result") if isinstance(real.value, dict) else None
    if not isinstance(status, str) or status.lower() not in SAT_STATUSES:
        return False
    head = re.split(r"[:;,(\n]", normalise_text(claimed).lower(), maxsplit=1)[0].strip()
    return head == status.lower()


def result_matches(claimed: str | None, real: Any, *, rel_tol: float = 1e-6, abs_tol: float = 1e-9,
                   unordered: bool = False, status_only: bool = False) -> bool:
    """Does `claimed` (the trace's text) state the real `ToolResult`? See the module docstring.

    `status_only`: compare only a satisfiability status (see `sat_status_match`)."""
    if claimed is None:
        return False
    if status_only and real.ok and sat_status_match(claimed, real):
        return True
    if not real.ok:
        ck = _key(claimed)
        return ck.startswith("error") or (bool(real.error) and _key(real.error) in ck)
    if _key(claimed).startswith("error"):
        return False
    if text_match(claimed, real.output, rel_tol=rel_tol, abs_tol=abs_tol, unordered=unordered):
        return True
    if _pairs_match(claimed, real, rel_tol, abs_tol):
        return True
    stripped = claimed.strip()
    if stripped[:1] in "[{" and real.value is not None and not isinstance(real.value, str):
        try:
            decoded = json.loads(stripped)
        except json.JSONDecodeError:
            decoded = None
        if decoded is not None and values_match(decoded, real.value, rel_tol=rel_tol, abs_tol=abs_tol,
                                                unordered=unordered, _top=True):
            return True
    if isinstance(real.value, (int, float)) and not isinstance(real.value, bool):
        nc = parse_number(claimed)
        if nc is not None and _numbers_match(nc, Number(float(real.value), None), rel_tol, abs_tol):
            return True
    elif isinstance(real.value, str) and real.value != real.output:
        return text_match(claimed, real.value, rel_tol=rel_tol, abs_tol=abs_tol, unordered=unordered)
    return False


__all__ = ["result_matches", "text_match", "values_match", "is_unordered", "is_status_only", "UNORDERED_OPS",
           "UNORDERED_KINDS", "STATUS_ONLY_OPS"]

"""Is answer `got` the same as answer `expected`? One function every stage agrees on.

Answers arrive in many spellings: `0.5`, `1/2`, `\\frac{1}{2}`, `\\boxed{0.5}`, `5.0e-1`; `40.7747 m` and
`40.77 m`; `[2, 3]` and `x = 3, x = 2`; `3*x**2 + 2` and `2 + 3x^2`. The offline backend checks each
synthetic trace against its generator with this, and the execute stage checks a model's final answer
and its claimed tool results, so it must accept a *rounded* correct answer but reject a wrong one.

Rounding rule (why not a plain relative tolerance): a number written with k significant digits
(k >= `MIN_ROUNDED_SIG`) stands for every value that rounds to it, so `2.87` matches `2.87234`
(|diff| <= half a unit in its last place) but `2.88` does not. Integers written without a decimal point
are exact (a count of 3 is not "3.4 rounded"). Everything else uses `rel_tol`/`abs_tol`.

Safety: answers are model-written text. Nothing here evals a string: plain numbers are parsed by regex,
expressions through the safe parser `tools.expr` (AST whitelist) when it is available, LaTeX through
math-verify's LaTeX grammar only (its plain-expression mode calls `parse_expr`, i.e. eval, so it is not
used), and math-verify is only called from the main thread because its timeout uses `signal.alarm`.
"""

from __future__ import annotations

import ast
import math
import random
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache
from typing import Any

ABS_TOL = 1e-9
MIN_ROUNDED_SIG = 3          # a number with fewer significant digits only matches within rel_tol
MAX_LEN = 2000               # longer answers are compared as text only (bounded work per call)

# -- text normalisation -----------------------------------------------------------------------------

_BOXED = re.compile(r"\\(?:boxed|fbox)\s*\{")
_TEXT_CMD = re.compile(r"\\(?:text|mathrm|textrm|mathbf|operatorname|mbox)\s*\{([^{}]*)\}")
_FRAC = re.compile(r"\\[dt]?frac\s*\{([^{}]*)\}\s*\{([^{}]*)\}")
_POWER_BRACES = re.compile(r"\^\s*\{([^{}]*)\}")
_SQRT = re.compile(r"\\sqrt\s*\{([^{}]*)\}")
_LATEX_SIMPLE = {
    r"\geq": ">=", r"\leq": "<=", r"\neq": "!=",
    r"\left": "", r"\right": "", r"\cdot": "*", r"\times": "*", r"\,": " ", r"\;": " ", r"\!": "",
    r"\quad": " ", r"\pi": "pi", r"\infty": "oo", r"\%": "%", "−": "-", "×": "*", "·": "*",
    "≈": "=", r"\approx": "=", "^{\\circ}": " deg", "^\\circ": " deg", "°": " deg", r"\le": "<=",
    r"\ge": ">=", "≤": "<=", "≥": ">=", r"\{": "{", r"\}": "}",
}
_PREFIXES = re.compile(r"^(?:the\s+)?(?:final\s+)?(?:answer\s*(?:is)?\s*[:=]?\s*)", re.I)


def _strip_boxed(text: str) -> str:
    """`\\boxed{...}` → its (brace-balanced) content; the last box wins, as in graders."""
    while True:
        found = list(_BOXED.finditer(text))
        if not found:
            return text
        m = found[-1]
        depth, i = 1, m.end()
        while i < len(text) and depth:
            depth += {"{": 1, "}": -1}.get(text[i], 0)
            i += 1
        if depth:
            return text
        text = text[: m.start()] + text[m.end(): i - 1] + text[i:]


_WS = re.compile(r"\s+")


def normalise_text(text: str) -> str:
    """Case-, space- and decoration-insensitive form used for text comparison and before parsing."""
    return _normalise(text if type(text) is str else str(text))


@lru_cache(maxsize=1 << 17)
def _normalise(text: str) -> str:
    # Memoised: one answer or tool output is normalised by every comparison it takes part in (the
    # execute stage's answer layer alone asks ~150k times for ~25k distinct strings at 12k traces).
    t = text.strip()
    latex = "\\" in t
    if latex:
        t = _strip_boxed(t)
        t = t.replace("$", "").replace("\\[", "").replace("\\]", "").replace("\\(", "").replace("\\)", "")
    else:
        t = t.replace("$", "")
    # The substitutions only remove or rearrange characters, so a text without a backslash never
    # gains one (and without '^' never gains one): the patterns that need them cannot match.
    if latex or "^" in t:
        for _ in range(3):
            t = _POWER_BRACES.sub(r"^(\1)", t)
            if latex:
                t = _TEXT_CMD.sub(r"\1", t)
                t = _FRAC.sub(r"(\1)/(\2)", t)
                t = _SQRT.sub(r"sqrt(\1)", t)
    for a, b in _LATEX_SIMPLE.items():
        t = t.replace(a, b)
    t = _PREFIXES.sub("", t)
    t = _WS.sub(" ", t).strip()
    t = t.rstrip(".").strip()
    return t


@lru_cache(maxsize=1 << 16)
def _text_key(text: str) -> str:
    return _WS.sub("", normalise_text(text)).lower()


# -- numbers with optional units --------------------------------------------------------------------

_NUM = r"[-+]?(?:\d{1,3}(?:,\d{3})+|\d+)?(?:\.\d+)?(?:[eE][-+]?\d+)?"
_SCI = re.compile(
    r"^(?P<m>[-+]?(?:\d+\.?\d*|\.\d+))\s*(?:\*|x|×)\s*10\s*(?:\^|\*\*)\s*\{?\s*\(?(?P<e>[-+]?\d+)\)?\s*\}?")
_PLAIN = re.compile(r"^(?P<n>[-+]?(?:\d{1,3}(?:,\d{3})+(?![\d])|\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)")
_FRACTION = re.compile(r"^\(?(?P<p>[-+]?\d+)\)?\s*/\s*\(?(?P<q>\d+)\)?(?![\d.])")
_UNIT = re.compile(r"^[A-Za-zµμΩ°%][A-Za-z0-9µμΩ°%·*/^()\-\s.]*$")


@dataclass(frozen=True)
class Number:
    """A parsed number: value, how many significant digits were written, whether written as exact."""

    value: float
    sig: int | None          # None: exact (integer or fraction)
    unit: str = ""
    integer: int | None = None  # the exact value when written as an integer (floats lose digits past 2**53)


def _sig_digits(mantissa: str) -> int:
    digits = mantissa.lstrip("+-").replace(",", "")
    digits = digits.split("e")[0].split("E")[0]
    if "." not in digits:
        return len(digits.lstrip("0")) or 1
    return len(digits.replace(".", "").lstrip("0")) or 1


def parse_number(text: str) -> Number | None:
    """`"40.7747 m"`, `"1.8e-05"`, `"1.8 × 10^-5"`, `"1/2"`, `"1,000"`, `"12%"` → Number; else None."""
    return _parse_number(text if type(text) is str else str(text))


@lru_cache(maxsize=1 << 16)
def _parse_number(text: str) -> Number | None:
    # Memoised (a Number is immutable): the answer layer parses each token of each output per answer.
    t = normalise_text(text)
    if not t or len(t) > 200:
        return None
    rest: str
    integer: int | None = None
    m = _SCI.match(t)
    if m:
        mant = m.group("m")
        value = float(mant) * 10.0 ** int(m.group("e"))
        sig: int | None = _sig_digits(mant)
        rest = t[m.end():]
    else:
        m = _FRACTION.match(t)
        if m and int(m.group("q")) != 0:
            value = float(Fraction(int(m.group("p")), int(m.group("q"))))
            sig = None
            rest = t[m.end():]
        else:
            m = _PLAIN.match(t)
            if not m:
                return None
            raw = m.group("n")
            value = float(raw.replace(",", ""))
            exact = not any(c in raw for c in ".eE")
            sig = None if exact else _sig_digits(raw)
            integer = int(raw.replace(",", "")) if exact else None
            rest = t[m.end():]
    unit = rest.strip()
    if unit and not _UNIT.match(unit):
        return None
    if not math.isfinite(value):
        return None
    return Number(value, sig, _unit_key(unit), integer)


def _unit_key(unit: str) -> str:
    u = unit.strip().replace(" ", "").replace("**", "^").replace("μ", "µ")
    u = u.replace("·", "*").replace("°", "deg")
    return u


def close(a: float, b: float, rel_tol: float, abs_tol: float = ABS_TOL) -> bool:
    """Relative tolerance; `abs_tol` only when one side is exactly zero (so 3e-11 is not 3e-20)."""
    if a == 0 or b == 0:
        return abs(a - b) <= abs_tol
    return math.isclose(a, b, rel_tol=rel_tol)


def numbers_close(a: Number, b: Number, rel_tol: float = 1e-6, abs_tol: float = ABS_TOL) -> bool:
    """Within tolerance, or one is the other rounded to its written significant digits.

    Two integers must be equal: a 21-digit count is not "close" to another one.
    """
    if a.integer is not None and b.integer is not None:
        return a.integer == b.integer
    if close(a.value, b.value, rel_tol, abs_tol):
        return True
    for rounded, other in ((a, b), (b, a)):
        if rounded.sig is None or rounded.sig < MIN_ROUNDED_SIG or rounded.value == 0:
            continue
        exp = math.floor(math.log10(abs(rounded.value)))
        half_ulp = 0.5 * 10.0 ** (exp - rounded.sig + 1)
        if abs(rounded.value - other.value) <= half_ulp * (1 + 1e-9) + abs(other.value) * rel_tol:
            return True
    return False


def _numbers_equivalent(a: Number, b: Number, rel_tol: float) -> bool:
    if a.unit and b.unit and a.unit.lower() != b.unit.lower():
        return False
    return numbers_close(a, b, rel_tol)


# -- lists, sets, assignments --------------------------------------------------------------------

_ASSIGN = re.compile(r"^\s*([A-Za-z_][A-Za-z_0-9]*)\s*(?:=|:)\s*(.+)$", re.S)
_OPEN, _CLOSE = "([{", ")]}"


def split_top_level(text: str, sep: str = ",") -> list[str]:
    """Split on `sep` outside brackets; `[1, [2, 3]]` inner commas are kept."""
    parts, depth, cur = [], 0, []
    for ch in text:
        if ch in _OPEN:
            depth += 1
        elif ch in _CLOSE:
            depth -= 1
        if ch == sep and depth == 0:
            parts.append("".join(cur))
            cur = []
        else:
            cur.append(ch)
    parts.append("".join(cur))
    return [p.strip() for p in parts]


def _unwrap(text: str) -> str:
    """Strip one pair of outer brackets when they enclose the whole text."""
    t = text.strip()
    if len(t) >= 2 and t[0] in _OPEN and t[-1] == _CLOSE[_OPEN.index(t[0])]:
        depth = 0
        for i, ch in enumerate(t):
            depth += (ch in _OPEN) - (ch in _CLOSE)
            if depth == 0 and i < len(t) - 1:
                return t
        return t[1:-1].strip()
    return t


_GROUPED_NUMBER = re.compile(r"[-+]?\d{1,3}(,\d{3})+(\.\d+)?(\s*\S+)?")
_AND_OR = re.compile(r"\s(?:and|or)\s")


def as_items(text: str) -> list[str] | None:
    """The elements of a list/set/tuple answer (`[1, 2]`, `{2, 1}`, `x = 1, x = 2`, `1 and 2`), or None."""
    items = _as_items(text if type(text) is str else str(text))
    return None if items is None else list(items)


@lru_cache(maxsize=1 << 15)
def _as_items(text: str) -> tuple[str, ...] | None:
    # Memoised as a tuple (callers get a fresh list): an output is split once per answer it is checked against.
    t = normalise_text(text)
    if _GROUPED_NUMBER.fullmatch(t):
        return None  # "1,000" / "1,000 kg" is a number
    inner = _unwrap(t)
    parts = split_top_level(inner)
    if len(parts) == 1 and _AND_OR.search(inner):
        parts = [p.strip() for p in _AND_OR.split(inner)]
    if len(parts) < 2 and inner == t:
        return None
    return tuple(p for p in parts if p)


def _strip_assignment(text: str) -> tuple[str | None, str]:
    m = _ASSIGN.match(normalise_text(text))
    if m and "=" not in m.group(2):
        return m.group(1), m.group(2).strip()
    return None, text


# -- symbolic expressions -----------------------------------------------------------------------------

def _safe_parser() -> Callable[[str], Any] | None:
    """The safe expression parser from `tools.expr` (written alongside), if it exists yet."""
    try:
        from tools import expr  # type: ignore[attr-defined]
    except ImportError:
        return None
    for name in ("to_sympy", "parse_expr_safe"):
        fn = getattr(expr, name, None)
        if callable(fn):
            return fn
    return None


_CONSTANT_OF_INTEGRATION = re.compile(r"\s*\+\s*C\s*$")


@lru_cache(maxsize=1 << 14)
def _symbolic_source(text: str) -> str | None:
    """The text `_parse_symbolic` hands to the parser, or None when it does not try."""
    t = normalise_text(text).replace("^", "**")
    t = _CONSTANT_OF_INTEGRATION.sub("", t)
    if not t or len(t) > 500:
        return None
    return t


@lru_cache(maxsize=4096)
def _parse_symbolic(text: str) -> Any:
    parser = _safe_parser()
    if parser is None:
        return None
    t = _symbolic_source(text)
    if t is None:
        return None
    try:
        return parser(t)
    except Exception:  # noqa: BLE001 - any parse failure means "not an expression we can compare"
        return None


# What `_parse_symbolic` will return, read from the syntax tree alone (`_symbolic_shape`): None (None),
# n >= 0 (a list of n objects, or None), or one of these (each "or None"):
EXPR = "expr"        # a SymPy `Expr`
BOOLEAN = "boolean"  # a SymPy `Boolean` (`x = 1`, `a < b`: a relational, `true` or `false`)
SCALAR = "scalar"    # some SymPy object, not a list
UNKNOWN = "unknown"  # anything, a list included: build it to know

_ARITHMETIC = (ast.Add, ast.Sub, ast.Mult, ast.Div, ast.FloorDiv, ast.Mod, ast.Pow)


@lru_cache(maxsize=1 << 14)
def _symbolic_shape(text: str) -> int | str | None:
    """What `_parse_symbolic(text)` will be (see `EXPR` etc. above), from the parsed syntax tree.

    Why: building SymPy objects is the answer layer's main cost (`v = 12.3 m/s, t = 2 s` builds an `Eq`
    per item, and each asks SymPy's assumption system whether it holds), while `symbolic_equivalent`
    can only say yes to a list of the same length as a list, and for a Boolean only to an equal Boolean,
    never to an `Expr` (see `_may_compare`). The tree is the one `tools.expr.to_sympy` builds from (a
    text it rejects cannot be parsed), and its builder maps nodes to objects predictably: a tuple/list
    to a list of its length, a comparison to `Eq`/`Lt`/... (a Boolean), numbers and names to numbers,
    symbols and constants, and arithmetic on those to an `Expr`. Python lists come from list literals
    only (`[1] + [2]` is a list), so a tree with one anywhere but at the top is `UNKNOWN`.
    """
    if _safe_parser() is None:
        return None
    src = _symbolic_source(text)
    if src is None:
        return None
    try:
        from tools.expr import parse_ast
    except ImportError:
        return UNKNOWN
    try:
        tree = parse_ast(src)
    except Exception:  # noqa: BLE001 - to_sympy raises the same way, and _parse_symbolic gives None
        return None
    node = tree.body
    while isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.UAdd):  # the builder returns +x as x
        node = node.operand
    if isinstance(node, (ast.Tuple, ast.List)):
        return len(node.elts)
    if isinstance(node, ast.Compare):
        return BOOLEAN
    if any(isinstance(n, (ast.Tuple, ast.List)) for n in ast.walk(node)):
        return UNKNOWN
    return EXPR if _builds_expr(node) else SCALAR


def _builds_expr(node: ast.AST) -> bool:
    """True when the builder turns `node` (a tree without list literals) into an `Expr` or fails."""
    if isinstance(node, ast.Constant):
        return isinstance(node.value, (int, float)) and not isinstance(node.value, bool)
    if isinstance(node, ast.Name):  # a symbol or a constant (pi, E, I, oo)
        return True
    if isinstance(node, ast.UnaryOp):
        return isinstance(node.op, (ast.USub, ast.UAdd)) and _builds_expr(node.operand)
    if isinstance(node, ast.BinOp):  # arithmetic on anything but Exprs fails
        return isinstance(node.op, _ARITHMETIC)
    return False


def _may_compare(a: int | str | None, b: int | str | None) -> bool:
    """Can `symbolic_equivalent` of parses of these shapes be True (so they must be built to know)?

    A list equals only a list of its length; any other object is an `Expr` only for the numeric test,
    else must be `==` the other, and a Boolean never equals an `Expr`.
    """
    if a is None or b is None:
        return False
    if UNKNOWN in (a, b):
        return True
    if isinstance(a, int) or isinstance(b, int):
        return a == b
    return {a, b} != {BOOLEAN, EXPR}


def symbolic_equivalent(a: Any, b: Any, rel_tol: float = 1e-6, trials: int = 6) -> bool:
    """Two SymPy expressions agree at several random points (plus exact structural equality).

    Random-point evaluation is used instead of `simplify(a - b) == 0`: it is bounded in time (no
    simplification search), and a false "equal" needs a polynomial identity test to fail at six random
    real points, which does not happen for the expressions seen here.
    """
    import sympy

    try:
        if a == b:
            return True
        if isinstance(a, sympy.MatrixBase) or isinstance(b, sympy.MatrixBase):
            if not (isinstance(a, sympy.MatrixBase) and isinstance(b, sympy.MatrixBase)) or a.shape != b.shape:
                return False
            return all(symbolic_equivalent(x, y, rel_tol, trials) for x, y in zip(a, b, strict=True))
        if not (isinstance(a, sympy.Expr) and isinstance(b, sympy.Expr)):
            return False
        syms = sorted(a.free_symbols | b.free_symbols, key=lambda s: s.name)
        if len(syms) > 8:
            return False
        rng = random.Random(12345)
        compared = 0
        for _ in range(trials * 3):
            point = {s: sympy.Float(rng.uniform(0.31, 2.7), 30) for s in syms}
            va = complex(a.evalf(20, subs=point))
            vb = complex(b.evalf(20, subs=point))
            if any(math.isnan(v.real) or math.isinf(v.real) for v in (va, vb)):
                continue
            if not (math.isclose(va.real, vb.real, rel_tol=rel_tol, abs_tol=1e-9)
                    and math.isclose(va.imag, vb.imag, rel_tol=rel_tol, abs_tol=1e-9)):
                return False
            compared += 1
            if compared >= (trials if syms else 1):
                return True
        return False
    except (TypeError, ValueError, AttributeError, ArithmeticError, RecursionError):
        return False


def _constant_value(expr: Any) -> float | None:
    """The real value of a SymPy expression without free symbols, else None."""
    try:
        if getattr(expr, "free_symbols", None) or not hasattr(expr, "evalf"):
            return None
        value = complex(expr.evalf(20))
    except (TypeError, ValueError, AttributeError, ArithmeticError, RecursionError):
        return None
    if value.imag or not math.isfinite(value.real):
        return None
    return value.real


# -- math-verify (LaTeX), main thread only ---------------------------------------------------------

def _math_verify(got: str, expected: str) -> bool | None:
    """math-verify on LaTeX answers; None when not applicable (not main thread, not LaTeX, failed)."""
    if threading.current_thread() is not threading.main_thread():
        return None
    if "\\" not in got + expected:
        return None
    try:
        from math_verify import LatexExtractionConfig, parse, verify
    except ImportError:
        return None
    try:
        cfg = [LatexExtractionConfig(try_extract_without_anchor=True)]

        def wrap(s: str) -> str:
            return s if "$" in s or "\\boxed" in s else f"${s}$"

        g = parse(wrap(expected), extraction_config=cfg, parsing_timeout=3)
        t = parse(wrap(got), extraction_config=cfg, parsing_timeout=3)
        if not g or not t:
            return None
        return bool(verify(g, t, timeout_seconds=3))
    except Exception:  # noqa: BLE001 - math-verify raising means "cannot decide", not "different"
        return None


# -- the public function -------------------------------------------------------------------------

def answers_equivalent(got: Any, expected: Any, rel_tol: float = 1e-6, _depth: int = 0) -> bool:
    """True when `got` and `expected` state the same answer (see the module docstring for the rules)."""
    if isinstance(got, str) and isinstance(expected, str):
        # Memoised: the execute stage compares the same answer with several outputs and items, and a
        # SymPy comparison costs milliseconds. math-verify only runs on the main thread, so that is
        # part of the key.
        on_main = threading.current_thread() is threading.main_thread()
        return _equivalent_memo(got, expected, float(rel_tol), _depth, on_main)
    return _answers_equivalent(got, expected, rel_tol, _depth)


@lru_cache(maxsize=1 << 16)
def _equivalent_memo(got: str, expected: str, rel_tol: float, depth: int, on_main: bool) -> bool:
    return _answers_equivalent(got, expected, rel_tol, depth)


def _answers_equivalent(got: Any, expected: Any, rel_tol: float = 1e-6, _depth: int = 0) -> bool:
    if got is None or expected is None:
        return got is None and expected is None
    got_s, exp_s = str(got), str(expected)
    if _text_key(got_s) == _text_key(exp_s):
        return True
    if len(got_s) > MAX_LEN or len(exp_s) > MAX_LEN or _depth > 3:
        return False

    ng, ne = parse_number(got_s), parse_number(exp_s)
    if ng is not None and ne is not None:
        return _numbers_equivalent(ng, ne, rel_tol)

    # "x = 3" vs "3"
    vg, rg = _strip_assignment(got_s)
    ve, re_ = _strip_assignment(exp_s)
    if (vg is None) != (ve is None) or (vg is not None and vg == ve):
        if vg is not None or ve is not None:
            return answers_equivalent(rg, re_, rel_tol, _depth + 1)

    ig, ie = as_items(got_s), as_items(exp_s)
    if ig is not None or ie is not None:
        ig = ig if ig is not None else [got_s]
        ie = ie if ie is not None else [exp_s]
        if len(ig) == len(ie) and (len(ig) > 1 or ig != [got_s] or ie != [exp_s]):
            if _is_matrix(ig) and _is_matrix(ie):  # rows of a matrix keep their order
                return all(answers_equivalent(x, y, rel_tol, _depth + 1) for x, y in zip(ig, ie, strict=True))
            return _multiset_match(ig, ie, rel_tol, _depth)

    # SymPy objects are built only where they can decide (see `_symbolic_shape`)
    ag = _symbolic_shape(got_s)
    # `ae` matters for a comparison (needs ag) or for the constant check of a plain number `got`
    ae = _symbolic_shape(exp_s) if ag is not None or (ng is not None and not ng.unit) else None
    if _may_compare(ag, ae):
        sg, se = _parse_symbolic(got_s), _parse_symbolic(exp_s)
        if sg is not None and se is not None and symbolic_equivalent(sg, se, rel_tol):
            return True
    # a rounded decimal against an exact constant (0.785 vs pi/4): the rounding rule applies
    for num, text, shape in ((ng, exp_s, ae), (ne, got_s, ag)):
        if num is not None and not num.unit and shape is not None and not isinstance(shape, int):
            sym = _parse_symbolic(text)  # (a list has no constant value)
            value = None if sym is None else _constant_value(sym)
            if value is not None and numbers_close(num, Number(value, None), rel_tol):
                return True

    mv = _math_verify(got_s, exp_s)
    return bool(mv)


def _is_matrix(items: list[str]) -> bool:
    return len(items) > 1 and all(i.startswith("[") and i.endswith("]") for i in items)


def _multiset_match(a: list[str], b: list[str], rel_tol: float, depth: int) -> bool:
    """Order-insensitive: every element of `a` pairs with a distinct equivalent element of `b`."""
    remaining = list(b)
    for item in a:
        for j, other in enumerate(remaining):
            if answers_equivalent(item, other, rel_tol, depth + 1):
                del remaining[j]
                break
        else:
            return False
    return True


__all__ = ["answers_equivalent", "normalise_text", "parse_number", "numbers_close", "Number",
           "as_items", "split_top_level", "symbolic_equivalent"]

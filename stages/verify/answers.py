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
_UNICODE_SIMPLE = tuple((a, b) for a, b in _LATEX_SIMPLE.items() if "\\" not in a)  # all non-ASCII
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


def _memoised_on_text(maxsize: int, out: Callable[[Any], Any] | None = None) -> Callable[[Callable[[str], Any]], Any]:
    """Decorator: memoise a function of one text, called with `str(arg)` (callers pass numbers too).

    Why: an answer or tool output takes part in many comparisons, and each normalises, parses and splits
    it again (the execute stage's answer layer asks ~150k times for ~25k distinct strings at 12k traces).
    `out` turns the memoised (immutable) value into what each caller gets: a fresh list from a tuple.
    The memoised function itself is the wrapper's `memo` (no `str()` and no copy: for internal callers).
    """
    def decorate(fn: Callable[[str], Any]) -> Any:
        memo = lru_cache(maxsize=maxsize)(fn)
        if out is None:
            def call(text: Any) -> Any:
                return memo(text if type(text) is str else str(text))
        else:
            def call(text: Any) -> Any:
                return out(memo(text if type(text) is str else str(text)))
        call.__name__, call.__qualname__, call.__doc__ = fn.__name__, fn.__qualname__, fn.__doc__
        call.memo = memo  # type: ignore[attr-defined]
        return call
    return decorate


@_memoised_on_text(1 << 17)
def normalise_text(text: str) -> str:
    """Case-, space- and decoration-insensitive form used for text comparison and before parsing."""
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
    if latex:
        for a, b in _LATEX_SIMPLE.items():
            t = t.replace(a, b)
    elif not t.isascii():  # (no replacement adds a backslash, and the other patterns are not ASCII)
        for a, b in _UNICODE_SIMPLE:
            t = t.replace(a, b)
    t = _PREFIXES.sub("", t)
    t = _WS.sub(" ", t).strip()
    t = t.rstrip(".").strip()
    return t


@_memoised_on_text(1 << 16)
def _text_key(text: str) -> str:
    """The text compared for plain equality: normalised, without spaces, lower case."""
    return _WS.sub("", normalise_text.memo(text)).lower()


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


@_memoised_on_text(1 << 16)
def parse_number(text: str) -> Number | None:
    """`"40.7747 m"`, `"1.8e-05"`, `"1.8 × 10^-5"`, `"1/2"`, `"1,000"`, `"12%"` → Number; else None."""
    # Memoised (a Number is immutable): the answer layer parses each token of each output per answer.
    t = normalise_text.memo(text)
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


def _fresh_list(items: tuple[str, ...] | None) -> list[str] | None:
    return None if items is None else list(items)


@_memoised_on_text(1 << 15, out=_fresh_list)
def as_items(text: str) -> tuple[str, ...] | None:
    """The elements of a list/set/tuple answer (`[1, 2]`, `{2, 1}`, `x = 1, x = 2`, `1 and 2`), or None.

    Callers get a fresh list (they may change it); `as_items.memo` is the memoised tuple."""
    t = normalise_text.memo(text)
    if _GROUPED_NUMBER.fullmatch(t):
        return None  # "1,000" / "1,000 kg" is a number
    inner = _unwrap(t)
    parts = split_top_level(inner)
    if len(parts) == 1 and _AND_OR.search(inner):
        parts = [p.strip() for p in _AND_OR.split(inner)]
    if len(parts) < 2 and inner == t:
        return None
    return tuple(p for p in parts if p)


@lru_cache(maxsize=1 << 15)
def _list_arity(text: str) -> int | None:
    """k when `text` lists k items separated by commas at top level (`a, b`, `[a, b]`, `(a, b, c)`);
    `_parse_symbolic(text)` is then a list of k or None.

    Why that holds: brackets the parser accepts are matched, so a comma outside all brackets (here
    counted without regard to bracket type, as `split_top_level` does) is outside them for Python too,
    where it makes a tuple of the comma-separated parts (an empty part other than a trailing one is a
    syntax error); `[...]`/`(...)` around the whole list give a list/tuple of the same parts, `{...}` a
    set, which the parser rejects. `tools.expr` neither adds nor removes commas or brackets (its
    conveniences add `*`, `**`, and balanced `factorial(...)`/`sqrt(...)`), and it builds a top-level
    tuple or list as a list of its length (see `_symbolic_shape`).
    """
    t = normalise_text.memo(text)
    if "," not in t or _GROUPED_NUMBER.fullmatch(t):
        return None
    parts = split_top_level(_unwrap(t))
    if len(parts) < 2:
        return None
    return sum(1 for p in parts if p)


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


@dataclass(frozen=True)
class _Analysis:
    """What one parse of a text tells: its `shape`, and a way to decide comparisons without SymPy."""

    shape: int | str | None
    arith: _Arith | None = None                # the text is plain arithmetic (see `_Arith`)
    relation: frozenset[str] | None = None     # `a op b` of names/integers SymPy keeps as written: its names


_NOTHING = _Analysis(None)


@lru_cache(maxsize=1 << 14)
def _analyse(text: str) -> _Analysis:
    if _safe_parser() is None:
        return _Analysis(None)
    src = _symbolic_source(text)
    if src is None:
        return _Analysis(None)
    try:
        from tools.expr import parse_ast
    except ImportError:
        return _Analysis(UNKNOWN)
    try:
        tree = parse_ast(src)
    except Exception:  # noqa: BLE001 - to_sympy raises the same way, and _parse_symbolic gives None
        return _Analysis(None)
    node = tree.body
    while isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.UAdd):  # the builder returns +x as x
        node = node.operand
    if isinstance(node, (ast.Tuple, ast.List)):
        return _Analysis(len(node.elts))
    if isinstance(node, ast.Compare):
        return _Analysis(BOOLEAN, relation=_simple_relation(node))
    if any(isinstance(n, (ast.Tuple, ast.List)) for n in ast.walk(node)):
        return _Analysis(UNKNOWN)
    return _Analysis(EXPR if _builds_expr(node) else SCALAR, arith=_Arith.compile(node))


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
    return _analyse(text).shape


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


_SYMBOL = "symbol"


@lru_cache(maxsize=1 << 12)
def _name_meaning(name: str) -> str | Bounded | None:
    """What the builder makes of the name `name`, asked of the parser itself (once per name): `_SYMBOL`
    for the plain `Symbol(name)`, (value, error bound) for pi and E, else None."""
    parser = _safe_parser()
    if parser is None:
        return None
    try:
        built = parser(name)
    except Exception:  # noqa: BLE001 - a name the parser rejects is neither
        return None
    import sympy

    if type(built) is sympy.Symbol and built.name == name:
        return _SYMBOL
    if built is sympy.pi:
        return math.pi, math.pi * _ULP
    if built is sympy.E:
        return math.e, math.e * _ULP
    return None


def _plain_symbol(name: str) -> bool:
    return _name_meaning(name) == _SYMBOL


_PROBE = "zqprobe"


@lru_cache(maxsize=256)
def _function_meaning(name: str) -> str | None:
    """Which of exp, log, sqrt, sin, cos the builder makes of `name(...)` (checked on a symbol), or None."""
    parser = _safe_parser()
    if parser is None:
        return None
    try:
        built = parser(f"{name}({_PROBE})")
    except Exception:  # noqa: BLE001 - not a function of one argument
        return None
    import sympy

    z = sympy.Symbol(_PROBE)
    for meaning, fn in (("exp", sympy.exp), ("log", sympy.log), ("sqrt", sympy.sqrt), ("sin", sympy.sin),
                        ("cos", sympy.cos)):
        if built == fn(z):
            return meaning
    return None


def _int_literal(node: ast.AST) -> int | None:
    """The value of an integer literal, optionally signed (the builder makes it a SymPy `Integer`)."""
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        inner = _int_literal(node.operand)
        return None if inner is None else (-inner if isinstance(node.op, ast.USub) else inner)
    if isinstance(node, ast.Constant) and type(node.value) is int:
        return node.value
    return None


def _simple_relation(node: ast.Compare) -> frozenset[str] | None:
    """The names of `a op b` when SymPy keeps it as written: a and b are plain symbols or integers (or
    True/False in `=`, `!=`), at least one a symbol, not one symbol twice (`Eq(x, 1)`, `y < x`,
    `Eq(x, True)`: a symbol without assumptions leaves nothing to decide). Its free symbols are then
    exactly these names."""
    if len(node.ops) != 1:
        return None
    names = []
    for side in (node.left, node.comparators[0]):
        if isinstance(side, ast.Name) and _plain_symbol(side.id):
            names.append(side.id)
        elif isinstance(side, ast.Constant) and type(side.value) is bool:
            if not isinstance(node.ops[0], (ast.Eq, ast.NotEq)):  # `x < True` is an error
                return None
        elif _int_literal(side) is None:
            return None
    if not names or (len(names) == 2 and names[0] == names[1]):
        return None
    return frozenset(names)


# -- plain arithmetic, decided without SymPy ----------------------------------------------------------
#
# Most comparisons that reach SymPy are of polynomials and rational functions with integer or decimal
# coefficients (`3*(x - 7)/(x - 5)` against `(3*x - 21)/(x - 5)`, a series against its reordering, `54`
# against `unsat`), and building the two SymPy objects and evaluating them costs milliseconds. For
# those, `_fast_equivalent` computes what `symbolic_equivalent` would say, in floating point with a
# rigorous bound on the rounding error, at the very points it would use; whatever the bound cannot
# settle goes to SymPy as before. Why the verdict is the same:
#
# - the same points: every name is a plain `Symbol` (`_plain_symbol`) and the function provably depends
#   on it (`_Arith.live`: moving that name alone changes the value by more than the error bounds), and
#   SymPy can neither drop a symbol the function depends on nor add one, so its free symbols, which pick
#   the points, are exactly the names;
# - the same values: the built object is the text's arithmetic (integer literals make exact `Integer`s
#   and `Rational`s, a decimal literal the same double as a `Float`, pi, E, exp, log, sqrt, sin and cos
#   SymPy's exact ones, which libm evaluates within `_FN_ERR`), and `evalf(20)` is accurate far below
#   the margins; SymPy rounds arithmetic on `Float`s to 53 bits when it builds, so with decimal
#   literals the bounds are taken 1000 times wider (`_DECIMAL_SLACK`);
# - the same comparison: each point counts only when the difference is at most half the tolerance or at
#   least twice it, and the error bound at most a thousandth of it;
# - the same success: for these nodes the builder fails only on too large a power (`_check_power`:
#   exponents above 1000, a rational power of more than 4000 digits); exponents here are at most 64 and
#   `_MAX_BITS` bounds the size of any rational the literals can form well below that;
# - two relations (`x = 1`, `y < 2`) SymPy keeps as written are `==` only with the same free symbols.

_ULP = 2.0 ** -52          # twice a double's unit roundoff: also covers the rounding of the bounds
_TINY = 1e-300             # an absolute error term per operation (underflow)
_MAX_VALUE = 1e300
_MAX_EXPONENT = 64
_MAX_BITS = 4000
_DECIMAL_SLACK = 1000.0
_SYMBOLIC_ABS_TOL = 1e-9   # symbolic_equivalent's absolute tolerance
_LIVE_BASE, _LIVE_STEP, _LIVE_SHIFT = 0.5772156649015329, 0.4142135623730951, 0.7320508075688772

Bounded = tuple[float, float]  # (value, bound on |value - exact value|)


class _NotArith(Exception):
    """The tree is not plain arithmetic."""


class _Undecided(Exception):
    """The floating-point evaluation cannot settle it (a divisor too close to zero)."""


def _mul(x: Bounded, y: Bounded) -> Bounded:
    a, ra = x
    b, rb = y
    w = a * b
    return w, abs(a) * rb + abs(b) * ra + ra * rb + abs(w) * _ULP + _TINY


def _div(x: Bounded, y: Bounded) -> Bounded:
    a, ra = x
    b, rb = y
    if not abs(b) > 2.0 * rb:  # also a NaN
        raise _Undecided
    w = a / b
    return w, (abs(b) * ra + abs(a) * rb) / (abs(b) * (abs(b) - rb)) + abs(w) * _ULP + _TINY


def _pow(x: Bounded, n: int) -> Bounded:
    acc, k = (1.0, 0.0), abs(n)
    while k:
        if k & 1:
            acc = _mul(acc, x)
        k >>= 1
        if k:
            x = _mul(x, x)
    return _div((1.0, 0.0), acc) if n < 0 else acc


# The functions: libm's exp, log, sin and cos are within a few units in the last place (sqrt is exact
# to the last bit); `_FN_ERR` allows four, and for log, sin and cos at least that much absolutely.
_FN_ERR = 4 * _ULP


def _exp(x: Bounded) -> Bounded:
    a, ra = x
    w = math.exp(a)
    return w, w * math.expm1(ra) * (1 + _ULP) + _FN_ERR * w + _TINY  # (exp is accurate relative to w)


def _log(x: Bounded) -> Bounded:
    a, ra = x
    if not a - ra > 0:
        raise _Undecided
    w = math.log(a)
    return w, ra / (a - ra) * (1 + _ULP) + _FN_ERR * max(abs(w), 1.0) + _TINY


def _sqrt(x: Bounded) -> Bounded:
    a, ra = x
    if not a - ra > 0:
        raise _Undecided
    w = math.sqrt(a)
    return w, ra / math.sqrt(a - ra) * (1 + _ULP) + w * _ULP + _TINY


def _trig(f: Callable[[float], float]) -> Callable[[Bounded], Bounded]:
    def g(x: Bounded) -> Bounded:
        a, ra = x
        if not abs(a) < 1e4:  # keep to arguments libm reduces accurately
            raise _Undecided
        w = f(a)
        return w, ra + _FN_ERR * max(abs(w), 1.0) + _TINY  # sin and cos change at most as fast as x
    return g


_FUNCTIONS: dict[str, Callable[[Bounded], Bounded]] = {
    "exp": _exp, "log": _log, "sqrt": _sqrt, "sin": _trig(math.sin), "cos": _trig(math.cos)}

# An `_Arith` is a postfix program of (opcode, argument) pairs: flat tuples of numbers and strings, which
# the garbage collector stops tracking (a tree of closures per memoised text made every full collection
# slower).
_CONST, _VAR, _NEG, _ADD, _SUB, _MUL, _DIV, _POW, _FN = range(9)


def _compile(node: ast.AST, code: list[tuple[int, Any]], names: set[str], decimals: list[bool]) -> int:
    """Append the program of `node` to `code`; return a bound on the bits of any rational the builder
    can form from it. Raises `_NotArith` for anything but plain arithmetic."""
    if isinstance(node, ast.Constant):
        v = node.value
        if type(v) is int:
            code.append((_CONST, (float(v), 0.0 if abs(v) <= 2 ** 53 else abs(float(v)) * _ULP)))
            return abs(v).bit_length() + 1
        if type(v) is float:
            decimals[0] = True
            code.append((_CONST, (v, 0.0)))
            return 1
        raise _NotArith
    if isinstance(node, ast.Name):
        meaning = _name_meaning(node.id)
        if meaning is None:
            raise _NotArith
        if meaning == _SYMBOL:
            names.add(node.id)
            code.append((_VAR, node.id))
        else:
            code.append((_CONST, meaning))
        return 1
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and len(node.args) == 1 and not node.keywords:
        fn = _function_meaning(node.func.id)
        if fn is None:
            raise _NotArith
        bits = _compile(node.args[0], code, names, decimals)
        code.append((_FN, fn))
        return bits + 1
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        bits = _compile(node.operand, code, names, decimals)
        if isinstance(node.op, ast.USub):
            code.append((_NEG, None))
        return bits
    if isinstance(node, ast.BinOp):
        op = node.op
        lbits = _compile(node.left, code, names, decimals)
        if isinstance(op, ast.Pow):
            n = _int_literal(node.right)
            if n is None or abs(n) > _MAX_EXPONENT:
                raise _NotArith
            code.append((_POW, n))
            return lbits * max(abs(n), 1) + 1
        opcode = _BINARY.get(type(op))
        if opcode is None:
            raise _NotArith
        rbits = _compile(node.right, code, names, decimals)
        code.append((opcode, None))
        return lbits + rbits + 1
    raise _NotArith


_BINARY = {ast.Add: _ADD, ast.Sub: _SUB, ast.Mult: _MUL, ast.Div: _DIV}


def _run(code: tuple[tuple[int, Any], ...], env: dict[str, float]) -> Bounded:
    stack: list[Bounded] = []
    push, pop = stack.append, stack.pop
    for op, arg in code:
        if op == _CONST:
            push(arg)
        elif op == _VAR:
            push((env[arg], 0.0))
        elif op == _MUL:
            y = pop()
            push(_mul(pop(), y))
        elif op == _ADD or op == _SUB:
            b, rb = pop()
            a, ra = pop()
            w = a + b if op == _ADD else a - b
            push((w, ra + rb + abs(w) * _ULP + _TINY))
        elif op == _POW:
            push(_pow(pop(), arg))
        elif op == _DIV:
            y = pop()
            push(_div(pop(), y))
        elif op == _NEG:
            v, r = pop()
            push((-v, r))
        else:
            push(_FUNCTIONS[arg](pop()))
    return stack[0]


class _Arith:
    """A text that is plain arithmetic: numbers, plain symbols, pi and E, + - * /, integer powers up to
    64, exp, log, sqrt, sin and cos."""

    __slots__ = ("code", "names", "decimals", "_live")

    def __init__(self, code: tuple[tuple[int, Any], ...], names: tuple[str, ...], decimals: bool):
        self.code, self.names, self.decimals = code, names, decimals
        self._live: bool | None = None

    @staticmethod
    def compile(node: ast.AST) -> _Arith | None:
        code: list[tuple[int, Any]] = []
        names: set[str] = set()
        decimals = [False]
        try:
            bits = _compile(node, code, names, decimals)
        except (_NotArith, RecursionError):
            return None
        if bits > _MAX_BITS:
            return None
        return _Arith(tuple(code), tuple(sorted(names)), decimals[0])

    def at(self, env: dict[str, float]) -> Bounded | None:
        """(value, error bound) at `env`, or None when that cannot be bounded."""
        try:
            v, r = _run(self.code, env)
        except (_Undecided, OverflowError, RecursionError):
            return None
        if not (abs(v) < _MAX_VALUE and r < _MAX_VALUE):  # also NaN
            return None
        return v, r

    @property
    def slack(self) -> float:
        return _DECIMAL_SLACK if self.decimals else 1.0

    def live(self) -> bool:
        """The value provably depends on every name (so they are the free symbols of its SymPy object)."""
        if self._live is None:
            self._live = self._proves_live()
        return self._live

    def _proves_live(self) -> bool:
        base = {n: _LIVE_BASE + _LIVE_STEP * i for i, n in enumerate(self.names)}
        v0 = self.at(base)
        if v0 is None:
            return False
        for n in self.names:
            moved = dict(base)
            moved[n] += _LIVE_SHIFT
            v1 = self.at(moved)
            if v1 is None or not abs(v0[0] - v1[0]) > 2.0 * self.slack * (v0[1] + v1[1]) + _TINY:
                return False
        return True


@lru_cache(maxsize=64)
def _sample_points(n_symbols: int, count: int) -> tuple[tuple[float, ...], ...]:
    """The points `symbolic_equivalent` evaluates at, in order: a value per symbol (sorted by name)."""
    rng = random.Random(12345)
    return tuple(tuple(rng.uniform(0.31, 2.7) for _ in range(n_symbols)) for _ in range(count))


def _fast_equivalent(ta: _Analysis, tb: _Analysis, rel_tol: float, trials: int = 6) -> bool | None:
    """`symbolic_equivalent` of the two texts' parses, when it is sure without SymPy; else None."""
    if ta.relation is not None and tb.relation is not None:
        # two relations SymPy keeps as written, with other free symbols: never `==`, and not `Expr`s
        return False if ta.relation != tb.relation else None
    x, y = ta.arith, tb.arith
    if x is None or y is None or not rel_tol >= 0 or not (x.live() and y.live()):
        return None
    names = sorted(set(x.names) | set(y.names))
    if len(names) > 8:  # False unless the two are `==`, which only SymPy can say
        return None
    slack = max(x.slack, y.slack)
    compared = 0
    for values in _sample_points(len(names), trials * 3):
        env = dict(zip(names, values, strict=True))
        vx, vy = x.at(env), y.at(env)
        if vx is None or vy is None:
            return None
        (a, ra), (b, rb) = vx, vy
        tol = max(rel_tol * max(abs(a), abs(b)), _SYMBOLIC_ABS_TOL)
        if slack * (ra + rb) > 1e-3 * tol:
            return None
        diff = abs(a - b)
        if diff >= 2.0 * tol:
            return False
        if diff > 0.5 * tol:
            return None
        compared += 1
        if compared >= (trials if names else 1):
            return True
    return False


def _has_free_symbols(an: _Analysis) -> bool:
    """The text's SymPy object provably has free symbols (so it has no constant value)."""
    if an.relation is not None:
        return True
    return an.arith is not None and bool(an.arith.names) and an.arith.live()


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
        compared = 0
        for values in _sample_points(len(syms), trials * 3):
            point = {s: sympy.Float(v, 30) for s, v in zip(syms, values, strict=True)}
            va = complex(a.evalf(20, subs=point))
            vb = complex(b.evalf(20, subs=point))
            if any(math.isnan(v.real) or math.isinf(v.real) for v in (va, vb)):
                continue
            if not (math.isclose(va.real, vb.real, rel_tol=rel_tol, abs_tol=_SYMBOLIC_ABS_TOL)
                    and math.isclose(va.imag, vb.imag, rel_tol=rel_tol, abs_tol=_SYMBOLIC_ABS_TOL)):
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


def _analyses(got: str, expected: str, plain_number_got: bool) -> tuple[_Analysis, _Analysis]:
    """The analyses `_answers_equivalent` needs, with `_NOTHING` for a text whose shape cannot matter.

    A shape matters for a comparison (`_may_compare`) or for the constant check, which needs a shape
    that is neither None nor a list. Parsing is the main cost left, so two shortcuts: `expected` only
    matters with a parsed `got` or for the constant check of a plain number `got`; and a text listing k
    items at top level parses to a list of k or not at all (`_list_arity`), so it need not be parsed
    when the other text's shape is neither k nor UNKNOWN (the pair is not comparable either way, and a
    list or None has no constant value).
    """
    kg = _list_arity(got)
    ke = _list_arity(expected)
    if kg is None:
        an_g = _analyse(got)
        ag = an_g.shape
        if ke is not None and ag != ke and ag != UNKNOWN:
            return an_g, _NOTHING
        return an_g, (_analyse(expected) if ag is not None or plain_number_got else _NOTHING)
    if ke is not None and ke != kg:
        return _NOTHING, _NOTHING
    an_e = _analyse(expected)
    if an_e.shape != kg and an_e.shape != UNKNOWN:
        return _NOTHING, an_e
    return _analyse(got), an_e


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

    # SymPy objects are built only where they can decide (see `_symbolic_shape`), and not at all where
    # plain arithmetic decides the same (see `_fast_equivalent`)
    an_g, an_e = _analyses(got_s, exp_s, ng is not None and not ng.unit)
    ag, ae = an_g.shape, an_e.shape
    if _may_compare(ag, ae):
        same = _fast_equivalent(an_g, an_e, rel_tol)
        if same is None:
            # the text that is not plain arithmetic first: when it cannot be built, the other need not be
            first = exp_s if an_g.arith is not None else got_s
            if _parse_symbolic(first) is not None:
                sg, se = _parse_symbolic(got_s), _parse_symbolic(exp_s)
                same = sg is not None and se is not None and symbolic_equivalent(sg, se, rel_tol)
        if same:
            return True
    # a rounded decimal against an exact constant (0.785 vs pi/4): the rounding rule applies
    for num, text, an in ((ng, exp_s, an_e), (ne, got_s, an_g)):
        shape = an.shape
        if num is not None and not num.unit and shape is not None and not isinstance(shape, int):
            if _has_free_symbols(an):  # no constant value
                continue
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

"""The one safe parser for math written by an LLM: text → validated AST → SymPy or Z3 objects.

Why not `sympify`/`parse_expr`: both call `eval`, and a dunder walk (`().__class__.__base__…`) runs
code through them even with empty builtins. Here the text is tokenised by a small regex tokenizer (no
string literals exist in the language), parsed with `ast.parse(mode="eval")`, checked against an
explicit whitelist of node types, names and functions, and the SymPy/Z3 objects are then *built node by
node* from that AST. Nothing is ever evaluated as Python.

A whitelist alone does not bound the cost, so this module also bounds the text length, node count,
nesting depth, integer literal size, integer exponents, and factorial/gamma/binomial arguments when they
are numbers (`9**9**9` and `factorial(10**9)` are errors, not hangs). Everything else expensive
(`integrate` of a hard function, a hard Z3 problem) is bounded by the tool runtime's worker limits.

Conveniences LLMs write (done on tokens, never by evaluating anything):

- `^` means power (`x^2` is `x**2`); `~`, `&`, `|` are Not/And/Or.
- Implicit multiplication: `2x` → `2*x`, `3(x+1)` → `3*(x+1)`, `(x+1)(x-1)`, `2pi`, `x(x+1)` (a
  one-letter name, a constant or a declared variable before `(`; other unknown names before `(` are
  treated as calls and rejected unless they are allowed functions).
- A single `=` means equality (SymPy `Eq`, Z3 `==`); `==`, `<=`, `>=`, `!=` keep their meaning.
  Chained comparisons (`0 < x < 1`) mean the conjunction.
- Postfix `n!` after a number, name or parenthesised group means `factorial(n)`.
- Unicode `×`, `·`, `÷`, `−`, `≤`, `≥`, `≠`, `π`, `²`, `³` are read as their ASCII forms.
- Constants: `pi`, `E`, `oo` (also `inf`, `infinity`), and — **unless declared as a variable** —
  `e` (Euler's number) and `I` (the imaginary unit). A declared name always wins, so a problem with a
  variable named `e` passes it in `symbols`/`variables`. `i` and `j` are ordinary symbols.
- Lists/tuples (`[[1, 2], [3, 4]]`, `x + y = 3, x - y = 1`) give Python lists (matrices, systems).

Entry points: `parse_ast` (validated AST), `names_in`, `to_sympy` (= `parse_expr_safe`), `to_sympy_matrix`,
`to_z3`; `ALLOWED_FUNCTIONS`, `CONSTANTS`, `describe_allowed()` for docs.
"""

from __future__ import annotations

import ast
import functools
import keyword
import math
import operator
import re
from collections.abc import Iterable, Mapping
from fractions import Fraction
from typing import Any

MAX_CHARS = 5000
MAX_NODES = 3000
MAX_DEPTH = 200
MAX_INT_DIGITS = 100
MAX_NAME_LEN = 40
MAX_EXPONENT = 1000  # |integer exponent|
MAX_RESULT_DIGITS = 4000  # a numeric power may not produce a longer integer
MAX_FACTORIAL = 1000  # factorial(n) / gamma(n) for numeric n
MAX_BINOMIAL_K = 5000  # binomial(n, k): min(k, n - k) for numeric n, k
MAX_SYMBOLIC_BINOMIAL_K = 20  # binomial(pi, k) expands a k-term product of irrational numbers
MAX_MATRIX_DIM = 20
MAX_Z3_POWER = 64  # x**k in Z3 is expanded to a product, so k is small


class ExprError(ValueError):
    """The text is not an allowed expression; the message says why in words a model can act on."""


# name -> (min args, max args or None for any, description)
ALLOWED_FUNCTIONS: dict[str, tuple[int, int | None, str]] = {
    "sin": (1, 1, "sine"), "cos": (1, 1, "cosine"), "tan": (1, 1, "tangent"),
    "sec": (1, 1, "secant"), "csc": (1, 1, "cosecant"), "cot": (1, 1, "cotangent"),
    "asin": (1, 1, "arcsine"), "acos": (1, 1, "arccosine"), "atan": (1, 1, "arctangent"),
    "arcsin": (1, 1, "= asin"), "arccos": (1, 1, "= acos"), "arctan": (1, 1, "= atan"),
    "atan2": (2, 2, "atan2(y, x)"),
    "sinh": (1, 1, "hyperbolic sine"), "cosh": (1, 1, "hyperbolic cosine"), "tanh": (1, 1, "hyperbolic tangent"),
    "asinh": (1, 1, "inverse sinh"), "acosh": (1, 1, "inverse cosh"), "atanh": (1, 1, "inverse tanh"),
    "exp": (1, 1, "e**x"), "log": (1, 2, "natural log; log(x, b) is base b"), "ln": (1, 1, "natural log"),
    "log10": (1, 1, "base-10 log"), "log2": (1, 1, "base-2 log"),
    "sqrt": (1, 1, "square root"), "cbrt": (1, 1, "real cube root of a real number"),
    "root": (2, 2, "root(x, n): n-th root (real for real numbers)"),
    "Abs": (1, 1, "absolute value"), "abs": (1, 1, "= Abs"), "sign": (1, 1, "sign"),
    "floor": (1, 1, "floor"), "ceiling": (1, 1, "ceiling"), "ceil": (1, 1, "= ceiling"),
    "factorial": (1, 1, f"n! (numeric n ≤ {MAX_FACTORIAL})"),
    "binomial": (2, 2, "binomial coefficient C(n, k)"),
    "gamma": (1, 1, "gamma function"),
    "Min": (1, None, "minimum"), "Max": (1, None, "maximum"), "min": (1, None, "= Min"), "max": (1, None, "= Max"),
    "Mod": (2, 2, "remainder (also a % b)"), "mod": (2, 2, "= Mod"),
    "Eq": (2, 2, "equality a = b"), "Ne": (2, 2, "a != b"),
    # logic (Z3 and SymPy)
    "And": (1, None, "conjunction"), "Or": (1, None, "disjunction"), "Not": (1, 1, "negation"),
    "Implies": (2, 2, "implication"), "Xor": (2, None, "exclusive or"),
    "If": (3, 3, "If(condition, then, else)"), "Distinct": (2, None, "all arguments differ"),
}

CONSTANTS: dict[str, str] = {
    "pi": "π", "E": "Euler's number", "e": "Euler's number unless declared as a variable",
    "I": "imaginary unit unless declared as a variable", "oo": "infinity", "inf": "infinity",
    "infinity": "infinity", "True": "true", "False": "false",
}

# Function names that, written without a call, are ordinary variable names (the Greek letter γ).
_ALSO_SYMBOLS = {"gamma"}


def describe_allowed() -> str:
    """One paragraph for docs and error messages: what an expression may contain."""
    funcs = ", ".join(ALLOWED_FUNCTIONS)
    return ("Expressions use Python/SymPy syntax: numbers, variable names, + - * / // % ** (or ^), "
            "comparisons (= means equality), and/or/not, `a if c else b`, lists for matrices/systems, "
            f"constants pi, E, e, I, oo, and the functions {funcs}. Implicit multiplication (2x, 3(x+1)) "
            "is accepted.")


# -- tokenising --------------------------------------------------------------------------------------

_SQRT_SIGN = re.compile(r"√\s*((?:\d+\.?\d*|\.\d+)|[A-Za-z_]\w*)(?!\s*\()")
_UNICODE = {"×": "*", "·": "*", "⋅": "*", "÷": "/", "−": "-", "–": "-", "≤": "<=", "≥": ">=", "≠": "!=",
            "π": " pi ", "²": "**2", "³": "**3", "√": "sqrt", "∞": " oo "}
_TOKEN_RE = re.compile(r"""
    (?P<ws>\s+)
  | (?P<num>(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)
  | (?P<name>[A-Za-z_][A-Za-z_0-9]*)
  | (?P<op>\*\*|//|==|!=|<=|>=|[-+*/%^()\[\],<>=&|~!.:{}@;])
  | (?P<quote>["'`])
""", re.VERBOSE)
_NO_MULT_NAMES = set(keyword.kwlist)


def _tokenise(text: str) -> list[tuple[str, str]]:
    tokens: list[tuple[str, str]] = []
    pos = 0
    while pos < len(text):
        m = _TOKEN_RE.match(text, pos)
        if m is None:
            raise ExprError(f"unexpected character {text[pos]!r} at position {pos}")
        pos = m.end()
        kind = m.lastgroup or ""
        if kind == "ws":
            continue
        if kind == "quote":
            raise ExprError("not allowed: string literal (write the expression itself, without quotes)")
        if kind == "num":
            digits = m.group().split(".")[0].split("e")[0].split("E")[0].lstrip("0")
            if len(digits) > MAX_INT_DIGITS:
                raise ExprError(f"number too large (more than {MAX_INT_DIGITS} digits)")
        tokens.append((kind, m.group()))
    return tokens


def _atom_start(out: list[tuple[str, str]]) -> int:
    """Index in `out` where the operand ending at out[-1] starts (for postfix `!`)."""
    i = len(out) - 1
    if out[i][1] not in (")", "]"):
        return i
    depth = 0
    while i >= 0:
        tok = out[i][1]
        if tok in (")", "]"):
            depth += 1
        elif tok in ("(", "["):
            depth -= 1
            if depth == 0:
                break
        i -= 1
    if i > 0 and out[i - 1][0] == "name" and out[i - 1][1] in ALLOWED_FUNCTIONS:
        i -= 1  # sin(x)! is factorial(sin(x))
    return max(i, 0)


def _rewrite(tokens: list[tuple[str, str]], declared: Iterable[str]) -> str:
    """Apply the conveniences (^, implicit *, =, !) on tokens and return Python expression text."""
    declared = set(declared)
    out: list[tuple[str, str]] = []
    for kind, tok in tokens:
        prev_kind, prev = out[-1] if out else ("", "")
        if kind == "op" and tok == "^":
            tok = "**"
        elif kind == "op" and tok == "=":
            tok = "=="
        elif kind == "op" and tok == "!":
            if not out or not (prev_kind in ("num", "name") or prev in (")", "]")):
                raise ExprError("'!' must follow a number, a name or a parenthesised group (factorial)")
            start = _atom_start(out)
            out[start:] = [("name", "factorial"), ("op", "(")] + out[start:] + [("op", ")")]
            continue
        mult = False
        if prev_kind == "num" and (kind == "name" and tok not in _NO_MULT_NAMES or tok == "("):
            mult = True
        elif prev == ")" and (kind == "num" or kind == "name" and tok not in _NO_MULT_NAMES or tok == "("):
            mult = True
        elif prev_kind == "name" and tok == "(" and prev not in ALLOWED_FUNCTIONS and prev not in _NO_MULT_NAMES:
            mult = len(prev) == 1 or prev in CONSTANTS or prev in declared
        if mult:
            out.append(("op", "*"))
        out.append((kind, tok))
    return " ".join(tok for _, tok in out)


# -- parsing and validation ----------------------------------------------------------------------------

_NODE_WORDS = {
    ast.Attribute: "attribute access", ast.Subscript: "subscript (indexing)", ast.Lambda: "lambda (to name a variable lambda, write lamda)",
    ast.Dict: "dict literal", ast.Set: "set literal", ast.ListComp: "comprehension",
    ast.SetComp: "comprehension", ast.DictComp: "comprehension", ast.GeneratorExp: "generator expression",
    ast.NamedExpr: "assignment expression", ast.Starred: "starred argument", ast.JoinedStr: "string literal",
    ast.Await: "await", ast.Yield: "yield", ast.YieldFrom: "yield", ast.Slice: "slice",
}
_ALLOWED_NODES = (
    ast.Expression, ast.BinOp, ast.UnaryOp, ast.BoolOp, ast.Compare, ast.Call, ast.Name, ast.Constant,
    ast.Tuple, ast.List, ast.IfExp, ast.Load,
    ast.Add, ast.Sub, ast.Mult, ast.Div, ast.FloorDiv, ast.Mod, ast.Pow, ast.BitAnd, ast.BitOr,
    ast.USub, ast.UAdd, ast.Not, ast.Invert, ast.And, ast.Or,
    ast.Eq, ast.NotEq, ast.Lt, ast.LtE, ast.Gt, ast.GtE,
)


def _check_name(name: str) -> None:
    if "__" in name or name.startswith("_"):
        raise ExprError(f"not allowed: name {name!r} (names may not start with '_' or contain '__')")
    if len(name) > MAX_NAME_LEN:
        raise ExprError(f"name too long: {name[:20]}… (at most {MAX_NAME_LEN} characters)")


def _validate(tree: ast.Expression) -> None:
    """Walk iteratively (a deep tree must not overflow *our* stack) and reject anything not whitelisted."""
    count = 0
    stack: list[tuple[ast.AST, int]] = [(tree, 0)]
    while stack:
        node, depth = stack.pop()
        count += 1
        if count > MAX_NODES:
            raise ExprError(f"expression too large (more than {MAX_NODES} parts)")
        if depth > MAX_DEPTH:
            raise ExprError(f"expression too deeply nested (more than {MAX_DEPTH} levels)")
        if not isinstance(node, _ALLOWED_NODES):
            word = _NODE_WORDS.get(type(node))
            if word is None:
                word = type(node).__name__
                if isinstance(node, ast.operator | ast.cmpop | ast.unaryop):
                    word = f"operator {word}"
            raise ExprError(f"not allowed: {word}")
        if isinstance(node, ast.Constant):
            v = node.value
            if isinstance(v, bool):
                pass
            elif isinstance(v, int):
                if v.bit_length() > MAX_INT_DIGITS * 3.33:
                    raise ExprError(f"number too large (more than {MAX_INT_DIGITS} digits)")
            elif isinstance(v, float):
                if not math.isfinite(v):
                    raise ExprError("number out of range (write oo for infinity)")
            elif isinstance(v, complex):
                raise ExprError("not allowed: complex literal (write I for the imaginary unit, e.g. 2*I)")
            elif isinstance(v, str | bytes):
                raise ExprError("not allowed: string literal")
            else:
                raise ExprError(f"not allowed: constant {v!r}")
        elif isinstance(node, ast.Name):
            _check_name(node.id)
        elif isinstance(node, ast.Call):
            if not isinstance(node.func, ast.Name):
                raise ExprError("not allowed: calling anything but a named function")
            fname = node.func.id
            _check_name(fname)
            if fname not in ALLOWED_FUNCTIONS:
                raise ExprError(f"not allowed: function '{fname}' (allowed: {', '.join(ALLOWED_FUNCTIONS)})")
            if node.keywords:
                raise ExprError(f"not allowed: keyword arguments in {fname}(...)")
            lo, hi, _ = ALLOWED_FUNCTIONS[fname]
            n = len(node.args)
            if n < lo or (hi is not None and n > hi):
                want = str(lo) if lo == hi else (f"at least {lo}" if hi is None else f"{lo} to {hi}")
                raise ExprError(f"{fname}() takes {want} argument{'s' if want != '1' else ''}, got {n}")
            for arg in node.args:
                stack.append((arg, depth + 1))
            continue
        elif isinstance(node, ast.BinOp) and isinstance(node.op, ast.Pow):
            lit = _literal_number(node.right)
            if isinstance(lit, int) and abs(lit) > MAX_EXPONENT:
                raise ExprError(f"exponent too large: {lit} (at most {MAX_EXPONENT} in absolute value)")
        for child in ast.iter_child_nodes(node):
            stack.append((child, depth + 1))


def _literal_number(node: ast.AST) -> int | float | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, int | float) and not isinstance(node.value, bool):
        return node.value
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
        inner = _literal_number(node.operand)
        if inner is not None:
            return -inner if isinstance(node.op, ast.USub) else inner
    return None


def parse_ast(text: str, declared: Iterable[str] = ()) -> ast.Expression:
    """Tokenise, apply the conveniences, parse and validate. `declared` names count as variables
    (for implicit multiplication before `(`)."""
    if not isinstance(text, str):
        raise ExprError(f"expected an expression as text, got {type(text).__name__}")
    if len(text) > MAX_CHARS:
        raise ExprError(f"expression too long (more than {MAX_CHARS} characters)")
    text = _SQRT_SIGN.sub(r"sqrt(\1)", text)
    for uni, ascii_ in _UNICODE.items():
        text = text.replace(uni, ascii_)
    text = text.strip()
    if not text:
        raise ExprError("empty expression")
    source = _rewrite(_tokenise(text), declared)
    try:
        tree = ast.parse(source, mode="eval")
    except SyntaxError as exc:
        raise ExprError(f"could not parse {text[:80]!r}: {exc.msg}") from None
    except (RecursionError, MemoryError):
        raise ExprError(f"expression too deeply nested (more than {MAX_DEPTH} levels)") from None
    _validate(tree)
    return tree


def names_in(text: str, declared: Iterable[str] = ()) -> set[str]:
    """The variable/constant names an expression uses (function names excluded)."""
    tree = parse_ast(text, declared)
    funcs = {id(n.func) for n in ast.walk(tree) if isinstance(n, ast.Call)}
    return {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and id(n) not in funcs}


# -- SymPy ---------------------------------------------------------------------------------------------

def _sympy_funcs() -> dict[str, Any]:
    import sympy as sp

    def log(x: Any, base: Any = None) -> Any:
        return sp.log(x) if base is None else sp.log(x, base)

    def real_root(x: Any, n: Any) -> Any:
        if x.is_number and x.is_extended_real and n.is_Integer:
            return sp.real_root(x, n)
        return sp.root(x, n)

    def distinct(*args: Any) -> Any:
        return sp.And(*[sp.Ne(a, b) for i, a in enumerate(args) for b in args[i + 1:]])

    return {
        "sin": sp.sin, "cos": sp.cos, "tan": sp.tan, "sec": sp.sec, "csc": sp.csc, "cot": sp.cot,
        "asin": sp.asin, "acos": sp.acos, "atan": sp.atan, "arcsin": sp.asin, "arccos": sp.acos,
        "arctan": sp.atan, "atan2": sp.atan2, "sinh": sp.sinh, "cosh": sp.cosh, "tanh": sp.tanh,
        "asinh": sp.asinh, "acosh": sp.acosh, "atanh": sp.atanh, "exp": sp.exp, "log": log, "ln": sp.log,
        "log10": lambda x: sp.log(x, 10), "log2": lambda x: sp.log(x, 2), "sqrt": sp.sqrt,
        "cbrt": lambda x: real_root(x, sp.Integer(3)), "root": real_root,
        "Abs": sp.Abs, "abs": sp.Abs, "sign": sp.sign, "floor": sp.floor, "ceiling": sp.ceiling,
        "ceil": sp.ceiling, "factorial": sp.factorial, "binomial": sp.binomial, "gamma": sp.gamma,
        "Min": sp.Min, "Max": sp.Max, "min": sp.Min, "max": sp.Max, "Mod": sp.Mod, "mod": sp.Mod,
        "Eq": sp.Eq, "Ne": sp.Ne, "And": sp.And, "Or": sp.Or, "Not": sp.Not, "Implies": sp.Implies,
        "Xor": sp.Xor, "If": lambda c, a, b: sp.Piecewise((a, c), (b, True)), "Distinct": distinct,
    }


_SYMPY_FUNCS: dict[str, Any] | None = None


def _digits_of_power(base: Any, exp: int) -> float:
    """Approximate decimal digits of base**exp for a rational base (0 when it does not grow)."""
    p, q = int(base.p), int(base.q)
    big = max(abs(p), abs(q))
    if big <= 1:
        return 0.0
    return big.bit_length() * 0.30103 * abs(exp)


def _check_numeric_args(fname: str, args: list[Any]) -> None:
    """Bound the functions SymPy evaluates eagerly on numbers."""
    if fname in ("factorial", "gamma"):
        a = args[0]
        if a.is_Number and a.is_extended_real and abs(a) > MAX_FACTORIAL + 1:
            raise ExprError(f"{fname} argument too large: {a} (at most {MAX_FACTORIAL})")
    elif fname == "binomial":
        n, k = args
        if n.is_Integer and k.is_Integer and min(abs(k), abs(n - k)) > MAX_BINOMIAL_K:
            raise ExprError(f"binomial({n}, {k}) is too large to compute exactly")
        elif k.is_Integer and n.is_number and not n.is_Integer:  # SymPy expands a product of k terms
            limit = MAX_FACTORIAL if n.is_Rational or n.is_Float else MAX_SYMBOLIC_BINOMIAL_K
            if abs(k) > limit:
                raise ExprError(f"binomial({n}, {k}): k too large (at most {limit} for this n)")
        if (n.is_number and k.is_number and not (n.is_Integer and k.is_Integer)
                and any(v.is_extended_real and abs(v) > MAX_FACTORIAL for v in (n, k))):
            raise ExprError(f"binomial arguments too large (at most {MAX_FACTORIAL} unless both are integers)")


def _check_power(base: Any, exp: Any) -> None:
    if getattr(exp, "is_Integer", False):
        if abs(exp) > MAX_EXPONENT and base not in (0, 1, -1):
            raise ExprError(f"exponent too large: {exp} (at most {MAX_EXPONENT} in absolute value)")
        if getattr(base, "is_Rational", False) and _digits_of_power(base, int(exp)) > MAX_RESULT_DIGITS:
            raise ExprError(f"result too large: {base}**{exp} has more than {MAX_RESULT_DIGITS} digits")
    elif getattr(exp, "is_Rational", False) and getattr(base, "is_Rational", False):
        if abs(exp.p) > MAX_EXPONENT and base not in (0, 1, -1):
            raise ExprError(f"exponent too large: {exp}")
        if _digits_of_power(base, 1) * abs(float(exp)) > MAX_RESULT_DIGITS:
            raise ExprError(f"result too large: {base}**({exp}) has more than {MAX_RESULT_DIGITS} digits")


def _sympy_symbols(symbols: Mapping[str, Any] | Iterable[str] | None) -> dict[str, Any]:
    import sympy as sp

    if symbols is None:
        return {}
    if isinstance(symbols, Mapping):
        out = {}
        for k, v in symbols.items():
            _check_name(k)
            out[k] = v if isinstance(v, sp.Basic) else sp.sympify(v) if isinstance(v, int | float) else v
        return out
    if isinstance(symbols, str):
        symbols = [symbols]
    out = {}
    for name in symbols:
        _check_name(name)
        out[name] = sp.Symbol(name)
    return out


class _SympyBuilder:
    def __init__(self, symbols: dict[str, Any], evaluate_relations: bool = True):
        import sympy as sp

        global _SYMPY_FUNCS
        if _SYMPY_FUNCS is None:
            _SYMPY_FUNCS = _sympy_funcs()
        self.sp = sp
        self.funcs = _SYMPY_FUNCS
        self.symbols = symbols
        self.evaluate_relations = evaluate_relations
        self.constants = {"pi": sp.pi, "E": sp.E, "e": sp.E, "I": sp.I, "oo": sp.oo, "inf": sp.oo,
                          "infinity": sp.oo, "Infinity": sp.oo}

    def build(self, node: ast.AST) -> Any:
        sp = self.sp
        if isinstance(node, ast.Expression):
            return self.build(node.body)
        if isinstance(node, ast.Constant):
            v = node.value
            if isinstance(v, bool):
                return sp.true if v else sp.false
            if isinstance(v, int):
                return sp.Integer(v)
            return sp.Float(v)
        if isinstance(node, ast.Name):
            name = node.id
            if name in self.symbols:
                return self.symbols[name]
            if name in self.constants:
                return self.constants[name]
            if name in self.funcs and name not in _ALSO_SYMBOLS:
                raise ExprError(f"'{name}' is a function: call it, e.g. {name}(x)")
            sym = sp.Symbol(name)
            self.symbols[name] = sym
            return sym
        if isinstance(node, ast.UnaryOp):
            val = self.build(node.operand)
            if isinstance(node.op, ast.USub):
                return -val
            if isinstance(node.op, ast.UAdd):
                return val
            return sp.Not(val)
        if isinstance(node, ast.BinOp):
            left, right = self.build(node.left), self.build(node.right)
            op = node.op
            if isinstance(op, ast.Add):
                return left + right
            if isinstance(op, ast.Sub):
                return left - right
            if isinstance(op, ast.Mult):
                return left * right
            if isinstance(op, ast.Div):
                return left / right
            if isinstance(op, ast.FloorDiv):
                return sp.floor(left / right)
            if isinstance(op, ast.Mod):
                return sp.Mod(left, right)
            if isinstance(op, ast.Pow):
                _check_power(left, right)
                return left**right
            if isinstance(op, ast.BitAnd):
                return sp.And(left, right)
            if isinstance(op, ast.BitOr):
                return sp.Or(left, right)
        if isinstance(node, ast.BoolOp):
            vals = [self.build(v) for v in node.values]
            return sp.And(*vals) if isinstance(node.op, ast.And) else sp.Or(*vals)
        if isinstance(node, ast.Compare):
            parts = []
            left = self.build(node.left)
            for op, comp in zip(node.ops, node.comparators, strict=True):
                right = self.build(comp)
                rel = {ast.Eq: sp.Eq, ast.NotEq: sp.Ne, ast.Lt: sp.Lt, ast.LtE: sp.Le, ast.Gt: sp.Gt,
                       ast.GtE: sp.Ge}[type(op)]
                parts.append(rel(left, right) if self.evaluate_relations else rel(left, right, evaluate=False))
                left = right
            return parts[0] if len(parts) == 1 else sp.And(*parts)
        if isinstance(node, ast.IfExp):
            return sp.Piecewise((self.build(node.body), self.build(node.test)), (self.build(node.orelse), True))
        if isinstance(node, ast.Call):
            fname = node.func.id  # type: ignore[attr-defined]  # validated: a Name
            args = [self.build(a) for a in node.args]
            _check_numeric_args(fname, args)
            return self.funcs[fname](*args)
        if isinstance(node, ast.Tuple | ast.List):
            return [self.build(e) for e in node.elts]
        raise ExprError(f"not allowed: {type(node).__name__}")


def to_sympy(text: str, symbols: Mapping[str, Any] | Iterable[str] | None = None, *,
             evaluate_relations: bool = True) -> Any:
    """Build a SymPy expression (or `Eq`/relational/boolean, or a list for `a, b` / `[a, b]`).

    `symbols`: names to treat as variables — an iterable of names (each becomes a plain `Symbol`, even
    `e` or `I`), or a mapping name → SymPy object (a Symbol with assumptions, or a *value*: numeric
    bounds are then checked on the substituted values, which is why `evaluate` substitutes this way).
    Other unknown names become plain Symbols.

    `evaluate_relations=False` builds `a = b`, `a < b`, ... as they are written, without SymPy's attempt
    to decide them (`Eq(x**2 + 1, 0)` is False for a real x): that attempt queries assumptions and costs
    ~10 ms for a cubic equation, wasted on a caller that only needs `lhs - rhs`.
    """
    if not isinstance(text, str):
        if isinstance(text, bool):
            raise ExprError("expected an expression, got a boolean")
        if isinstance(text, int | float):
            text = repr(text)
        else:
            raise ExprError(f"expected an expression as text, got {type(text).__name__}")
    syms = _sympy_symbols(symbols)
    tree = parse_ast(text, declared=syms)
    try:
        return _SympyBuilder(syms, evaluate_relations).build(tree)
    except ExprError:
        raise
    except RecursionError:
        raise ExprError("expression too deeply nested") from None
    except ZeroDivisionError:
        raise ExprError(f"division by zero in {text[:80]!r}") from None
    except (OverflowError, MemoryError):
        raise ExprError(f"numbers too large in {text[:80]!r}") from None
    except (ValueError, ArithmeticError) as exc:
        raise ExprError(f"cannot evaluate {text[:80]!r}: {str(exc)[:200]}") from None
    except (TypeError, AttributeError) as exc:  # e.g. adding a relational to a number
        raise ExprError(f"invalid expression {text[:80]!r}: {str(exc)[:200]}") from None


parse_expr_safe = to_sympy  # the name other modules look for


def to_sympy_matrix(value: Any, symbols: Mapping[str, Any] | Iterable[str] | None = None) -> Any:
    """A SymPy `Matrix` from text (`"[[1, 2], [3, 4]]"`, `"Matrix([[1, 2], [3, 4]])"`) or a (nested)
    list of numbers / expression strings as decoded from JSON. A flat list is a column vector."""
    import sympy as sp

    if isinstance(value, str):
        text = value.strip()
        m = re.fullmatch(r"(?:Matrix|matrix)\s*\((.*)\)", text, re.DOTALL)
        if m:
            text = m.group(1)
        rows = to_sympy(text, symbols)
    else:
        rows = value
    syms = _sympy_symbols(symbols)

    def elem(v: Any) -> Any:
        if isinstance(v, bool):
            raise ExprError("matrix entries must be numbers or expressions, not booleans")
        if isinstance(v, int):
            if v.bit_length() > MAX_INT_DIGITS * 3.33:
                raise ExprError(f"number too large (more than {MAX_INT_DIGITS} digits)")
            return sp.Integer(v)
        if isinstance(v, float):
            if not math.isfinite(v):
                raise ExprError("matrix entries must be finite")
            return sp.Float(v)
        if isinstance(v, str):
            out = to_sympy(v, syms)
            if isinstance(out, list):
                raise ExprError(f"matrix entry {v!r} is not a single expression")
            return out
        if isinstance(v, sp.Expr):
            return v
        raise ExprError(f"matrix entries must be numbers or expressions, got {type(v).__name__}")

    if isinstance(rows, sp.MatrixBase):
        return rows
    if not isinstance(rows, list | tuple) or not rows:
        raise ExprError("a matrix is a non-empty list of rows, e.g. [[1, 2], [3, 4]]")
    if all(isinstance(r, list | tuple) for r in rows):
        width = len(rows[0])
        if width == 0 or any(len(r) != width for r in rows):
            raise ExprError("matrix rows must all have the same (non-zero) length")
        data = [[elem(v) for v in r] for r in rows]
    elif any(isinstance(r, list | tuple) for r in rows):
        raise ExprError("a matrix mixes rows and single entries")
    else:
        data = [[elem(v)] for v in rows]
    if len(data) > MAX_MATRIX_DIM or len(data[0]) > MAX_MATRIX_DIM:
        raise ExprError(f"matrix too large (at most {MAX_MATRIX_DIM}×{MAX_MATRIX_DIM})")
    return sp.Matrix(data)


# -- Z3 ------------------------------------------------------------------------------------------------

_Z3_FUNCS = ("And", "Or", "Not", "Implies", "Xor", "If", "Distinct", "Abs", "abs", "Min", "Max", "min", "max")


class _Z3Builder:
    def __init__(self, variables: Mapping[str, Any]):
        import z3

        self.z3 = z3
        self.vars = variables

    def _num(self, v: int | float) -> Any:
        z3 = self.z3
        if isinstance(v, int):
            return z3.IntVal(v)
        f = Fraction(repr(v))
        return z3.RealVal(f"{f.numerator}/{f.denominator}") if f.denominator != 1 else z3.RealVal(f.numerator)

    def _is_int(self, x: Any) -> bool:
        return self.z3.is_int(x)

    def _arith(self, x: Any, what: str) -> Any:
        if not self.z3.is_arith(x):
            raise ExprError(f"{what} needs numbers, got the boolean {x}")
        return x

    def _bool(self, x: Any, what: str) -> Any:
        if not self.z3.is_bool(x):
            raise ExprError(f"{what} needs a condition (true/false), got the number {x}")
        return x

    def build(self, node: ast.AST) -> Any:
        z3 = self.z3
        if isinstance(node, ast.Expression):
            return self.build(node.body)
        if isinstance(node, ast.Constant):
            v = node.value
            if isinstance(v, bool):
                return z3.BoolVal(v)
            return self._num(v)
        if isinstance(node, ast.Name):
            name = node.id
            if name in self.vars:
                return self.vars[name]
            if name in ALLOWED_FUNCTIONS:
                raise ExprError(f"'{name}' is a function: call it, e.g. {name}(x)")
            raise ExprError(f"undeclared variable '{name}': declare it in variables, e.g. "
                            f'{{"{name}": "real"}} (types: real, int, bool)')
        if isinstance(node, ast.UnaryOp):
            val = self.build(node.operand)
            if isinstance(node.op, ast.USub):
                return -self._arith(val, "negation")
            if isinstance(node.op, ast.UAdd):
                return self._arith(val, "unary +")
            return z3.Not(self._bool(val, "not"))
        if isinstance(node, ast.BinOp):
            op = node.op
            if isinstance(op, ast.BitAnd | ast.BitOr):
                a = self._bool(self.build(node.left), "&/|")
                b = self._bool(self.build(node.right), "&/|")
                return z3.And(a, b) if isinstance(op, ast.BitAnd) else z3.Or(a, b)
            if isinstance(op, ast.Pow):
                k = _literal_number(node.right)
                base = self._arith(self.build(node.left), "**")
                if not isinstance(k, int) or not 0 <= k <= MAX_Z3_POWER:
                    raise ExprError(f"the logic solver supports only powers by a whole number 0..{MAX_Z3_POWER}"
                                    " written as a literal, e.g. x**2")
                if k == 0:
                    return z3.IntVal(1) if self._is_int(base) else z3.RealVal(1)
                out = base
                for _ in range(k - 1):
                    out = out * base
                return out
            left = self._arith(self.build(node.left), "arithmetic")
            right = self._arith(self.build(node.right), "arithmetic")
            if isinstance(op, ast.Add):
                return left + right
            if isinstance(op, ast.Sub):
                return left - right
            if isinstance(op, ast.Mult):
                return left * right
            if isinstance(op, ast.Div):  # true division, as in Python: 7/2 is 3.5 even for integers
                if self._is_int(left):
                    left = z3.ToReal(left)
                if self._is_int(right):
                    right = z3.ToReal(right)
                return left / right
            if isinstance(op, ast.FloorDiv | ast.Mod):
                if not (self._is_int(left) and self._is_int(right)):
                    raise ExprError("// and % need integer operands in the logic solver")
                return left / right if isinstance(op, ast.FloorDiv) else left % right
        if isinstance(node, ast.BoolOp):
            vals = [self._bool(self.build(v), "and/or") for v in node.values]
            return z3.And(*vals) if isinstance(node.op, ast.And) else z3.Or(*vals)
        if isinstance(node, ast.Compare):
            parts = []
            left = self.build(node.left)
            for op, comp in zip(node.ops, node.comparators, strict=True):
                right = self.build(comp)
                if isinstance(op, ast.Eq):
                    parts.append(left == right)
                elif isinstance(op, ast.NotEq):
                    parts.append(left != right)
                else:
                    a, b = self._arith(left, "<, >"), self._arith(right, "<, >")
                    parts.append(_Z3_ORDER[type(op)](a, b))  # only the one term: each is a Z3 call
                left = right
            return parts[0] if len(parts) == 1 else z3.And(*parts)
        if isinstance(node, ast.IfExp):
            return z3.If(self._bool(self.build(node.test), "if"), self.build(node.body), self.build(node.orelse))
        if isinstance(node, ast.Call):
            return self._call(node.func.id, [self.build(a) for a in node.args])  # type: ignore[attr-defined]
        if isinstance(node, ast.Tuple | ast.List):
            return z3.And(*[self._bool(self.build(e), "a list of constraints") for e in node.elts])
        raise ExprError(f"not allowed: {type(node).__name__}")

    def _call(self, fname: str, args: list[Any]) -> Any:
        z3 = self.z3
        if fname not in _Z3_FUNCS:
            raise ExprError(f"function '{fname}' is not supported by the logic solver "
                            f"(supported: {', '.join(_Z3_FUNCS)})")
        if fname in ("And", "Or", "Not", "Implies", "Xor"):
            args = [self._bool(a, fname) for a in args]
            if fname == "Xor":
                out = args[0]
                for a in args[1:]:
                    out = z3.Xor(out, a)
                return out
            return getattr(z3, fname)(*args)
        if fname == "If":
            return z3.If(self._bool(args[0], "If"), args[1], args[2])
        if fname == "Distinct":
            return z3.Distinct(*args)
        args = [self._arith(a, fname) for a in args]
        if fname in ("Abs", "abs"):
            return z3.If(args[0] >= 0, args[0], -args[0])
        out = args[0]
        for a in args[1:]:
            out = z3.If(a < out, a, out) if fname in ("Min", "min") else z3.If(a > out, a, out)
        return out


_Z3_ORDER = {ast.Lt: operator.lt, ast.LtE: operator.le, ast.Gt: operator.gt, ast.GtE: operator.ge}


@functools.lru_cache(maxsize=4096)
def _constraint_tree(text: str, declared: frozenset[str]) -> ast.Expression:
    """`parse_ast`, memoised for `to_z3`: puzzles re-check the same constraints with one more added
    (4,417 distinct of the dataset's 9,883), and the Z3 builder only reads the tree."""
    return parse_ast(text, declared)


def to_z3(text: str, variables: Mapping[str, Any]) -> Any:
    """Build a Z3 expression over declared `variables` (name → z3 constant). Undeclared names are an
    error. `/` is true division (integers are promoted to reals), `//` and `%` integer division and
    remainder, `x**k` needs a literal whole k (expanded to a product). A list/tuple means their
    conjunction."""
    import z3

    if isinstance(text, bool):
        return z3.BoolVal(text)
    if not isinstance(text, str):
        raise ExprError(f"expected a constraint as text, got {type(text).__name__}")
    for name in variables:
        _check_name(name)
    tree = _constraint_tree(text, frozenset(variables))
    try:
        return _Z3Builder(variables).build(tree)
    except ExprError:
        raise
    except RecursionError:
        raise ExprError("expression too deeply nested") from None
    except (z3.Z3Exception, TypeError, AttributeError) as exc:
        msg = str(getattr(exc, "value", exc)) or type(exc).__name__
        raise ExprError(f"invalid constraint {text[:80]!r}: {msg[:200]}") from None

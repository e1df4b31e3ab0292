"""The `symbolic_math` tool: SymPy algebra, calculus and linear algebra on LLM-written expressions.

Why SymPy behind a tool: a model differentiating, integrating or inverting a matrix by hand makes
sign and coefficient slips; a trace that calls this tool gets exact results the execute stage can
re-derive. Expressions are read only by `tools.expr` (AST whitelist, SymPy objects built node by
node), never by `sympify`/`parse_expr`, which would `eval` the text.

Conventions:
- `output` is SymPy's canonical `str()` ("3*x**2 + 2"); `evaluate` gives a number when the result is
  fully numeric ("77", floats via `tools.fmt`: 6 significant digits).
- `value` is JSON: an int/float for numeric results, else the same text (lists/dicts for lists of
  solutions and matrices).
- A variable argument *declares* its name, so `e` or `I` given as the variable is a symbol, not
  Euler's number / the imaginary unit. When the variable is left out, the single free symbol is used.
"""

from __future__ import annotations

import ast
import json
import re
from typing import Any, Literal

from pydantic import AliasChoices, Field, field_validator

from tools import expr as _expr
from tools.expr import ExprError, to_sympy, to_sympy_matrix
from tools.fmt import fmt_number, json_number
from tools.power_series import limit_at_zero, maclaurin
from tools.registry import LazyModule, OpArgs, Tool, ToolError, ToolResult

# Imported on first use: every stage loads the tool catalogue (names, schemas), only workers run ops.
sp = LazyModule("sympy")

TOOL = Tool(
    "symbolic_math",
    "Symbolic mathematics with SymPy: simplify, factor, expand, differentiate, integrate (indefinite or "
    "definite), solve equations and systems, evaluate with substitutions, limits, series, and matrix "
    "operations. Expressions use Python/SymPy syntax (x**2 or x^2, sin(x), exp(x), log(x), sqrt(x), pi, "
    "E, oo for infinity); '=' writes an equation.",
    aliases=("sympy_tool", "symbolic_math_tool", "cas"),
)

MAX_ORDER = 20
MAX_SERIES_ORDER = 30
_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,39}$")


# -- helpers -----------------------------------------------------------------------------------------

def _parse(text: Any, symbols: Any = None, what: str = "expression") -> Any:
    try:
        return to_sympy(text, symbols)
    except ExprError as exc:
        shown = text if isinstance(text, str) else repr(text)
        raise ToolError(f"cannot read the {what} {shown[:80]!r}: {exc}") from None


def names_in(text: str) -> set[str]:
    try:
        return _expr.names_in(text)
    except ExprError as exc:
        raise ToolError(f"cannot read the expression {text[:80]!r}: {exc}") from None


def _single(text: Any, symbols: Any = None, what: str = "expression") -> Any:
    out = _parse(text, symbols, what)
    if isinstance(out, list):
        raise ToolError(f"the {what} must be one expression, not a list")
    return out


def _symbol(name: str) -> sp.Symbol:
    name = name.strip()
    if not _NAME.match(name) or "__" in name:
        raise ToolError(f"'{name}' is not a variable name (letters, digits and _; starting with a letter)")
    return sp.Symbol(name)


def _free(expr: Any) -> list[sp.Symbol]:
    syms = getattr(expr, "free_symbols", set())
    return sorted(syms, key=lambda s: s.name)


def _pick_variable(text: str, variable: str | None) -> tuple[Any, sp.Symbol]:
    """Parse `text` with `variable` declared; without one, use the single free symbol (x if none)."""
    if variable:
        var = _symbol(variable)
        return _single(text, [var.name]), var
    expr = _single(text)
    free = _free(expr)
    if len(free) > 1:
        raise ToolError(f"the expression has several variables ({', '.join(s.name for s in free)}): "
                        "say which one with 'variable'")
    return expr, (free[0] if free else sp.Symbol("x"))


def _point(value: Any, symbols: Any = None, what: str = "point") -> Any:
    if isinstance(value, bool):
        raise ToolError(f"the {what} must be a number or an expression")
    if isinstance(value, int | float):
        value = repr(value)
    p = _single(value, symbols, what)
    if not isinstance(p, sp.Expr):
        raise ToolError(f"the {what} must be a number or an expression, got {p}")
    return p


def _json(x: Any) -> Any:
    """JSON value of a SymPy result: numbers as numbers, anything else as its canonical text."""
    if isinstance(x, bool) or x is sp.true or x is sp.false:
        return bool(x)
    if isinstance(x, sp.Integer):
        return int(x)
    if isinstance(x, sp.Float):
        return json_number(float(x))
    if isinstance(x, sp.MatrixBase):
        return [[_json(v) for v in row] for row in x.tolist()]
    if isinstance(x, list | tuple):
        return [_json(v) for v in x]
    if isinstance(x, dict):
        return {str(k): _json(v) for k, v in x.items()}
    return str(x)


def _text(x: Any) -> str:
    """SymPy's canonical one-line text, also inside lists/tuples/dicts (where `sstr` would print a
    Matrix over several lines)."""
    if isinstance(x, sp.MatrixBase):
        return str(x)
    if isinstance(x, list):
        return "[" + ", ".join(_text(v) for v in x) + "]"
    if isinstance(x, tuple):
        return "(" + ", ".join(_text(v) for v in x) + ("," if len(x) == 1 else "") + ")"
    if isinstance(x, dict):
        return "{" + ", ".join(f"{_text(k)}: {_text(v)}" for k, v in x.items()) + "}"
    return sp.sstr(x)


def _result(x: Any) -> ToolResult:
    return ToolResult.success(_text(x), _json(x))


def _numeric_text(x: Any) -> tuple[str, Any] | None:
    """Text and JSON value of a fully numeric result, or None if it is not a finite number."""
    if not isinstance(x, sp.Expr) or x.free_symbols or not x.is_number:
        return None
    if x.is_Integer:
        return str(x), int(x)
    if x.has(sp.oo, -sp.oo, sp.zoo, sp.nan):
        return None
    val = x.evalf(30)
    re_, im_ = val.as_real_imag()
    if not (re_.is_Number and im_.is_Number):
        return None
    re_f, im_f = float(re_), float(im_)
    if abs(im_f) <= 1e-12 * max(1.0, abs(re_f)):
        return fmt_number(re_f), json_number(re_f)
    sign = "-" if im_f < 0 else "+"
    text = f"{fmt_number(re_f)} {sign} {fmt_number(abs(im_f))}*I" if re_f != 0 else f"{fmt_number(im_f)}*I"
    return text, text


def _rational_poly(expr: Any, var: sp.Symbol) -> sp.Poly | None:
    """`expr` as a polynomial in `var` alone with rational coefficients, else None.

    Why: for such expressions integrate and solve have exact answers that the Poly class computes
    directly, 20-50x faster than SymPy's general integrate()/solve() (which try many methods and
    check their results); the answers are identical (tests compare both paths).
    """
    if not isinstance(expr, sp.Expr) or expr.free_symbols != {var} or not expr.is_polynomial(var):
        return None
    poly = sp.Poly(expr, var)
    if not all(isinstance(c, sp.Rational) for c in poly.coeffs()):
        return None
    return poly


def _rational_roots(poly: sp.Poly) -> list[Any] | None:
    """The distinct roots of `poly`, in solve()'s order, when all are rational (it splits into linear
    factors over Q), else None."""
    if poly.degree() < 1:
        return None
    factors = poly.factor_list()[1]
    if not all(f.degree() == 1 for f, _ in factors):
        return None
    return sorted({-f.nth(0) / f.nth(1) for f, _ in factors}, key=sp.default_sort_key)


def _decode_list(v: Any) -> Any:
    """A list given as JSON text is a list (the OpArgs base only does this for the canonical name)."""
    if isinstance(v, str) and v.strip().startswith("[") and '"' in v:
        try:
            return json.loads(v)
        except json.JSONDecodeError:
            return v
    return v


_EXPR_FIELD = dict(validation_alias=AliasChoices("expression", "expr", "f", "function", "polynomial"))


# -- simplify / factor / expand ------------------------------------------------------------------------

class ExpressionArgs(OpArgs):
    expression: str = Field(**_EXPR_FIELD, description="expression, e.g. 'sin(x)**2 + cos(x)**2'")
    variable: str | None = Field(None, validation_alias=AliasChoices("variable", "var"),
                                 description="optional: a name to treat as a variable (e.g. e, I)")


def _declared(a: ExpressionArgs) -> list[str] | None:
    return [_symbol(a.variable).name] if a.variable else None


@TOOL.op("simplify", "Simplify an expression (or both sides of an equation).",
         aliases=("simplification", "simplify_expression", "simplified", "reduce"))
def op_simplify(a: ExpressionArgs) -> ToolResult:
    return _result(sp.simplify(_single(a.expression, _declared(a))))


@TOOL.op("factor", "Factor a polynomial over the rationals, e.g. x**2 - 5*x + 6 → (x - 3)*(x - 2).",
         aliases=("factorize", "factorise", "factorization", "factorisation", "factor_polynomial"))
def op_factor(a: ExpressionArgs) -> ToolResult:
    return _result(sp.factor(_single(a.expression, _declared(a))))


@TOOL.op("expand", "Expand products and powers, e.g. (x + 1)**2 → x**2 + 2*x + 1.",
         aliases=("expand_expression", "expansion", "multiply_out", "distribute"))
def op_expand(a: ExpressionArgs) -> ToolResult:
    return _result(sp.expand(_single(a.expression, _declared(a))))


# -- calculus ------------------------------------------------------------------------------------------

class DifferentiateArgs(OpArgs):
    _list = field_validator("variable", mode="before")(classmethod(lambda cls, v: _decode_list(v)))

    expression: str = Field(**_EXPR_FIELD, description="expression to differentiate, e.g. 'x**3 + 2*x'")
    variable: str | list[str] | None = Field(
        None, validation_alias=AliasChoices("variable", "variables", "var", "wrt", "with_respect_to"),
        description="variable to differentiate by (default: the only free symbol); a list such as "
                    "[\"x\", \"y\"] gives the mixed partial derivative")
    order: int = Field(1, ge=1, le=MAX_ORDER, validation_alias=AliasChoices("order", "n", "times", "degree"),
                       description="how many times to differentiate")


@TOOL.op("differentiate", "Derivative of an expression (order n with 'order').",
         aliases=("derivative", "diff", "differentiation", "derive", "d_dx", "ddx"))
def op_differentiate(a: DifferentiateArgs) -> ToolResult:
    if isinstance(a.variable, list):
        if not a.variable:
            raise ToolError("'variable' is an empty list")
        syms = [_symbol(v) for v in a.variable]
        expr = _single(a.expression, [v.name for v in syms])
        return _result(sp.diff(expr, *[v for v in syms for _ in range(a.order)]))
    expr, var = _pick_variable(a.expression, a.variable)
    return _result(sp.diff(expr, var, a.order))


class IntegrateArgs(OpArgs):
    expression: str = Field(**_EXPR_FIELD, description="integrand, e.g. 'x*exp(x)'")
    variable: str | None = Field(None, validation_alias=AliasChoices("variable", "var", "wrt", "with_respect_to"),
                                 description="integration variable (default: the only free symbol)")
    lower: str | int | float | None = Field(None, validation_alias=AliasChoices("lower", "lower_limit", "lower_bound",
                                                                           "a", "from", "start"),
                                      description="lower limit for a definite integral (number, expression, -oo)")
    upper: str | int | float | None = Field(None, validation_alias=AliasChoices("upper", "upper_limit", "upper_bound",
                                                                           "b", "to", "end"),
                                      description="upper limit for a definite integral (number, expression, oo)")


@TOOL.op("integrate", "Indefinite integral (no constant added), or definite with 'lower' and 'upper'.",
         aliases=("integral", "integration", "antiderivative", "definite_integral", "indefinite_integral",
                  "integrate_expression"))
def op_integrate(a: IntegrateArgs) -> ToolResult:
    expr, var = _pick_variable(a.expression, a.variable)
    if (a.lower is None) != (a.upper is None):
        raise ToolError("a definite integral needs both 'lower' and 'upper' (leave both out for an antiderivative)")
    poly = _rational_poly(expr, var)
    if a.lower is None:
        return _result(poly.integrate().as_expr() if poly is not None else sp.integrate(expr, var))
    lo, hi = _point(a.lower, [var.name], "lower limit"), _point(a.upper, [var.name], "upper limit")
    if poly is not None and isinstance(lo, sp.Rational) and isinstance(hi, sp.Rational):
        antiderivative = poly.integrate()
        return _result(antiderivative.eval(hi) - antiderivative.eval(lo))
    res = sp.integrate(expr, (var, lo, hi))
    if res.has(sp.Integral):  # no closed form: give the number
        num = _numeric_text(res)
        if num is not None:
            return ToolResult.success(num[0], num[1])
    return _result(res)


class LimitArgs(OpArgs):
    expression: str = Field(**_EXPR_FIELD, description="expression, e.g. 'sin(x)/x'")
    variable: str | None = Field(None, validation_alias=AliasChoices("variable", "var"),
                                 description="variable (default: the only free symbol)")
    point: str | int | float = Field(0, validation_alias=AliasChoices("point", "to", "at", "approaches", "value", "x0"),
                               description="where the variable tends: a number, expression, oo or -oo")
    direction: str = Field("both", validation_alias=AliasChoices("direction", "dir", "side"),
                           description="'+' (from the right), '-' (from the left) or 'both'")


_DIRECTIONS = {"+": "+", "right": "+", "from_right": "+", "from_above": "+", "r": "+", "plus": "+",
               "-": "-", "left": "-", "from_left": "-", "from_below": "-", "l": "-", "minus": "-",
               "both": "+-", "+-": "+-", "-+": "+-", "two_sided": "+-", "twosided": "+-", "±": "+-"}


@TOOL.op("limit", "Limit of an expression as the variable tends to a point (two-sided unless direction).",
         aliases=("lim", "limits", "compute_limit", "find_limit"))
def op_limit(a: LimitArgs) -> ToolResult:
    expr, var = _pick_variable(a.expression, a.variable)
    point = _point(a.point, [var.name])
    key = a.direction.strip().lower().replace(" ", "_").replace("-sided", "_sided")
    direction = _DIRECTIONS.get(key)
    if direction is None:
        raise ToolError(f"unknown direction '{a.direction}' (use '+', '-' or 'both')")
    if point == 0:  # a finite limit read off the leading series terms: SymPy's answer, much faster
        fast = limit_at_zero(expr, var)
        if fast is not None:
            return _result(fast)
    if point.is_infinite:
        return _result(sp.limit(expr, var, point))
    return _result(sp.limit(expr, var, point, direction))


class SeriesArgs(OpArgs):
    expression: str = Field(**_EXPR_FIELD, description="expression, e.g. 'exp(x)'")
    variable: str | None = Field(None, validation_alias=AliasChoices("variable", "var"),
                                 description="variable (default: the only free symbol)")
    point: str | int | float = Field(0, validation_alias=AliasChoices("point", "x0", "about", "around", "at", "center"),
                               description="expansion point")
    order: int = Field(6, ge=1, le=MAX_SERIES_ORDER, validation_alias=AliasChoices("order", "n", "terms"),
                       description="order of the O() term (exclusive)")


@TOOL.op("series", "Taylor/Maclaurin series up to O((x - point)**order).",
         aliases=("taylor", "taylor_series", "maclaurin", "maclaurin_series", "series_expansion", "power_series"))
def op_series(a: SeriesArgs) -> ToolResult:
    expr, var = _pick_variable(a.expression, a.variable)
    point = _point(a.point, [var.name])
    if point == 0:  # exact recurrences give SymPy's own answer ~50x faster where they apply
        fast = maclaurin(expr, var, a.order)
        if fast is not None:
            return _result(fast)
    return _result(sp.series(expr, var, point, a.order))


# -- solve ---------------------------------------------------------------------------------------------

class SolveArgs(OpArgs):
    equation: str | list[str] = Field(
        validation_alias=AliasChoices("equation", "equations", "expression", "expressions", "system", "eq"),
        description="an equation ('x**2 - 5*x + 6 = 0'; an expression means '= 0'), or a list of them")
    variable: str | list[str] | None = Field(
        None, validation_alias=AliasChoices("variable", "variables", "var", "unknowns", "solve_for", "for"),
        description="unknown or list of unknowns (default: every free symbol)")
    domain: Literal["complex", "real"] = Field("complex", description="'real' keeps only real solutions")

    _list = field_validator("equation", "variable", mode="before")(classmethod(lambda cls, v: _decode_list(v)))


def _exact_solutions(exprs: list[Any], var: sp.Symbol) -> list[Any] | None:
    """solve()'s answer for one equation `exprs[0] = 0` in `var` alone from the first fast path that
    applies (polynomial, exponential, radical), or None (then solve() runs)."""
    if len(exprs) != 1 or exprs[0].free_symbols != {var}:
        return None
    for fast_path in (_polynomial_solutions, _exponential_solutions, _radical_solutions):
        values = fast_path(exprs[0], var)
        if values is not None:
            return values
    return None


def _polynomial_solutions(expr: Any, var: sp.Symbol) -> list[Any] | None:
    """`expr = 0` for a polynomial whose roots are all rational: its roots, as solve() gives them
    (sorted, distinct); None for anything else."""
    poly = _rational_poly(expr, var)
    return _rational_roots(poly) if poly is not None else None


def _integer_log(value: Any, base: int) -> int | None:
    """n with base**n == value exactly (value a positive Rational), else None."""
    p, q = int(value.p), int(value.q)
    if q == 1 and p >= 1:
        n = 0
        while p % base == 0:
            p, n = p // base, n + 1
        return n if p == 1 else None
    if p == 1:
        n = _integer_log(sp.Integer(q), base)
        return -n if n is not None else None
    return None


def _exponential_solutions(expr: Any, var: sp.Symbol) -> list[Any] | None:
    """`expr = 0` of the form `m*b**(var + c) = r` whose solution is rational: [n - c] where b**n = r/m, as solve() gives it; None
    for anything else.

    Why: solve() takes logarithms, simplifies and checks (~100 ms); the answer is one integer division
    loop. Only for an integer base b > 1 that is not a perfect power (for 4**x SymPy also returns complex
    solutions) and the variable's coefficient 1 (2**(2*x) has them too); tests compare with solve().
    """
    const, term = expr.as_independent(var, as_Add=True)
    coeff, power = term.as_independent(var, as_Add=False)
    if not (const.is_Rational and coeff.is_Rational and coeff != 0 and power.is_Pow):
        return None
    base, exponent = power.args
    if not (base.is_Integer and base > 1) or sp.perfect_power(base):
        return None
    shift = exponent - var
    target = -const / coeff
    if not shift.is_Rational or target <= 0:
        return None
    n = _integer_log(target, int(base))
    return None if n is None else [sp.Integer(n) - shift]


def _radical_solutions(expr: Any, var: sp.Symbol) -> list[Any] | None:
    """`expr = c*sqrt(P) + R = 0` with P and R linear in `var` over Q, whose squared form has rational roots:
    the roots r with sqrt(P(r)) = -R(r)/c (the others are extraneous), as solve() gives them; None for
    anything else.

    Why: solve() removes the radical (unrad), solves and substitutes every candidate back (~40 ms).
    For a rational root r, P(r) = Q(r)**2 with Q = -R/c, so sqrt(P(r)) = |Q(r)|: r solves the
    equation exactly when Q(r) >= 0. Tests compare with solve().
    """
    radicals = [t for t in sp.Add.make_args(expr) if t.has(sp.Pow) and not t.is_polynomial(var)]
    if len(radicals) != 1:
        return None
    coeff, root = radicals[0].as_independent(var, as_Add=False)
    if not (coeff.is_Rational and root.is_Pow and root.exp == sp.S.Half):
        return None
    inside = _rational_poly(root.base, var)
    rest = _rational_poly(expr - radicals[0], var)
    if inside is None or rest is None or inside.degree() != 1 or rest.degree() > 1:
        return None
    other = -rest * (1 / coeff)  # sqrt(P) = Q
    roots = _rational_roots(inside - other**2)
    if roots is None:
        return None
    return [r for r in roots if other.eval(r) >= 0]


def _linear_system_solution(exprs: list[Any], syms: list[sp.Symbol]) -> dict[Any, Any] | None:
    """The unique solution of the linear system `exprs = 0` in `syms` with rational coefficients, as
    solve(dict=True)'s one dict; None for anything else (several or no solutions, a non-linear or
    non-rational term): then solve() runs.

    Why: solve() checks and simplifies its way to the answer (~7 ms for 3 equations); the reduced row
    echelon form of the augmented matrix over QQ (SymPy's DomainMatrix) gives the same dict in a fraction
    of that. Tests compare with solve().
    """
    from sympy.polys.matrices import DomainMatrix

    qq = sp.QQ
    column = {s: i for i, s in enumerate(syms)}
    n = len(syms)
    rows: list[list[Any]] = []
    for e in exprs:
        if not e.free_symbols or not e.free_symbols <= column.keys():
            return None
        row = [qq.zero] * (n + 1)  # coefficients, then the right-hand side
        for term, c in e.as_coefficients_dict().items():
            if not c.is_Rational:
                return None
            if term is sp.S.One:
                row[n] -= qq.from_sympy(c)
            elif term in column:
                row[column[term]] += qq.from_sympy(c)
            else:  # x*y, x**2, sin(x), sqrt(2)*x, ...
                return None
        rows.append(row)
    reduced, pivots = DomainMatrix(rows, (len(rows), n + 1), qq).rref()
    if pivots != tuple(range(n)):  # a free unknown, or a pivot in the right-hand side (no solution)
        return None
    return {s: qq.to_sympy(reduced[i, n].element) for i, s in enumerate(syms)}


def _solve_exactly(texts: list[str], table: dict[str, Any], syms: list[sp.Symbol]) -> ToolResult | None:
    """op_solve's answer from an exact fast path, or None (then the general path runs).

    The equations are read without SymPy's attempt to decide them (`to_sympy(evaluate_relations=False)`:
    ~10 ms for a cubic, half of a fast solve). That is safe here: a fast path answers only when each
    equation has solutions and is not an identity, and then SymPy would have kept it as the same `Eq`.
    """
    exprs: list[Any] = []
    try:
        for t in texts:
            parsed = to_sympy(t, table or None, evaluate_relations=False)
            for e in parsed if isinstance(parsed, list) else [parsed]:
                e = e.lhs - e.rhs if isinstance(e, sp.Eq) else e
                if not isinstance(e, sp.Expr):
                    return None
                exprs.append(e)
    except ExprError:
        return None  # the general path words the error
    if not syms:
        syms = sorted(set().union(*(e.free_symbols for e in exprs)), key=lambda s: s.name)
    if len(syms) == 1:
        values = _exact_solutions(exprs, syms[0])
        return None if values is None else _single_unknown_result(values)
    solution = _linear_system_solution(exprs, syms) if syms else None
    return None if solution is None else _solutions_result([solution])


def _single_unknown_result(values: list[Any]) -> ToolResult:
    return ToolResult.success(_text(values), [_solution_value(v) for v in values])


def _solutions_result(sols: list[dict[Any, Any]]) -> ToolResult:
    ordered = [sorted(d.items(), key=lambda kv: kv[0].name) for d in sols]
    text = "[" + ", ".join("{" + ", ".join(f"{k}: {v}" for k, v in d) + "}" for d in ordered) + "]"
    return ToolResult.success(text, [{k.name: _solution_value(v) for k, v in d} for d in ordered])


def _solution_value(v: Any) -> Any:
    return _json(v)


@TOOL.op("solve", "Solve an equation or a system for the given unknowns. One unknown: a list of solutions "
         "like [2, 3]; several: a list of dicts like [{x: 1, y: 2}].",
         aliases=("solve_equation", "solve_equations", "solve_system", "roots", "find_roots", "solve_for",
                  "equation", "solver"))
def op_solve(a: SolveArgs) -> ToolResult:
    names = a.variable if isinstance(a.variable, list) else ([a.variable] if a.variable else [])
    real = a.domain == "real"
    syms = [sp.Symbol(_symbol(n).name, real=True) if real else _symbol(n) for n in names]
    texts = a.equation if isinstance(a.equation, list) else [a.equation]
    if not texts:
        raise ToolError("no equation given")
    table: dict[str, Any] = {s.name: s for s in syms}
    if real:  # every name in the equations is a real symbol
        for t in texts:
            for n in names_in(t):
                table.setdefault(n, sp.Symbol(n, real=True))
    exact = _solve_exactly(texts, table, syms)
    if exact is not None:
        return exact
    eqs: list[Any] = []
    for t in texts:
        parsed = _parse(t, table or None, "equation")
        eqs.extend(parsed if isinstance(parsed, list) else [parsed])
    for e in eqs:
        if isinstance(e, list) or not isinstance(e, sp.Expr | sp.core.relational.Relational | sp.logic.boolalg.Boolean):
            raise ToolError(f"cannot solve {e}: not an equation")
        if e is sp.false:
            return ToolResult.success("[]", [])
    eqs = [e for e in eqs if e is not sp.true]
    if not syms:
        free: set[Any] = set()
        for e in eqs:
            free |= e.free_symbols
        syms = sorted(free, key=lambda s: s.name)
    if not syms:
        raise ToolError("nothing to solve for: the equation has no variables")
    if any(isinstance(e, sp.core.relational.Relational) and not isinstance(e, sp.Eq | sp.Ne) for e in eqs):
        return _result(sp.solve(eqs if len(eqs) > 1 else eqs[0], *syms))  # inequalities: a condition
    if len(syms) == 1:
        s = syms[0]
        return _single_unknown_result([d[s] for d in sp.solve(eqs, syms, dict=True) if s in d])
    return _solutions_result(sp.solve(eqs, syms, dict=True))


# -- evaluate ------------------------------------------------------------------------------------------

class EvaluateArgs(OpArgs):
    expression: str = Field(**_EXPR_FIELD, description="expression, e.g. '3*x**2 + 2'")
    substitutions: dict[str, int | float | str] = Field(
        default_factory=dict,
        validation_alias=AliasChoices("substitutions", "subs", "values", "at", "variables", "substitution",
                                      "point", "assignments"),
        description="values for variables, e.g. {\"x\": 5} (numbers or expressions)")
    exact: bool = Field(False, description="keep the exact symbolic result instead of a decimal number")
    variable: str | None = Field(None, validation_alias=AliasChoices("variable", "var"),
                                 description="with 'value': one substitution, same as {variable: value}")
    value: int | float | str | None = Field(None, description="the value of 'variable'")

    @field_validator("substitutions", mode="before")
    @classmethod
    def _decode(cls, v: Any) -> Any:
        if isinstance(v, str) and v.strip().startswith("{"):
            try:
                return json.loads(v)
            except json.JSONDecodeError:
                pass
        if isinstance(v, str):
            return _pairs_from_text(v)
        if isinstance(v, list) and all(isinstance(d, dict) for d in v):
            return {k: val for d in v for k, val in d.items()}
        return v


def _pairs_from_text(text: str) -> Any:
    """"x = 5, y = 2" → {"x": "5", "y": "2"}, through the safe parser (left as is if it is not that)."""
    try:
        tree = _expr.parse_ast(text)
    except ExprError:
        return text
    items = tree.body.elts if isinstance(tree.body, ast.Tuple | ast.List) else [tree.body]
    out = {}
    for item in items:
        if not (isinstance(item, ast.Compare) and len(item.ops) == 1 and isinstance(item.ops[0], ast.Eq)
                and isinstance(item.left, ast.Name)):
            return text
        out[item.left.id] = ast.unparse(item.comparators[0])  # validated AST: re-read by to_sympy
    return out


@TOOL.op("evaluate", "Substitute values into an expression; a fully numeric result is given as a number.",
         aliases=("eval", "substitute", "subs", "evaluate_at", "evalf", "numeric", "compute", "calculate",
                  "evaluate_expression", "substitution", "plug_in"))
def op_evaluate(a: EvaluateArgs) -> ToolResult:
    used = names_in(a.expression)
    table: dict[str, Any] = {}
    subs = dict(a.substitutions)
    if (a.variable is None) != (a.value is None):
        raise ToolError("give 'variable' and 'value' together (or use substitutions={name: value})")
    if a.variable is not None:
        subs[a.variable] = a.value
    for name, raw in subs.items():
        sym = _symbol(name)
        if sym.name not in used:
            raise ToolError(f"substitution for '{name}', but the expression has no '{name}' "
                            f"(its names: {', '.join(sorted(used)) or 'none'})")
        if isinstance(raw, bool):
            raise ToolError(f"the value of '{name}' must be a number or an expression")
        table[sym.name] = _point(raw, None, f"value of '{name}'")
    # Building with the values in place (not .subs afterwards) applies the parser's size bounds to the
    # substituted numbers, so factorial(n) with n = 10**9 is refused instead of computed.
    res = _single(a.expression, table or None)
    if isinstance(res, sp.Expr) and not a.exact:
        num = _numeric_text(res)
        if num is not None:
            return ToolResult.success(*num)
    return _result(res)


# -- matrices ------------------------------------------------------------------------------------------

_MATRIX_KINDS = {
    "determinant": ("determinant", "det"),
    "inverse": ("inverse", "inv", "invert", "inverse_matrix"),
    "eigenvalues": ("eigenvalues", "eigenvals", "eigenvalue", "eigen_values"),
    "eigenvectors": ("eigenvectors", "eigenvects", "eigenvector", "eigen_vectors", "eigen"),
    "rref": ("rref", "row_reduce", "reduced_row_echelon_form", "row_echelon", "echelon", "gaussian_elimination"),
    "multiply": ("multiply", "product", "mul", "matmul", "times", "multiplication", "matrix_multiply", "dot"),
    "transpose": ("transpose", "t"),
    "rank": ("rank",),
    "trace": ("trace", "tr"),
    "charpoly": ("charpoly", "characteristic_polynomial", "char_poly"),
    "nullspace": ("nullspace", "null_space", "kernel"),
    "add": ("add", "sum", "plus", "addition"),
    "subtract": ("subtract", "minus", "difference", "subtraction"),
}
_KIND_OF = {alias: kind for kind, aliases in _MATRIX_KINDS.items() for alias in aliases}


class MatrixArgs(OpArgs):
    matrix: list[Any] | str = Field(
        validation_alias=AliasChoices("matrix", "A", "a", "matrix_a", "m", "M", "mat"),
        description="matrix as a list of rows, e.g. [[1, 2], [3, 4]] (entries may be expressions)")
    kind: str | None = Field(
        None, validation_alias=AliasChoices("values", "kind", "value", "compute", "what", "task", "matrix_operation"),
        description="what to compute: " + " | ".join(_MATRIX_KINDS))
    other: list[Any] | str | None = Field(
        None, validation_alias=AliasChoices("other", "B", "b", "matrix_b", "second", "matrix2", "right"),
        description="second matrix for multiply / add / subtract")

    _list = field_validator("matrix", "other", mode="before")(classmethod(lambda cls, v: _decode_list(v)))


def _sort_key(v: Any) -> tuple:
    try:
        c = complex(sp.N(v, 20))
        return (0, round(c.real, 12), round(c.imag, 12), sp.default_sort_key(v))
    except (TypeError, ValueError):
        return (1, 0.0, 0.0, sp.default_sort_key(v))


def _matrix(value: Any, what: str) -> Any:
    try:
        return to_sympy_matrix(value)
    except ExprError as exc:
        raise ToolError(f"cannot read the {what}: {exc}") from None


def _square(m: Any, kind: str) -> None:
    if not m.is_square:
        raise ToolError(f"{kind} needs a square matrix, got {m.rows}×{m.cols}")


@TOOL.op("matrix", "Matrix operations: 'values' picks determinant | inverse | eigenvalues | eigenvectors | "
         "rref | multiply | transpose | rank | trace | charpoly | nullspace | add | subtract ('other' is the "
         "second matrix).",
         aliases=("matrix_operation", "matrix_operations", "matrices", "linear_algebra", "linalg", "matrix_op"))
def op_matrix(a: MatrixArgs) -> ToolResult:
    if not a.kind:
        raise ToolError("say what to compute with 'values': " + " | ".join(_MATRIX_KINDS))
    kind = _KIND_OF.get(a.kind.strip().lower().replace(" ", "_").replace("-", "_"))
    if kind is None:
        raise ToolError(f"unknown matrix operation '{a.kind}' (one of: {' | '.join(_MATRIX_KINDS)})")
    m = _matrix(a.matrix, "matrix")
    if kind in ("determinant", "inverse", "eigenvalues", "eigenvectors", "trace", "charpoly"):
        _square(m, kind)
    if kind == "determinant":
        return _result(sp.simplify(m.det()) if m.free_symbols else m.det())
    if kind == "inverse":
        if m.det() == 0:
            raise ToolError("the matrix is singular (determinant 0): it has no inverse")
        return _result(m.inv())
    if kind == "eigenvalues":
        vals = [v for v, mult in m.eigenvals().items() for _ in range(mult)]
        vals.sort(key=_sort_key)
        return ToolResult.success(_text(vals), _json(vals))
    if kind == "eigenvectors":
        triples = sorted(m.eigenvects(), key=lambda t: _sort_key(t[0]))
        value = [{"eigenvalue": _json(v), "multiplicity": int(k), "vectors": [_json(list(vec)) for vec in vecs]}
                 for v, k, vecs in triples]
        return ToolResult.success(_text(triples), value)
    if kind == "rref":
        r, pivots = m.rref()
        return ToolResult.success(_text((r, pivots)), {"rref": _json(r), "pivots": list(pivots)})
    if kind == "transpose":
        return _result(m.T)
    if kind == "rank":
        return _result(sp.Integer(m.rank()))
    if kind == "trace":
        return _result(m.trace())
    if kind == "charpoly":
        return _result(m.charpoly(sp.Symbol("lambda")).as_expr())
    if kind == "nullspace":
        vecs = m.nullspace()
        return ToolResult.success(_text(vecs), [_json(list(v)) for v in vecs])
    if a.other is None:
        raise ToolError(f"{kind} needs a second matrix in 'other'")
    b = _matrix(a.other, "other matrix")
    if kind == "multiply":
        if m.cols != b.rows:
            raise ToolError(f"cannot multiply a {m.rows}×{m.cols} matrix by a {b.rows}×{b.cols} matrix")
        return _result(m * b)
    if m.shape != b.shape:
        raise ToolError(f"cannot {kind} a {m.rows}×{m.cols} and a {b.rows}×{b.cols} matrix")
    return _result(m + b if kind == "add" else m - b)


for _kind, _aliases in _MATRIX_KINDS.items():
    for _alias in _aliases:
        if _alias not in ("t", "tr", "sum", "plus", "minus", "times", "mul", "dot", "product", "eigen", "add",
                          "subtract", "difference", "addition", "subtraction", "multiply", "multiplication",
                          "kernel", "value"):
            TOOL.sub_op(_alias, "matrix", kind=_kind)
TOOL.sub_op("matrix_multiply", "matrix", kind="multiply")
TOOL.sub_op("matrix_multiplication", "matrix", kind="multiply")
TOOL.sub_op("matrix_product", "matrix", kind="multiply")

"""tools.expr: the safe parser. Conveniences LLMs write, exact SymPy/Z3 objects, and attacks refused."""

from __future__ import annotations

import time

import pytest
import sympy as sp
import z3

from tools.expr import (
    ALLOWED_FUNCTIONS,
    ExprError,
    describe_allowed,
    names_in,
    parse_ast,
    parse_expr_safe,
    to_sympy,
    to_sympy_matrix,
    to_z3,
)

x, y = sp.symbols("x y")


@pytest.mark.parametrize("text, expected", [
    ("x**3 + 2*x", x**3 + 2 * x),
    ("x^2", x**2),
    ("2x + 3(x+1)", 5 * x + 3),
    ("(x+1)(x-1)", (x + 1) * (x - 1)),
    ("x(x+1)", x * (x + 1)),
    ("2pi", 2 * sp.pi),
    ("1/2", sp.Rational(1, 2)),
    ("5!", sp.Integer(120)),
    ("(2+1)!", sp.Integer(6)),
    ("e**x", sp.exp(x)),
    ("E", sp.E),
    ("I**2", sp.Integer(-1)),
    ("oo", sp.oo),
    ("-oo", -sp.oo),
    ("ln(E)", sp.Integer(1)),
    ("log(8, 2)", sp.Integer(3)),
    ("log10(1000)", sp.Integer(3)),
    ("cbrt(-8)", sp.Integer(-2)),
    ("sqrt(16)", sp.Integer(4)),
    ("Abs(-3) + abs(-4)", sp.Integer(7)),
    ("factorial(5) / binomial(5, 2)", sp.Integer(12)),
    ("7 // 2 + 7 % 4", sp.Integer(6)),
    ("x² + 3×x − 1", x**2 + 3 * x - 1),
    ("Max(1, 5, 3)", sp.Integer(5)),
    ("√2 + √(x+1)", sp.sqrt(2) + sp.sqrt(x + 1)),
    ("gamma*x + gamma(5)", sp.Symbol("gamma") * x + 24),
])
def test_sympy_values(text, expected):
    got = to_sympy(text)
    assert got == expected or sp.simplify(got - expected) == 0


def test_equations_relations_logic_and_lists():
    assert to_sympy("x^2 = 4") == sp.Eq(x**2, 4)
    assert to_sympy("x == 4") == sp.Eq(x, 4)
    assert to_sympy("x <= 4") == sp.Le(x, 4)
    assert to_sympy("0 < x < 1") == sp.And(sp.Lt(0, x), sp.Lt(x, 1))
    assert to_sympy("x + y = 3, x - y = 1") == [sp.Eq(x + y, 3), sp.Eq(x - y, 1)]
    assert to_sympy("[[1, 2], [3, 4]]") == [[1, 2], [3, 4]]
    p, q = sp.symbols("p q")
    assert to_sympy("Implies(p, q) and not p") == sp.And(sp.Implies(p, q), sp.Not(p))


def test_declared_names_win_over_constants():
    e, i_ = sp.Symbol("e"), sp.Symbol("I")
    assert to_sympy("e") == sp.E and to_sympy("e", ["e"]) == e
    assert to_sympy("I*e", ["I", "e"]) == i_ * e
    # values in `symbols` are substituted while building, with the numeric bounds applied to them
    assert to_sympy("3*x**2 + 2", {"x": sp.Integer(5)}) == 77
    with pytest.raises(ExprError, match="factorial argument too large"):
        to_sympy("factorial(n)", {"n": sp.Integer(10**9)})
    assert parse_expr_safe is to_sympy


def test_names_in_excludes_function_names():
    assert names_in("sin(x) + y*pi") == {"x", "y", "pi"}


def test_matrices_from_text_and_json():
    assert to_sympy_matrix("[[1,2],[3,4]]") == sp.Matrix([[1, 2], [3, 4]])
    assert to_sympy_matrix("Matrix([[1, 2], [3, 4]])").det() == -2
    assert to_sympy_matrix([["a", 1], [2, 0.5]]) == sp.Matrix([[sp.Symbol("a"), 1], [2, sp.Float(0.5)]])
    assert to_sympy_matrix([1, 2, 3]).shape == (3, 1)
    with pytest.raises(ExprError, match="same"):
        to_sympy_matrix([[1, 2], [3]])
    with pytest.raises(ExprError, match="too large"):
        to_sympy_matrix([[0] * 30] * 30)


def test_z3_builds_and_semantics():
    xr, n, p, q = z3.Real("x"), z3.Int("n"), z3.Bool("p"), z3.Bool("q")
    v = {"x": xr, "n": n, "p": p, "q": q}

    def valid(text: str) -> bool:
        s = z3.Solver()
        s.add(z3.Not(to_z3(text, v)))
        return s.check() == z3.unsat

    assert valid("x**2 >= 0")
    assert valid("Implies(And(Implies(p, q), p), q)")
    assert valid("Abs(x) >= 0")
    assert valid("Max(x, 1) >= 1")
    assert valid("1/2 = 0.5")  # true division even for integer literals
    assert valid("Implies(n = 7, n // 2 = 3 and n % 2 = 1)")
    assert valid("Implies(0 < x < 1, x**2 < x)")
    s = z3.Solver()
    s.add(to_z3("x > 0, x < 0", v))  # a list/tuple is the conjunction
    assert s.check() == z3.unsat


@pytest.mark.parametrize("text, message", [
    ("z > 0", "undeclared variable 'z'"),
    ("sin(x) > 0", "not supported by the logic solver"),
    ("n + p > 0", "needs numbers"),
    ("x**y > 0", "powers"),
    ("9**9**9 > 0", "powers"),
    ("x / 2 // 1 > 0", "integer operands"),
])
def test_z3_errors_are_clear(text, message):
    v = {"x": z3.Real("x"), "n": z3.Int("n"), "p": z3.Bool("p"), "y": z3.Real("y")}
    with pytest.raises(ExprError, match=message):
        to_z3(text, v)


ATTACKS = [
    ("__import__('os').system('id')", "string literal"),
    ("__import__(os)", "name '__import__'"),
    ("().__class__.__base__.__subclasses__()", "calling anything but a named function"),
    ("x.__class__", "attribute access"),
    ("x.real", "attribute access"),
    ("[c for c in x]", "comprehension"),
    ("(lambda: 1)()", "not allowed"),
    ("lambda x: x", "lambda"),
    ("a[0]", "subscript"),
    ("'abc'", "string literal"),
    ('"abc"', "string literal"),
    ("{1: 2}", "dict literal"),
    ("eval(x)", "function 'eval'"),
    ("exec(x)", "function 'exec'"),
    ("getattr(x, y)", "function 'getattr'"),
    ("sympify(x)", "function 'sympify'"),
    ("sin(*x)", "starred"),
    ("_x + 1", "names may not start"),
    ("9**9**9", "exponent too large"),
    ("2**100000", "exponent too large"),
    ("(10**30)**1000", "result too large"),
    ("(10**99)**(999/2)", "result too large"),
    ("factorial(10**9)", "factorial argument too large"),
    ("gamma(10**6)", "gamma argument too large"),
    ("binomial(10**6, 10**5)", "too large"),
    ("binomial(1/2, 10**99)", "k too large"),
    ("binomial(E, 999)", "k too large"),
    ("binomial(10**99, 1/2)", "too large"),
    ("Mod(1, 0)", "division by zero"),
    ("1" * 150, "number too large"),
    ("1e999", "out of range"),
    ("x" * 50, "name too long"),
    ("-" * 3000 + "1", "nested"),
    ("(" * 300 + "1" + ")" * 300, "could not parse"),
    ("+".join(["1"] * 1600), "too large|too deeply nested"),
    ("x" * 6000, "too long"),
    ("x $ y", "unexpected character"),
    ("", "empty"),
    ("sin(1, 2)", "takes 1 argument"),
    ("sin", "is a function"),
]


@pytest.mark.parametrize("text, message", ATTACKS, ids=[t[:30] for t, _ in ATTACKS])
def test_attacks_and_bombs_are_refused_quickly(text, message):
    start = time.perf_counter()
    with pytest.raises(ExprError, match=message):
        to_sympy(text)
    assert time.perf_counter() - start < 2


def test_parse_ast_is_a_whitelist_and_docs_list_it():
    assert parse_ast("x + 1").body is not None
    assert "factorial" in ALLOWED_FUNCTIONS and "Implies" in ALLOWED_FUNCTIONS
    text = describe_allowed()
    assert "sqrt" in text and "= means equality" in text


def test_random_token_soup_only_ever_raises_expr_error():
    """A fixed-seed fuzz over the token alphabet: every input either builds or raises ExprError."""
    import random

    alphabet = ["x", "y", "2", "0", "1.5", "e", "I", "pi", "oo", "(", ")", "[", "]", ",", "+", "-", "*", "/",
                "**", "^", "//", "%", "=", "==", "<", "!", "!=", "and", "or", "not", "if", "else", "sin", "log",
                "factorial", "Max", "Abs", "If", "Implies", "Distinct", "sqrt", "True", "&", "|", "~", " ", ".",
                "9", "Mod", "atan2", "lambda", ":", "'", "_", "__"]
    rng = random.Random(7)
    variables = {"x": z3.Real("x"), "y": z3.Int("y"), "e": z3.Bool("e")}
    for _ in range(400):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 12)))
        for build in (to_sympy, lambda t: to_z3(t, variables)):
            try:
                build(text)
            except ExprError:
                pass

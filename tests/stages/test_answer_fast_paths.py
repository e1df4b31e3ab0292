"""The answer layer's shortcuts must say exactly what the SymPy path says.

`_fast_equivalent` decides `symbolic_equivalent` of plain arithmetic in floating point, `_list_arity`
predicts a parse without parsing, `_has_free_symbols` skips building an expression for the constant
check, and the layers memoise per output: each is checked against the slow path it replaces.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

pytest.importorskip("tools.expr")

from stages.schema import Verdict  # noqa: E402
from stages.verify import answers as A  # noqa: E402
from stages.verify import layers as L  # noqa: E402

# Pairs of (got, expected): symbolic forms, signs, fractions, decimals, units, functions, constants,
# cancellations (a name the value does not depend on), poles, relations, lists.
PAIRS = [
    ("3*x**2 + 2", "2 + 3x^2"), ("(x+1)**2", "x**2 + 2*x + 1"), ("x**2", "x**3"), ("-x", "x"),
    ("-(x - 1)", "1 - x"), ("1 - x", "x - 1"), ("3*(x - 7)/(x - 5)", "(3*x - 21)/(x - 5)"),
    ("x/2", "0.5*x"), ("x/3", "0.333*x"), ("x/3", "0.3333333333*x"), ("1000000*x", "1000001*x"),
    ("x", "x + 1e-7*x**2"), ("x", "x + 1e-5*x**2"), ("x - x + 1", "1"), ("x**0", "1"),
    ("(x+1)**2 - x**2 - 2*x", "1"), ("x*y", "y*x"), ("x*y", "x*z"), ("1/(x - 1)", "1/(x - 1.0)"),
    ("x**-2", "1/x**2"), ("(2*x)**64", "2**64*x**64"), ("x**65", "x**65"),
    ("p + q + r + s + t + u + v + w + y", "y + w + v + u + t + s + r + q + p"),
    ("a + b + c + d + e + f + g + h + i", "i + h + g + f + e + d + c + b + a"),  # (e is Euler's number)
    ("exp(x)*sin(x)", "sin(x)*exp(x)"), ("sin(x)**2 + cos(x)**2", "1"), ("sqrt(2)/2", "1/sqrt(2)"),
    ("log(x**2)", "2*log(x)"), ("sqrt(x**2)", "x"), ("E**x", "exp(x)"), ("pi/4", "0.785398163397448"),
    ("pi/4", "0.785"), ("3*pi/4", "2.35619"), ("-exp(-x)*sin(x)/2 - exp(-x)*cos(x)/2",
                                               "(-sin(x) - cos(x))*exp(-x)/2"),
    ("(x + 8)*exp(x)/(x + 9)**2", "exp(x)/(x + 9) - exp(x)/(x + 9)**2"), ("-11/2 + sqrt(161)/2", "-sqrt(161)/2 - 11/2"),
    ("54", "unsat"), ("0", "-6*x**2"), ("-8", "3*x**2 - 8"), ("40.77 m", "40.7747 m"), ("505.339 m", "pi/4"),
    ("2*v**2*cos(2*theta)/g", "2*v^2*cos(2*theta)/g"), ("10**99*x", "x*10**99"), ("1e300*x", "x*1e300"),
    ("1e20 + 1 - 1e20", "1"), ("(1e20 + 1 - 1e20)*x", "x"), ("0.1 + 0.2", "0.3"), ("1/(x - x)", "1/0"),
    ("sqrt(-x)", "sqrt(-x)"), ("log(x - 3)", "log(x - 3)"), ("sin(1e5*x)", "sin(100000*x)"),
    ("Yara = 1", "Jill = 2"), ("x = True", "y = 2"), ("x < 1", "y < 1"), ("x = 1", "x = 2"), ("x != 1", "y != 1"),
    ("x < True", "y = 1"), ("x = x", "y = y"), ("1 = 1", "2 = 2"), ("Ann = innocent", "Wes = True"),
    ("[1, 2]", "1, 2, 3"), ("x = 1, y = 2", "x + 1"), ("[1] + [2]", "1, 2"), ("{1, 2}", "x"),
    ("(1, 2)", "x, y"), ("a if b else c, d", "x"), ("1,000", "1000"), ("1,000, 2", "x"),
]


_MEMOS = (A._equivalent_memo, A._analyse, A._list_arity, A._parse_symbolic)


def _clear() -> None:
    for fn in _MEMOS:
        fn.cache_clear()


@pytest.fixture
def slow_path(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """`answers_equivalent` as before the shortcuts: every comparison built and decided by SymPy."""
    _clear()
    monkeypatch.setattr(A, "_fast_equivalent", lambda *a, **k: None)
    monkeypatch.setattr(A, "_list_arity", lambda text: None)
    monkeypatch.setattr(A, "_has_free_symbols", lambda an: False)
    yield
    _clear()


def _verdicts(pairs: list[tuple[str, str]], rel_tol: float) -> list[bool]:
    return [A.answers_equivalent(a, b, rel_tol) for x, y in pairs for a, b in ((x, y), (y, x))]


@pytest.mark.parametrize("rel_tol", [1e-6, 1e-3, 0.0])
def test_answers_equivalent_same_with_and_without_shortcuts(rel_tol: float, monkeypatch: pytest.MonkeyPatch,
                                                           request: pytest.FixtureRequest) -> None:
    _clear()
    fast = _verdicts(PAIRS, rel_tol)
    request.getfixturevalue("slow_path")
    assert _verdicts(PAIRS, rel_tol) == fast


def _slow_symbolic(a: str, b: str, rel_tol: float) -> bool:
    sa, sb = A._parse_symbolic(a), A._parse_symbolic(b)
    return sa is not None and sb is not None and A.symbolic_equivalent(sa, sb, rel_tol)


@pytest.mark.parametrize("rel_tol", [1e-6, 1e-2])
def test_fast_equivalent_agrees_with_symbolic_equivalent(rel_tol: float) -> None:
    decided = 0
    for a, b in PAIRS:
        fast = A._fast_equivalent(A._analyse(a), A._analyse(b), rel_tol)
        if fast is not None:
            decided += 1
            assert fast == _slow_symbolic(a, b, rel_tol), (a, b)
    assert decided >= 30  # the shortcut is really taken


@pytest.mark.parametrize(("a", "b", "same"), [
    ("3*x**2 + 2", "2 + 3x^2", True), ("x**2", "x**3", False), ("3*(x - 7)/(x - 5)", "(3*x - 21)/(x - 5)", True),
    ("exp(x)*sin(x)", "sin(x)*exp(x)", True), ("54", "unsat", False), ("Yara = 1", "Jill = 2", False),
    ("x", "x + 1e-7*x**2", True), ("pi/4", "0.785398163397448", True), ("-x", "x", False),
])
def test_fast_equivalent_decides_the_common_cases(a: str, b: str, same: bool) -> None:
    assert A._fast_equivalent(A._analyse(a), A._analyse(b), 1e-6) is same


@pytest.mark.parametrize(("a", "b"), [
    ("1000000*x", "1000001*x"),     # at the tolerance: too close to call
    ("x - x + 1", "1"),             # x is not a free symbol of the SymPy object: other sample points
    ("(x+1)**2 - x**2 - 2*x", "1"),  # ... nor provably one
    ("1/(x - x)", "1"),             # a pole
    ("x = 1", "x = 2"),             # relations over the same names: only SymPy knows
    ("p + q + r + s + t + u + v + w + y", "y + w + v + u + t + s + r + q + p"),  # > 8 symbols
])
def test_fast_equivalent_leaves_the_doubtful_to_sympy(a: str, b: str) -> None:
    assert A._fast_equivalent(A._analyse(a), A._analyse(b), 1e-6) is None


def test_free_symbols_are_the_names() -> None:
    for text in {t for pair in PAIRS for t in pair}:
        an = A._analyse(text)
        built = A._parse_symbolic(text)
        if A._has_free_symbols(an):
            assert built is not None and built.free_symbols, text
        if an.arith is not None and an.arith.live():
            assert {s.name for s in built.free_symbols} == set(an.arith.names), text
        if an.relation is not None:
            assert {s.name for s in built.free_symbols} == set(an.relation), text


@pytest.mark.parametrize(("text", "k"), [
    ("1, 2", 2), ("[1, 2]", 2), ("(1, 2, 3)", 3), ("{1, 2}", 2), ("x = 1, y = 2", 2), ("[a, b), (c, d]", 2),
    ("lambda a, b: a", 2), ("a, b,", 2), ("[[1, 2], [3, 4]]", 2), ("a if b else c, d", 2), ("f(1, 2), 3", 2),
    ("sqrt(2), 3", 2), ("x^2, y^2 + C", 2), ("1,000, 2", 3), ("a, , b", 2), ("(1, 2), (3, 4)", 2),
    ("√2, 3!", 2), ("[1, 2]*2, 3", 2),
])
def test_list_arity_predicts_the_parse(text: str, k: int) -> None:
    assert A._list_arity(text) == k
    assert A._symbolic_shape(text) in (k, None)
    built = A._parse_symbolic(text)
    assert built is None or (isinstance(built, list) and len(built) == k)


@pytest.mark.parametrize("text", ["1,000", "1,000 kg", "x", "(1, 2) + (3,)", "[[1, 2]]", "1 and 2", "f(1, 2)"])
def test_list_arity_only_for_top_level_commas(text: str) -> None:
    assert A._list_arity(text) is None


def test_bounded_arithmetic_contains_the_exact_value() -> None:
    from fractions import Fraction

    tree = A._analyse("(x**3 - 3*x + 1/7)/(x - 0.1) - 1e10*x + 1e10*x")
    arith = tree.arith
    assert arith is not None and arith.names == ("x",)
    for x in (0.31, 1.0000001, 2.7):
        v, r = arith.at({"x": x})
        fx = Fraction(x)
        exact = (fx ** 3 - 3 * fx + Fraction(1, 7)) / (fx - Fraction(0.1)) - Fraction(10 ** 10) * fx + Fraction(10 ** 10) * fx
        assert abs(Fraction(v) - exact) <= Fraction(r)


# -- the layers: the same support decisions, with per-output memos ---------------------------------------

def _reference_supported(answer: str, output: str, rel_tol: float = 1e-6) -> bool:
    """`answer_supported` as it was written before the per-output memos."""
    from stages.verify.results import _key, _tokens

    ka, ko = _key(answer), _key(output)
    if (len(ka) >= 4 and L._contains(ko, ka)) or (len(ko) >= 3 and L._contains(ka, ko)):
        return True
    na = A.parse_number(answer)
    if na is not None:
        for tok in _tokens(output):
            nt = A.parse_number(tok)
            if nt is not None and A.numbers_close(na, nt, rel_tol):
                return True
    if ka == ko:
        return True
    items = A.as_items(output)
    if items and any(_key(it) == ka for it in items):
        return True
    if A.answers_equivalent(answer, output, rel_tol):
        return True
    return bool(items) and any(A.answers_equivalent(answer, it, rel_tol) for it in items)


@pytest.mark.parametrize(("answer", "output"), [
    ("40.77 m", "range = 40.7747 m, max_height = 10.1937 m"), ("77", "3*x**2 + 2"), ("3*x**2 + 2", "2 + 3*x**2"),
    ("x = 2", "[2, -3]"), ("-3", "x = 2, x = -3"), ("sat", "sat: x = 2"), ("5.", "the value is 5."),
    ("0.785", "pi/4"), ("2.88", "2.87234"), ("12", "12*x**2"), ("1,000", "1000 kg"), ("x + 1", "x + 2"),
    ("Ann = knave", "Ann = knave, Bob = knight"), ("1.8e-05", "Ka = 1.8 × 10^-5"),
])
def test_answer_supported_unchanged(answer: str, output: str) -> None:
    assert L.answer_supported(answer, output) == _reference_supported(answer, output)
    assert L.answer_supported(answer, output) == (L._stated_in_text(answer, output, 1e-6)
                                                   or L._equivalent_to_output(answer, output, 1e-6))


def test_answer_supported_accepts_non_text_output() -> None:
    assert L.answer_supported("12.5", 12.5) and not L.answer_supported("3", 12.5)


def test_verdict_revalidated_only_when_mistyped() -> None:
    assert L._SCHEMA_CHECKED  # the schema `_well_typed` knows (else every verdict is validated again)
    v = Verdict()
    v.answer.reasons.append("wrong answer")
    v.tool_calls += 2
    assert L._well_typed(v)
    assert Verdict.model_validate(v.model_dump()) == v
    v.answer.reasons.append(3)  # type: ignore[arg-type]  # mutated in place, not validated
    assert not L._well_typed(v)
    bad: Any = Verdict()
    bad.fixed = 1
    assert not L._well_typed(bad)


def _random_expression(rng: Any, depth: int) -> str:
    if depth <= 0 or rng.random() < 0.25:
        return rng.choice(["x", "y", "z", "t", "pi", "E", "2", "-3", "7", "0", "1", "0.25", "1.5", "1e-7", "10**12"])
    a, b = _random_expression(rng, depth - 1), _random_expression(rng, depth - 1)
    op = rng.random()
    if op < 0.6:
        return f"({a} {rng.choice('+-*')} {b})"
    if op < 0.75:
        return f"({a})/({b})"
    if op < 0.88:
        return f"({a})**{rng.choice([0, 1, 2, 3, -1, -2, 64])}"
    return f"{rng.choice(['exp', 'sin', 'cos', 'sqrt', 'log'])}({a})"


def test_fast_equivalent_agrees_on_random_expressions() -> None:
    import random

    rng = random.Random(20240611)
    decided = 0
    for _ in range(150):
        a = _random_expression(rng, rng.randint(1, 3))
        built = A._parse_symbolic(a)
        variants = [_random_expression(rng, 2), f"({a})*(1 + 1e-7)", f"({a})*(1 + 1.5e-6)", f"({a}) + x - x"]
        if built is not None and not isinstance(built, list):
            variants.append(str(built))  # SymPy's own spelling: reordered, collected
        b = rng.choice(variants)
        for rel_tol in (1e-6, 1e-3):
            fast = A._fast_equivalent(A._analyse(a), A._analyse(b), rel_tol)
            if fast is not None:
                decided += 1
                assert fast == _slow_symbolic(a, b, rel_tol), (a, b, rel_tol)
    assert decided >= 100

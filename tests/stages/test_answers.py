"""answers_equivalent: accept a rounded or differently written correct answer, reject a wrong one."""

from __future__ import annotations

import threading

import pytest

from stages.verify.answers import answers_equivalent, parse_number

SAME = [
    ("0.5", "1/2"),
    ("2.87", "2.87234"),                    # rounded to 3 significant digits
    ("2.87234", "2.872341"),
    ("1.8e-05", "1.8 × 10^-5"),
    ("1.8E-5", "1.8\\times 10^{-5}"),
    ("40.77 m", "40.7747 m"),               # number and unit
    ("40.7747", "40.77 m"),                 # one side without unit: the number decides
    ("\\frac{1}{2}", "0.5"),
    ("\\boxed{77}", "77"),
    ("$\\boxed{\\frac{3}{4}}$", "0.75"),
    ("77", "77.0"),
    ("5.00", "5"),
    ("-3/4", "-0.75"),
    ("0.333", "1/3"),
    ("1,000", "1000"),
    ("12.5%", "12.5 %"),
    ("[1, 2]", "{2, 1}"),                   # lists/sets order-insensitively
    ("x = 3, x = 2", "[2, 3]"),
    ("x = 2", "2"),
    ("SAT", "sat"),
    ("The answer is 42.", "42"),
    ("[[1, 2], [3, 4]]", "[[1, 2], [3, 4.0]]"),
    ("\\{1, 2\\}", "[2, 1]"),
    ("\\sqrt[3]{8}", "2"),                    # math-verify (main thread only)
]

DIFFERENT = [
    ("2.88", "2.87234"),                    # wrong in the last written digit
    ("3", "3.4"),                           # an integer is exact
    ("0.46", "0.4632"),                     # too few digits to count as a rounding
    ("0.33", "1/3"),
    ("40.77 s", "40.7747 m"),               # same number, different unit
    ("[1, 2]", "[1, 3]"),
    ("sat", "unsat"),
    ("5.1", "5"),
    ("[[1, 2], [3, 4]]", "[[3, 4], [1, 2]]"),  # matrix rows keep their order
    ("x = 1, y = 2", "x = 2, y = 1"),
    ("\\sqrt[3]{8}", "3"),
]


@pytest.mark.parametrize(("got", "expected"), SAME)
def test_equivalent(got: str, expected: str) -> None:
    assert answers_equivalent(got, expected)
    assert answers_equivalent(expected, got)


@pytest.mark.parametrize(("got", "expected"), DIFFERENT)
def test_not_equivalent(got: str, expected: str) -> None:
    assert not answers_equivalent(got, expected)


def test_rel_tol_parameter() -> None:
    assert not answers_equivalent("100", "100.5")
    assert answers_equivalent("100", "100.5", rel_tol=1e-2)


def test_parse_number_units_and_sig() -> None:
    n = parse_number("40.7747 m/s^2")
    assert n is not None and n.value == pytest.approx(40.7747) and n.unit == "m/s^2" and n.sig == 6
    assert parse_number("x + 1") is None
    assert parse_number("12").sig is None  # an integer is exact


SYMBOLIC_SAME = [
    ("3*x**2 + 2", "2 + 3x^2"),
    ("(x+1)**2", "x**2 + 2*x + 1"),
    ("x**3/3 + C", "x^3/3"),                # constant of integration
    ("sqrt(2)/2", "\\frac{\\sqrt{2}}{2}"),
    ("\\frac{\\pi}{4}", "pi/4"),
    ("0.785", "pi/4"),                     # rounded decimal of an exact constant
    ("1.41421", "sqrt(2)"),
    ("sin(x)**2 + cos(x)**2", "1"),
    ("x^{2}+1", "x**2+1"),
]
SYMBOLIC_DIFFERENT = [("3*x**2 + 2", "3*x**2 + 3"), ("0.786", "pi/4"), ("1.42", "sqrt(2)"), ("x**2", "x**3")]


@pytest.mark.parametrize(("got", "expected"), SYMBOLIC_SAME)
def test_symbolic_equivalent(got: str, expected: str) -> None:
    pytest.importorskip("tools.expr")
    assert answers_equivalent(got, expected)


@pytest.mark.parametrize(("got", "expected"), SYMBOLIC_DIFFERENT)
def test_symbolic_different(got: str, expected: str) -> None:
    pytest.importorskip("tools.expr")
    assert not answers_equivalent(got, expected)


def test_no_eval_of_hostile_text() -> None:
    """A dunder walk is just text that does not match: never evaluated, no exception."""
    hostile = "().__class__.__base__.__subclasses__()"
    assert not answers_equivalent(hostile, "0")
    assert not answers_equivalent("__import__('os').system('true')", "0")


def test_works_off_the_main_thread() -> None:
    """The offline backend calls it from a thread pool: math-verify (signal.alarm) must be skipped."""
    out: list[bool] = []
    t = threading.Thread(target=lambda: out.append(answers_equivalent("\\frac{1}{2}", "0.5")))
    t.start()
    t.join()
    assert out == [True]


# -- the fast paths must not change what is equivalent -------------------------------------------------

@pytest.mark.parametrize(("got", "expected"), [
    ("[1] + [2]", "[1, 2]"),                # arithmetic on list literals builds a list
    ("[1] + [2]", "1, 2"),
    ("(1, 2) + (3,)", "[1, 2, 3]"),
    ("[1, 2]*2", "[1, 2, 1, 2]"),
    ("+[1, 2]", "[1, 2]"),                  # unary plus returns its operand
    ("x = 1, y = 2", "y = 2, x = 1"),
    ("True", "1 = 1"),                      # a comparison that evaluates to true
    ("False", "2 = 3"),
    ("pi/4", "0.785"),                      # a rounded decimal against an exact constant
])
def test_equivalent_through_the_parse_shapes(got: str, expected: str) -> None:
    assert answers_equivalent(got, expected) and answers_equivalent(expected, got)


@pytest.mark.parametrize(("got", "expected"), [
    ("[1, 2]", "[1, 2, 3]"),                # lists of different lengths
    ("1, 2", "x + 1"),                      # a list is never a single expression
    ("x = 1", "x + 1"),                     # a Boolean never equals an expression
    ("99.15 m", "111 km/h = 30.8333 m/s"),
    ("(1, 2) + (3,)", "[1, 2]"),
])
def test_not_equivalent_through_the_parse_shapes(got: str, expected: str) -> None:
    assert not answers_equivalent(got, expected) and not answers_equivalent(expected, got)


def test_parse_shapes() -> None:
    from stages.verify.answers import BOOLEAN, EXPR, SCALAR, UNKNOWN, _may_compare, _symbolic_shape

    assert _symbolic_shape("[1, 2, 3]") == 3 and _symbolic_shape("x = 1, y = 2") == 2
    assert _symbolic_shape("+(1, 2)") == 2
    assert _symbolic_shape("[1] + [2]") == UNKNOWN and _symbolic_shape("f([1])") == UNKNOWN  # f*[1]
    assert _symbolic_shape("foo(1)") is None  # an unknown function
    assert _symbolic_shape("x = 1") == BOOLEAN and _symbolic_shape("0 < x < 1") == BOOLEAN
    assert _symbolic_shape("3*x**2 + 2") == EXPR and _symbolic_shape("-pi") == EXPR
    assert _symbolic_shape("Eq(x, 1)") == SCALAR and _symbolic_shape("True") == SCALAR
    assert _symbolic_shape("v = 1 m/s (real, inverted") is None and _symbolic_shape("") is None
    assert _may_compare(2, 2) and not _may_compare(2, 3) and not _may_compare(2, EXPR)
    assert not _may_compare(BOOLEAN, EXPR) and _may_compare(BOOLEAN, SCALAR) and _may_compare(EXPR, EXPR)
    assert _may_compare(UNKNOWN, 2) and not _may_compare(None, EXPR)


def test_memoised_helpers_return_fresh_values() -> None:
    from stages.verify.answers import as_items, normalise_text

    items = as_items("[1, 2, 3]")
    assert items == ["1", "2", "3"]
    items.append("4")  # a caller may change its list; the next caller still gets the real items
    assert as_items("[1, 2, 3]") == ["1", "2", "3"]
    assert normalise_text(12.5) == "12.5" and parse_number(12.5) == parse_number("12.5")
    assert normalise_text("x^{2}") == "x^(2)" and normalise_text("\\frac{1}{2}") == "(1)/(2)"

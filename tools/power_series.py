"""Maclaurin series by truncated power-series arithmetic: a fast exact path for `symbolic_math.series`.

Why: SymPy's general `series()` runs its limit/leading-term machinery and spends 50–700 ms on
expressions like `exp(-3*x)/(1 - 2*x)`; the Taylor coefficients of such an expression follow from a
few exact recurrences over rationals in well under a millisecond per term. This module handles only
expressions where that is certain to give SymPy's own answer:

- expansion point 0, one variable, every constant a SymPy Rational (no floats, pi, sqrt(2), symbols);
- built from +, *, integer powers (negative ones need a non-zero constant term), rational powers of a
  series whose constant term c > 0 has a rational power (sqrt(x + 49): c**p = 7), and exp, sin, cos,
  tan, sinh, cosh, atan of a series starting at 0, log of a series starting at 1.

Anything else (poles, log(x), other functions, other points, polynomials of lower degree than the
order, which SymPy returns without an O term) returns None and the caller uses SymPy's `series()`.
The result is assembled as SymPy's `series()` assembles it (`Add(c_k*x**k...) + O(x**n)`); the tests
compare both paths on a grid of expressions.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from tools.registry import LazyModule

sp = LazyModule("sympy")  # loaded with the first series, not with the tool catalogue

Coeffs = list[Any]  # SymPy Rationals


class _Unsupported(Exception):
    """The expression is outside the class this module handles exactly."""


def _mul(a: Coeffs, b: Coeffs, n: int) -> Coeffs:
    out = [sp.Integer(0)] * n
    for i, ai in enumerate(a):
        if ai == 0:
            continue
        for j in range(n - i):
            if b[j] != 0:
                out[i + j] += ai * b[j]
    return out


def _reciprocal(a: Coeffs, n: int) -> Coeffs:
    if a[0] == 0:
        raise _Unsupported("pole")
    out = [sp.Integer(1) / a[0]] + [sp.Integer(0)] * (n - 1)
    for k in range(1, n):
        out[k] = -sum((a[j] * out[k - j] for j in range(1, k + 1)), sp.Integer(0)) / a[0]
    return out


def _power(a: Coeffs, p: sp.Rational, n: int) -> Coeffs:
    """a**p for a series whose constant term c > 0 has a rational c**p (a = c*(a/c), so a**p is c**p
    times the series of (a/c)**p, which starts at 1; f = a**p satisfies a*f' = p*a'*f)."""
    c = a[0]
    scale = c**p if c > 0 else None
    if not isinstance(scale, sp.Rational):
        raise _Unsupported("rational power of a series whose constant term has no rational power")
    if c != 1:
        return [scale * v for v in _power([v / c for v in a], p, n)]
    f = [sp.Integer(1)] + [sp.Integer(0)] * (n - 1)
    for k in range(1, n):
        # k*f_k = sum_{j=1..k} (p*j - (k - j)) a_j f_{k-j}
        f[k] = sum(((p * j - (k - j)) * a[j] * f[k - j] for j in range(1, k + 1)), sp.Integer(0)) / k
    return f


def _int_power(a: Coeffs, k: int, n: int) -> Coeffs:
    if k < 0:
        return _int_power(_reciprocal(a, n), -k, n)
    result = [sp.Integer(1)] + [sp.Integer(0)] * (n - 1)
    base = a
    while k:
        if k & 1:
            result = _mul(result, base, n)
        k >>= 1
        if k:
            base = _mul(base, base, n)
    return result


def _compose(outer: Callable[[int], Any], g: Coeffs, n: int) -> Coeffs:
    """sum_k outer(k) * g**k for g with g[0] == 0 (the outer function's Maclaurin coefficients)."""
    if g[0] != 0:
        raise _Unsupported("inner series must start at 0")
    out = [sp.Integer(0)] * n
    out[0] = outer(0)
    power = [sp.Integer(1)] + [sp.Integer(0)] * (n - 1)
    for k in range(1, n):
        power = _mul(power, g, n)  # g**k starts at x**k: the terms past n vanish
        c = outer(k)
        if c != 0:
            out = [o + c * pk for o, pk in zip(out, power, strict=True)]
    return out


def _exp_c(k: int) -> Any:
    return sp.Integer(1) / sp.factorial(k)


def _sin_c(k: int) -> Any:
    return sp.Integer(0) if k % 2 == 0 else sp.Integer(-1) ** ((k - 1) // 2) / sp.factorial(k)


def _cos_c(k: int) -> Any:
    return sp.Integer(0) if k % 2 else sp.Integer(-1) ** (k // 2) / sp.factorial(k)


def _sinh_c(k: int) -> Any:
    return sp.Integer(0) if k % 2 == 0 else sp.Integer(1) / sp.factorial(k)


def _cosh_c(k: int) -> Any:
    return sp.Integer(0) if k % 2 else sp.Integer(1) / sp.factorial(k)


def _atan_c(k: int) -> Any:
    return sp.Integer(0) if k % 2 == 0 else sp.Integer(-1) ** ((k - 1) // 2) / sp.Integer(k)


def _log1p_c(k: int) -> Any:
    return sp.Integer(0) if k == 0 else sp.Integer(-1) ** (k + 1) / sp.Integer(k)


@functools.cache
def _zero_start() -> dict[Any, Callable[[int], Any]]:
    """Functions expanded by composition with a series starting at 0, and their Maclaurin coefficients."""
    return {sp.exp: _exp_c, sp.sin: _sin_c, sp.cos: _cos_c, sp.sinh: _sinh_c, sp.cosh: _cosh_c, sp.atan: _atan_c}


def _series(e: sp.Expr, x: sp.Symbol, n: int) -> Coeffs:
    if e == x:
        return [sp.Integer(0), sp.Integer(1)] + [sp.Integer(0)] * (n - 2) if n > 1 else [sp.Integer(0)]
    if isinstance(e, sp.Rational):
        return [e] + [sp.Integer(0)] * (n - 1)
    if isinstance(e, sp.Add):
        out = [sp.Integer(0)] * n
        for arg in e.args:
            out = [o + c for o, c in zip(out, _series(arg, x, n), strict=True)]
        return out
    if isinstance(e, sp.Mul):
        out = [sp.Integer(1)] + [sp.Integer(0)] * (n - 1)
        for arg in e.args:
            out = _mul(out, _series(arg, x, n), n)
        return out
    if isinstance(e, sp.Pow):
        base, exp_ = e.args
        if isinstance(exp_, sp.Integer):
            return _int_power(_series(base, x, n), int(exp_), n)
        if isinstance(exp_, sp.Rational):
            return _power(_series(base, x, n), exp_, n)
        raise _Unsupported("symbolic exponent")
    func = type(e)
    outer = _zero_start().get(func)
    if outer is not None and len(e.args) == 1:
        return _compose(outer, _series(e.args[0], x, n), n)
    if func is sp.tan and len(e.args) == 1:  # sin/cos: cos(g) starts at 1, so the quotient is a series
        g = _series(e.args[0], x, n)
        return _mul(_compose(_sin_c, g, n), _reciprocal(_compose(_cos_c, g, n), n), n)
    if func is sp.log and len(e.args) == 1:
        g = _series(e.args[0], x, n)
        if g[0] != 1:
            raise _Unsupported("log of a series not starting at 1")
        return _compose(_log1p_c, [sp.Integer(0), *g[1:]], n)
    raise _Unsupported(f"{func.__name__}")


def maclaurin(expr: sp.Expr, x: sp.Symbol, n: int) -> sp.Expr | None:
    """`series(expr, x, 0, n)` for the expressions described above, else None (use SymPy's)."""
    if n < 1 or not isinstance(expr, sp.Expr) or expr.free_symbols != {x}:
        return None
    if expr.is_polynomial(x):
        return None  # SymPy returns a low-degree polynomial without an O term; it is cheap there anyway
    try:
        coeffs = _series(expr, x, n)
    except (_Unsupported, ZeroDivisionError):
        return None
    return sp.Add(*[c * x**k for k, c in enumerate(coeffs) if c != 0]) + sp.O(x**n)


def _leading(coeffs: Coeffs) -> int | None:
    return next((k for k, c in enumerate(coeffs) if c != 0), None)


def limit_at_zero(expr: sp.Expr, x: sp.Symbol, terms: int = 12) -> sp.Rational | None:
    """The (finite, rational) limit of `expr` as `x` → 0, from the Maclaurin series of its numerator
    and denominator (negative integer powers of a factor), else None (use SymPy's `limit()`).

    Why: limit() of `(exp(6*x) - 6*x - 1)/x**2` runs the Gruntz algorithm (20–80 ms); the quotient of
    the two leading series terms is the same exact answer. Infinite limits, limits that differ from the
    left and right, and expressions outside this module's class are left to SymPy.
    """
    if not isinstance(expr, sp.Expr) or expr.free_symbols != {x}:
        return None
    num: list[sp.Expr] = []
    den: list[sp.Expr] = []
    for factor in sp.Mul.make_args(expr):
        base, exp_ = factor.as_base_exp()
        if isinstance(exp_, sp.Integer) and exp_ < 0:
            den.append(base**-exp_)
        else:
            num.append(factor)
    try:
        n_coeffs = _series(sp.Mul(*num), x, terms)
        d_coeffs = _series(sp.Mul(*den), x, terms)
    except (_Unsupported, ZeroDivisionError):
        return None
    vn, vd = _leading(n_coeffs), _leading(d_coeffs)
    if vd is None or (vn is not None and vn < vd):
        return None  # denominator vanishes to every computed order, or the limit is infinite
    if vn is None or vn > vd:  # the numerator vanishes to a higher order (both series are exact to `terms`)
        return sp.Integer(0)
    return n_coeffs[vn] / d_coeffs[vd]

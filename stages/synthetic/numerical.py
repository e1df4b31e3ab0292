"""Numerical / code templates, solved with `execute_python`: partial sums, root finding (bisection,
Newton, fixed-point iteration), quadrature, statistics, primes, combinatorics, recurrences, Monte-Carlo
with a fixed seed, number theory, loans and Euler's method.

The trace's code is what a careful person would write (a loop, a sieve, Simpson's rule); the reference
answer comes from a different route — closed forms, mpmath/scipy/SymPy functions, or exact `Fraction`
arithmetic — so a wrong program or a wrong tool shows up as a mismatch.
"""

from __future__ import annotations

import cmath
import math
import random
import re
from fractions import Fraction
from textwrap import dedent
from typing import Any

import mpmath
import numpy as np
import sympy as sp

from stages.synthetic.base import Spec, TraceBuilder, TraceBuildError, template
from stages.synthetic.phrasing import join_words, num, pick, poly_text

CAT = "numerical"
PY = ("execute_python",)

_NUMBER = re.compile(r"-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?")


def _code(text: str) -> dict[str, str]:
    return {"code": dedent(text).strip() + "\n"}


def _last_number(output: str) -> str:
    """The last number the program printed (our programs print their result last)."""
    found = _NUMBER.findall(output)
    if not found:
        raise TraceBuildError(f"no number in program output: {output[:200]!r}")
    return found[-1]


def _f10(x: float) -> str:
    return f"{x:.10f}"


def _g(x: float) -> str:
    return f"{x:.10g}"


def _run(b: TraceBuilder, code: str, content: list[str] | str, **fmt: object):
    return b.call("execute_python", _code(code), content, **fmt)


def _brentq(*args: Any, **kw: Any) -> float:
    """scipy.optimize.brentq, imported on first use: only the generators need SciPy's solvers (~0.5 s
    to import), not the trace solvers the generate stage runs."""
    from scipy import optimize

    return optimize.brentq(*args, **kw)


def _quad(*args: Any, **kw: Any) -> tuple[float, float]:
    """scipy.integrate.quad, imported on first use (see `_brentq`)."""
    from scipy import integrate

    return integrate.quad(*args, **kw)


def _primes_upto(n: int) -> np.ndarray:
    """All primes ≤ n (a vectorised sieve, independent of the loop the trace writes)."""
    flags = np.ones(n + 1, dtype=bool)
    flags[:2] = False
    for i in range(2, math.isqrt(n) + 1):
        if flags[i]:
            flags[i * i :: i] = False
    return np.flatnonzero(flags)


def _nth_prime(n: int) -> int:
    """The n-th prime (2 is the 1st) from the vectorised sieve, bounded by Rosser's theorem
    p_n < n(ln n + ln ln n) for n ≥ 6 (SymPy's `prime` takes ~15 ms a call at these sizes)."""
    bound = int(n * (math.log(n) + math.log(math.log(n)))) + 1 if n >= 6 else 13
    return int(_primes_upto(bound)[n - 1])


def _matpow(m: list[list[int]], e: int) -> list[list[int]]:
    """Exact integer matrix power by repeated squaring (the closed route for linear recurrences)."""
    size = len(m)
    result = [[int(i == j) for j in range(size)] for i in range(size)]
    base = [row[:] for row in m]
    while e > 0:
        if e & 1:
            result = [[sum(result[i][t] * base[t][j] for t in range(size)) for j in range(size)] for i in range(size)]
        base = [[sum(base[i][t] * base[t][j] for t in range(size)) for j in range(size)] for i in range(size)]
        e >>= 1
    return result


def _fib_mod(n: int, m: int) -> int:
    """F(n) mod m by fast doubling — F(2k) = F(k)(2F(k+1) − F(k)), F(2k+1) = F(k)² + F(k+1)² — in
    O(log n) small products (SymPy's exact F(10⁶) has ~700k bits; the trace iterates n times instead)."""
    a, b = 0, 1  # F(k), F(k+1) mod m, k being the bits of n read so far
    for bit in bin(n)[2:]:
        c = a * (2 * b - a) % m
        d = (a * a + b * b) % m
        a, b = (d, (c + d) % m) if bit == "1" else (c, d)
    return a


# -- 1. partial sums of series ---------------------------------------------------------------------
_SERIES = {
    # name: (term code in k, mathematical description, limit text, exact partial sum via mpmath)
    "zeta2": ("1 / k**2", "1/k^2", "π²/6 ≈ 1.6449340668", lambda n: mpmath.zeta(2) - mpmath.zeta(2, n + 1)),
    "zeta3": ("1 / k**3", "1/k^3", "ζ(3) ≈ 1.2020569032", lambda n: mpmath.zeta(3) - mpmath.zeta(3, n + 1)),
    "zeta4": ("1 / k**4", "1/k^4", "π⁴/90 ≈ 1.0823232337", lambda n: mpmath.zeta(4) - mpmath.zeta(4, n + 1)),
    "alt": ("(-1)**(k + 1) / k", "(-1)^(k+1)/k", "ln 2 ≈ 0.6931471806",
            lambda n: mpmath.log(2) - (-1) ** n * (mpmath.digamma((n + 2) / mpmath.mpf(2))
                                                   - mpmath.digamma((n + 1) / mpmath.mpf(2))) / 2),
    "leibniz": ("(-1)**(k + 1) / (2*k - 1)", "(-1)^(k+1)/(2k−1)", "π/4 ≈ 0.7853981634",
                lambda n: mpmath.pi / 4 - (-1) ** n * (mpmath.digamma((2 * n + 3) / mpmath.mpf(4))
                                                       - mpmath.digamma((2 * n + 1) / mpmath.mpf(4))) / 4),
    "geomk": ("k * 0.5**k", "k/2^k", "2", lambda n: 2 - (n + 2) / mpmath.mpf(2) ** n),
    "harm": ("1 / k", "1/k", "∞ (the harmonic series diverges, roughly like ln N + 0.5772)",
             lambda n: mpmath.harmonic(n)),
}


@template(CAT, "series_partial_sum", tools=PY, weight=1.2)
def series_partial_sum(rng: random.Random, difficulty: str) -> Spec:
    name = rng.choice(list(_SERIES))
    n = {"easy": rng.randint(10, 100), "medium": rng.randint(101, 5000), "hard": rng.randint(5001, 200000)}[difficulty]
    term, desc, lim, exact = _SERIES[name]
    val = float(exact(n))
    q = pick(rng, [
        "Compute the partial sum S = Σ_(k=1)^{n} {d} to 10 decimal places.",
        "What is the sum of {d} for k = 1, 2, …, {n}? Give 10 decimals.",
        "Numerically evaluate Σ {d} from k = 1 to k = {n} (10 decimal places).",
        "Write a short program to add up the first {n} terms of the series Σ {d}. What is the total, to 10 decimals?",
    ], n=n, d=desc)
    return Spec(q, {"term": term, "desc": desc, "n": n, "lim": lim}, _f10(val))


@series_partial_sum.solver
def _(p: dict, b: TraceBuilder) -> str:
    n, term = p["n"], p["term"]
    b.think(["Adding {n} terms by hand is out of the question, so I'll sum them in a loop with floating point "
             "(math.fsum keeps the rounding error negligible).",
             "This needs {n} terms — a job for a short program. I'll use math.fsum for an accurately rounded sum."],
            n=n)
    r = _run(b, f"""
        import math
        N = {n}
        s = math.fsum({term} for k in range(1, N + 1))
        print(f"S_{{N}} = {{s:.10f}}")
        """, ["Summing the terms.", "Running the partial sum."])
    val = _last_number(r.output)
    b.observe(["The partial sum is {v}.", "The program prints S = {v}."], v=val)
    b.think(["For comparison, the infinite series converges to {l}; the partial sum is consistent with that.",
             "The full series tends to {l}, so this value is in the right place for N = {n}."], l=p["lim"], n=n)
    return b.finish(val)


# -- 2. bisection ----------------------------------------------------------------------------------
def _root_problem(rng: random.Random, difficulty: str) -> tuple[str, str, float, float, str]:
    """(python expression in x, display, lo, hi, math text) with exactly one sign change on [lo, hi]."""
    while True:
        kind = rng.choice(["cubic", "cos", "exp", "log"] if difficulty != "easy" else ["cubic", "quad"])
        a, c = rng.randint(2, 9), rng.randint(1, 12)
        if kind == "quad":
            expr, show = f"x**2 - {c + 1}", f"x² − {c + 1}"
            lo, hi = 0.0, float(c + 2)
        elif kind == "cubic":
            expr, show = f"x**3 - {a}*x - {c}", f"x³ − {a}x − {c}"
            lo, hi = 0.0, float(a + c)
        elif kind == "cos":
            expr, show = f"math.cos(x) - x/{a}", f"cos(x) − x/{a}"
            lo, hi = 0.0, 1.5
        elif kind == "exp":
            expr, show = f"math.exp(-x) - x/{a}", f"e^(−x) − x/{a}"
            lo, hi = 0.0, float(a)
        else:
            expr, show = f"math.log(x) + x - {c}", f"ln(x) + x − {c}"
            lo, hi = 0.5, float(c + 1)
        f = _py_func(expr)
        if f(lo) * f(hi) < 0:
            return expr, show, lo, hi, kind


def _py_func(expr: str):
    """Our own template expressions as Python functions (fixed text from this module, not model output)."""
    m = re.fullmatch(r"x\*\*2 - (\d+)", expr)
    if m:
        c = int(m[1])
        return lambda x: x * x - c
    m = re.fullmatch(r"x\*\*3 - (\d+)\*x - (\d+)", expr)
    if m:
        a, c = int(m[1]), int(m[2])
        return lambda x: x**3 - a * x - c
    m = re.fullmatch(r"math\.cos\(x\) - x/(\d+)", expr)
    if m:
        a = int(m[1])
        return lambda x: math.cos(x) - x / a
    m = re.fullmatch(r"math\.exp\(-x\) - x/(\d+)", expr)
    if m:
        a = int(m[1])
        return lambda x: math.exp(-x) - x / a
    m = re.fullmatch(r"math\.log\(x\) \+ x - (\d+)", expr)
    if m:
        c = int(m[1])
        return lambda x: math.log(x) + x - c
    raise ValueError(expr)


@template(CAT, "bisection", tools=PY, weight=1.2)
def bisection(rng: random.Random, difficulty: str) -> Spec:
    expr, show, lo, hi, _ = _root_problem(rng, difficulty)
    root = _brentq(_py_func(expr), lo, hi, xtol=1e-15)
    tol = {"easy": "1e-8", "medium": "1e-10", "hard": "1e-12"}[difficulty]
    q = pick(rng, [
        "Use the bisection method on [{lo}, {hi}] to find the root of f(x) = {f} (tolerance {t}). Give 8 decimals.",
        "The equation {f} = 0 has a root between {lo} and {hi}. Locate it by bisection to 8 decimal places.",
        "Find, to 8 decimal places, the solution of {f} = 0 in the interval [{lo}, {hi}] using bisection.",
        "Apply bisection (stop when the bracket is shorter than {t}) to {f} on [{lo}, {hi}]. What is the root?",
    ], lo=num(lo), hi=num(hi), f=show, t=tol)
    return Spec(q, {"expr": expr, "show": show, "lo": lo, "hi": hi, "tol": tol}, f"{root:.8f}")


@bisection.solver
def _(p: dict, b: TraceBuilder) -> str:
    f = _py_func(p["expr"])
    lo, hi = p["lo"], p["hi"]
    b.think("Bisection needs a sign change: f({lo}) = {a} and f({hi}) = {c} have opposite signs, so a root lies in "
            "between.", lo=num(lo), hi=num(hi), a=f"{f(lo):.4g}", c=f"{f(hi):.4g}")
    iters = math.ceil(math.log2((hi - lo) / float(p["tol"])))
    b.think("Halving an interval of length {w} down to {t} takes about {n} steps — a loop, not hand work.",
            w=num(hi - lo), t=p["tol"], n=iters)
    r = _run(b, f"""
        import math

        def f(x):
            return {p['expr']}

        lo, hi = {lo!r}, {hi!r}
        steps = 0
        while hi - lo > {p['tol']}:
            mid = (lo + hi) / 2
            if f(lo) * f(mid) <= 0:
                hi = mid
            else:
                lo = mid
            steps += 1
        root = (lo + hi) / 2
        print(f"steps = {{steps}}, f(root) = {{f(root):.2e}}")
        print(f"root = {{root:.8f}}")
        """, ["Running the bisection loop.", "Here is the bisection in code."])
    val = _last_number(r.output)
    b.observe(["The bracket closed after the expected number of halvings; the root is x ≈ {v}, and f there is "
               "essentially zero.", "Output: root ≈ {v}, with f(root) at the level of the tolerance."], v=val)
    return b.finish(val)


# -- 3. Newton's method ----------------------------------------------------------------------------
@template(CAT, "newton_method", tools=PY, weight=1.2)
def newton_method(rng: random.Random, difficulty: str) -> Spec:
    kind = rng.choice(["sqrt", "cbrt"] if difficulty == "easy" else ["sqrt", "cbrt", "cubic", "kepler"])
    if kind == "sqrt":
        a = rng.choice([v for v in range(2, 2000) if math.isqrt(v) ** 2 != v])
        f, df, x0, root, desc = f"x**2 - {a}", "2*x", float(a), math.sqrt(a), f"√{a}"
        q = pick(rng, ["Use Newton's method to compute √{a} to 10 decimal places.",
                       "Approximate the square root of {a} with Newton's iteration x ← x − (x² − {a})/(2x). "
                       "Give 10 decimals."], a=a)
    elif kind == "cbrt":
        a = rng.choice([v for v in range(2, 3000) if round(v ** (1 / 3)) ** 3 != v])
        f, df, x0, root, desc = f"x**3 - {a}", "3*x**2", float(a) / 3 + 1, float(mpmath.cbrt(a)), f"∛{a}"
        q = pick(rng, ["Compute the cube root of {a} with Newton's method, to 10 decimal places.",
                       "Using Newton–Raphson on x³ − {a} = 0, find ∛{a} (10 decimals)."], a=a)
    elif kind == "cubic":
        c, d = rng.randint(1, 9), rng.randint(1, 30)
        f, df = poly_text([1, 0, c, -d]), poly_text([3, 0, c])
        x0 = 1.0
        root = float(_brentq(lambda x: x**3 + c * x - d, 0, d + 1, xtol=1e-15))
        desc = f"x³ + {c}x − {d} = 0"
        q = pick(rng, ["Solve x³ + {c}x − {d} = 0 with Newton's method starting from x₀ = 1. Give the real root "
                       "to 10 decimals.", "Find the real root of x^3 + {c}x = {d} by Newton–Raphson (10 decimal "
                       "places)."], c=c if c > 1 else "", d=d)
    else:
        e = rng.choice([0.1, 0.2, 0.3, 0.5, 0.7, 0.9])
        m_ = rng.choice([0.5, 1.0, 1.5, 2.0, 2.5, 3.0])
        f, df, x0 = f"x - {e}*math.sin(x) - {m_}", f"1 - {e}*math.cos(x)", m_
        root = float(_brentq(lambda x: x - e * math.sin(x) - m_, 0, 2 * math.pi, xtol=1e-15))
        desc = f"Kepler's equation E − {e} sin E = {m_}"
        q = pick(rng, ["Solve Kepler's equation E − {e}·sin(E) = {m} for E with Newton's method (10 decimals).",
                       "An orbit has eccentricity {e} and mean anomaly M = {m} rad. Solve E − e·sin E = M for the "
                       "eccentric anomaly E (radians, 10 decimals)."], e=e, m=m_)
    return Spec(q, {"f": f, "df": df, "x0": x0, "desc": desc, "kind": kind}, _f10(root))


@newton_method.solver
def _(p: dict, b: TraceBuilder) -> str:
    b.think(["Newton's iteration is x ← x − f(x)/f'(x) with f(x) = {f} and f'(x) = {df}; it converges "
             "quadratically once close.", "For {d}: iterate x_(n+1) = x_n − f(x_n)/f'(x_n) with f = {f}, "
             "f' = {df}."], f=p["f"].replace("**", "^").replace("math.", ""),
            df=p["df"].replace("**", "^").replace("math.", ""), d=p["desc"])
    b.think("Starting guess x₀ = {x}; stop when successive iterates differ by less than 1e-14.", x=num(p["x0"]))
    r = _run(b, f"""
        import math

        x = {p['x0']!r}
        for n in range(1, 100):
            step = ({p['f']}) / ({p['df']})
            x -= step
            if abs(step) < 1e-14:
                break
        print(f"iterations: {{n}}")
        print(f"x = {{x:.10f}}")
        """, ["Running Newton's method.", "Iterating in Python."])
    val = _last_number(r.output)
    its = _NUMBER.findall(r.output)[0]
    b.observe(["It converged in {n} iterations to x = {v}.", "After {n} iterations: x ≈ {v}."], n=its, v=val)
    if p["kind"] in ("sqrt", "cbrt"):
        b.think("Check: {v} raised to the power {k} is very close to the original number, as expected.",
                v=val, k=2 if p["kind"] == "sqrt" else 3)
    return b.finish(val)


# -- 4. numerical integration (Simpson) ------------------------------------------------------------
_INTEGRANDS = {
    "gauss": ("math.exp(-x**2)", "e^(−x²)", lambda x: math.exp(-x * x)),
    "sinc": ("math.sin(x) / x if x != 0 else 1.0", "sin(x)/x", lambda x: math.sin(x) / x if x else 1.0),
    "quartic": ("1 / (1 + x**4)", "1/(1 + x⁴)", lambda x: 1 / (1 + x**4)),
    "sqrtcubic": ("math.sqrt(1 + x**3)", "√(1 + x³)", lambda x: math.sqrt(1 + x**3)),
    "logx": ("math.log(1 + x) / (1 + x**2)", "ln(1 + x)/(1 + x²)", lambda x: math.log(1 + x) / (1 + x * x)),
    "cosx2": ("math.cos(x**2)", "cos(x²)", lambda x: math.cos(x * x)),
}


@template(CAT, "simpson_integration", tools=PY, weight=1.2)
def simpson_integration(rng: random.Random, difficulty: str) -> Spec:
    name = rng.choice(list(_INTEGRANDS))
    code, show, f = _INTEGRANDS[name]
    upper = {"easy": rng.randint(1, 3), "medium": round(rng.uniform(0.5, 4), 1),
             "hard": round(rng.uniform(1, 6), 2)}[difficulty]
    n = {"easy": 1000, "medium": 2000, "hard": 4000}[difficulty]
    val, _ = _quad(f, 0, upper, epsabs=1e-13, epsrel=1e-13, limit=200)
    q = pick(rng, [
        "Approximate ∫_0^{b} {f} dx with Simpson's rule using n = {n} subintervals (8 decimals).",
        "Estimate the integral of {f} from 0 to {b} numerically (composite Simpson, n = {n}). Give 8 decimal "
        "places.", "The integral ∫ {f} dx over [0, {b}] has no elementary closed form. Compute it numerically to "
        "8 decimals (Simpson's rule, {n} panels).",
    ], b=num(upper), f=show, n=n)
    return Spec(q, {"code": code, "show": show, "b": upper, "n": n}, f"{val:.8f}")


@simpson_integration.solver
def _(p: dict, b: TraceBuilder) -> str:
    b.think(["There is no elementary antiderivative of {f}, so I'll integrate numerically. Composite Simpson's "
             "rule with n = {n} (even) has error O(h⁴), far below 1e-8 here.",
             "{f} has no closed-form antiderivative; Simpson's rule with {n} subintervals will be accurate to many "
             "digits."], f=p["show"], n=p["n"])
    r = _run(b, f"""
        import math

        def f(x):
            return {p['code']}

        a, b, n = 0.0, {p['b']!r}, {p['n']}
        h = (b - a) / n
        s = f(a) + f(b)
        s += 4 * sum(f(a + i * h) for i in range(1, n, 2))
        s += 2 * sum(f(a + i * h) for i in range(2, n, 2))
        print(f"Simpson estimate = {{s * h / 3:.8f}}")
        """, ["Running composite Simpson's rule.", "Here is Simpson's rule in Python."])
    val = _last_number(r.output)
    b.observe("Simpson's rule gives {v}.", v=val)
    r2 = _run(b, f"""
        import math

        def f(x):
            return {p['code']}

        a, b, n = 0.0, {p['b']!r}, {2 * p['n']}
        h = (b - a) / n
        s = f(a) + f(b) + 4 * sum(f(a + i * h) for i in range(1, n, 2)) + 2 * sum(f(a + i * h) for i in range(2, n, 2))
        print(f"{{s * h / 3:.8f}}")
        """, ["To check convergence, I'll double n and compare.", "Doubling the number of panels as an error check."])
    b.observe(["With twice as many panels the result is {w}, agreeing to the digits shown.",
               "Doubling n gives {w} — unchanged at 8 decimals, so the estimate has converged."],
              w=_last_number(r2.output))
    return b.finish(val)


# -- 5. descriptive statistics ---------------------------------------------------------------------
@template(CAT, "statistics", tools=PY, weight=1.2)
def statistics_template(rng: random.Random, difficulty: str) -> Spec:
    n = {"easy": rng.randint(6, 10), "medium": rng.randint(11, 20), "hard": rng.randint(21, 40)}[difficulty]
    hi = {"easy": 50, "medium": 200, "hard": 1000}[difficulty]
    data = [rng.randint(1, hi) for _ in range(n)]
    what = rng.choice(["mean", "median", "pvariance", "variance", "pstdev", "stdev"])
    fr = [Fraction(v) for v in data]
    mean = sum(fr) / n
    ss = sum((v - mean) ** 2 for v in fr)
    srt = sorted(fr)
    ans_val = {
        "mean": mean, "median": (srt[(n - 1) // 2] + srt[n // 2]) / 2,
        "pvariance": ss / n, "variance": ss / (n - 1),
        "pstdev": math.sqrt(ss / n), "stdev": math.sqrt(ss / (n - 1)),
    }[what]
    label = {"mean": "arithmetic mean", "median": "median", "pvariance": "population variance",
             "variance": "sample variance", "pstdev": "population standard deviation",
             "stdev": "sample standard deviation"}[what]
    ans = _g(float(ans_val)) if isinstance(ans_val, float) else _g(float(ans_val))
    ctx = pick(rng, ["The following values were measured: {d}.", "Data set: {d}.",
                     "A class's test scores are {d}.", "Daily sales figures: {d}."], d=", ".join(map(str, data)))
    q = ctx + " " + pick(rng, ["What is the {l}?", "Compute the {l}.", "Find the {l} of these numbers."], l=label)
    if what in ("pstdev", "stdev", "pvariance", "variance", "mean", "median"):
        q += " (Give the value to at least 6 significant digits.)" if what in ("pstdev", "stdev") else ""
    return Spec(q, {"data": data, "what": what, "label": label}, ans)


@statistics_template.solver
def _(p: dict, b: TraceBuilder) -> str:
    data, what, label = p["data"], p["what"], p["label"]
    explain = {
        "mean": "the sum divided by the count",
        "median": "the middle value of the sorted data (the average of the two middle values for an even count)",
        "pvariance": "the mean squared deviation from the mean, dividing by N",
        "variance": "the sum of squared deviations divided by N − 1 (Bessel's correction)",
        "pstdev": "the square root of the population variance (divide by N)",
        "stdev": "the square root of the sample variance (divide by N − 1)",
    }[what]
    b.think("The {l} is {e}. With {n} values I'll compute it with Python's statistics module rather than by hand.",
            l=label, e=explain, n=len(data))
    r = _run(b, f"""
        import statistics

        data = {data}
        print("n =", len(data), " sum =", sum(data))
        print("{what} =", statistics.{what}(data))
        """, ["Computing it.", f"Using statistics.{what}."])
    val = _last_number(r.output)
    b.observe(["The {l} is {v}.", "statistics.{w} returns {v}."], l=label, v=val, w=what)
    if what in ("pstdev", "stdev"):
        b.think("As a sanity check, the standard deviation is positive and smaller than the range of the data "
                "({lo} to {hi}).", lo=min(data), hi=max(data))
    elif what in ("mean", "median"):
        b.think("It lies between the smallest ({lo}) and largest ({hi}) value, as it should.", lo=min(data),
                hi=max(data))
    else:
        b.think("A variance is the square of a standard deviation (here about {s}); it is non-negative, as it must be.",
                s=_g(math.sqrt(float(val))))
    return b.finish(_g(float(val)))


# -- 6. primes -------------------------------------------------------------------------------------
@template(CAT, "primes", tools=PY, weight=1.2)
def primes(rng: random.Random, difficulty: str) -> Spec:
    kind = rng.choice(["count", "sum", "nth", "largest_factor", "twin"])
    scale = {"easy": 1000, "medium": 50000, "hard": 1000000}[difficulty]
    if kind == "count":
        n = rng.randint(scale // 10, scale)
        ans = int(sp.primepi(n))
        q = pick(rng, ["How many primes are there less than or equal to {n}?", "Count the prime numbers up to {n}.",
                       "What is π({n}), the number of primes not exceeding {n}?"], n=n)
    elif kind == "sum":
        n = rng.randint(scale // 10, scale)
        ans = int(_primes_upto(n).sum())
        q = pick(rng, ["What is the sum of all primes below or equal to {n}?", "Add up every prime p ≤ {n}."], n=n)
    elif kind == "nth":
        n = rng.randint(max(10, scale // 200), scale // 20)
        ans = _nth_prime(n)
        q = pick(rng, ["What is the {n}th prime number?", "Find the {n}-th prime (2 is the 1st)."], n=n)
        q = q.replace("1th", "1st").replace("2th", "2nd").replace("3th", "3rd") if not (10 <= n % 100 <= 20) else q
    elif kind == "largest_factor":
        while True:
            n = rng.randint(scale * 10, scale * 1000)
            fac = sp.factorint(n)
            if len(fac) >= 2:
                break
        ans = int(max(fac))
        q = pick(rng, ["What is the largest prime factor of {n}?", "Find the greatest prime dividing {n}."], n=n)
    else:
        n = rng.randint(scale // 10, scale)
        ps = _primes_upto(n)
        ans = int(np.count_nonzero(np.diff(ps) == 2))
        q = pick(rng, ["How many twin-prime pairs (p, p + 2) have both members at most {n}?",
                       "Count the pairs of twin primes (p, p+2) with p + 2 ≤ {n}."], n=n)
    return Spec(q, {"kind": kind, "n": n}, str(ans))


_SIEVE = """
    def sieve(limit):
        is_p = bytearray([1]) * (limit + 1)
        is_p[0:2] = b"\\x00\\x00"
        for i in range(2, int(limit ** 0.5) + 1):
            if is_p[i]:
                is_p[i * i :: i] = bytearray(len(range(i * i, limit + 1, i)))
        return [i for i in range(limit + 1) if is_p[i]]
"""


@primes.solver
def _(p: dict, b: TraceBuilder) -> str:
    kind, n = p["kind"], p["n"]
    if kind == "largest_factor":
        b.think("Trial division finds the prime factorisation: divide out each factor from 2 upward; whatever is "
                "left above √n at the end is itself prime.")
        r = _run(b, f"""
            n = {n}
            m, d, factors = n, 2, []
            while d * d <= m:
                while m % d == 0:
                    factors.append(d)
                    m //= d
                d += 1
            if m > 1:
                factors.append(m)
            print("factorisation:", " * ".join(map(str, factors)))
            print("largest prime factor:", max(factors))
            """, ["Factoring {n} by trial division.", "Let me factor it in code."], n=n)
        val = _last_number(r.output)
        b.observe("The factorisation is {f}; the largest prime factor is {v}.",
                  f=r.output.splitlines()[0].split(":", 1)[-1].strip(), v=val)
        return b.finish(val)
    tail = {
        "count": "print('count =', len(ps))",
        "sum": "print('sum =', sum(ps))",
        "nth": f"print('prime #{n} =', ps[{n} - 1])",
        "twin": "print('twin pairs =', sum(1 for a, c in zip(ps, ps[1:]) if c - a == 2))",
    }[kind]
    limit = n if kind != "nth" else max(100, int(n * (math.log(n) + math.log(math.log(n)) + 2)))
    if kind == "nth":
        b.think("The n-th prime is below n(ln n + ln ln n) for n ≥ 6, so sieving up to {L} is enough for n = {n}.",
                L=limit, n=n)
    else:
        b.think(["The sieve of Eratosthenes lists all primes up to {n} quickly.",
                 "I'll sieve the primes up to {n} (Eratosthenes) and then {w} them."], n=n,
                w="count" if kind == "count" else ("add" if kind == "sum" else "scan"))
    r = _run(b, _SIEVE + f"""
    ps = sieve({limit})
    {tail}
    """, ["Running the sieve.", "Sieve of Eratosthenes in Python:"])
    val = _last_number(r.output)
    b.observe(["The program reports {v}.", "Result: {v}."], v=val)
    if kind == "count":
        b.think("Plausibility: the prime number theorem estimates {n}/ln({n}) ≈ {e}; the true count is a bit "
                "larger, as usual, so {v} is reasonable.", n=n, e=round(n / math.log(n)), v=val)
    elif kind == "sum":
        b.think("Plausibility: the sum of the primes up to n is about n²/(2 ln n) ≈ {e}, the same order of "
                "magnitude as {v}.", e=f"{n * n / (2 * math.log(n)):.3g}", v=val)
    elif kind == "nth":
        b.think("Plausibility: p_n ≈ n(ln n + ln ln n − 1) ≈ {e} for n = {n}, close to {v}.",
                e=round(n * (math.log(n) + math.log(math.log(n)) - 1)), n=n, v=val)
    else:
        b.think("The rule counts consecutive primes differing by 2 — (3, 5), (5, 7), (11, 13), (17, 19), … — and "
                "the pair must fit below the bound, which the sieve limit guarantees.")
    return b.finish(val)


# -- 7. combinatorics ------------------------------------------------------------------------------
@template(CAT, "combinatorics", tools=PY, weight=1.2)
def combinatorics(rng: random.Random, difficulty: str) -> Spec:
    kind = rng.choice(["derangements", "partitions", "catalan", "stairs", "lattice", "subsets_sum"])
    big = {"easy": 0, "medium": 1, "hard": 2}[difficulty]
    if kind == "derangements":
        n = rng.randint(4 + 3 * big, 7 + 5 * big)
        ans = int(sp.subfactorial(n))
        q = pick(rng, ["In how many ways can {n} letters be put into their {n} addressed envelopes so that no letter "
                       "is in the right envelope?", "How many permutations of {n} items leave no item in its original "
                       "position?"], n=n)
        params = {"n": n}
    elif kind == "partitions":
        n = rng.randint(8 + 10 * big, 20 + 30 * big)
        ans = int(sp.partition(n))
        q = pick(rng, ["In how many ways can {n} be written as a sum of positive integers, ignoring order?",
                       "What is p({n}), the number of integer partitions of {n}?"], n=n)
        params = {"n": n}
    elif kind == "catalan":
        n = rng.randint(4 + 4 * big, 8 + 8 * big)
        ans = int(sp.catalan(n))
        q = pick(rng, ["How many ways are there to arrange {n} pairs of balanced parentheses?",
                       "Count the Dyck words with {n} pairs of brackets."], n=n)
        params = {"n": n}
    elif kind == "stairs":
        n = rng.randint(8 + 10 * big, 20 + 30 * big)
        steps = [1, 2] if rng.random() < 0.5 else [1, 2, 3]
        size = len(steps)
        companion = [[1 if i == 0 else int(j == i - 1) for j in range(size)] for i in range(size)]
        ans = _matpow(companion, n)[0][0]
        q = pick(rng, ["A staircase has {n} steps. Climbing {s} steps at a time, in how many different ways can you "
                       "reach the top?", "How many ordered ways are there to write {n} as a sum of parts from "
                       "{{{c}}}?"], n=n, s=join_words(map(str, steps), "or"), c=", ".join(map(str, steps)))
        params = {"n": n, "steps": steps}
    elif kind == "lattice":
        w, h = rng.randint(3 + 3 * big, 6 + 6 * big), rng.randint(3 + 3 * big, 6 + 6 * big)
        blocked = (rng.randint(1, w - 1), rng.randint(1, h - 1))
        bx, by = blocked
        ans = math.comb(w + h, w) - math.comb(bx + by, bx) * math.comb(w - bx + h - by, w - bx)
        q = pick(rng, ["On a grid, how many shortest paths (right and up moves) lead from (0, 0) to ({w}, {h}) "
                       "without passing through the point ({x}, {y})?",
                       "Count the monotone lattice paths from (0,0) to ({w},{h}) that avoid ({x},{y})."],
                 w=w, h=h, x=bx, y=by)
        params = {"w": w, "h": h, "blocked": list(blocked)}
    else:
        n = rng.randint(8 + 4 * big, 12 + 6 * big)
        k = rng.randint(3, 7)
        # roots-of-unity filter: (1/k) Σ_j Π_i (1 + ω^(ij)), exact after rounding for these sizes
        total = sum(math.prod(1 + cmath.exp(2j * math.pi * i * jj / k) for i in range(1, n + 1)) for jj in range(k))
        ans = round((total / k).real)
        q = pick(rng, ["How many subsets of {{1, 2, …, {n}}} (including the empty set) have a sum divisible by {k}?",
                       "Count the subsets of the integers 1 to {n} whose element sum is a multiple of {k} (the empty "
                       "set counts)."], n=n, k=k)
        params = {"n": n, "k": k}
    return Spec(q, {"kind": kind, **params}, str(ans))


@combinatorics.solver
def _(p: dict, b: TraceBuilder) -> str:
    kind = p["kind"]
    if kind == "derangements":
        b.think("These are derangements. They satisfy D(n) = (n − 1)(D(n − 1) + D(n − 2)) with D(1) = 0, D(2) = 1.")
        code = f"""
            n = {p['n']}
            d = [1, 0]
            for m in range(2, n + 1):
                d.append((m - 1) * (d[m - 1] + d[m - 2]))
            print(f"D({{n}}) =", d[n])
            """
    elif kind == "partitions":
        b.think("Partitions can be counted by dynamic programming over the allowed part sizes (the classic coin "
                "problem with coins 1..n).")
        code = f"""
            n = {p['n']}
            ways = [1] + [0] * n
            for part in range(1, n + 1):
                for total in range(part, n + 1):
                    ways[total] += ways[total - part]
            print(f"p({{n}}) =", ways[n])
            """
    elif kind == "catalan":
        b.think("Balanced parenthesisations are counted by the Catalan numbers: C(n) = Σ C(i)·C(n − 1 − i).")
        code = f"""
            n = {p['n']}
            c = [1]
            for m in range(1, n + 1):
                c.append(sum(c[i] * c[m - 1 - i] for i in range(m)))
            print(f"C({{n}}) =", c[n])
            """
    elif kind == "stairs":
        steps = p["steps"]
        b.think("The last move is one of {s} steps, so ways(n) = {rec}; a short loop computes it.",
                s=join_words(map(str, steps), "or"), rec=" + ".join(f"ways(n − {s})" for s in steps))
        code = f"""
            n = {p['n']}
            steps = {steps}
            ways = [1] + [0] * n
            for m in range(1, n + 1):
                ways[m] = sum(ways[m - s] for s in steps if s <= m)
            print(f"ways({{n}}) =", ways[n])
            """
    elif kind == "lattice":
        w, h = p["w"], p["h"]
        bx, by = p["blocked"]
        b.think("Count paths with dynamic programming on the grid: each point is reached from the left or from below, "
                "and the forbidden point gets 0.")
        code = f"""
            W, H = {w}, {h}
            blocked = ({bx}, {by})
            paths = [[0] * (H + 1) for _ in range(W + 1)]
            for x in range(W + 1):
                for y in range(H + 1):
                    if (x, y) == blocked:
                        continue
                    if x == 0 and y == 0:
                        paths[x][y] = 1
                    else:
                        paths[x][y] = (paths[x - 1][y] if x else 0) + (paths[x][y - 1] if y else 0)
            print("paths avoiding", blocked, "=", paths[W][H])
            """
    else:
        n, k = p["n"], p["k"]
        b.think("There are 2^{n} = {t} subsets — few enough to track sums modulo {k} with dynamic programming.",
                n=n, t=2**n, k=k)
        code = f"""
            n, k = {n}, {k}
            count = [1] + [0] * (k - 1)   # count[r] = subsets so far with sum ≡ r (mod k)
            for x in range(1, n + 1):
                count = [count[r] + count[(r - x) % k] for r in range(k)]
            print("subsets with sum divisible by", k, "=", count[0])
            """
    r = _run(b, code, ["Computing it.", "Running the count."])
    val = _last_number(r.output)
    b.observe(["The count is {v}.", "The program gives {v}."], v=val)
    small = {
        "derangements": "for n = 4 the same recurrence gives 9, matching the 9 derangements of abcd listed by hand",
        "partitions": "for n = 5 the same loop gives 7 (5, 4+1, 3+2, 3+1+1, 2+2+1, 2+1+1+1, 1+1+1+1+1)",
        "catalan": "for n = 3 the recurrence gives 5: ((())), (()()), (())(), ()(()), ()()()",
        "stairs": "for a staircase of 3 the rule gives " + ("3 (1+1+1, 1+2, 2+1)" if p.get("steps") == [1, 2]
                                                         else "4 (1+1+1, 1+2, 2+1, 3)"),
        "subsets_sum": "for {1, 2, 3} and modulus 3 it would count {}, {3}, {1, 2}, {1, 2, 3}: 4 subsets",
    }
    if kind in small:
        b.think("Sanity check of the method on a small case: {s}.", s=small[kind])
    if kind == "lattice":
        w, h = p["w"], p["h"]
        bx, by = p["blocked"]
        b.think("Cross-check with binomials: C({t},{w}) − C({s},{x})·C({u},{wx}) = {a} − {c}·{d} = {v}.",
                t=w + h, w=w, s=bx + by, x=bx, u=w - bx + h - by, wx=w - bx, a=math.comb(w + h, w),
                c=math.comb(bx + by, bx), d=math.comb(w - bx + h - by, w - bx), v=val)
    return b.finish(val)


# -- 8. recurrences --------------------------------------------------------------------------------
@template(CAT, "recurrence", tools=PY)
def recurrence(rng: random.Random, difficulty: str) -> Spec:
    kind = rng.choice(["linear2", "fibmod", "collatz"])
    if kind == "linear2":
        pp, qq = rng.randint(1, 4), rng.randint(-3, 3) or 1
        a0, a1 = rng.randint(-5, 5), rng.randint(-5, 5)
        n = {"easy": rng.randint(8, 15), "medium": rng.randint(16, 40), "hard": rng.randint(41, 90)}[difficulty]
        mt = _matpow([[pp, qq], [1, 0]], n - 1)
        ans = mt[0][0] * a1 + mt[0][1] * a0
        q = pick(rng, ["A sequence has a₀ = {a0}, a₁ = {a1} and a_n = {p}·a_(n−1) + ({q})·a_(n−2). Find a_{n}.",
                       "Let a(0) = {a0}, a(1) = {a1}, a(n) = {p}a(n-1) + {q}a(n-2). What is a({n})?"],
                 a0=a0, a1=a1, p=pp, q=qq, n=n)
        params = {"p": pp, "q": qq, "a0": a0, "a1": a1, "n": n}
    elif kind == "fibmod":
        n = {"easy": rng.randint(50, 500), "medium": rng.randint(500, 10**5), "hard": rng.randint(10**5, 10**6)}[difficulty]
        m = rng.choice([7, 10, 97, 100, 1000, 10**4, 10**9 + 7])
        ans = _fib_mod(n, m)
        q = pick(rng, ["What is the {n}th Fibonacci number modulo {m} (F₀ = 0, F₁ = 1)?",
                       "Compute F({n}) mod {m}, where F is the Fibonacci sequence with F(0)=0, F(1)=1."], n=n, m=m)
        params = {"n": n, "m": m}
    else:
        hi = {"easy": 1000, "medium": 100000, "hard": 10**7}[difficulty]
        n = rng.randint(3, hi)
        steps, x = 0, n
        while x != 1:
            x = 3 * x + 1 if x % 2 else x // 2
            steps += 1
        ans = steps
        q = pick(rng, ["Starting from {n}, how many steps of the Collatz map (n → n/2 if even, 3n + 1 if odd) are "
                       "needed to reach 1?", "How long is the Collatz trajectory of {n}, counted in steps until it "
                       "first hits 1?"], n=n)
        params = {"n": n}
    return Spec(q, {"kind": kind, **params}, str(ans))


@recurrence.solver
def _(p: dict, b: TraceBuilder) -> str:
    kind = p["kind"]
    if kind == "linear2":
        b.think("Iterating the recurrence {n} times is mechanical and the numbers grow quickly, so I'll iterate with "
                "Python's exact integers.", n=p["n"])
        code = f"""
            a_prev, a = {p['a0']}, {p['a1']}
            for n in range(2, {p['n']} + 1):
                a_prev, a = a, {p['p']} * a + ({p['q']}) * a_prev
            print("a_{p['n']} =", a)
            """
    elif kind == "fibmod":
        b.think("Only the residue matters, so I'll iterate F(n) modulo {m}, keeping the numbers small.", m=p["m"])
        code = f"""
            n, m = {p['n']}, {p['m']}
            a, b = 0, 1
            for _ in range(n):
                a, b = b, (a + b) % m
            print(f"F({{n}}) mod {{m}} =", a)
            """
    else:
        b.think("There is no formula for Collatz trajectories; I simply iterate until reaching 1 and count.")
        code = f"""
            n = {p['n']}
            steps = 0
            while n != 1:
                n = 3 * n + 1 if n % 2 else n // 2
                steps += 1
            print("steps:", steps)
            """
    if kind == "linear2":
        a2 = p["p"] * p["a1"] + p["q"] * p["a0"]
        a3 = p["p"] * a2 + p["q"] * p["a1"]
        b.think("By hand the first terms are a₂ = {p}·{a1} + ({q})·{a0} = {a2} and a₃ = {p}·{a2} + ({q})·{a1} = {a3}; "
                "the loop continues the same way.", p=p["p"], q=p["q"], a0=p["a0"], a1=p["a1"], a2=a2, a3=a3)
    elif kind == "fibmod":
        b.think("Mod {m} the sequence starts 0, 1, 1, 2, 3, 5, 8, … and is eventually periodic (Pisano period), "
                "but iterating {n} steps directly is cheap.", m=p["m"], n=p["n"])
    else:
        x, path = p["n"], [p["n"]]
        for _ in range(4):
            if x == 1:
                break
            x = 3 * x + 1 if x % 2 else x // 2
            path.append(x)
        b.think("The trajectory starts {t} …; counting every step until 1 is a loop.", t=" → ".join(map(str, path)))
    r = _run(b, code, ["Running the iteration.", "Let me compute it."])
    val = _last_number(r.output)
    b.observe(["The result is {v}.", "The program prints {v}."], v=val)
    return b.finish(val)


# -- 9. Monte-Carlo with a fixed seed --------------------------------------------------------------
# The π and dice references run the very simulation the question describes, in bulk: numpy's
# MT19937 is the generator behind Python's `random`, so started from `random.Random(seed)`'s state it
# yields the same 32-bit words, and random() / randint(1, 6) are rebuilt from them exactly as CPython
# does (`random_random`: (a >> 5, b >> 6) → 53-bit float; `_randbelow_with_getrandbits(6)`: word >> 29,
# redrawn while ≥ 6). Same numbers, same float operations; ~5x (π) and ~30x (dice) faster than a loop.

def _words(state: tuple) -> np.random.MT19937:
    """A bit generator in the state `random.Random.getstate()` returned."""
    bits = np.random.MT19937()
    bits.state = {"bit_generator": "MT19937",
                  "state": {"key": np.array(state[1][:-1], dtype=np.uint32), "pos": state[1][-1]}}
    return bits


def _uniforms(bits: np.random.MT19937, count: int) -> np.ndarray:
    """The next `count` values of random.random() (each exact: 27 + 26 bits scaled by 2**-53)."""
    raw = bits.random_raw(2 * count)
    return ((raw[0::2] >> 5).astype(np.float64) * 67108864.0 + (raw[1::2] >> 6)) * (1.0 / 9007199254740992.0)


def _pi_hits(seed: int, n: int) -> int:
    """`sum(1 for _ in range(n) if random.random() ** 2 + random.random() ** 2 <= 1)` after random.seed(seed)."""
    u = _uniforms(_words(random.Random(seed).getstate()), 2 * n)
    x, y = u[0::2], u[1::2]
    squares = x * x + y * y
    inside = squares <= 1.0
    # x * x and libm's x ** 2 may differ in the last bit; only a sum within rounding of 1 could flip,
    # so those few points are decided again with Python's own arithmetic.
    for i in np.flatnonzero(np.abs(squares - 1.0) < 1e-9).tolist():
        inside[i] = float(x[i]) ** 2 + float(y[i]) ** 2 <= 1
    return int(np.count_nonzero(inside))


def _dice_hits(seed: int, n: int, target: int) -> int:
    """`sum(1 for _ in range(n) if random.randint(1, 6) + random.randint(1, 6) >= target)` after seeding."""
    bits = _words(random.Random(seed).getstate())
    chunks, have = [], 0
    while have < 2 * n:  # 6 of every 8 words are accepted; draw a little more than needed
        v = bits.random_raw((2 * n - have) * 4 // 3 + 64) >> 29
        v = v[v < 6]
        chunks.append(v)
        have += len(v)
    dice = np.concatenate(chunks)[: 2 * n].astype(np.int64) + 1
    return int(np.count_nonzero(dice[0::2] + dice[1::2] >= target))


@template(CAT, "monte_carlo", tools=PY)
def monte_carlo(rng: random.Random, difficulty: str) -> Spec:
    seed = rng.randint(0, 10**6)
    # The sample size is stated in the question and changes nothing in the method; larger samples only
    # cost sandbox time (a 100,000-point run is ~70 ms of pure-Python loop).
    n = {"easy": rng.choice([1000, 2000, 5000]), "medium": rng.choice([5000, 10000, 20000]),
         "hard": rng.choice([20000, 50000])}[difficulty]
    kind = rng.choice(["pi", "dice", "unit_sum"])
    if kind == "pi":
        hits = _pi_hits(seed, n)
        est = 4 * hits / n
        exact = "π ≈ 3.14159"
        q = pick(rng, ["Estimate π by Monte-Carlo: with random.seed({s}), draw {n} points (random.random(), "
                       "random.random()) in the unit square and compute 4 × (fraction inside the quarter circle). "
                       "What estimate do you get?",
                       "Using Python's random module seeded with {s}, sample {n} points uniformly in [0,1)² and "
                       "report 4·(hits inside x² + y² ≤ 1)/{n}."], s=seed, n=n)
        params: dict = {}
    elif kind == "dice":
        target = rng.randint(7, 11)
        hits = _dice_hits(seed, n, target)
        est = hits / n
        exact_fr = Fraction(sum(1 for a in range(1, 7) for c in range(1, 7) if a + c >= target), 36)
        exact = f"{exact_fr.numerator}/{exact_fr.denominator} ≈ {float(exact_fr):.5f}"
        q = pick(rng, ["Simulate {n} rolls of two dice with random.seed({s}) (using random.randint(1, 6) for each "
                       "die) and estimate the probability that the sum is at least {t}.",
                       "With Python's random seeded by {s}, roll two fair dice {n} times (random.randint(1, 6) each). "
                       "What fraction of the rolls total {t} or more?"], n=n, s=seed, t=target)
        params = {"target": target}
    else:
        gen = random.Random(seed)  # a float sum per trial, sequential: no faster in bulk than this loop
        trials = 0
        total = 0
        for _ in range(n):
            s_, k = 0.0, 0
            while s_ <= 1:
                s_ += gen.random()
                k += 1
            total += k
            trials += 1
        est = total / trials
        exact = "e ≈ 2.71828"
        q = pick(rng, ["How many uniform random numbers must be added before the sum exceeds 1, on average? Estimate "
                       "it with {n} trials using random.seed({s}) and random.random().",
                       "Monte-Carlo experiment (random.seed({s}), {n} trials): keep adding random.random() until the "
                       "total exceeds 1 and record how many numbers were needed. What is the average count?"],
                 n=n, s=seed)
        params = {}
    return Spec(q, {"kind": kind, "seed": seed, "n": n, "exact": exact, **params}, _g(est))


@monte_carlo.solver
def _(p: dict, b: TraceBuilder) -> str:
    kind, seed, n = p["kind"], p["seed"], p["n"]
    if kind == "pi":
        b.think("A point (x, y) uniform in the unit square lands inside the quarter circle with probability π/4, so 4 "
                "times the hit fraction estimates π. The seed makes the run reproducible.")
        code = f"""
            import random

            random.seed({seed})
            N = {n}
            hits = sum(1 for _ in range(N) if random.random() ** 2 + random.random() ** 2 <= 1)
            print("hits:", hits)
            print("estimate:", 4 * hits / N)
            """
    elif kind == "dice":
        b.think("Simulate the rolls exactly as specified (seed {s}, two randint(1, 6) calls per roll) and count the "
                "rolls with sum ≥ {t}.", s=seed, t=p["target"])
        code = f"""
            import random

            random.seed({seed})
            N = {n}
            hits = sum(1 for _ in range(N) if random.randint(1, 6) + random.randint(1, 6) >= {p['target']})
            print("hits:", hits)
            print("estimate:", hits / N)
            """
    else:
        b.think("Each trial keeps drawing until the running sum exceeds 1; averaging the counts over many trials "
                "estimates the expected count.")
        code = f"""
            import random

            random.seed({seed})
            N = {n}
            total = 0
            for _ in range(N):
                s, k = 0.0, 0
                while s <= 1:
                    s += random.random()
                    k += 1
                total += k
            print("average count:", total / N)
            """
    r = _run(b, code, ["Running the simulation.", "Here is the simulation."])
    val = _last_number(r.output)
    b.observe(["The estimate is {v}.", "The simulation gives {v}."], v=val)
    b.think(["The exact value is {e}; with {n} samples the Monte-Carlo error is of order 1/√{n}, and the estimate is "
             "within that.", "For reference the exact answer is {e}, and the estimate is close, as expected for {n} "
             "samples."], e=p["exact"], n=n)
    return b.finish(_g(float(val)))


# -- 10. number theory -----------------------------------------------------------------------------
@template(CAT, "number_theory", tools=PY, weight=1.2)
def number_theory(rng: random.Random, difficulty: str) -> Spec:
    kind = rng.choice(["digitsum_pow", "digitsum_fact", "divisors", "totient", "powmod", "lcm"])
    s = {"easy": 1, "medium": 2, "hard": 3}[difficulty]
    if kind == "digitsum_pow":
        base, e = rng.choice([2, 3, 7]), rng.randint(20 * s, 300 * s)
        ans = sum(int(ch) for ch in str(sp.Integer(base) ** e))
        q = pick(rng, ["What is the sum of the decimal digits of {b}^{e}?", "Add up the digits of {b}**{e}."], b=base, e=e)
        params = {"expr": f"{base} ** {e}"}
    elif kind == "digitsum_fact":
        n = rng.randint(10 * s, 60 * s)
        ans = sum(int(ch) for ch in str(sp.factorial(n)))
        q = pick(rng, ["What is the digit sum of {n}!?", "Find the sum of the digits of {n} factorial."], n=n)
        params = {"expr": f"math.factorial({n})"}
    elif kind == "divisors":
        n = rng.randint(10 ** (s + 1), 10 ** (s + 3))
        ans = int(sp.divisor_count(n))
        q = pick(rng, ["How many positive divisors does {n} have?", "Count the divisors of {n}."], n=n)
        params = {"n": n}
    elif kind == "totient":
        n = rng.randint(10 ** (s + 1), 10 ** (s + 3))
        ans = int(sp.totient(n))
        q = pick(rng, ["Compute Euler's totient φ({n}).", "How many integers in 1..{n} are coprime to {n}?"], n=n)
        params = {"n": n}
    elif kind == "powmod":
        a, e, m = rng.randint(2, 99), rng.randint(10 ** (2 * s), 10 ** (4 * s)), rng.choice([97, 1000, 10**4 + 7, 12345])
        ans = pow(a, e, m)
        q = pick(rng, ["What are the last digits of {a}^{e} modulo {m}, i.e. {a}^{e} mod {m}?",
                       "Compute {a}^{e} mod {m}."], a=a, e=e, m=m)
        params = {"a": a, "e": e, "m": m}
    else:
        nums = sorted(rng.sample(range(2, 20 * s + 10), 3 + s))
        ans = int(sp.ilcm(*nums))
        q = pick(rng, ["What is the least common multiple of {l}?", "Find lcm({l})."], l=", ".join(map(str, nums)))
        params = {"nums": nums}
    return Spec(q, {"kind": kind, **params}, str(ans))


@number_theory.solver
def _(p: dict, b: TraceBuilder) -> str:
    kind = p["kind"]
    if kind in ("digitsum_pow", "digitsum_fact"):
        b.think("The number is far too large to write out by hand, but Python integers are exact, so I can form it "
                "and add its digits.")
        code = f"""
            import math

            n = {p['expr']}
            print("number of digits:", len(str(n)))
            print("digit sum:", sum(int(d) for d in str(n)))
            """
    elif kind == "divisors":
        b.think("The divisor count follows from the prime factorisation: if n = Π p^e then d(n) = Π (e + 1). I'll "
                "factor by trial division.")
        code = f"""
            n = {p['n']}
            m, d, exps = n, 2, {{}}
            while d * d <= m:
                while m % d == 0:
                    exps[d] = exps.get(d, 0) + 1
                    m //= d
                d += 1
            if m > 1:
                exps[m] = exps.get(m, 0) + 1
            count = 1
            for e in exps.values():
                count *= e + 1
            print("factorisation:", exps)
            print("divisors:", count)
            """
    elif kind == "totient":
        b.think("φ(n) = n·Π(1 − 1/p) over the distinct primes p dividing n; I'll factor n and apply it with integer "
                "arithmetic.")
        code = f"""
            n = {p['n']}
            m, d, phi = n, 2, n
            while d * d <= m:
                if m % d == 0:
                    while m % d == 0:
                        m //= d
                    phi -= phi // d
                d += 1
            if m > 1:
                phi -= phi // m
            print("phi =", phi)
            """
    elif kind == "powmod":
        b.think("The power itself would have millions of digits, but square-and-multiply reduces modulo {m} after "
                "every step, so only about log2({e}) ≈ {k} squarings are needed.", m=p["m"], e=p["e"],
                k=p["e"].bit_length())
        code = f"""
            a, e, m = {p['a']}, {p['e']}, {p['m']}
            result, base = 1, a % m
            while e:
                if e & 1:
                    result = result * base % m
                base = base * base % m
                e >>= 1
            print("check with built-in pow:", pow({p['a']}, {p['e']}, {p['m']}) == result)
            print("result:", result)
            """
    else:
        b.think("lcm(a, b) = a·b / gcd(a, b), folded over the list.")
        code = f"""
            import math
            from functools import reduce

            nums = {p['nums']}
            print("lcm =", reduce(lambda a, b: a * b // math.gcd(a, b), nums))
            """
    r = _run(b, code, ["Computing it.", "Let me run this."])
    val = _last_number(r.output)
    b.observe(["The answer is {v}.", "The program prints {v}."], v=val)
    if kind in ("divisors", "totient"):
        fac = sp.factorint(p["n"])
        fac_text = " · ".join(f"{q}^{e}" if e > 1 else str(q) for q, e in sorted(fac.items()))
        if kind == "divisors":
            b.think("Check: {n} = {f}, so d(n) = {prod} = {v}.", n=p["n"], f=fac_text,
                    prod="·".join(str(e + 1) for _, e in sorted(fac.items())), v=val)
        else:
            b.think("Check: {n} = {f}, and φ multiplies p^(e−1)(p − 1) over these prime powers, giving {v}.",
                    n=p["n"], f=fac_text, v=val)
    elif kind == "powmod":
        b.think("The hand-written square-and-multiply agrees with Python's built-in pow, so the residue is {v}.",
                v=val)
    elif kind == "lcm":
        b.think("The lcm is a multiple of every number in the list and is built from the highest prime powers that "
                "occur in them, so it can be large.")
    else:
        b.think("Python's integers are exact, so no digits were lost.")
    return b.finish(val)


# -- 11. loans and compound interest ---------------------------------------------------------------
@template(CAT, "loan", tools=PY)
def loan(rng: random.Random, difficulty: str) -> Spec:
    principal = rng.randint(5, 400) * 1000
    rate = rng.choice([2.5, 3.0, 3.75, 4.2, 5.0, 6.5, 7.25, 9.9])
    kind = rng.choice(["payment", "months"] if difficulty != "easy" else ["growth", "payment"])
    r = rate / 1200
    if kind == "payment":
        years = rng.choice([5, 10, 15, 20, 25, 30])
        n = 12 * years
        pay = principal * r / (1 - (1 + r) ** -n)
        q = pick(rng, ["What is the monthly payment on a ${P} loan at {a}% annual interest (compounded monthly) "
                       "repaid over {y} years? Round to the cent.", "A ${P} mortgage at {a}% APR, {y} years, monthly "
                       "payments: how much is each payment (to the cent)?"], P=principal, a=rate, y=years)
        return Spec(q, {"kind": kind, "P": principal, "rate": rate, "n": n}, f"{round(pay + 1e-9, 2):.2f}")
    if kind == "months":
        n_guess = rng.choice([36, 60, 120, 180])
        pay = math.ceil(principal * r / (1 - (1 + r) ** -n_guess)) + rng.randint(1, 200)
        months = math.ceil(-math.log(1 - r * principal / pay) / math.log(1 + r))
        q = pick(rng, ["A ${P} loan at {a}% annual interest (compounded monthly) is repaid at ${M} per month. How many "
                       "monthly payments are needed (the last one may be smaller)?",
                       "You owe ${P} at {a}% APR compounded monthly and pay ${M} each month. After how many months is "
                       "the debt cleared?"], P=principal, a=rate, M=pay)
        return Spec(q, {"kind": kind, "P": principal, "rate": rate, "M": pay}, str(months))
    years = rng.randint(3, 40)
    value = principal * (1 + r) ** (12 * years)
    q = pick(rng, ["${P} is invested at {a}% annual interest compounded monthly. What is it worth after {y} years "
                   "(to the cent)?", "What does a deposit of ${P} grow to in {y} years at {a}% APR, compounded monthly? "
                   "Round to cents."], P=principal, a=rate, y=years)
    return Spec(q, {"kind": kind, "P": principal, "rate": rate, "n": 12 * years}, f"{value:.2f}")


@loan.solver
def _(p: dict, b: TraceBuilder) -> str:
    kind = p["kind"]
    b.think("The monthly rate is {a}%/12 = {r:.6f} as a fraction.", a=p["rate"], r=p["rate"] / 1200)
    if kind == "payment":
        b.think("For an amortised loan the payment is M = P·r / (1 − (1 + r)^(−n)) with n = {n} months.", n=p["n"])
        code = f"""
            P, rate, n = {p['P']}, {p['rate']} / 1200, {p['n']}
            M = P * rate / (1 - (1 + rate) ** -n)
            balance = P
            for _ in range(n):
                balance = balance * (1 + rate) - M
            print(f"check: balance after {{n}} payments = {{balance:.6f}}")
            print(f"payment = {{M:.2f}}")
            """
    elif kind == "months":
        b.think("Each month the balance grows by the interest and drops by the payment; I'll simulate until it is "
                "paid off.")
        code = f"""
            balance, rate, pay = {p['P']}, {p['rate']} / 1200, {p['M']}
            months = 0
            while balance > 1e-9:
                balance = balance * (1 + rate) - pay
                months += 1
            print("months:", months)
            """
    else:
        b.think("Compound growth: V = P(1 + r)^n with n = {n} months.", n=p["n"])
        code = f"""
            P, rate, n = {p['P']}, {p['rate']} / 1200, {p['n']}
            print(f"value = {{P * (1 + rate) ** n:.2f}}")
            """
    r = _run(b, code, ["Computing it.", "Let me run the numbers."])
    val = _last_number(r.output)
    b.observe(["The result is {v}.", "The program gives {v}."], v=val)
    if kind == "payment":
        b.think("The simulated balance after the last payment is essentially zero, confirming the formula.")
    return b.finish(val)


# -- 12. fixed-point iteration ---------------------------------------------------------------------
@template(CAT, "fixed_point", tools=PY)
def fixed_point(rng: random.Random, difficulty: str) -> Spec:
    kind = rng.choice(["cos", "exp", "sqrt", "cbrt", "recip"])
    a = rng.randint(1, 9) if difficulty != "easy" else rng.randint(1, 3)
    if kind == "cbrt":
        g, show, f = f"(x + {a}) ** (1 / 3)", f"∛(x + {a})", (lambda x: (x + a) ** (1 / 3) - x)
    elif kind == "recip":
        g, show, f = f"1 + {a} / x", f"1 + {a}/x", (lambda x: 1 + a / x - x)
    elif kind == "cos":
        g, show, f = f"math.cos(x) / {a}", f"cos(x)/{a}" if a > 1 else "cos(x)", (lambda x: math.cos(x) / a - x)
    elif kind == "exp":
        g, show, f = f"math.exp(-x) / {a}", f"e^(−x)/{a}" if a > 1 else "e^(−x)", (lambda x: math.exp(-x) / a - x)
    else:
        g, show, f = f"math.sqrt(x + {a})", f"√(x + {a})", (lambda x: math.sqrt(x + a) - x)
    root = _brentq(f, 0.5 if kind == "recip" else 0, 20, xtol=1e-15)
    x0 = {"easy": 1, "medium": 0 if kind != "recip" else 2, "hard": rng.randint(2, 9)}[difficulty]
    q = pick(rng, ["Iterate x_(n+1) = {g} from x₀ = {x} until it converges. What is the fixed point (10 decimals)?",
                   "Find the solution of x = {g} by fixed-point iteration starting at {x}, to 10 decimal places.",
                   "The map x ↦ {g} is a contraction near its fixed point. Starting from x = {x}, compute the fixed "
                   "point to 10 decimals."], g=show, x=x0)
    return Spec(q, {"g": g, "show": show, "x0": x0}, _f10(root))


@fixed_point.solver
def _(p: dict, b: TraceBuilder) -> str:
    b.think(["A fixed point satisfies x = g(x) with g(x) = {g}. Since |g'| < 1 near it, the iteration converges "
             "linearly; I'll iterate until the change is below 1e-13.",
             "Fixed-point iteration: apply g(x) = {g} repeatedly; it converges because g is a contraction there."],
            g=p["show"])
    r = _run(b, f"""
        import math

        x = {float(p['x0'])!r}
        for n in range(1, 10000):
            x_new = {p['g']}
            if abs(x_new - x) < 1e-13:
                x = x_new
                break
            x = x_new
        print("iterations:", n)
        print(f"fixed point = {{x:.10f}}")
        """, ["Iterating.", "Running the iteration."])
    val = _last_number(r.output)
    b.observe(["Converged to x = {v}.", "The iteration settles at {v}."], v=val)
    b.think("Check: plugging {v} into g returns the same value to the printed precision, so it is the fixed point.",
            v=val)
    return b.finish(val)


# -- 13. Euler's method ----------------------------------------------------------------------------
def _euler_exact(a: float, c: int, y0: int, h: Fraction, steps: int) -> float:
    """Forward Euler for y' = a·y + c·t in exact rationals, rounded once at the end.

    With a = A/B and h = P/Q, the k-th iterate is N_k / (Q²·(QB)^k) where
    N_(k+1) = N_k·(QB + PA) + c·k·P²·(QB)^(k+1): integer products only, where `Fraction` would take a
    gcd of ~700-digit numbers at every step. Same rational, and int / int rounds it correctly, so the
    float is the one `float(Fraction)` gives.
    """
    fa = Fraction(a)
    big_a, big_b, p, q = fa.numerator, fa.denominator, h.numerator, h.denominator
    qb = q * big_b
    num, scale = y0 * q * q, 1  # scale = (QB)^k
    for k in range(steps):
        scale *= qb
        num = num * (qb + p * big_a) + c * k * p * p * scale
    return num / (q * q * scale)


@template(CAT, "euler_ode", tools=PY)
def euler_ode(rng: random.Random, difficulty: str) -> Spec:
    a = rng.choice([-2, -1, -0.5, 0.5, 1])
    c = rng.randint(-3, 3)
    y0 = rng.randint(-3, 5)
    h = {"easy": 0.1, "medium": 0.05, "hard": 0.01}[difficulty]
    t_end = rng.choice([1, 2]) if difficulty != "hard" else rng.choice([1, 2, 3])
    steps = round(t_end / h)
    y = _euler_exact(a, c, y0, Fraction(h).limit_denominator(1000), steps)
    ay = {1: "y", -1: "-y"}.get(a, f"{num(a)}*y")
    ct = "t" if abs(c) == 1 else f"{abs(c)}*t"
    rhs = f"{ay} {'+' if c > 0 else '-'} {ct}" if c else ay
    q = pick(rng, ["Use Euler's method with step h = {h} to approximate y({T}) for y' = {f}, y(0) = {y0}. Give 8 "
                   "decimals.", "Approximate the solution of dy/dt = {f} with y(0) = {y0} at t = {T} using the forward "
                   "Euler method (h = {h}), to 8 decimal places."], h=h, T=t_end, f=rhs.replace("*", ""), y0=y0)
    return Spec(q, {"rhs": rhs, "y0": y0, "h": h, "steps": steps, "a": a, "c": c, "T": t_end}, f"{y:.8f}")


@euler_ode.solver
def _(p: dict, b: TraceBuilder) -> str:
    b.think("Forward Euler: y_(k+1) = y_k + h·f(t_k, y_k) with f(t, y) = {f}; {n} steps of h = {h} reach t = {T}.",
            f=p["rhs"], n=p["steps"], h=p["h"], T=p["T"])
    r = _run(b, f"""
        h, steps = {p['h']}, {p['steps']}
        t, y = 0.0, {float(p['y0'])!r}
        for _ in range(steps):
            y += h * ({p['rhs']})
            t += h
        print(f"t = {{t:.4f}}, y = {{y:.8f}}")
        """, ["Stepping through Euler's method.", "Running the Euler steps."])
    val = _last_number(r.output)
    b.observe(["After {n} steps, y({T}) ≈ {v}.", "Euler's method gives y ≈ {v} at t = {T}."], n=p["steps"], T=p["T"],
              v=val)
    a, c, t_end = p["a"], p["c"], p["T"]
    exact = (p["y0"] + c / a**2) * math.exp(a * t_end) - c * t_end / a - c / a**2
    b.think("For comparison, this linear ODE has the exact solution y(t) = (y₀ + c/a²)e^(at) − ct/a − c/a² with "
            "a = {a}, c = {c}, so y({T}) = {e:.8f}. The gap of {g:.2e} is the O(h) error of Euler's method; the "
            "question asks for the Euler value itself.", a=num(a), c=c, T=t_end, e=exact,
            g=abs(exact - float(val)))
    return b.finish(val)


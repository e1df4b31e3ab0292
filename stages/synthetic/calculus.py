"""Calculus templates: derivatives, integrals (definite and indefinite), limits and series, solved
with `symbolic_math`.

Reference answers are computed here without the tool: polynomial work with exact `Fraction`
arithmetic, everything else from closed forms built as SymPy objects (e.g. the antiderivative of
x·e^(ax) is written down as (ax − 1)e^(ax)/a²), so a tool bug shows up as a mismatch instead of being
copied into the reference.
"""

from __future__ import annotations

import math
import random
from fractions import Fraction
from typing import Any

import sympy as sp

from stages.synthetic.base import Spec, TraceBuilder, nonzero_int, template
from stages.synthetic.phrasing import caret, num, ordinal, pick, poly_text, show

CAT = "calculus"
SM = ("symbolic_math",)


# -- helpers ---------------------------------------------------------------------------------------
def _sm(operation: str, **args: Any) -> dict[str, Any]:
    """Canonical symbolic_math arguments."""
    return {"operation": operation, **args}


_nz = nonzero_int


def _poly(rng: random.Random, deg: int, bound: int) -> list[int]:
    """Coefficients (highest first) of a degree-`deg` polynomial with a non-zero leading term."""
    return [_nz(rng, -bound, bound)] + [rng.randint(-bound, bound) for _ in range(deg)]


def _deriv(coeffs: list[Any]) -> list[Any]:
    deg = len(coeffs) - 1
    out = [c * (deg - i) for i, c in enumerate(coeffs[:-1])]
    return out or [0]


def _peval(coeffs: list[Any], x: Any) -> Any:
    acc: Any = 0
    for c in coeffs:
        acc = acc * x + c
    return acc


def _antideriv(coeffs: list[Any]) -> list[Fraction]:
    deg = len(coeffs) - 1
    return [Fraction(c, deg - i + 1) for i, c in enumerate(coeffs)] + [Fraction(0)]


def _frac(fr: Fraction) -> str:
    return num(fr)


def _var(rng: random.Random) -> str:
    return rng.choice(["x", "x", "x", "t", "u"])


# -- 1. derivative of a polynomial at a point ------------------------------------------------------
@template(CAT, "poly_derivative_at_point", tools=SM)
def poly_derivative_at_point(rng: random.Random, difficulty: str) -> Spec:
    deg, bound, span, order = {"easy": (rng.randint(2, 3), 6, 4, 1), "medium": (rng.randint(3, 4), 9, 5, 1),
                               "hard": (5, 12, 6, rng.choice([1, 2]))}[difficulty]
    coeffs = _poly(rng, deg, bound)
    a = rng.randint(-span, span)
    expr = poly_text(coeffs)
    d = coeffs
    for _ in range(order):
        d = _deriv(d)
    value = _peval(d, a)
    what = "derivative" if order == 1 else "second derivative"
    sym = "f'" if order == 1 else "f''"
    q = pick(rng, [
        "What is the {what} of f(x) = {e} at x = {a}?",
        "Let f(x) = {e}. Compute {sym}({a}).",
        "Find the value of the {what} of {e} when x = {a}.",
        "Given f(x) = {e}, evaluate {sym}(x) at x = {a}.",
        "For the polynomial p(x) = {e}, what is p{tick}({a})?",
    ], what=what, e=show(expr, rng), a=a, sym=sym, tick="'" * order)
    return Spec(q, {"expr": expr, "a": a, "order": order, "dcoeffs": d}, str(value))


@poly_derivative_at_point.solver
def _(p: dict, b: TraceBuilder) -> str:
    expr, a, order = p["expr"], p["a"], p["order"]
    word = "derivative" if order == 1 else "second derivative"
    b.think(["I need the {w} of {e} and then its value at x = {a}.",
             "Plan: differentiate {e}{twice}, then substitute x = {a}.",
             "This is a two-part task: find the {w} symbolically, then evaluate it at x = {a}."],
            w=word, e=caret(expr), a=a, twice=" twice" if order == 2 else "")
    args = _sm("differentiate", expression=expr, variable="x")
    if order == 2:
        args["order"] = 2
    r = b.call("symbolic_math", args, ["Let me differentiate with the symbolic math tool.",
                                       "I'll get the {w} from SymPy.",
                                       "Differentiating term by term is routine, but I'll let the tool do it."],
               w=word)
    d = r.output
    if len(p["dcoeffs"]) <= 3 and abs(a) <= 3:
        terms = []
        deg = len(p["dcoeffs"]) - 1
        for i, c in enumerate(p["dcoeffs"]):
            k = deg - i
            if c == 0:
                continue
            terms.append(f"{c}" if k == 0 else (f"{c}·({a})" if k == 1 else f"{c}·({a})^{k}"))
        value = _peval(p["dcoeffs"], a)
        b.observe(["The {w} is {d}. It is short enough to evaluate by hand at x = {a}.",
                   "So the {w} is {d}; substituting x = {a} is simple arithmetic."], w=word, d=caret(d), a=a)
        b.think("Substituting: {t} = {v}.", t=" + ".join(terms).replace("+ -", "- "), v=value)
        return b.finish(str(value))
    b.observe(["The {w} is {d}. Now I substitute x = {a}.", "SymPy gives {d}. Next, evaluate it at x = {a}."],
              w=word, d=caret(d), a=a)
    r2 = b.call("symbolic_math", _sm("evaluate", expression=d, substitutions={"x": a}),
                ["With several terms and powers of {a}, I'll evaluate it with the tool to avoid slips.",
                 "Let me substitute x = {a} using the evaluate operation."], a=a)
    b.observe(["The {w} at x = {a} equals {v}.", "Evaluating gives {v}."], w=word, a=a, v=r2.output)
    return b.finish(r2.output)


# -- 2. derivative rules (product, quotient, chain) ------------------------------------------------
def _rule_family(rng: random.Random, difficulty: str, v: sp.Symbol) -> tuple[sp.Expr, str]:
    """A function and the rule it exercises; only the chosen one is built (SymPy construction is slow)."""
    a, c = _nz(rng, -6, 6), rng.randint(1, 9)
    n = rng.randint(2, 5)
    k = rng.randint(2, 4)
    easy = [
        (lambda: v**n * sp.sin(a * v), "product"), (lambda: v**n * sp.exp(a * v), "product"),
        (lambda: sp.sin(a * v**2 + c), "chain"), (lambda: sp.exp(a * v**k), "chain"),
        (lambda: sp.log(v**2 + c), "chain"), (lambda: (a * v + c) ** (n + 3), "chain"),
        (lambda: v**n * sp.log(v), "product"), (lambda: sp.cos(a * v + c), "chain"),
    ]
    medium = [
        (lambda: (a * v + c) / (v**2 + c), "quotient"), (lambda: sp.sin(v) / v**k, "quotient"),
        (lambda: sp.sqrt(abs(a) * v**2 + c), "chain"), (lambda: sp.exp(a * v) * sp.cos(c * v), "product"),
        (lambda: v**n * sp.atan(a * v), "product"), (lambda: sp.log(sp.cos(c * v)), "chain"),
        (lambda: sp.exp(v) / (v + c), "quotient"),
    ]
    hard = [
        (lambda: sp.exp(a * v) * sp.sin(c * v**2), "product and chain"),
        (lambda: sp.log(v**2 + c) / (v + c), "quotient and chain"),
        (lambda: sp.sin(v**n) * sp.cos(a * v), "product and chain"),
        (lambda: v**n * sp.exp(-c * v**2), "product and chain"),
        (lambda: sp.sqrt(v**2 + c) * sp.log(v), "product and chain"),
        (lambda: sp.atan(a * v) / (v**2 + c), "quotient and chain"),
    ]
    make, rule = rng.choice({"easy": easy, "medium": medium, "hard": hard}[difficulty])
    return make(), rule


@template(CAT, "derivative_rules", tools=SM, weight=1.5)
def derivative_rules(rng: random.Random, difficulty: str) -> Spec:
    vname = _var(rng)
    v = sp.Symbol(vname)
    f, rule = _rule_family(rng, difficulty, v)
    expr = str(f)
    q = pick(rng, [
        "Differentiate f({v}) = {e} with respect to {v}.",
        "Find d/d{v} of {e}.",
        "What is the derivative of y = {e} with respect to {v}?",
        "Compute the derivative of g({v}) = {e}.",
        "Let h({v}) = {e}. Find h'({v}).",
        "Use the {rule} rule to differentiate {e}.",
    ], v=vname, e=show(expr, rng), rule=rule)
    return Spec(q, {"expr": expr, "var": vname, "rule": rule}, str(sp.diff(f, v)))


@derivative_rules.solver
def _(p: dict, b: TraceBuilder) -> str:
    expr, v, rule = p["expr"], p["var"], p["rule"]
    b.think(["The function {e} needs the {r} rule{s}.",
             "Looking at the structure of {e}: this calls for the {r} rule{s}.",
             "{e} is built from simpler pieces, so the {r} rule{s} applies."],
            e=caret(expr), r=rule, s="s" if " and " in rule else "")
    b.think(["Doing this by hand is error-prone with all the inner derivatives, so I'll differentiate "
             "symbolically and then read the result against the rule.",
             "I'll let SymPy do the differentiation and check that each term matches what the {r} rule predicts."],
            r=rule)
    r = b.call("symbolic_math", _sm("differentiate", expression=expr, variable=v),
               ["Differentiating with respect to {v}.", "Calling the differentiate operation."], v=v)
    b.observe(["The derivative is {d}.", "SymPy returns {d}."], d=caret(r.output))
    if "quotient" in rule or len(r.output) > 40:
        # factor, not simplify: on these derivatives it finds the same common factors and combined
        # fractions (often a tidier numerator) at ~1/25 of simplify's cost (0.5-2.6 s per call here).
        r2 = b.call("symbolic_math", _sm("factor", expression=r.output),
                    ["That is a bit unwieldy; let me see whether factoring tidies it.",
                     "I'll try to pull out common factors to get a tidier form."])
        if r2.output.replace(" ", "") != r.output.replace(" ", "") and len(r2.output) < len(r.output):
            b.observe(["Factored, it is {s}.", "A more compact form is {s}."], s=caret(r2.output))
            return b.finish(r2.output)
        b.observe(["Factoring gives {s}, which is no shorter, so I'll keep the derivative as it was.",
                   "The factored form {s} is not really cleaner; the original form is fine."], s=caret(r2.output))
        return b.finish(r.output)
    b.think(["Each term matches the {r} rule, so this is the derivative.",
             "That has the shape the {r} rule predicts."], r=rule)
    return b.finish(r.output)


# -- 3. higher derivatives -------------------------------------------------------------------------
@template(CAT, "higher_derivative", tools=SM)
def higher_derivative(rng: random.Random, difficulty: str) -> Spec:
    x = sp.Symbol("x")
    a = _nz(rng, -5, 5)
    k = rng.randint(1, 4)
    c = rng.randint(1, 9)
    fam = rng.choice([lambda: x**k * sp.exp(a * x), lambda: sp.sin(a * x) + c * x**(k + 2),
                      lambda: x**k * sp.cos(a * x), lambda: sp.exp(a * x) * sp.sin(c * x),
                      lambda: sp.log(1 + c * x)])()
    order = {"easy": 2, "medium": 3, "hard": rng.randint(4, 5)}[difficulty]
    expr = str(fam)
    at_point = difficulty != "easy" and rng.random() < 0.6
    d = sp.diff(fam, x, order)
    if at_point:
        ans = str(sp.nsimplify(d.subs(x, 0)))
        q = pick(rng, [
            "Find the {o} derivative of f(x) = {e} evaluated at x = 0.",
            "Let f(x) = {e}. What is f^({n})(0)?",
            "Compute d^{n}/dx^{n} of {e} at x = 0.",
        ], o=_ord_word(order), n=order, e=show(expr, rng))
    else:
        ans = str(d)
        q = pick(rng, [
            "Find the {o} derivative of f(x) = {e}.",
            "Compute d^{n}f/dx^{n} for f(x) = {e}.",
            "Differentiate {e} {n} times with respect to x.",
            "What is the {o} derivative of y = {e}?",
        ], o=_ord_word(order), n=order, e=show(expr, rng))
    return Spec(q, {"expr": expr, "order": order, "at_zero": at_point}, ans)


def _ord_word(n: int) -> str:
    return {2: "second", 3: "third", 4: "fourth", 5: "fifth"}[n]


@higher_derivative.solver
def _(p: dict, b: TraceBuilder) -> str:
    expr, order = p["expr"], p["order"]
    b.think(["I need to differentiate {e} {n} times{z}.",
             "This asks for the {o} derivative of {e}{z}. Repeated product/chain rules get messy quickly."],
            e=caret(expr), n=order, o=_ord_word(order), z=" and then set x = 0" if p["at_zero"] else "")
    r1 = b.call("symbolic_math", _sm("differentiate", expression=expr, variable="x"),
                ["First the ordinary derivative, to see how the terms behave.",
                 "Let me look at f'(x) first to see the pattern."])
    b.observe(["f'(x) = {d}. Differentiating {m} more time{s} by hand would multiply the terms further, so I'll "
               "ask for the {o} derivative directly.",
               "f'(x) = {d}. The structure repeats with growing coefficients; the tool can take all {n} "
               "derivatives at once."], d=caret(r1.output), m=order - 1, s="s" if order > 2 else "",
              o=_ord_word(order), n=order)
    r = b.call("symbolic_math", _sm("differentiate", expression=expr, variable="x", order=order),
               ["Derivative of order {n}.", "The differentiate operation takes an order, so one call does all {n} "
                "differentiations."], n=order)
    if not p["at_zero"]:
        b.observe(["The {o} derivative is {d}.", "SymPy gives the {o} derivative as {d}."],
                  o=_ord_word(order), d=caret(r.output))
        return b.finish(r.output)
    b.observe(["The {o} derivative is {d}; now set x = 0.", "That gives {d}. Next I substitute x = 0."],
              o=_ord_word(order), d=caret(r.output))
    r2 = b.call("symbolic_math", _sm("evaluate", expression=r.output, substitutions={"x": 0}),
                ["Evaluating at x = 0.", "Let me substitute x = 0 with the tool."])
    b.observe(["At x = 0 the value is {v}.", "So f^({n})(0) = {v}."], v=r2.output, n=order)
    return b.finish(r2.output)


# -- 4. indefinite integrals -----------------------------------------------------------------------
def _indef_family(rng: random.Random, difficulty: str, x: sp.Symbol) -> tuple[sp.Expr, sp.Expr, str]:
    """(integrand, antiderivative as SymPy writes it, method) from closed forms."""
    a = _nz(rng, -5, 5)
    b_ = rng.randint(1, 7)
    if difficulty == "easy":
        kind = rng.choice(["poly", "poly", "exp", "cos", "sin"])
        if kind == "poly":
            co = _poly(rng, rng.randint(2, 4), 9)
            anti = _antideriv(co)
            return (sp.Poly(co, x).as_expr(), sp.Poly([sp.Rational(c.numerator, c.denominator) for c in anti],
                                                     x).as_expr(), "the power rule")
        if kind == "exp":
            return b_ * sp.exp(a * x), sp.Rational(b_, a) * sp.exp(a * x), "the rule ∫e^(ax) dx = e^(ax)/a"
        if kind == "cos":
            return b_ * sp.cos(a * x), sp.Rational(b_, a) * sp.sin(a * x), "the rule ∫cos(ax) dx = sin(ax)/a"
        return b_ * sp.sin(a * x), -sp.Rational(b_, a) * sp.cos(a * x), "the rule ∫sin(ax) dx = -cos(ax)/a"
    if difficulty == "medium":
        kind = rng.choice(["xexp", "xcos", "xsin", "lin", "logd"])
        if kind == "xexp":
            return x * sp.exp(a * x), (a * x - 1) * sp.exp(a * x) / a**2, "integration by parts"
        if kind == "xcos":
            a = abs(a)
            return x * sp.cos(a * x), x * sp.sin(a * x) / a + sp.cos(a * x) / a**2, "integration by parts"
        if kind == "xsin":
            a = abs(a)
            return x * sp.sin(a * x), -x * sp.cos(a * x) / a + sp.sin(a * x) / a**2, "integration by parts"
        if kind == "lin":
            a = abs(a)
            d = rng.choice([v for v in range(1, 10) if math.gcd(v, a) == 1])  # else SymPy writes log(x + d/a)
            return sp.Integer(b_) / (a * x + d), sp.Rational(b_, a) * sp.log(a * x + d), "a linear substitution"
        return x / (x**2 + b_), sp.log(x**2 + b_) / 2, "the substitution u = x^2 + c"
    kind = rng.choice(["x2exp", "expsin", "xlog", "partial"])
    if kind == "x2exp":
        return (x**2 * sp.exp(a * x), (a**2 * x**2 - 2 * a * x + 2) * sp.exp(a * x) / a**3,
                "integration by parts twice")
    if kind == "expsin":
        c = rng.randint(1, 5)
        return (sp.exp(a * x) * sp.sin(c * x),
                (a * sp.sin(c * x) - c * sp.cos(c * x)) * sp.exp(a * x) / (a**2 + c**2),
                "integration by parts twice (the integral reappears)")
    if kind == "xlog":
        n = rng.randint(1, 4)
        return x**n * sp.log(x), x**(n + 1) * sp.log(x) / (n + 1) - x**(n + 1) / (n + 1) ** 2, "integration by parts"
    p_, q_ = rng.sample([v for v in range(-6, 7) if v], 2)
    return (sp.Integer(1) / ((x - p_) * (x - q_)), (sp.log(x - p_) - sp.log(x - q_)) / (p_ - q_),
            "partial fractions")


@template(CAT, "indefinite_integral", tools=SM, weight=1.5)
def indefinite_integral(rng: random.Random, difficulty: str) -> Spec:
    x = sp.Symbol("x")
    f, anti, method = _indef_family(rng, difficulty, x)
    expr = str(f)
    q = pick(rng, [
        "Find the indefinite integral ∫ {e} dx.",
        "Compute the antiderivative of f(x) = {e}.",
        "Evaluate ∫ ({e}) dx.",
        "What is the integral of {e} with respect to x?",
        "Integrate {e} with respect to x (omit the constant of integration in the final answer).",
        "Find F(x) with F'(x) = {e}.",
    ], e=show(expr, rng))
    return Spec(q, {"expr": expr, "method": method, "check": difficulty != "easy"}, str(anti))


@indefinite_integral.solver
def _(p: dict, b: TraceBuilder) -> str:
    expr = p["expr"]
    b.think(["To integrate {e}, the natural method is {m}.",
             "The integrand {e} suggests {m}.",
             "I need an antiderivative of {e}; by hand this would be {m}."], e=caret(expr), m=p["method"])
    r = b.call("symbolic_math", _sm("integrate", expression=expr, variable="x"),
               ["I'll compute the antiderivative symbolically.",
                "Let me have SymPy do the integration and then sanity-check it."])
    anti = r.output
    if p["check"]:
        b.observe(["The tool gives F(x) = {f}. I'll confirm it by differentiating.",
                   "An antiderivative is {f}. Differentiating it should give back the integrand."], f=caret(anti))
        r2 = b.call("symbolic_math", _sm("differentiate", expression=anti, variable="x"),
                    ["Differentiate F(x) to check.", "Checking: d/dx of the result."])
        r3_needed = r2.output.replace(" ", "") != expr.replace(" ", "")
        if r3_needed:
            b.observe(["The derivative is {d}, which should equal {e}; let me confirm by simplifying the "
                       "difference.", "That reads {d}; I'll check it matches {e} by simplifying the difference."],
                      d=caret(r2.output), e=caret(expr))
            r3 = b.call("symbolic_math", _sm("simplify", expression=f"({r2.output}) - ({expr})"),
                        ["Simplify F'(x) − f(x).", "Simplifying the difference."])
            b.observe(["The difference simplifies to {z}, so the antiderivative is correct.",
                       "It simplifies to {z}: the check passes."], z=r3.output)
        else:
            b.observe(["Differentiating returns exactly {e}, so the antiderivative is right.",
                       "The derivative is {e} — the integrand — so the result checks out."], e=caret(expr))
    else:
        b.observe(["The antiderivative is {f}. Differentiating term by term mentally gives back {e}.",
                   "SymPy returns {f}; a quick mental differentiation confirms it."], f=caret(anti), e=caret(expr))
    return b.finish(anti, ["So ∫ {e} dx = {f} + C.", "The antiderivative is {f} + C (C an arbitrary constant).",
                           "Therefore the integral is {f} + C."], e=caret(expr), f=anti)


# -- 5. definite integrals -------------------------------------------------------------------------
@template(CAT, "definite_integral", tools=SM, weight=1.5)
def definite_integral(rng: random.Random, difficulty: str) -> Spec:
    x = sp.Symbol("x")
    if difficulty == "easy":
        co = _poly(rng, rng.randint(1, 3), 6)
        lo = rng.randint(-3, 2)
        hi = lo + rng.randint(1, 4)
        anti = _antideriv(co)
        val = _peval(anti, Fraction(hi)) - _peval(anti, Fraction(lo))
        expr, lo_s, hi_s, ans = poly_text(co), str(lo), str(hi), _frac(val)
        note = "a polynomial, so the power rule applies"
    elif difficulty == "medium":
        a = rng.randint(1, 6)
        c = rng.randint(1, 9)
        kind = rng.choice(["sin", "exp", "xexp", "recip", "cos2"])
        if kind == "sin":
            f, lo_s, hi_s, val = c * sp.sin(a * x), "0", str(sp.pi / a), sp.Rational(2 * c, a)
        elif kind == "exp":
            f, lo_s, hi_s, val = c * sp.exp(a * x), "0", "1", sp.Rational(c, a) * (sp.E**a - 1)
        elif kind == "xexp":
            f, lo_s, hi_s, val = x * sp.exp(a * x), "0", "1", ((a - 1) * sp.E**a + 1) / sp.Integer(a**2)
        elif kind == "recip":
            f, lo_s, hi_s, val = sp.Integer(c) / x, "1", str(a + 1), c * sp.log(a + 1)
        else:
            f, lo_s, hi_s, val = sp.cos(a * x) ** 2, "0", str(sp.pi / a), sp.pi / (2 * a)
        expr, ans = str(f), str(val)
        note = "an elementary integrand with a standard antiderivative"
    else:
        a = rng.randint(1, 6)
        n = rng.randint(1, 5)
        kind = rng.choice(["gamma", "cauchy", "gauss", "expdecay"])
        if kind == "gamma":
            f, lo_s, hi_s, val = x**n * sp.exp(-a * x), "0", "oo", sp.Rational(math.factorial(n), a ** (n + 1))
        elif kind == "cauchy":
            f, lo_s, hi_s, val = sp.Integer(1) / (x**2 + a**2), "-oo", "oo", sp.pi / a
        elif kind == "gauss":
            f, lo_s, hi_s, val = sp.exp(-a * x**2), "-oo", "oo", sp.sqrt(sp.pi / a)
        else:
            c = rng.randint(2, 9)
            f, lo_s, hi_s, val = c * sp.exp(-a * x), "0", "oo", sp.Rational(c, a)
        expr, ans = str(f), str(val)
        note = "an improper integral, so convergence matters"
    show_lo, show_hi = (s.replace("oo", "∞") for s in (lo_s, hi_s))
    q = pick(rng, [
        "Evaluate the definite integral ∫ from {lo} to {hi} of {e} dx.",
        "Compute ∫_{lo}^{hi} {e} dx.",
        "What is the value of the integral of {e} over the interval [{lo}, {hi}]?",
        "Find the exact value of ∫[{lo}, {hi}] {e} dx.",
        "Calculate the integral of f(x) = {e} from x = {lo} to x = {hi}.",
    ], lo=show_lo, hi=show_hi, e=_bracket(show(expr, rng)))
    approx = float(val) if difficulty == "easy" else float(sp.N(val))
    return Spec(q, {"expr": expr, "lo": lo_s, "hi": hi_s, "note": note, "approx": approx}, ans)


@definite_integral.solver
def _(p: dict, b: TraceBuilder) -> str:
    expr, lo, hi = p["expr"], p["lo"], p["hi"]
    b.think(["The integrand {e} is {n}. I'll integrate from {lo} to {hi}.",
             "This is {n}; the plan is to find the antiderivative and apply the limits {lo} and {hi}.",
             "I need ∫ {e} dx between {lo} and {hi}; it is {n}."], e=_bracket(caret(expr)), n=p["note"],
            lo=lo.replace("oo", "∞"), hi=hi.replace("oo", "∞"))
    r = b.call("symbolic_math", _sm("integrate", expression=expr, variable="x", lower=lo, upper=hi),
               ["I'll let SymPy evaluate the definite integral exactly.",
                "Computing the integral with limits using the tool."])
    exact = r.output
    if not exact.lstrip("-").isdigit():
        b.observe(["The exact value is {v}, about {d}.", "The integral equals {v} ≈ {d}."],
                  v=exact, d=num(round(p["approx"], 6)))
    else:
        b.observe(["The integral evaluates to {v}.", "The tool returns {v}."], v=exact)
    if p["approx"] < 0:
        b.think(["The value is negative: on this interval the integrand lies more below the x-axis than above it.",
                 "A negative result is plausible — the signed area below the axis outweighs the part above."])
    return b.finish(exact)


def _bracket(text: str) -> str:
    """Parenthesise a sum written before `dx` so the integrand is unambiguous."""
    body = text.lstrip("-")
    return f"({text})" if (" + " in body or " - " in body) else text


# -- 6. area between a parabola and a line ---------------------------------------------------------
@template(CAT, "area_between_curves", tools=SM)
def area_between_curves(rng: random.Random, difficulty: str) -> Spec:
    span, kmax = {"easy": (3, 1), "medium": (5, 2), "hard": (7, 4)}[difficulty]
    r1, r2 = sorted(rng.sample(range(-span, span + 1), 2))
    k = rng.randint(1, kmax)
    m, c = rng.randint(-4, 4), rng.randint(-6, 6)
    # f - g = k (x - r1)(x - r2): the line g lies above the parabola f between the roots.
    fco = [k, -k * (r1 + r2) + m, k * r1 * r2 + c]
    f, g = poly_text(fco), poly_text([m, c])
    area = Fraction(k * (r2 - r1) ** 3, 6)
    q = pick(rng, [
        "Find the area of the region enclosed by the curves y = {f} and y = {g}.",
        "What is the area between the parabola y = {f} and the line y = {g}?",
        "Compute the area of the region bounded by y = {f} and y = {g}.",
        "The line y = {g} cuts the parabola y = {f}. Find the area enclosed between them.",
    ], f=show(f, rng), g=show(g, rng))
    return Spec(q, {"f": f, "g": g, "r1": r1, "r2": r2}, _frac(area))


@area_between_curves.solver
def _(p: dict, b: TraceBuilder) -> str:
    f, g = p["f"], p["g"]
    b.think(["First I need where the curves meet, then integrate (top − bottom) between those points.",
             "Plan: find the intersection points by solving {f} = {g}, then integrate the difference."],
            f=caret(f), g=caret(g))
    b.call("symbolic_math", _sm("solve", equation=f"{f} = {g}", variable="x"),
               ["Solving for the intersection points.", "Let me find where the two curves cross."])
    r1, r2 = p["r1"], p["r2"]
    mid = Fraction(r1 + r2, 2)
    b.observe(["They intersect at x = {a} and x = {b}.", "The solutions are x = {a} and x = {b}."], a=r1, b=r2)
    b.think(["At the midpoint x = {m} the line is above the parabola (the parabola opens upward), so the "
             "integrand is ({g}) − ({f}).",
             "Since the parabola opens upward, the line lies above it between the intersections; I integrate "
             "({g}) − ({f})."], m=num(mid), g=caret(g), f=caret(f))
    r2_ = b.call("symbolic_math", _sm("integrate", expression=f"({g}) - ({f})", variable="x", lower=str(r1),
                                      upper=str(r2)),
                 ["Integrating the difference from {a} to {b}.", "Now the definite integral over [{a}, {b}]."],
                 a=r1, b=r2)
    b.observe(["The enclosed area is {v}.", "The integral gives {v}, which is positive as an area must be."],
              v=r2_.output)
    return b.finish(r2_.output)


# -- 7. limits -------------------------------------------------------------------------------------
def _limit_family(rng: random.Random, difficulty: str, x: sp.Symbol) -> tuple[sp.Expr, str, sp.Expr, str]:
    """(expression, point text, exact limit, form) from closed forms."""
    a = rng.randint(1, 9)
    c = rng.randint(2, 9)
    n = rng.randint(2, 6)
    if difficulty == "easy":
        kind = rng.choice(["sinlin", "diffsq", "explin", "logl", "ratinf"])
        if kind == "sinlin":
            return sp.sin(a * x) / (c * x), "0", sp.Rational(a, c), "0/0"
        if kind == "diffsq":
            return (x**2 - a**2) / (x - a), str(a), sp.Integer(2 * a), "0/0"
        if kind == "explin":
            return (sp.exp(a * x) - 1) / (c * x), "0", sp.Rational(a, c), "0/0"
        if kind == "logl":
            return sp.log(1 + a * x) / x, "0", sp.Integer(a), "0/0"
        p, s = rng.randint(1, 9), rng.randint(1, 9)
        return ((p * x**2 + a * x + 1) / (s * x**2 + c), "oo", sp.Rational(p, s), "∞/∞")
    if difficulty == "medium":
        kind = rng.choice(["cos", "pow", "sqrt", "euler", "xsin"])
        if kind == "cos":
            return (1 - sp.cos(a * x)) / x**2, "0", sp.Rational(a * a, 2), "0/0"
        if kind == "pow":
            return (x**n - a**n) / (x - a), str(a), sp.Integer(n * a ** (n - 1)), "0/0"
        if kind == "sqrt":
            return (sp.sqrt(x + a * a) - a) / x, "0", sp.Rational(1, 2 * a), "0/0"
        if kind == "euler":
            return (1 + sp.Integer(a) / x) ** (c * x), "oo", sp.exp(a * c), "1^∞"
        return x * sp.sin(sp.Integer(a) / x), "oo", sp.Integer(a), "∞·0"
    kind = rng.choice(["tansin", "exp2", "logsq", "cubeexp"])
    if kind == "tansin":
        return (sp.tan(a * x) - sp.sin(a * x)) / x**3, "0", sp.Rational(a**3, 2), "0/0"
    if kind == "exp2":
        return (sp.exp(a * x) - 1 - a * x) / x**2, "0", sp.Rational(a * a, 2), "0/0"
    if kind == "logsq":
        return (sp.log(1 + a * x) - a * x) / x**2, "0", sp.Rational(-a * a, 2), "0/0"
    return (x - sp.sin(a * x) / a) / x**3, "0", sp.Rational(a * a, 6), "0/0"


@template(CAT, "limit", tools=SM, weight=1.5)
def limit(rng: random.Random, difficulty: str) -> Spec:
    x = sp.Symbol("x")
    f, point, val, form = _limit_family(rng, difficulty, x)
    expr = str(f)
    shown_pt = point.replace("oo", "∞")
    q = pick(rng, [
        "Evaluate the limit of {e} as x → {p}.",
        "Compute lim_(x→{p}) {e}.",
        "What is the limit of f(x) = {e} as x approaches {p}?",
        "Find lim x→{p} of ({e}).",
        "Determine the value of the limit, as x tends to {p}, of {e}.",
    ], e=show(expr, rng), p=shown_pt)
    return Spec(q, {"expr": expr, "point": point, "form": form}, str(val))


@limit.solver
def _(p: dict, b: TraceBuilder) -> str:
    expr, point, form = p["expr"], p["point"], p["form"]
    shown = point.replace("oo", "∞")
    b.think(["Substituting x = {p} directly gives the indeterminate form {f}, so I can't just plug in.",
             "Direct substitution at x → {p} produces {f}, an indeterminate form.",
             "As x → {p}, the expression {e} has the form {f}; the limit needs more care."],
            p=shown, f=form, e=caret(expr))
    if form == "0/0":
        b.think(["L'Hôpital's rule or a Taylor expansion would resolve it; I'll compute the limit exactly.",
                 "A series expansion around the point would work; the symbolic tool can do this directly."])
    elif form == "1^∞":
        b.think("For a 1^∞ form, taking logs turns it into a product whose limit gives the exponent.")
    elif form == "∞·0":
        b.think("Rewriting x·sin(a/x) as sin(a/x)/(1/x) turns it into a 0/0 form in t = 1/x, i.e. sin(at)/t as "
                "t → 0⁺; I'll confirm the exact value symbolically.")
    else:
        b.think("For a ratio of polynomials at infinity the leading terms decide the limit; I'll confirm the exact "
                "value symbolically.")
    r = b.call("symbolic_math", _sm("limit", expression=expr, variable="x", point=point),
               ["Computing the limit.", "Let me evaluate the limit with SymPy."])
    b.observe(["The limit is {v}.", "SymPy finds the limit equals {v}."], v=r.output)
    return b.finish(r.output)


# -- 8. Taylor polynomials and series coefficients -------------------------------------------------
def _series_coeffs(kind: str, a: int, n: int) -> list[Fraction]:
    """Maclaurin coefficients c_0..c_n of a few basic functions of `a*x`."""
    out = []
    for k in range(n + 1):
        if kind == "exp":
            out.append(Fraction(a**k, math.factorial(k)))
        elif kind == "sin":
            out.append(Fraction((-1) ** (k // 2) * a**k, math.factorial(k)) if k % 2 else Fraction(0))
        elif kind == "cos":
            out.append(Fraction((-1) ** (k // 2) * a**k, math.factorial(k)) if k % 2 == 0 else Fraction(0))
        elif kind == "log":
            out.append(Fraction((-1) ** (k + 1) * a**k, k) if k else Fraction(0))
        elif kind == "geom":
            out.append(Fraction(a**k))
        else:
            raise ValueError(kind)
    return out


def _mul_trunc(p: list[Fraction], q: list[Fraction], n: int) -> list[Fraction]:
    return [sum((p[i] * q[k - i] for i in range(k + 1)), Fraction(0)) for k in range(n + 1)]


_FUNC = {"exp": lambda a: sp.exp(a * sp.Symbol("x")), "sin": lambda a: sp.sin(a * sp.Symbol("x")),
         "cos": lambda a: sp.cos(a * sp.Symbol("x")), "log": lambda a: sp.log(1 + a * sp.Symbol("x")),
         "geom": lambda a: 1 / (1 - a * sp.Symbol("x"))}


def _series_problem(rng: random.Random, difficulty: str) -> tuple[str, list[Fraction], int]:
    n = {"easy": rng.randint(3, 4), "medium": rng.randint(4, 6), "hard": rng.randint(5, 7)}[difficulty]
    a = _nz(rng, -4, 4) if difficulty != "easy" else rng.randint(1, 3)
    if difficulty == "hard":
        k1, k2 = rng.sample(["exp", "sin", "cos", "geom"], 2)
        a2 = _nz(rng, -3, 3)
        expr = str(_FUNC[k1](a) * _FUNC[k2](a2))
        co = _mul_trunc(_series_coeffs(k1, a, n), _series_coeffs(k2, a2, n), n)
    else:
        kind = rng.choice(["exp", "sin", "cos", "log", "geom"])
        expr = str(_FUNC[kind](a))
        co = _series_coeffs(kind, a, n)
    return expr, co, n


@template(CAT, "taylor_polynomial", tools=SM, weight=1.2)
def taylor_polynomial(rng: random.Random, difficulty: str) -> Spec:
    expr, co, n = _series_problem(rng, difficulty)
    poly = poly_text(list(reversed(co)))
    q = pick(rng, [
        "Find the Maclaurin polynomial of degree {n} for f(x) = {e}.",
        "Expand {e} in a Taylor series about x = 0 up to and including the x^{n} term.",
        "Write the Taylor polynomial of order {n} of {e} centred at 0.",
        "What is the degree-{n} Taylor approximation of {e} around x = 0?",
    ], n=n, e=show(expr, rng))
    return Spec(q, {"expr": expr, "n": n}, str(_poly_expr(poly, co)))


def _poly_expr(text: str, co: list[Fraction]) -> sp.Expr:
    x = sp.Symbol("x")
    return sum((sp.Rational(c.numerator, c.denominator) * x**k for k, c in enumerate(co)), sp.Integer(0))


@taylor_polynomial.solver
def _(p: dict, b: TraceBuilder) -> str:
    expr, n = p["expr"], p["n"]
    b.think(["A Maclaurin polynomial of degree {n} keeps the terms up to x^{n} of the series of {e} at 0.",
             "I need the series of {e} about x = 0, truncated after the x^{n} term."], n=n, e=caret(expr))
    r = b.call("symbolic_math", _sm("series", expression=expr, variable="x", point="0", order=n + 1),
               ["I'll expand with the series operation, asking for terms below x^{m}.",
                "Computing the series to order x^{m} (the O-term marks what is dropped)."], m=n + 1)
    poly = _strip_order(r.output)
    b.observe(["The series is {s}. Dropping the O(x^{m}) remainder leaves the polynomial {p}.",
               "SymPy returns {s}; without the remainder term, the Taylor polynomial is {p}."],
              s=r.output, m=n + 1, p=caret(poly))
    return b.finish(poly)


def _strip_order(series_text: str) -> str:
    """Drop the trailing `+ O(...)` term of a series printed by SymPy."""
    text = series_text.strip()
    idx = text.rfind("O(")
    if idx == -1:
        return text
    head = text[:idx].rstrip()
    if head.endswith("+"):
        head = head[:-1].rstrip()
    return head or "0"


@template(CAT, "series_coefficient", tools=SM)
def series_coefficient(rng: random.Random, difficulty: str) -> Spec:
    expr, co, n = _series_problem(rng, difficulty)
    ks = [k for k in range(1, n + 1) if co[k] != 0]
    k = rng.choice(ks)
    q = pick(rng, [
        "What is the coefficient of x^{k} in the Maclaurin series of {e}?",
        "In the Taylor expansion of {e} about x = 0, find the coefficient of x^{k}.",
        "Find the x^{k} coefficient of the power series of {e} centred at 0.",
        "Let f(x) = {e}. What is f^({k})(0)/{k}! ?",
    ], k=k, e=show(expr, rng)).replace("x^1 ", "x ")
    return Spec(q, {"expr": expr, "k": k}, _frac(co[k]))


@series_coefficient.solver
def _(p: dict, b: TraceBuilder) -> str:
    expr, k = p["expr"], p["k"]
    b.think(["The coefficient of x^{k} is f^({k})(0)/{k}!, which I can read off the series of {e}.",
             "I'll expand {e} around 0 far enough to see the x^{k} term and read its coefficient."],
            k=k, e=caret(expr))
    r = b.call("symbolic_math", _sm("series", expression=expr, variable="x", point="0", order=k + 1),
               ["Expanding up to x^{k}.", "Series expansion through the x^{k} term."], k=k)
    b.observe("The series is {s}.", s=r.output)
    r2 = b.call("symbolic_math", _sm("differentiate", expression=expr, variable="x", order=k),
                ["To pin down the x^{k} coefficient exactly, I'll use f^({k})(0)/{k}!: first the {o} "
                 "derivative.", "Reading coefficients off printed fractions is easy to get wrong, so I'll "
                 "compute f^({k})(0)/{k}! from the derivative instead."], k=k, o=ordinal(k))
    b.observe("The {k} derivative is {d}.", k=ordinal(k), d=caret(r2.output) if len(r2.output) < 120 else "a long "
              "expression")
    r3 = b.call("symbolic_math", _sm("evaluate", expression=r2.output, substitutions={"x": 0}),
                ["Now evaluate it at x = 0.", "Setting x = 0."])
    fact = math.factorial(k)
    b.observe("So f^({k})(0) = {v}, and {k}! = {f}.", k=k, v=r3.output, f=fact)
    r4 = b.call("symbolic_math", _sm("simplify", expression=f"({r3.output})/{fact}"),
                ["Dividing exactly to keep the fraction.", "Reducing the fraction {v}/{f}."], v=r3.output, f=fact)
    b.observe(["That gives {v}, matching the x^{k} term of the series.",
               "The coefficient is {v}, consistent with the expansion above."], v=r4.output, k=k)
    return b.finish(r4.output)


# -- 9. local extrema of a cubic -------------------------------------------------------------------
@template(CAT, "local_extrema", tools=SM)
def local_extrema(rng: random.Random, difficulty: str) -> Spec:
    span = {"easy": 3, "medium": 5, "hard": 8}[difficulty]
    while True:
        p_, q_ = sorted(rng.sample(range(-span, span + 1), 2))
        if (p_ + q_) % 2 == 0:
            break
    m = rng.randint(1, 2 if difficulty == "easy" else 3) * rng.choice([1, -1])
    c = rng.randint(-10, 10)
    # f' = 3m (x - p)(x - q)
    co = [m, Fraction(-3 * m * (p_ + q_), 2), 3 * m * p_ * q_, c]
    co = [int(v) for v in co]
    f = poly_text(co)
    want = rng.choice(["maximum", "minimum"])
    x_at = p_ if (want == "maximum") == (m > 0) else q_
    value = _peval(co, x_at)
    q = pick(rng, [
        "Find the local {w} value of f(x) = {f}.",
        "The function f(x) = {f} has one local {w}. What is its value?",
        "Determine the local {w} value of y = {f}.",
        "What is the value of f at its local {w}, where f(x) = {f}?",
    ], w=want, f=show(f, rng))
    return Spec(q, {"f": f, "want": want, "x": x_at, "pts": [p_, q_], "m": m}, str(value))


@local_extrema.solver
def _(p: dict, b: TraceBuilder) -> str:
    f, want = p["f"], p["want"]
    b.think(["Local extrema occur where f'(x) = 0; I'll find those points and classify them with f''.",
             "Plan: set the derivative to zero, classify the critical points with the second derivative, "
             "then evaluate f at the local {w}."], w=want)
    r = b.call("symbolic_math", _sm("differentiate", expression=f, variable="x"), "First, the derivative.")
    d = r.output
    b.observe("f'(x) = {d}.", d=caret(d))
    b.call("symbolic_math", _sm("solve", equation=f"{d} = 0", variable="x"),
           ["Solving f'(x) = 0 for the critical points.", "Now the critical points."])
    p_, q_ = p["pts"]
    b.observe("The critical points are x = {a} and x = {b}.", a=p_, b=q_)
    r3 = b.call("symbolic_math", _sm("differentiate", expression=d, variable="x"),
                "The second derivative tells me which is a maximum and which a minimum.")
    fpp = r3.output
    vp, vq = 6 * p["m"] * p_ - 3 * p["m"] * (p_ + q_), 6 * p["m"] * q_ - 3 * p["m"] * (p_ + q_)
    b.observe(["f''(x) = {s}. At x = {a} it is {va}, at x = {b} it is {vb}.",
               "f''(x) = {s}, so f''({a}) = {va} and f''({b}) = {vb}."], s=caret(fpp), a=p_, b=q_, va=vp, vb=vq)
    xs = p["x"]
    b.think("A negative second derivative means a local maximum and a positive one a local minimum, so the "
            "local {w} is at x = {x}.", w=want, x=xs)
    r4 = b.call("symbolic_math", _sm("evaluate", expression=f, substitutions={"x": xs}),
                ["Evaluating f at x = {x}.", "Now f({x})."], x=xs)
    b.observe("f({x}) = {v}.", x=xs, v=r4.output)
    return b.finish(r4.output, ["The local {w} value is {v} (at x = {x}).", "So the local {w} of f is {v}."],
                    w=want, v=r4.output, x=xs)


# -- 10. tangent line ------------------------------------------------------------------------------
@template(CAT, "tangent_line", tools=SM)
def tangent_line(rng: random.Random, difficulty: str) -> Spec:
    deg, bound = {"easy": (2, 5), "medium": (3, 6), "hard": (4, 8)}[difficulty]
    co = _poly(rng, deg, bound)
    a = rng.randint(-3, 3)
    m = _peval(_deriv(co), a)
    y0 = _peval(co, a)
    c = y0 - m * a
    f = poly_text(co)
    q = pick(rng, [
        "Find the equation of the tangent line to y = {f} at x = {a}. Give it as y = mx + b.",
        "What is the tangent line to the curve f(x) = {f} at the point where x = {a}?",
        "Write the equation of the line tangent to y = {f} at x = {a}.",
        "Determine the tangent to the graph of {f} at x = {a}.",
    ], f=show(f, rng), a=a)
    return Spec(q, {"f": f, "a": a, "m": m, "y0": y0, "c": c}, str(sp.Integer(m) * sp.Symbol("x") + c))


@tangent_line.solver
def _(p: dict, b: TraceBuilder) -> str:
    f, a = p["f"], p["a"]
    b.think(["The tangent at x = {a} passes through ({a}, f({a})) with slope f'({a}): y = f({a}) + f'({a})(x − ({a})).",
             "I need the point ({a}, f({a})) on the curve and the slope f'({a})."], a=a)
    r = b.call("symbolic_math", _sm("differentiate", expression=f, variable="x"), "The slope comes from f'(x).")
    b.observe("f'(x) = {d}.", d=caret(r.output))
    r2 = b.call("symbolic_math", _sm("evaluate", expression=r.output, substitutions={"x": a}),
                "Evaluating the slope at x = {a}.", a=a)
    b.observe("The slope is m = {m}.", m=r2.output)
    r3 = b.call("symbolic_math", _sm("evaluate", expression=f, substitutions={"x": a}),
                "And the point on the curve: f({a}).", a=a)
    b.observe("So the tangent point is ({a}, {y}).", a=a, y=r3.output)
    m, y0, c = p["m"], p["y0"], p["c"]
    b.think("y = {y} + ({m})(x − ({a})) = {m}x + ({y} − ({m})({a})) = {m}x + {c}.", y=y0, m=m, a=a, c=c)
    line = str(sp.Integer(m) * sp.Symbol("x") + c)
    return b.finish(line, ["The tangent line is y = {l}.", "Therefore the tangent is y = {l}."], l=line)


# -- 11. average value -----------------------------------------------------------------------------
@template(CAT, "average_value", tools=SM)
def average_value(rng: random.Random, difficulty: str) -> Spec:
    deg = {"easy": 1, "medium": 2, "hard": 3}[difficulty]
    co = _poly(rng, deg, 6 + 2 * deg)
    lo = rng.randint(-4, 3)
    hi = lo + rng.randint(1, 5)
    anti = _antideriv(co)
    avg = (_peval(anti, Fraction(hi)) - _peval(anti, Fraction(lo))) / (hi - lo)
    f = poly_text(co)
    q = pick(rng, [
        "What is the average value of f(x) = {f} on the interval [{lo}, {hi}]?",
        "Find the mean value of {f} over [{lo}, {hi}].",
        "Compute the average of the function y = {f} for x between {lo} and {hi}.",
    ], f=show(f, rng), lo=lo, hi=hi)
    return Spec(q, {"f": f, "lo": lo, "hi": hi}, _frac(avg))


@average_value.solver
def _(p: dict, b: TraceBuilder) -> str:
    f, lo, hi = p["f"], p["lo"], p["hi"]
    b.think("The average value of f on [a, b] is (1/(b − a)) ∫_a^b f(x) dx; here b − a = {w}.", w=hi - lo)
    r = b.call("symbolic_math", _sm("integrate", expression=f, variable="x", lower=str(lo), upper=str(hi)),
               ["First the integral over [{lo}, {hi}].", "Computing ∫ from {lo} to {hi}."], lo=lo, hi=hi)
    b.observe("The integral is {v}.", v=r.output)
    if hi - lo == 1:
        b.think("The interval has length 1, so the average equals the integral.")
        return b.finish(r.output)
    r2 = b.call("symbolic_math", _sm("simplify", expression=f"({r.output})/{hi - lo}"),
                ["Dividing by the length {w} exactly.", "Now divide by {w}."], w=hi - lo)
    b.observe("The average value is {v}.", v=r2.output)
    return b.finish(r2.output)


# -- 12. optimisation word problems ----------------------------------------------------------------
@template(CAT, "optimization", tools=SM)
def optimization(rng: random.Random, difficulty: str) -> Spec:
    kind = rng.choice(["box", "fence", "product"] if difficulty != "easy" else ["fence", "product"])
    if kind == "box":
        side = 6 * rng.randint(2, 20 if difficulty == "hard" else 8)
        xopt = Fraction(side, 6)
        vol = xopt * (side - 2 * xopt) ** 2
        q = pick(rng, [
            "An open box is made from a {s} cm by {s} cm square sheet by cutting equal squares from the corners "
            "and folding up the sides. What is the largest possible volume in cm^3?",
            "Squares of side x are cut from the corners of a {s} cm square of cardboard and the flaps are "
            "folded up into an open-top box. Find the maximum volume (cm^3).",
        ], s=side)
        return Spec(q, {"kind": kind, "S": side, "f": f"x*({side} - 2*x)**2", "x": int(xopt)}, _frac(vol))
    if kind == "fence":
        perim = rng.randint(4, 60 if difficulty != "easy" else 25) * 4
        q = pick(rng, [
            "A farmer has {p} m of fencing to enclose a rectangular field along a straight river; no fence "
            "is needed on the river side. What is the largest area (in m^2) he can enclose?",
            "With {p} metres of fence, a rectangle is fenced on three sides (the fourth is a wall). Find "
            "the maximum area in square metres.",
        ], p=perim)
        return Spec(q, {"kind": kind, "P": perim, "f": f"x*({perim} - 2*x)", "x": perim // 4},
                    _frac(Fraction(perim * perim, 8)))
    total = rng.randint(10, 200) * 2
    q = pick(rng, [
        "Two positive numbers add up to {s}. What is the largest possible value of their product?",
        "Find the maximum product of two real numbers whose sum is {s}.",
        "If x + y = {s}, what is the greatest value of x·y?",
    ], s=total)
    return Spec(q, {"kind": kind, "S": total, "f": f"x*({total} - x)", "x": total // 2},
                str((total // 2) ** 2))


@optimization.solver
def _(p: dict, b: TraceBuilder) -> str:
    kind, f = p["kind"], p["f"]
    intro = {
        "box": "Let x be the side of the cut squares. The base is ({S} − 2x) by ({S} − 2x) and the height is x, "
               "so V(x) = x({S} − 2x)^2 for 0 < x < {h}.",
        "fence": "Let x be the length of each side perpendicular to the river; the side parallel to it is "
                 "{P} − 2x, so A(x) = x({P} − 2x) for 0 < x < {h}.",
        "product": "Call the numbers x and {S} − x; the product is P(x) = x({S} − x).",
    }[kind]
    b.think(intro, S=p.get("S", ""), P=p.get("P", ""), h=num(Fraction(p.get("S", p.get("P", 0)), 2)))
    r = b.call("symbolic_math", _sm("differentiate", expression=f, variable="x"),
               ["Differentiate to find where it is maximal.", "The maximum is at a critical point; first the "
                "derivative."])
    b.observe("The derivative is {d}.", d=caret(r.output))
    b.call("symbolic_math", _sm("solve", equation=f"{r.output} = 0", variable="x"),
           "Setting it to zero.")
    xo = p["x"]
    if kind == "box":
        b.observe("The critical points are x = {x} and x = {S2}; x = {S2} gives a flat sheet (zero volume), so "
                  "the maximum is at x = {x}.", x=xo, S2=num(Fraction(p["S"], 2)))
    else:
        b.observe("The only critical point is x = {x}; the function is a downward parabola, so this is the "
                  "maximum.", x=xo)
    r3 = b.call("symbolic_math", _sm("evaluate", expression=f, substitutions={"x": xo}),
                "Evaluating at x = {x}.", x=xo)
    b.observe("The maximum value is {v}.", v=r3.output)
    unit = {"box": " cm^3", "fence": " m^2", "product": ""}[kind]
    if kind == "product":
        b.think("P(x) is a downward-opening parabola, so its only critical point is the global maximum: {v}.",
                v=r3.output)
    else:
        b.think("Checking the ends: the value drops to 0 at the boundary, so {v}{u} is indeed the maximum.",
                v=r3.output, u=unit)
    return b.finish(r3.output)

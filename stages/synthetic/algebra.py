"""Algebra templates: equations (polynomial, radical, exponential, linear systems), factoring,
expanding and simplifying, solved with `symbolic_math`.

Problems are built backwards from their answers (roots first, then the polynomial), so answers are
exact and known without calling the tool; SymPy objects built here only print canonical answer text.
"""

from __future__ import annotations

import math
import random
from fractions import Fraction
from typing import Any

import sympy as sp

from stages.synthetic.base import Spec, TraceBuilder, TraceBuildError, nonzero_int, template
from stages.synthetic.phrasing import caret, join_words, list_text, num, pick, poly_text, show

CAT = "algebra"
SM = ("symbolic_math",)
X = sp.Symbol("x")


def _sm(operation: str, **args: Any) -> dict[str, Any]:
    return {"operation": operation, **args}


_nz = nonzero_int


def _expand_roots(lead: int, roots: list[int]) -> list[int]:
    """Coefficients of lead·Π(x − r), highest first."""
    co = [lead]
    for r in roots:
        co = [a - r * b for a, b in zip(co + [0], [0] + co, strict=True)]
    return co


def _poly_str(co: list[Any]) -> str:
    return poly_text(co)


def _eq_text(co: list[int], rng: random.Random) -> tuple[str, str]:
    """The equation p(x) = 0, sometimes with the constant moved to the right: (shown, tool form)."""
    if co[-1] != 0 and rng.random() < 0.35:
        left = poly_text(co[:-1] + [0])
        return f"{left} = {num(-co[-1])}", f"{left} = {num(-co[-1])}"
    p = poly_text(co)
    return f"{p} = 0", f"{p} = 0"


# -- 1. quadratic equations ------------------------------------------------------------------------
@template(CAT, "quadratic_equation", tools=SM, weight=1.5)
def quadratic_equation(rng: random.Random, difficulty: str) -> Spec:
    if difficulty == "hard":
        while True:
            b, c = rng.randint(-12, 12), rng.randint(-20, 20)
            disc = b * b - 4 * c
            if disc > 0 and math.isqrt(disc) ** 2 != disc:
                break
        co = [1, b, c]
        roots = [sp.Rational(-b, 2) - sp.sqrt(disc) / 2, sp.Rational(-b, 2) + sp.sqrt(disc) / 2]
        answer = "[" + ", ".join(str(r) for r in roots) + "]"
        kind = "irrational"
    else:
        if difficulty == "easy":
            lead, (r1, r2) = 1, rng.sample(range(-9, 10), 2)
            co = _expand_roots(lead, [r1, r2])
            vals = sorted([Fraction(r1), Fraction(r2)])
        else:
            # (p x - q)(s x - t) with a fractional root
            p, s = rng.randint(1, 5), rng.randint(2, 5)
            q, t = _nz(rng, -9, 9), rng.choice([v for v in range(-9, 10) if v and math.gcd(v, s) == 1])
            co = [p * s, -(p * t + q * s), q * t]
            g = math.gcd(*co)
            co = [v // g for v in co]
            vals = sorted({Fraction(q, p), Fraction(t, s)})
        answer = list_text(vals)
        kind = "rational"
    shown, eq = _eq_text(co, rng)
    q_ = pick(rng, [
        "Solve {e} for x.", "Find all real solutions of {e}.", "What are the roots of {e}?",
        "For which values of x does {e} hold?", "Solve the quadratic equation {e}.",
    ], e=caret(shown) if rng.random() < 0.7 else shown)
    return Spec(q_, {"eq": eq, "co": co, "kind": kind}, answer)


@quadratic_equation.solver
def _(p: dict, b: TraceBuilder) -> str:
    a, bb, c = p["co"]
    disc = bb * bb - 4 * a * c
    b.think(["In standard form this is {q} = 0 with a = {a}, b = {b}, c = {c}.",
             "Writing it as ax^2 + bx + c = 0: a = {a}, b = {b}, c = {c}."], q=caret(poly_text(p["co"])), a=a, b=bb,
            c=c)
    if p["kind"] == "irrational":
        b.think("The discriminant is b^2 − 4ac = {b2} − ({f}) = {d}, positive but not a perfect square, so "
                "there are two irrational roots.", b2=bb * bb, f=4 * a * c, d=disc)
    else:
        b.think(["The discriminant is {d} = {s}^2, a perfect square, so the roots are rational.",
                 "b^2 − 4ac = {d}, which is {s}^2: two rational roots."], d=disc, s=math.isqrt(disc))
    r = b.call("symbolic_math", _sm("solve", equation=p["eq"], variable="x"),
               ["I'll solve it exactly with the tool.", "Let me get the exact roots symbolically.",
                "Solving with SymPy to avoid arithmetic slips."])
    b.observe(["The solutions are {s}.", "SymPy returns {s}."], s=r.output)
    if p["kind"] == "rational":
        b.think("Check: the roots sum to −b/a = {s} and multiply to c/a = {m}, as Vieta's formulas require.",
                s=num(Fraction(-bb, a)), m=num(Fraction(c, a)))
    return b.finish(r.output)


# -- 2. cubic equations ----------------------------------------------------------------------------
@template(CAT, "cubic_equation", tools=SM)
def cubic_equation(rng: random.Random, difficulty: str) -> Spec:
    span = {"easy": 4, "medium": 7, "hard": 10}[difficulty]
    roots = rng.sample(range(-span, span + 1), 3)
    lead = 1 if difficulty == "easy" else rng.choice([1, 2, 3, -1, -2])
    co = _expand_roots(lead, roots)
    shown, eq = _eq_text(co, rng)
    q = pick(rng, [
        "Solve the cubic equation {e}.", "Find every real root of {e}.",
        "Determine all x satisfying {e}.", "The equation {e} has three integer roots. Find them.",
    ], e=show(shown, rng))
    return Spec(q, {"eq": eq, "poly": poly_text(co), "roots": sorted(roots)}, list_text(sorted(roots)))


@cubic_equation.solver
def _(p: dict, b: TraceBuilder) -> str:
    b.think(["A cubic with integer coefficients: any rational root divides the constant term, but trying "
             "candidates by hand is slow. Factoring first shows the structure.",
             "I'll factor the cubic; the roots can then be read off the linear factors."])
    r = b.call("symbolic_math", _sm("factor", expression=p["poly"]),
               ["Factoring {q}.", "Let me factor the polynomial."], q=caret(p["poly"]))
    b.observe(["It factors as {f}.", "The factored form is {f}."], f=caret(r.output))
    b.think("Each linear factor (x − r) gives a root x = r, so the roots are {r}.",
            r=join_words(str(v) for v in p["roots"]))
    r2 = b.call("symbolic_math", _sm("solve", equation=p["eq"], variable="x"),
                ["Let me confirm by solving the equation directly.", "Double-checking with solve."])
    b.observe(["solve agrees: {s}.", "Confirmed: {s}."], s=r2.output)
    return b.finish(r2.output)


# -- 3. factoring ----------------------------------------------------------------------------------
@template(CAT, "factor_polynomial", tools=SM, weight=1.3)
def factor_polynomial(rng: random.Random, difficulty: str) -> Spec:
    y = sp.Symbol("y")
    if difficulty == "easy":
        kind = rng.choice(["quad", "diffsq", "common"])
        if kind == "quad":
            r1, r2 = rng.sample([v for v in range(-9, 10) if v], 2)
            f = (X - r1) * (X - r2)
        elif kind == "diffsq":
            a = rng.randint(2, 15)
            k = rng.randint(1, 4)
            f = k * (X - a) * (X + a)
        else:
            a, r = rng.randint(2, 9), _nz(rng, -9, 9)
            f = a * X * (X - r)
    elif difficulty == "medium":
        kind = rng.choice(["lead", "cubes", "cubic", "twovar"])
        if kind == "lead":
            p_, q_ = rng.randint(2, 5), _nz(rng, -7, 7)
            r = _nz(rng, -7, 7)
            f = (p_ * X - q_) * (X - r) if math.gcd(p_, q_) == 1 else (p_ * X - 1) * (X - r)
        elif kind == "cubes":
            a = rng.randint(1, 6)
            f = (X + a) * (X**2 - a * X + a * a) if rng.random() < 0.5 else (X - a) * (X**2 + a * X + a * a)
        elif kind == "cubic":
            r1, r2, r3 = rng.sample(range(-6, 7), 3)
            f = (X - r1) * (X - r2) * (X - r3)
        else:
            a, c = rng.randint(1, 5), rng.randint(1, 5)
            f = (a * X + c * y) * (a * X - c * y)
    else:
        kind = rng.choice(["quartic", "grouping", "biquad", "twovar2"])
        if kind == "quartic":
            a, c = rng.sample(range(1, 8), 2)
            f = (X - a) * (X + a) * (X**2 + c * c)
        elif kind == "grouping":
            a, c = _nz(rng, -7, 7), rng.randint(1, 9)
            f = (X - a) * (X**2 + c)
        elif kind == "biquad":
            a, c = rng.sample(range(1, 7), 2)
            f = (X - a) * (X + a) * (X - c) * (X + c)
        else:
            a, c, d = rng.randint(1, 4), rng.randint(1, 5), _nz(rng, -5, 5)
            f = (a * X + c * y) * (X - d * y) * rng.choice([1, 2, 3])
    expanded = str(sp.expand(f))
    q = pick(rng, [
        "Factor completely: {e}.", "Factor the polynomial {e}.", "Write {e} as a product of irreducible factors.",
        "Factorise {e} over the integers.", "What is the complete factorization of {e}?",
    ], e=show(expanded, rng))
    return Spec(q, {"expr": expanded}, str(f))


@factor_polynomial.solver
def _(p: dict, b: TraceBuilder) -> str:
    e = p["expr"]
    b.think(["I'll look for a common factor first, then for special patterns (difference of squares, sum or "
             "difference of cubes, grouping).",
             "Factoring {e}: first check for a common factor and recognisable patterns."], e=caret(e))
    r = b.call("symbolic_math", _sm("factor", expression=e),
               ["Let me factor it with the tool.", "Using the factor operation to get the complete factorisation."])
    b.observe(["The factorisation is {f}.", "SymPy factors it as {f}."], f=caret(r.output))
    r2 = b.call("symbolic_math", _sm("expand", expression=r.output),
                ["As a check, expanding the factors should give back the original.",
                 "Quick check: expand the product."])
    b.observe(["Expanding gives {x}, the original polynomial, so the factorisation is right.",
               "The expansion is {x} — it matches."], x=caret(r2.output))
    return b.finish(r.output)


# -- 4. expanding ----------------------------------------------------------------------------------
@template(CAT, "expand_product", tools=SM)
def expand_product(rng: random.Random, difficulty: str) -> Spec:
    y = sp.Symbol("y")
    if difficulty == "easy":
        a, c = _nz(rng, -9, 9), _nz(rng, -9, 9)
        f = sp.Mul(X + a, X + c, evaluate=False) if rng.random() < 0.5 else (X + a) ** 2
        text = f"(x {'+' if a > 0 else '-'} {abs(a)})*(x {'+' if c > 0 else '-'} {abs(c)})" \
            if isinstance(f, sp.Mul) else f"(x {'+' if a > 0 else '-'} {abs(a)})**2"
        f = (X + a) * (X + c) if isinstance(f, sp.Mul) else (X + a) ** 2
    elif difficulty == "medium":
        a, c, d = _nz(rng, -6, 6), rng.randint(1, 9), _nz(rng, -6, 6)
        n = rng.randint(3, 4)
        if rng.random() < 0.5:
            f = (X + a) * (X**2 + d * X + c)
            text = f"({poly_text([1, a])})*({poly_text([1, d, c])})"
        else:
            f = (c * X + a) ** n
            text = f"({poly_text([c, a])})**{n}"
    else:
        a, c = rng.randint(1, 5), _nz(rng, -5, 5)
        n = rng.randint(3, 5)
        if rng.random() < 0.5:
            f = (a * X + c * y) ** n
            text = f"({a}*x {'+' if c > 0 else '-'} {abs(c)}*y)**{n}"
        else:
            d = _nz(rng, -5, 5)
            f = (X + a) * (X + c) * (X + d) * (X - a)
            text = "*".join(f"({poly_text([1, v])})" for v in (a, c, d, -a))
    q = pick(rng, [
        "Expand {e}.", "Multiply out {e} and collect like terms.", "Write {e} in expanded form.",
        "Expand and simplify {e}.", "Remove the brackets in {e}.",
    ], e=show(text, rng))
    return Spec(q, {"expr": text}, str(sp.expand(f)))


@expand_product.solver
def _(p: dict, b: TraceBuilder) -> str:
    e = p["expr"]
    if "**" in e:
        b.think(["A power of a binomial expands with the binomial theorem; the coefficients are binomial "
                 "coefficients times powers of the two terms.",
                 "This is a binomial power, so the binomial theorem gives every term; I'll let the tool do the "
                 "bookkeeping."])
    else:
        b.think(["Expanding means multiplying every term of each factor and collecting like powers.",
                 "I'll distribute each factor and combine like terms."])
    r = b.call("symbolic_math", _sm("expand", expression=e), ["Expanding {e}.", "Using the expand operation."],
               e=caret(e))
    b.observe(["The expansion is {x}.", "Expanded: {x}."], x=caret(r.output))
    b.think(["Sanity check at x = 1{y}: both forms should agree, and the constant term is the product of "
             "the constants in the factors.", "The leading and constant terms agree with the product of the "
             "factors' leading and constant terms."], y=", y = 1" if "y" in e else "")
    return b.finish(r.output)


# -- 5. binomial coefficient via the binomial theorem (hand result, tool check) -------------------
@template(CAT, "binomial_coefficient", tools=SM)
def binomial_coefficient(rng: random.Random, difficulty: str) -> Spec:
    n = {"easy": rng.randint(3, 5), "medium": rng.randint(5, 8), "hard": rng.randint(8, 12)}[difficulty]
    a, c = rng.randint(1, 5), _nz(rng, -5, 5)
    k = rng.randint(1, n - 1)
    coef = math.comb(n, k) * a**k * c ** (n - k)
    text = f"({poly_text([a, c])})**{n}"
    q = pick(rng, [
        "What is the coefficient of x^{k} in the expansion of {e}?",
        "Find the coefficient of the x^{k} term when {e} is expanded.",
        "In {e}, expanded, what number multiplies x^{k}?",
    ], k=k, e=caret(text)).replace("x^1 ", "x ").replace("x^1?", "x?")
    return Spec(q, {"expr": text, "n": n, "k": k, "a": a, "c": c}, str(coef))


@binomial_coefficient.solver
def _(p: dict, b: TraceBuilder) -> str:
    n, k, a, c = p["n"], p["k"], p["a"], p["c"]
    coef = math.comb(n, k) * a**k * c ** (n - k)
    b.think("By the binomial theorem the {t} term of {e} is C({n},{k})·({a}x)^{k}·({c})^{m}.",
            t="x" if k == 1 else f"x^{k}", e=caret(p["expr"]), k=k, a=a, c=c, n=n, m=n - k)
    b.think("C({n},{k}) = {C}, {a}^{k} = {ak}, ({c})^{m} = {cm}; the product is {C}·{ak}·{cm} = {v}.",
            n=n, k=k, C=math.comb(n, k), a=a, ak=a**k, c=c, m=n - k, cm=c ** (n - k), v=coef)
    r = b.call("symbolic_math", _sm("expand", expression=p["expr"]),
               ["Let me verify by expanding the whole power.", "I'll check the hand computation by expanding."])
    term = f"{coef}*x**{k}" if k > 1 else f"{coef}*x"
    found = term.lstrip("-") in r.output
    b.observe(["The expansion is {x}; its {xk} term is {t}, matching.",
               "Expanded: {x}. The {xk} coefficient there is {v}, as computed."] if found else
              ["The expansion is {x}, and collecting the {xk} term gives coefficient {v}."],
              x=caret(r.output), xk="x" if k == 1 else f"x^{k}", t=caret(term), v=coef)
    return b.finish(str(coef))


# -- 6. simplifying rational expressions -----------------------------------------------------------
@template(CAT, "simplify_rational", tools=SM)
def simplify_rational(rng: random.Random, difficulty: str) -> Spec:
    span = {"easy": 5, "medium": 8, "hard": 9}[difficulty]
    r1, r2, r3 = rng.sample([v for v in range(-span, span + 1)], 3)
    k = 1 if difficulty == "easy" else rng.randint(1, 4)
    num_co = _expand_roots(k, [r1, r2])
    den_co = _expand_roots(1, [r1, r3])
    if difficulty == "hard":
        r4 = rng.choice([v for v in range(-span, span + 1) if v not in (r1, r2, r3)])
        num_co = _expand_roots(k, [r1, r2, r4])
        den_co = _expand_roots(1, [r1, r3, r4])
        ans = sp.cancel(k * (X - r2) / (X - r3))
    else:
        ans = sp.cancel(k * (X - r2) / (X - r3))
    n_t, d_t = poly_text(num_co), poly_text(den_co)
    q = pick(rng, [
        "Simplify ({n})/({d}).", "Reduce the rational expression ({n}) / ({d}) to lowest terms.",
        "Cancel common factors in ({n})/({d}).", "Write ({n})/({d}) in simplest form.",
    ], n=show(n_t, rng), d=show(d_t, rng))
    return Spec(q, {"num": n_t, "den": d_t, "excluded": sorted({r1, r3} | ({r4} if difficulty == "hard" else set()))},
                str(ans))


@simplify_rational.solver
def _(p: dict, b: TraceBuilder) -> str:
    b.think(["To simplify a rational expression, factor numerator and denominator and cancel common factors.",
             "Plan: factor top and bottom, then cancel what they share."])
    r1 = b.call("symbolic_math", _sm("factor", expression=p["num"]), "Factoring the numerator.")
    b.observe("Numerator: {f}.", f=caret(r1.output))
    r2 = b.call("symbolic_math", _sm("factor", expression=p["den"]), "Factoring the denominator.")
    b.observe("Denominator: {f}.", f=caret(r2.output))
    b.think("The common factors cancel (valid for x ≠ {ex}, where the original is undefined).",
            ex=join_words((str(v) for v in p["excluded"]), "or"))
    # factor() of the whole fraction cancels common factors exactly; simplify() would get there too, but
    # only after trying many unrelated rewrites (~10x the cost).
    r3 = b.call("symbolic_math", _sm("factor", expression=f"({p['num']})/({p['den']})"),
                ["Let me confirm the reduced form: factoring the whole fraction cancels what top and bottom share.",
                 "Checking the cancellation with the tool (factor on the whole fraction)."])
    b.observe(["The reduced expression is {s}.", "The tool gives {s}, agreeing with the cancellation."],
              s=caret(r3.output))
    return b.finish(r3.output)


# -- 7. linear systems -----------------------------------------------------------------------------
@template(CAT, "linear_system", tools=SM, weight=1.3)
def linear_system(rng: random.Random, difficulty: str) -> Spec:
    names = ["x", "y"] if difficulty == "easy" else ["x", "y", "z"]
    n = len(names)
    bound = {"easy": 6, "medium": 5, "hard": 9}[difficulty]
    sol = [rng.randint(-bound, bound) for _ in range(n)]
    while True:
        rows = [[rng.randint(-5, 5) for _ in range(n)] for _ in range(n)]
        if sp.Matrix(rows).det() != 0 and all(any(r) for r in rows):
            break
    eqs = []
    for row in rows:
        lhs = _tidy_linear(row, names)
        eqs.append(f"{lhs} = {sum(c * s for c, s in zip(row, sol, strict=True))}")
    answer = ", ".join(f"{v} = {s}" for v, s in zip(names, sol, strict=True))
    q = pick(rng, [
        "Solve the system of equations: {e}.", "Find {v} satisfying {e}.",
        "Solve simultaneously: {e}.", "Determine the solution of the linear system {e}.",
    ], e="; ".join(caret(e) for e in eqs), v=join_words(names))
    return Spec(q, {"eqs": eqs, "vars": names, "sol": sol}, answer)


def _tidy_linear(row: list[int], names: list[str]) -> str:
    parts: list[str] = []
    for c, v in zip(row, names, strict=True):
        if c == 0:
            continue
        mag = "" if abs(c) == 1 else f"{abs(c)}*"
        if not parts:
            parts.append(("-" if c < 0 else "") + mag + v)
        else:
            parts.append(("- " if c < 0 else "+ ") + mag + v)
    return " ".join(parts)


@linear_system.solver
def _(p: dict, b: TraceBuilder) -> str:
    names, eqs = p["vars"], p["eqs"]
    b.think(["{n} linear equations in {n} unknowns; elimination works but is tedious, so I'll solve the "
             "system exactly with the tool and then check one equation by hand.",
             "This is a {n}×{n} linear system. I'll solve it symbolically and verify the result."], n=len(names))
    r = b.call("symbolic_math", _sm("solve", equation=eqs, variable=names),
               ["Solving the system.", "Passing all equations to solve."])
    found = r.value[0] if isinstance(r.value, list) and r.value and isinstance(r.value[0], dict) else None
    if found is None or set(found) != set(names):
        raise TraceBuildError(f"unexpected solve result for a linear system: {r.output!r}")
    answer = ", ".join(f"{v} = {found[v]}" for v in names)
    b.observe(["The unique solution is {a}.", "solve returns one solution: {a}."], a=answer)
    lhs, rhs = eqs[0].split(" = ")
    b.think("Check in the first equation: {l} with {a} gives {v}, which equals {r}.", l=caret(lhs), a=answer,
            v=rhs, r=rhs)
    return b.finish(answer)


# -- 8. word problems leading to a linear equation --------------------------------------------------
@template(CAT, "word_problem", tools=SM)
def word_problem(rng: random.Random, difficulty: str) -> Spec:
    kind = rng.choice(["consecutive", "ages", "tickets", "rectangle"])
    scale = {"easy": 1, "medium": 3, "hard": 10}[difficulty]
    if kind == "consecutive":
        k = rng.randint(3, 5 if difficulty != "hard" else 7)
        start = rng.randint(1, 40 * scale)
        step = 2 if rng.random() < 0.4 else 1
        total = sum(start + step * i for i in range(k))
        adj = {1: "consecutive integers", 2: "consecutive " + ("even" if start % 2 == 0 else "odd") + " integers"}[step]
        q = pick(rng, ["The sum of {k} {a} is {s}. What is the smallest of them?",
                       "{k} {a} add up to {s}. Find the smallest one."], k=k, a=adj, s=total)
        eq = " + ".join(["x"] + [f"(x + {step * i})" for i in range(1, k)]) + f" = {total}"
        return Spec(q, {"kind": kind, "eq": eq, "setup": f"Let the smallest be x; the others are x + {step}, "
                        f"... up to x + {step * (k - 1)}."}, str(start))
    if kind == "ages":
        child = rng.randint(3, 12 + scale)
        mult = rng.randint(2, 5)
        years = rng.randint(2, 10)
        parent = mult * child
        later = parent + years
        ratio = Fraction(later, child + years)
        if ratio.denominator != 1:
            q = pick(rng, ["A parent is {m} times as old as their child. In {y} years the sum of their ages "
                           "will be {s}. How old is the child now?",
                           "Today Maria is {m} times as old as her son. In {y} years their ages will add up to {s}. "
                           "What is the son's age now?"], m=mult, y=years, s=later + child + years)
            eq = f"{mult}*x + {years} + x + {years} = {later + child + years}"
        else:
            q = pick(rng, ["A parent is {m} times as old as their child. In {y} years the parent will be {r} times "
                           "as old as the child. How old is the child now?"], m=mult, y=years, r=ratio.numerator)
            eq = f"{mult}*x + {years} = {ratio.numerator}*(x + {years})"
            if mult == ratio.numerator:
                eq = f"{mult}*x + {years} + x + {years} = {later + child + years}"
                q = (f"A parent is {mult} times as old as their child. In {years} years the sum of their ages will "
                     f"be {later + child + years}. How old is the child now?")
        return Spec(q, {"kind": kind, "eq": eq, "setup": "Let x be the child's age now."}, str(child))
    if kind == "tickets":
        pa, pc = rng.randint(8, 20 + scale), rng.randint(3, 7)
        adults, kids = rng.randint(10, 60 * scale), rng.randint(10, 60 * scale)
        total_n, total_v = adults + kids, adults * pa + kids * pc
        q = pick(rng, ["A theatre sold {n} tickets: adult tickets at ${a} and child tickets at ${c}, taking ${v} "
                       "in total. How many adult tickets were sold?",
                       "Adult tickets cost ${a}, child tickets ${c}. If {n} tickets brought in ${v}, how many "
                       "were adult tickets?"], n=total_n, a=pa, c=pc, v=total_v)
        eq = f"{pa}*x + {pc}*({total_n} - x) = {total_v}"
        return Spec(q, {"kind": kind, "eq": eq, "setup": f"Let x be the number of adult tickets; then "
                        f"{total_n} − x child tickets were sold."}, str(adults))
    w = rng.randint(2, 20 * scale)
    extra = rng.randint(1, 15 * scale)
    per = 2 * (2 * w + extra)
    q = pick(rng, ["A rectangle is {e} cm longer than it is wide and its perimeter is {p} cm. What is its width "
                   "in cm?", "The length of a rectangular garden exceeds its width by {e} m; the perimeter is {p} m. "
                   "Find the width (m)."], e=extra, p=per)
    eq = f"2*(x + x + {extra}) = {per}"
    return Spec(q, {"kind": kind, "eq": eq, "setup": f"Let x be the width; the length is x + {extra}."}, str(w))


@word_problem.solver
def _(p: dict, b: TraceBuilder) -> str:
    b.think(p["setup"])
    b.think(["Translating the statement into an equation: {e}.", "The condition gives the equation {e}."],
            e=caret(p["eq"]))
    r = b.call("symbolic_math", _sm("solve", equation=p["eq"], variable="x"),
               ["Solving for x.", "Let me solve this linear equation."])
    b.observe(["x = {v}.", "The solution is x = {v}."], v=_single(r.output))
    b.think(["That is a sensible value (a positive whole number), so it answers the question.",
             "The value is positive and whole, as it must be in this context."])
    return b.finish(_single(r.output))


def _single(text: str) -> str:
    """The one element of a solve result printed as a list, e.g. `[7]` → `7`."""
    t = text.strip()
    if t.startswith("[") and t.endswith("]") and "," not in t:
        return t[1:-1].strip()
    return t


# -- 9. exponential and logarithmic equations ------------------------------------------------------
@template(CAT, "exponential_equation", tools=SM)
def exponential_equation(rng: random.Random, difficulty: str) -> Spec:
    base = rng.choice([2, 3, 5] if difficulty == "easy" else [2, 3, 5, 6, 7, 10])  # not 4, 8, 9: complex roots
    xsol = rng.randint(-3, 8) if difficulty != "easy" else rng.randint(1, 6)
    if difficulty == "hard" and rng.random() < 0.5:
        a = rng.randint(1, 20)
        k = rng.randint(1, 5)
        xsol = base**k - a
        eq = f"log(x + {a}, {base}) = {k}"
        shown = f"log_{base}(x + {a}) = {k}"
        kind = "log"
    else:
        c = rng.randint(-4, 4)
        m = rng.randint(1, 6) if difficulty != "easy" else 1
        rhs = sp.Integer(m) * sp.Integer(base) ** (xsol + c)
        lhs = f"{base}**(x + {c})" if c > 0 else (f"{base}**(x - {-c})" if c < 0 else f"{base}**x")
        if m != 1:
            lhs = f"{m}*{lhs}"
        eq = f"{lhs} = {rhs}"
        shown = caret(eq)
        kind = "exp"
    q = pick(rng, ["Solve {e}.", "Find x if {e}.", "For what real x is {e}?", "Solve the equation {e} for x."],
             e=shown)
    return Spec(q, {"eq": eq, "base": base, "kind": kind}, str(xsol))


@exponential_equation.solver
def _(p: dict, b: TraceBuilder) -> str:
    if p["kind"] == "log":
        b.think("By definition, log_{b}(A) = k means A = {b}^k, which turns this into a linear equation (with the "
                "condition that the argument is positive).", b=p["base"])
    else:
        b.think(["Both sides are powers of {b} (after dividing out any constant factor), so I can equate exponents.",
                 "Taking logarithms base {b} reduces this to a linear equation in x."], b=p["base"])
    r = b.call("symbolic_math", _sm("solve", equation=p["eq"], variable="x"),
               ["Solving it exactly.", "I'll let the tool solve for x."])
    v = _single(r.output)
    b.observe(["x = {v}.", "The real solution is x = {v}."], v=v)
    b.think("Check: substituting x = {v} back makes both sides equal.", v=v)
    return b.finish(v)


# -- 10. simplifying expressions -------------------------------------------------------------------
@template(CAT, "simplify_expression", tools=SM)
def simplify_expression(rng: random.Random, difficulty: str) -> Spec:
    a, c = rng.randint(1, 9), rng.randint(2, 9)
    if difficulty == "easy":
        kind = rng.choice(["sqdiff", "collect"])
        if kind == "sqdiff":
            text, ans = f"(x + {a})**2 - (x - {a})**2", 4 * a * X
        else:
            d = rng.randint(1, 9)
            text = f"{c}*(x + {a}) - {d}*(x - {a})"
            ans = sp.expand(c * (X + a) - d * (X - a))
    elif difficulty == "medium":
        kind = rng.choice(["trig", "frac", "double"])
        if kind == "trig":
            text, ans = f"{c}*sin(x)**2 + {c}*cos(x)**2 + {a}", sp.Integer(a + c)
        elif kind == "frac":
            text, ans = f"(x**2 - {a * a})/(x + {a}) + {a}", X
        else:
            text, ans = f"{c}*sin(x)*cos(x)", sp.Rational(c, 2) * sp.sin(2 * X)
    else:
        kind = rng.choice(["partial", "nested", "trig2"])
        if kind == "partial":
            text, ans = f"1/(x - {a}) - 1/(x + {a})", sp.Integer(2 * a) / (X**2 - a * a)
        elif kind == "nested":
            text, ans = f"(1 + {a}/x)/(1 - {a * a}/x**2)", X / (X - a)
        else:
            text, ans = f"(1 - cos(2*x))/(2*sin(x)) + {c}", sp.sin(X) + c
    q = pick(rng, ["Simplify {e}.", "Write {e} in its simplest form.", "Simplify the expression {e} as far as "
                   "possible.", "What does {e} simplify to?"], e=show(text, rng))
    return Spec(q, {"expr": text}, str(ans))


@simplify_expression.solver
def _(p: dict, b: TraceBuilder) -> str:
    e = p["expr"]
    if "sin" in e or "cos" in e:
        b.think("Trigonometric identities (sin^2 + cos^2 = 1, the double-angle formulas) should collapse this.")
    elif "/" in e:
        b.think("Combining over a common denominator and cancelling factors should simplify this.")
    else:
        b.think("Expanding the brackets and collecting like terms should simplify this.")
    r = b.call("symbolic_math", _sm("simplify", expression=e), ["Simplifying {e}.", "Let me simplify it."],
               e=caret(e))
    b.observe(["It simplifies to {s}.", "The simplified form is {s}."], s=caret(r.output))
    return b.finish(r.output)


# -- 11. vertex of a parabola (hand: completing the square; tool: check) --------------------------
@template(CAT, "quadratic_extremum", tools=SM)
def quadratic_extremum(rng: random.Random, difficulty: str) -> Spec:
    a = {"easy": rng.choice([1, -1]), "medium": rng.choice([2, -2, 3, -3]), "hard": _nz(rng, -6, 6)}[difficulty]
    h = rng.randint(-6, 6)
    k = rng.randint(-20, 20)
    co = [a, -2 * a * h, a * h * h + k]
    f = poly_text(co)
    word = "minimum" if a > 0 else "maximum"
    q = pick(rng, ["What is the {w} value of f(x) = {f}?", "Find the {w} of the quadratic {f}.",
                   "The parabola y = {f} has a vertex. What is the {w} value of y?"], w=word, f=show(f, rng))
    return Spec(q, {"f": f, "a": a, "h": h, "k": k}, str(k))


@quadratic_extremum.solver
def _(p: dict, b: TraceBuilder) -> str:
    a, h, k = p["a"], p["h"], p["k"]
    word = "minimum" if a > 0 else "maximum"
    b.think("The leading coefficient is {a}, so the parabola opens {d} and has a {w}.", a=a,
            d="upward" if a > 0 else "downward", w=word)
    form = f"{a}*({poly_text([1, -h])})**2" + (f" + {k}" if k > 0 else (f" - {-k}" if k < 0 else ""))
    b.think("The vertex is at x = −b/(2a) = {h}. Completing the square: f(x) = {f}.", h=h, f=caret(form))
    r = b.call("symbolic_math", _sm("expand", expression=form),
               ["Let me verify the completed square by expanding it.",
                "Checking the vertex form: expanding it should reproduce f."])
    b.observe(["Expanding gives {x}, which is the original f(x), so the vertex form is right.",
               "It expands to {x} — identical to f(x)."], x=caret(r.output))
    return b.finish(str(k), ["The {w} value is {k}, attained at x = {h}.", "So the {w} of f is {k}."],
                    w=word, k=k, h=h)


# -- 12. symmetric functions of roots (Vieta, checked with solve) ----------------------------------
@template(CAT, "vieta_roots", tools=SM)
def vieta_roots(rng: random.Random, difficulty: str) -> Spec:
    span = {"easy": 6, "medium": 9, "hard": 12}[difficulty]
    roots = rng.sample(range(-span, span + 1), 2 if difficulty == "easy" else 3)
    co = _expand_roots(1, roots)
    want = rng.choice(["squares", "reciprocals"] if 0 not in roots else ["squares"])
    if want == "squares":
        ans: Fraction | int = sum(r * r for r in roots)
    else:
        ans = sum((Fraction(1, r) for r in roots), Fraction(0))
    f = poly_text(co)
    what = "the sum of the squares of the roots" if want == "squares" else "the sum of the reciprocals of the roots"
    q = pick(rng, ["For the polynomial {f}, find {w}.", "Let the roots of {f} = 0 be r_i. Compute {w}.",
                   "What is {w} for the equation {f} = 0?"], f=show(f, rng), w=what)
    return Spec(q, {"f": f, "co": co, "want": want, "roots": sorted(roots)}, num(Fraction(ans)))


@vieta_roots.solver
def _(p: dict, b: TraceBuilder) -> str:
    co, want = p["co"], p["want"]
    n = len(co) - 1
    e1 = -co[1]
    e2 = co[2]
    if want == "squares":
        val: Any = e1 * e1 - 2 * e2
        b.think("By Vieta's formulas the roots sum to {e1} and their pairwise products sum to {e2}. Then "
                "Σr² = (Σr)² − 2Σrr' = {s} − {t} = {v}.", e1=e1, e2=e2, s=e1 * e1, t=2 * e2, v=val)
    else:
        prod = (-1) ** n * co[-1]
        numer = (-1) ** (n - 1) * co[n - 1]
        val = Fraction(numer, prod)
        b.think("Σ1/r = (sum of the products of the roots taken {m} at a time) / (product of all roots). By "
                "Vieta, the product is {p} and the numerator is {q}, giving {v}.", m=n - 1, p=prod, q=numer,
                v=num(val))
    r = b.call("symbolic_math", _sm("solve", equation=f"{p['f']} = 0", variable="x"),
               ["Let me double-check by finding the roots explicitly.", "Verifying with the actual roots."])
    roots = p["roots"]
    check = sum(x * x for x in roots) if want == "squares" else sum((Fraction(1, x) for x in roots), Fraction(0))
    b.observe("The roots are {r}; directly, the {w} is {v}, the same as from Vieta.", r=r.output,
              w="sum of squares" if want == "squares" else "sum of reciprocals", v=num(Fraction(check)))
    return b.finish(num(Fraction(val)))


# -- 13. radical equations with an extraneous root -------------------------------------------------
@template(CAT, "radical_equation", tools=SM)
def radical_equation(rng: random.Random, difficulty: str) -> Spec:
    span = {"easy": 5, "medium": 10, "hard": 20}[difficulty]
    while True:
        bb = rng.randint(-span, span)
        r = bb + rng.randint(2, 6 if difficulty == "easy" else 12)
        a = (r - bb) ** 2 - r
        if a != 0:
            break
    eq = f"sqrt(x {'+' if a > 0 else '-'} {abs(a)}) = x {'-' if bb > 0 else '+'} {abs(bb)}" if bb else \
        f"sqrt(x {'+' if a > 0 else '-'} {abs(a)}) = x"
    extraneous = 2 * bb + 1 - r
    q = pick(rng, ["Solve {e}.", "Find all real x with {e}.", "Solve the radical equation {e} and discard any "
                   "extraneous roots."], e=show(eq, rng))
    return Spec(q, {"eq": eq, "a": a, "b": bb, "extra": extraneous, "r": r}, str(r))


@radical_equation.solver
def _(p: dict, b: TraceBuilder) -> str:
    a, bb, r, ex = p["a"], p["b"], p["r"], p["extra"]
    squared = f"{poly_text([1, a])} = ({poly_text([1, -bb])})**2"
    b.think("Squaring both sides gives {s}, a quadratic. Squaring can introduce extraneous roots, so every "
            "candidate must be checked in the original equation (the right side must be ≥ 0).", s=caret(squared))
    r1 = b.call("symbolic_math", _sm("solve", equation=squared, variable="x"),
                ["Solving the squared equation.", "First the quadratic obtained by squaring."])
    b.observe("The squared equation has roots {s}.", s=r1.output)
    b.think("x = {ex}: the right side is {rhs} < 0, but a square root is never negative, so x = {ex} is "
            "extraneous. x = {r}: the right side is {r2} ≥ 0 and √({r} + {a}) = √{sq} = {r2}, so both sides agree.",
            ex=ex, rhs=ex - bb, r=r, r2=r - bb, a=a, sq=r + a)
    r2 = b.call("symbolic_math", _sm("solve", equation=p["eq"], variable="x"),
                "Let me confirm by solving the original radical equation directly.")
    b.observe("Solving the original equation gives {s}: only x = {r} survives.", s=r2.output, r=r)
    return b.finish(_single(r2.output))

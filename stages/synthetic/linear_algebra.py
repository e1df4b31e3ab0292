"""Linear-algebra templates: determinant, inverse, eigenvalues, RREF, rank, products, transposes and
linear systems, solved with `symbolic_math`'s matrix operation.

Matrices are built so the answers are sensible: inverses of unimodular matrices (integer entries),
eigenvalues from P·D·P⁻¹ with integer D, rank from chosen combinations of rows. Reference answers are
computed here with exact SymPy matrices built from our own integers.
"""

from __future__ import annotations

import random
from fractions import Fraction
from typing import Any

import sympy as sp

from stages.synthetic.base import Spec, TraceBuilder, TraceBuildError, template
from stages.synthetic.phrasing import join_words, list_text, matrix_pretty, matrix_text, num, pick

CAT = "linear_algebra"
SM = ("symbolic_math",)

Mat = list[list[int]]


def _mat(kind: str, matrix: Mat, **extra: Any) -> dict[str, Any]:
    """Canonical arguments of symbolic_math's matrix operation."""
    return {"operation": "matrix", "kind": kind, "matrix": matrix, **extra}


def _rand(rng: random.Random, n: int, m: int, bound: int) -> Mat:
    return [[rng.randint(-bound, bound) for _ in range(m)] for _ in range(n)]


def _unimodular(rng: random.Random, n: int, steps: int, bound: int = 3) -> Mat:
    """An integer matrix with determinant ±1 (a product of elementary row operations; plain integer
    rows — exact, and far cheaper than SymPy matrices for a few row operations)."""
    m = [[int(r == c) for c in range(n)] for r in range(n)]
    for _ in range(steps):
        i, j = rng.sample(range(n), 2)
        k = rng.choice([v for v in range(-bound, bound + 1) if v])
        m[i] = [x + k * y for x, y in zip(m[i], m[j], strict=True)]
    if rng.random() < 0.5:
        i, j = rng.sample(range(n), 2)
        m[i], m[j] = m[j], m[i]
    return m


def _tolist(m: sp.Matrix) -> list[list[Any]]:
    return [[_plain(v) for v in m.row(i)] for i in range(m.rows)]


def _plain(v: Any) -> int | Fraction:
    r = sp.Rational(v)
    return int(r) if r.q == 1 else Fraction(int(r.p), int(r.q))


def _show(rng: random.Random, m: Mat) -> str:
    """A matrix as it appears in a question (nested lists, or rows separated by semicolons)."""
    return matrix_text(m) if rng.random() < 0.6 else matrix_pretty(m)


def _mtext(rows: list[list[Any]]) -> str:
    return matrix_text(rows)


def _result_matrix(result: Any) -> list[list[Any]]:
    """The matrix in a tool result's structured value (`rref` results also carry their pivots)."""
    value = result.value
    if isinstance(value, dict) and "rref" in value:
        value = value["rref"]
    if not (isinstance(value, list) and all(isinstance(row, list) for row in value)):
        raise TraceBuildError(f"expected a matrix from the tool, got {result.output!r}")
    return value


def _result_text(result: Any) -> str:
    """The tool's matrix as the canonical nested list `[[1, -1], [-1, 2]]` (entries as the tool wrote them)."""
    return "[" + ", ".join("[" + ", ".join(str(v) for v in row) + "]" for row in _result_matrix(result)) + "]"


# -- 1. determinant --------------------------------------------------------------------------------
@template(CAT, "determinant", tools=SM, weight=1.3)
def determinant(rng: random.Random, difficulty: str) -> Spec:
    n, bound = {"easy": (2, 9), "medium": (3, 6), "hard": (4, 5)}[difficulty]
    a = _rand(rng, n, n, bound)
    q = pick(rng, [
        "Compute the determinant of the matrix A = {m}.", "What is det(A) for A = {m}?",
        "Find the determinant of {m}.", "Evaluate |A| where A = {m}.",
        "Is the matrix {m} invertible? Give its determinant.",
    ], m=_show(rng, a))
    return Spec(q, {"A": a}, str(sp.Matrix(a).det()))


@determinant.solver
def _(p: dict, b: TraceBuilder) -> str:
    a = p["A"]
    n = len(a)
    if n == 2:
        (w, x), (y, z) = a
        det = w * z - x * y
        b.think("For a 2×2 matrix [[a, b], [c, d]] the determinant is ad − bc.")
        b.think("Here ad − bc = ({w})({z}) − ({x})({y}) = {p} − {q} = {d}.", w=w, z=z, x=x, y=y, p=w * z,
                q=x * y, d=det)
        r = b.call("symbolic_math", _mat("determinant", a), ["A quick check with the tool.",
                                                             "Let me confirm the arithmetic."])
        b.observe("The tool also gives {v}.", v=r.output)
        return b.finish(str(det))
    b.think(["A {n}×{n} determinant by cofactor expansion has many products; I'll compute it exactly with the "
             "matrix tool.", "Expanding a {n}×{n} determinant by hand invites sign errors, so I'll use the tool."],
            n=n)
    r = b.call("symbolic_math", _mat("determinant", a), ["Computing det(A).", "Determinant of A:"])
    b.observe(["det(A) = {v}.", "The determinant is {v}."], v=r.output)
    if r.output.strip() == "0":
        b.think("A zero determinant means the matrix is singular (its rows are linearly dependent).")
    else:
        b.think("It is non-zero, so A is invertible.")
    return b.finish(r.output)


# -- 2. inverse ------------------------------------------------------------------------------------
@template(CAT, "inverse", tools=SM, weight=1.2)
def inverse(rng: random.Random, difficulty: str) -> Spec:
    if difficulty == "easy":
        while True:
            a = _rand(rng, 2, 2, 6)
            if sp.Matrix(a).det() != 0:
                break
    elif difficulty == "medium":
        a = _unimodular(rng, 3, rng.randint(4, 5), 2)
    else:
        a = _unimodular(rng, 3, rng.randint(5, 6), 2)
        k = rng.choice([2, 3])
        a[0] = [k * v for v in a[0]]
    inv = sp.Matrix(a).inv()
    q = pick(rng, [
        "Find the inverse of the matrix A = {m}.", "Compute A⁻¹ for A = {m}.",
        "What is the inverse of {m}?", "Invert the matrix {m}.",
    ], m=_show(rng, a))
    return Spec(q, {"A": a}, _mtext(_tolist(inv)))


@inverse.solver
def _(p: dict, b: TraceBuilder) -> str:
    a = p["A"]
    b.think(["A matrix is invertible exactly when its determinant is non-zero, so I'll check that first.",
             "First make sure A is invertible (det ≠ 0), then compute A⁻¹ and verify A·A⁻¹ = I."])
    r = b.call("symbolic_math", _mat("determinant", a), "Computing det(A).")
    b.observe("det(A) = {d} ≠ 0, so the inverse exists{e}.", d=r.output,
              e=" and, since det = ±1, it has integer entries" if r.output.strip() in ("1", "-1") else "")
    r2 = b.call("symbolic_math", _mat("inverse", a), ["Now the inverse.", "Computing A⁻¹ exactly."])
    inv = _result_text(r2)
    b.observe("A⁻¹ = {m}.", m=inv)
    r3 = b.call("symbolic_math", _mat("multiply", a, other=_result_matrix(r2)),
                ["Verifying: A·A⁻¹ should be the identity.", "Check by multiplying A by the result."])
    b.observe("The product is {m}, the identity, so the inverse is correct.", m=_result_text(r3))
    return b.finish(inv)


# -- 3. eigenvalues --------------------------------------------------------------------------------
@template(CAT, "eigenvalues", tools=SM, weight=1.2)
def eigenvalues(rng: random.Random, difficulty: str) -> Spec:
    n = 2 if difficulty == "easy" else 3
    lams = sorted(rng.sample(range(-6, 8), n))
    if difficulty == "easy" and rng.random() < 0.5:
        a = [[lams[0], rng.randint(-5, 5)], [0, lams[1]]]
        if rng.random() < 0.5:
            a = [[lams[1], 0], [rng.randint(-5, 5), lams[0]]]
    else:
        pm = sp.Matrix(_unimodular(rng, n, 2 if difficulty == "medium" else 3, 2))
        a = _tolist(pm * sp.diag(*lams) * pm.inv())
    q = pick(rng, [
        "Find the eigenvalues of A = {m}.", "What are the eigenvalues of the matrix {m}?",
        "Compute all eigenvalues of {m}.", "Determine the spectrum (eigenvalues) of {m}.",
    ], m=_show(rng, a))
    return Spec(q, {"A": a, "lams": lams}, list_text(lams))


@eigenvalues.solver
def _(p: dict, b: TraceBuilder) -> str:
    a, lams = p["A"], p["lams"]
    n = len(a)
    tr = sum(a[i][i] for i in range(n))
    b.think(["The eigenvalues are the roots of det(A − λI) = 0, a degree-{n} polynomial in λ.",
             "Eigenvalues solve the characteristic equation det(A − λI) = 0."], n=n)
    r = b.call("symbolic_math", _mat("eigenvalues", a), ["Computing the eigenvalues.",
                                                         "Let me get them with the tool."])
    b.observe(["The eigenvalues are {v}.", "The tool returns {v}."], v=r.output)
    b.think("Check: their sum {s} equals the trace of A ({t}), as it must.", s=sum(lams), t=tr)
    r2 = b.call("symbolic_math", _mat("determinant", a),
                "And their product should equal det(A).")
    prod = 1
    for v in lams:
        prod *= v
    b.observe("det(A) = {d}, and the product of the eigenvalues is {p} — consistent.", d=r2.output, p=prod)
    return b.finish(list_text(lams))


# -- 4. reduced row echelon form -------------------------------------------------------------------
def _dependent(rng: random.Random, n: int, m: int, rank: int, bound: int) -> Mat:
    """An n×m integer matrix of the given rank: `rank` random rows, the rest combinations of them."""
    while True:
        base = _rand(rng, rank, m, bound)
        if sp.Matrix(base).rank() == rank:
            break
    rows = [list(r) for r in base]
    while len(rows) < n:
        c = [rng.randint(-2, 2) for _ in range(rank)]
        if not any(c):
            continue
        rows.append([sum(ci * base[i][j] for i, ci in enumerate(c)) for j in range(m)])
    rng.shuffle(rows)
    return rows


@template(CAT, "rref", tools=SM)
def rref(rng: random.Random, difficulty: str) -> Spec:
    n, m, rank = {"easy": (2, 3, rng.choice([1, 2])), "medium": (3, 4, rng.choice([2, 3])),
                  "hard": (4, 5, rng.choice([2, 3]))}[difficulty]
    a = _dependent(rng, n, m, rank, 4 if difficulty != "hard" else 6)
    red = sp.Matrix(a).rref()[0]
    q = pick(rng, [
        "Find the reduced row echelon form of {m}.", "Row-reduce the matrix {m} to reduced row echelon form.",
        "What is rref(A) for A = {m}?", "Compute the RREF of {m}.",
    ], m=_show(rng, a))
    return Spec(q, {"A": a}, _mtext(_tolist(red)))


@rref.solver
def _(p: dict, b: TraceBuilder) -> str:
    b.think(["Gaussian elimination to reduced form: leading 1s, zeros above and below each pivot.",
             "I'll row-reduce exactly (fractions appear easily by hand)."])
    r = b.call("symbolic_math", _mat("rref", p["A"]), ["Computing the RREF.", "Row-reducing with the tool."])
    red = _result_text(r)
    pivots = r.value.get("pivots", []) if isinstance(r.value, dict) else []
    b.observe(["The reduced row echelon form is {m}, with pivots in column{s} {p}.",
               "RREF: {m} (pivot column{s} {p})."], m=red, s="s" if len(pivots) != 1 else "",
              p=join_words(str(c + 1) for c in pivots))
    b.think("Each non-zero row starts with a pivot 1, the pivot columns are otherwise zero, and zero rows come "
            "last — it has the required form.")
    return b.finish(red)


# -- 5. rank ---------------------------------------------------------------------------------------
@template(CAT, "rank", tools=SM)
def rank(rng: random.Random, difficulty: str) -> Spec:
    n, m = {"easy": (3, 3), "medium": (3, 4), "hard": (4, 5)}[difficulty]
    rk = rng.randint(1, min(n, m) - (0 if difficulty == "hard" else 1))
    a = _dependent(rng, n, m, rk, 5)
    q = pick(rng, [
        "What is the rank of the matrix {m}?", "Determine rank(A) for A = {m}.",
        "How many linearly independent rows does {m} have?", "Find the rank of {m}.",
    ], m=_show(rng, a))
    return Spec(q, {"A": a}, str(rk))


@rank.solver
def _(p: dict, b: TraceBuilder) -> str:
    a = p["A"]
    b.think(["The rank is the number of pivots after row reduction (equivalently, the number of linearly "
             "independent rows).", "Rank = number of non-zero rows in the echelon form."])
    r = b.call("symbolic_math", _mat("rref", a), ["Row-reducing A.", "Let me look at the RREF."])
    b.observe("The RREF is {m}.", m=_result_text(r))
    r2 = b.call("symbolic_math", _mat("rank", a), "Counting pivots, and confirming with the rank operation.")
    b.observe(["The rank is {v}, matching the number of non-zero rows.",
               "rank(A) = {v}, the number of pivots."], v=r2.output)
    if int(r2.output) < len(a):
        b.think("So some rows are linear combinations of the others.")
    return b.finish(r2.output)


# -- 6. matrix product -----------------------------------------------------------------------------
@template(CAT, "multiply", tools=SM)
def multiply(rng: random.Random, difficulty: str) -> Spec:
    n, k, m, bound = {"easy": (2, 2, 2, 6), "medium": (2, 3, rng.choice([2, 3]), 6),
                      "hard": (3, 3, rng.choice([2, 3, 4]), 9)}[difficulty]
    a, c = _rand(rng, n, k, bound), _rand(rng, k, m, bound)
    q = pick(rng, [
        "Compute the product AB for A = {a} and B = {b}.", "Multiply the matrices {a} and {b} (in that order).",
        "Let A = {a} and B = {b}. Find A·B.", "What is {a} times {b}?",
    ], a=_show(rng, a), b=_show(rng, c))
    return Spec(q, {"A": a, "B": c}, _mtext(_tolist(sp.Matrix(a) * sp.Matrix(c))))


@multiply.solver
def _(p: dict, b: TraceBuilder) -> str:
    a, c = p["A"], p["B"]
    b.think("A is {n}×{k} and B is {k}×{m}, so AB is defined and is {n}×{m}; entry (i, j) is row i of A dotted with "
            "column j of B.", n=len(a), k=len(c), m=len(c[0]))
    e00 = sum(a[0][t] * c[t][0] for t in range(len(c)))
    b.think("For example, the (1,1) entry is {terms} = {v}.",
            terms=" + ".join(f"({a[0][t]})({c[t][0]})" for t in range(len(c))), v=e00)
    r = b.call("symbolic_math", _mat("multiply", a, other=c), ["Computing the full product.",
                                                                  "The tool gives all entries at once."])
    prod = _result_text(r)
    b.observe("AB = {m}; its (1,1) entry is {v}, as computed by hand.", m=prod, v=e00)
    return b.finish(prod)


# -- 7. transpose and Gram matrix ------------------------------------------------------------------
@template(CAT, "transpose_product", tools=SM)
def transpose_product(rng: random.Random, difficulty: str) -> Spec:
    n, m = {"easy": (2, 2), "medium": (3, 2), "hard": (3, 4)}[difficulty]
    a = _rand(rng, n, m, 5 if difficulty != "hard" else 7)
    which = rng.choice(["AtA", "AAt"])
    am = sp.Matrix(a)
    res = am.T * am if which == "AtA" else am * am.T
    label = "AᵀA" if which == "AtA" else "AAᵀ"
    q = pick(rng, [
        "For A = {m}, compute {l}.", "Let A = {m}. Find the matrix {l} (ᵀ denotes the transpose).",
        "Compute the Gram-type product {l} for A = {m}.",
    ], m=_show(rng, a), l=label)
    return Spec(q, {"A": a, "which": which}, _mtext(_tolist(res)))


@transpose_product.solver
def _(p: dict, b: TraceBuilder) -> str:
    a, which = p["A"], p["which"]
    n, m = len(a), len(a[0])
    label = "AᵀA" if which == "AtA" else "AAᵀ"
    size = m if which == "AtA" else n
    b.think("First the transpose (rows become columns); then {l} is {s}×{s} and symmetric.", l=label, s=size)
    r = b.call("symbolic_math", _mat("transpose", a), "Transposing A.")
    at = _result_matrix(r)
    b.observe("Aᵀ = {t}.", t=_result_text(r))
    left, right = (at, a) if which == "AtA" else (a, at)
    r2 = b.call("symbolic_math", _mat("multiply", left, other=right), "Now the product {l}.", l=label)
    b.observe(["{l} = {v}. It is symmetric, as expected.", "The product is {v} — symmetric, a good sign."],
              l=label, v=_result_text(r2))
    return b.finish(_result_text(r2))


# -- 8. linear system through the inverse ----------------------------------------------------------
@template(CAT, "solve_system", tools=SM)
def solve_system(rng: random.Random, difficulty: str) -> Spec:
    n = 2 if difficulty == "easy" else 3
    a = _unimodular(rng, n, {"easy": 3, "medium": 4, "hard": 6}[difficulty], 2)
    x = [rng.randint(-6, 6) for _ in range(n)]
    bvec = [sum(a[i][j] * x[j] for j in range(n)) for i in range(n)]
    names = ["x", "y", "z"][:n]
    q = pick(rng, [
        "Solve A·v = b for v = ({v}), where A = {m} and b = {b}. Give v as a list.",
        "Using matrices, solve the system A{v_} = b with A = {m}, b = {b}. Answer as [{v}].",
        "Find the vector ({v}) such that {m} times it equals {b}.",
    ], v=", ".join(names), v_="x", m=_show(rng, a), b=list_text(bvec))
    return Spec(q, {"A": a, "b": bvec}, list_text(x))


@solve_system.solver
def _(p: dict, b: TraceBuilder) -> str:
    a, bvec = p["A"], p["b"]
    b.think(["If A is invertible, the unique solution is v = A⁻¹b.",
             "Plan: check A is invertible, compute A⁻¹, then v = A⁻¹b."])
    r = b.call("symbolic_math", _mat("inverse", a), "Computing A⁻¹ (the tool reports an error if A is singular).")
    b.observe("A⁻¹ = {m}.", m=_result_text(r))
    inv = _result_matrix(r)
    r2 = b.call("symbolic_math", _mat("multiply", inv, other=[[v] for v in bvec]),
                "Multiplying A⁻¹ by b.")
    vals = _column(r2.value)
    b.observe("A⁻¹b = {m}, so v = {v}.", m=_result_text(r2), v=list_text(vals))
    b.think("Check the first equation: {t} = {s}, which matches b₁ = {b1}.",
            t=" + ".join(f"({a[0][j]})({vals[j]})" for j in range(len(vals))),
            s=sum(a[0][j] * vals[j] for j in range(len(vals))), b1=bvec[0])
    return b.finish(list_text(vals))


def _column(value: Any) -> list[Any]:
    """A column vector (list of 1-element rows) as a flat list of numbers."""
    out = []
    for row in value:
        v = row[0] if isinstance(row, list) else row
        out.append(_plain(v) if not isinstance(v, str) else _plain(sp.Rational(v)))
    return out


# -- 9. area through a determinant -----------------------------------------------------------------
@template(CAT, "area_determinant", tools=SM)
def area_determinant(rng: random.Random, difficulty: str) -> Spec:
    shape = "triangle" if difficulty != "easy" and rng.random() < 0.6 else "parallelogram"
    while True:
        if difficulty == "hard":
            pts = [(rng.randint(-12, 12), rng.randint(-12, 12)) for _ in range(3)]
        else:
            pts = [(0, 0), (rng.randint(-9, 9), rng.randint(-9, 9)), (rng.randint(-9, 9), rng.randint(-9, 9))]
        u = (pts[1][0] - pts[0][0], pts[1][1] - pts[0][1])
        v = (pts[2][0] - pts[0][0], pts[2][1] - pts[0][1])
        d = u[0] * v[1] - u[1] * v[0]
        if d:
            break
    area = Fraction(abs(d), 2) if shape == "triangle" else Fraction(abs(d))
    if shape == "triangle":
        q = pick(rng, ["Find the area of the triangle with vertices {p}.",
                       "What is the area of the triangle whose corners are {p}?"],
                 p=", ".join(f"({x}, {y})" for x, y in pts))
    else:
        q = pick(rng, ["Find the area of the parallelogram spanned by the vectors u = ({a}, {b}) and v = ({c}, {d}).",
                       "What is the area of the parallelogram with sides u = ({a}, {b}) and v = ({c}, {d})?"],
                 a=u[0], b=u[1], c=v[0], d=v[1])
    return Spec(q, {"shape": shape, "M": [list(u), list(v)], "pts": pts}, num(area))


@area_determinant.solver
def _(p: dict, b: TraceBuilder) -> str:
    mtx, shape = p["M"], p["shape"]
    if shape == "triangle":
        p0 = p["pts"][0]
        b.think("Take edge vectors from ({x}, {y}): u = ({a}, {b}) and v = ({c}, {d}). The triangle's area is half "
                "the absolute value of det[u; v].", x=p0[0], y=p0[1], a=mtx[0][0], b=mtx[0][1], c=mtx[1][0],
                d=mtx[1][1])
    else:
        b.think("The parallelogram spanned by u and v has area |det[u; v]|.")
    r = b.call("symbolic_math", _mat("determinant", mtx), "Computing the determinant.")
    d = int(r.output)
    area = Fraction(abs(d), 2) if shape == "triangle" else Fraction(abs(d))
    b.observe("det = {d}{neg}.", d=d, neg=" (the sign only records orientation)" if d < 0 else "")
    if shape == "triangle":
        b.think("Half of |{d}| is {a}.", d=d, a=num(area))
    else:
        b.think("Taking the absolute value, the area is |{d}| = {a} square units.", d=d, a=num(area))
    return b.finish(num(area))


# -- 10. matrix powers -----------------------------------------------------------------------------
@template(CAT, "matrix_power", tools=SM)
def matrix_power(rng: random.Random, difficulty: str) -> Spec:
    n, k, bound = {"easy": (2, 2, 4), "medium": (2, 3, 4), "hard": (3, 3, 3)}[difficulty]
    a = _rand(rng, n, n, bound)
    q = pick(rng, ["Compute A^{k} for A = {m}.", "Let A = {m}. What is A^{k}?",
                   "Find the {k}th power of the matrix {m}."], k=k, m=_show(rng, a)).replace("2th", "2nd") \
        .replace("3th", "3rd")
    return Spec(q, {"A": a, "k": k}, _mtext(_tolist(sp.Matrix(a) ** k)))


@matrix_power.solver
def _(p: dict, b: TraceBuilder) -> str:
    a, k = p["A"], p["k"]
    b.think("A^{k} means multiplying A by itself {k} times; I'll do it by repeated multiplication.", k=k)
    r = b.call("symbolic_math", _mat("multiply", a, other=a), "First A² = A·A.")
    b.observe("A² = {m}.", m=_result_text(r))
    e00 = sum(a[0][t] * a[t][0] for t in range(len(a)))
    if k == 2:
        b.think("Spot check of the (1,1) entry: {terms} = {v}, in agreement.",
                terms=" + ".join(f"({a[0][t]})({a[t][0]})" for t in range(len(a))), v=e00)
        return b.finish(_result_text(r))
    sq = _result_matrix(r)
    r2 = b.call("symbolic_math", _mat("multiply", sq, other=a), "Then A³ = A²·A.")
    b.observe("A³ = {m}.", m=_result_text(r2))
    return b.finish(_result_text(r2))


def _linear_text(row: list[int], names: list[str]) -> str:
    """`2x - y + 3z` from coefficients (1 and -1 written without the digit, zero terms left out)."""
    parts: list[str] = []
    for c, v in zip(row, names, strict=True):
        if c == 0:
            continue
        mag = "" if abs(c) == 1 else str(abs(c))
        sign = ("-" if c < 0 else "") if not parts else ("- " if c < 0 else "+ ")
        parts.append(f"{sign}{mag}{v}")
    return " ".join(parts) or "0"


# -- 11. Cramer's rule -----------------------------------------------------------------------------
@template(CAT, "cramer", tools=SM)
def cramer(rng: random.Random, difficulty: str) -> Spec:
    n = 2 if difficulty == "easy" else 3
    bound = 5 if difficulty != "hard" else 8
    while True:
        a = _rand(rng, n, n, bound)
        if sp.Matrix(a).det() != 0:
            break
    bvec = [rng.randint(-10, 10) for _ in range(n)]
    j = rng.randrange(n)
    names = ["x", "y", "z"][:n]
    aj = [row[:] for row in a]
    for i in range(n):
        aj[i][j] = bvec[i]
    val = Fraction(int(sp.Matrix(aj).det()), int(sp.Matrix(a).det()))
    eqs = "; ".join(f"{_linear_text(a[i], names)} = {bvec[i]}" for i in range(n))
    q = pick(rng, ["Use Cramer's rule to find {v} in the system {e}.",
                   "For the linear system {e}, what is the value of {v}?",
                   "Solve for {v} only: {e}."], v=names[j], e=eqs)
    return Spec(q, {"A": a, "Aj": aj, "var": names[j]}, num(val))


@cramer.solver
def _(p: dict, b: TraceBuilder) -> str:
    v = p["var"]
    b.think("By Cramer's rule, {v} = det(A_{v}) / det(A), where A_{v} is A with the {v}-column replaced by the "
            "right-hand side.", v=v)
    r = b.call("symbolic_math", _mat("determinant", p["A"]), "det(A) first.")
    d = int(r.output)
    b.observe("det(A) = {d}, non-zero, so the solution is unique.", d=d)
    r2 = b.call("symbolic_math", _mat("determinant", p["Aj"]), "Now det(A_{v}).", v=v)
    dj = int(r2.output)
    b.observe("det(A_{v}) = {d}.", v=v, d=dj)
    val = Fraction(dj, d)
    b.think("So {v} = {dj}/{d} = {r}.", v=v, dj=dj, d=f"({d})" if d < 0 else d, r=num(val))
    return b.finish(num(val))

"""Logic templates, solved with `logic_solver` (Z3): word problems turned into constraints.

Three operations are taught: `check_sat` (is there an assignment? which one? — knights and knaves,
who-is-guilty evidence, pigeonhole instances, timetable colourings, uniqueness checks), `prove` (does a
conclusion follow? — inequalities over a region, tautologies, arguments in words) and `solve_constraints`
(a model, with or without an objective — linear systems, age and digit puzzles, orderings, 4×4 Sudoku,
profit maximisation, the Chinese remainder theorem, coin change). Puzzles with one answer are followed by
a uniqueness check: the found model is excluded and `check_sat` must report unsat.

Reference answers never come from the tool: small puzzles are brute-forced with `itertools`, linear
systems are solved with exact `Fraction` elimination, extrema of linear functions over boxes and
triangles are taken at the vertices, and propositional questions use truth tables. The answers are
canonical so `answers_equivalent` compares them robustly: a number, "yes"/"no", "valid"/"invalid",
or an assignment such as "Ann = 2, Ben = 1".
"""

from __future__ import annotations

import itertools
import math
import random
import re
from collections.abc import Callable, Sequence
from fractions import Fraction
from typing import Any

from stages.synthetic.base import Spec, TraceBuilder, TraceBuildError, template
from stages.synthetic.phrasing import join_words, num, pick

CAT = "logic"
LS = ("logic_solver",)

NAMES = ["Ann", "Ben", "Cara", "Dev", "Eli", "Fay", "Gus", "Hana", "Ivo", "Jill", "Kai", "Lena", "Milo",
         "Nora", "Omar", "Pia", "Quinn", "Rosa", "Sam", "Tara", "Uma", "Vic", "Wes", "Yara", "Zoe"]


# -- tool arguments and results ----------------------------------------------------------------------
def ls_args(operation: str, constraints: Sequence[str], variables: dict[str, str], **extra: Any) -> dict[str, Any]:
    """Canonical logic_solver arguments."""
    return {"operation": operation, "constraints": list(constraints), "variables": dict(variables), **extra}


_PAIR = re.compile(r"([A-Za-z_]\w*)\s*=\s*(-?\d+(?:/\d+)?(?:\.\d+)?|True|False|true|false)")


def _value(v: Any) -> Any:
    if isinstance(v, bool):
        return v
    if isinstance(v, int):
        return v
    if isinstance(v, float):
        return Fraction(v).limit_denominator(10**6) if not v.is_integer() else int(v)
    s = str(v).strip()
    if s.lower() in ("true", "false"):
        return s.lower() == "true"
    try:
        f = Fraction(s)
    except (ValueError, ZeroDivisionError):
        return s
    return int(f) if f.denominator == 1 else f


def result_model(r: Any) -> dict[str, Any]:
    """The assignment a logic_solver result carries (model or counterexample), values as Python objects."""
    val = r.value
    if isinstance(val, dict):
        for key in ("model", "counterexample", "solution", "assignment"):
            m = val.get(key)
            if isinstance(m, dict) and m:
                return {k: _value(v) for k, v in m.items()}
    return {k: _value(v) for k, v in _PAIR.findall(r.output)}


def result_status(r: Any) -> str:
    """The solver's verdict: "sat" | "unsat" | "optimal" | "proved" | "counterexample" | "unknown" | …"""
    val = r.value
    if isinstance(val, dict) and isinstance(val.get("result"), str):
        return val["result"].lower()
    return r.output.strip().split(":")[0].split(" ")[0].lower()


def is_sat(r: Any) -> bool:
    """sat/optimal → True, unsat → False; anything else (unknown, unbounded) is a bug in a template."""
    status = result_status(r)
    if status not in ("sat", "optimal", "unsat"):
        raise TraceBuildError(f"logic_solver gave no definite answer: {r.output!r}")
    return status != "unsat"


def is_proved(r: Any) -> bool:
    status = result_status(r)
    if status not in ("proved", "counterexample"):
        raise TraceBuildError(f"logic_solver gave no definite answer: {r.output!r}")
    return status == "proved"


def _need(cond: bool, what: str) -> None:
    if not cond:
        raise TraceBuildError(f"logic_solver result disagrees with the problem: {what}")


def _assign_text(model: dict[str, Any], names: Sequence[str], fmt: Callable[[Any], str] = str) -> str:
    return ", ".join(f"{n} = {fmt(model[n])}" for n in names)


def _block(model: dict[str, Any], names: Sequence[str]) -> str:
    """A constraint excluding exactly this assignment (for uniqueness checks)."""
    parts = []
    for n in names:
        v = model[n]
        if isinstance(v, bool):
            parts.append(n if v else f"Not({n})")
        else:
            parts.append(f"{n} == {v}")
    return f"Not(And({', '.join(parts)}))" if len(parts) > 1 else f"Not({parts[0]})"


def _solve_linear(rows: list[list[Fraction]], rhs: list[Fraction]) -> list[Fraction] | None:
    """Exact Gaussian elimination; None when the system is singular."""
    n = len(rows)
    m = [list(map(Fraction, r)) + [Fraction(b)] for r, b in zip(rows, rhs, strict=True)]
    for col in range(n):
        piv = next((i for i in range(col, n) if m[i][col] != 0), None)
        if piv is None:
            return None
        m[col], m[piv] = m[piv], m[col]
        for i in range(n):
            if i != col and m[i][col] != 0:
                f = m[i][col] / m[col][col]
                m[i] = [a - f * b for a, b in zip(m[i], m[col], strict=True)]
    return [m[i][n] / m[i][i] for i in range(n)]


def _lin_text(coeffs: Sequence[int], names: Sequence[str]) -> str:
    """`2*x - y + 3*z` from coefficients (zero terms dropped)."""
    parts: list[str] = []
    for c, n in zip(coeffs, names, strict=True):
        if c == 0:
            continue
        mag = abs(c)
        body = n if mag == 1 else f"{mag}*{n}"
        if not parts:
            parts.append(("-" if c < 0 else "") + body)
        else:
            parts.append(("- " if c < 0 else "+ ") + body)
    return " ".join(parts) or "0"


def _pretty(text: str) -> str:
    """Constraint syntax for prose: `2*x` → `2x`, `==` → `=`, `<=` → `≤`."""
    t = re.sub(r"(\d)\*([A-Za-z(])", r"\1\2", text)
    return t.replace("==", "=").replace("<=", "≤").replace(">=", "≥").replace("!=", "≠")


# ======================================================================================================
# 1. linear systems in words (solve_constraints)
_LINEAR_FLAVOURS = ("animals", "tickets", "coins", "plain")


@template(CAT, "linear_word_problem", tools=LS, weight=1.2)
def linear_word_problem(rng: random.Random, difficulty: str) -> Spec:
    flavour = rng.choice(_LINEAR_FLAVOURS)
    three = difficulty == "hard" or (difficulty == "medium" and flavour == "plain")
    if flavour == "animals":
        names = ["chickens", "cows", "spiders"] if three else [rng.choice(["chickens", "ducks", "geese"]),
                                                              rng.choice(["rabbits", "goats", "pigs", "cows"])]
        per = {"chickens": 2, "ducks": 2, "geese": 2, "rabbits": 4, "goats": 4, "pigs": 4, "cows": 4, "spiders": 8}
        scale = {"easy": 20, "medium": 60, "hard": 40}[difficulty]
        truth = [rng.randint(2, scale) for _ in names]
        heads = sum(truth)
        legs = sum(per[n] * t for n, t in zip(names, truth, strict=True))
        eqs = [([1] * len(names), heads), ([per[n] for n in names], legs)]
        if three:
            k = truth[0] - truth[1]
            eqs.append(([1, -1, 0], k))
            rel = (f"there are {abs(k)} more chickens than cows" if k > 0 else
                   f"there are {abs(k)} fewer chickens than cows" if k < 0 else "there are as many chickens as cows")
            q = pick(rng, [
                "A barn holds chickens, cows and some (large, fake) spiders for Halloween: {h} animals in total "
                "with {l} legs, and {r}. How many of each are there?",
                "Counting chickens (2 legs), cows (4 legs) and spiders (8 legs), a child finds {h} heads and {l} "
                "legs; also {r}. How many chickens, cows and spiders are there?",
            ], h=heads, l=legs, r=rel)
        else:
            a, b = names
            q = pick(rng, [
                "A farm has only {a} and {b}. Together they have {h} heads and {l} legs. How many {a} and how many "
                "{b} are there?",
                "In a yard of {a} and {b} there are {h} heads and {l} legs. Find the number of each animal.",
                "Some {a} and some {b} are in a pen: {h} animals, {l} legs altogether. How many of each?",
            ], a=a, b=b, h=heads, l=legs)
    elif flavour == "tickets":
        names = ["adults", "children", "seniors"] if three else ["adults", "children"]
        prices = [rng.randint(9, 25)]
        prices.append(rng.randint(3, prices[0] - 2))
        if three:
            prices.append(rng.randint(prices[1] + 1, prices[0] - 1) if prices[0] - prices[1] > 2 else prices[1] + 1)
            if prices[2] >= prices[0]:
                prices[0] = prices[2] + 2
        top = {"easy": 80, "medium": 400, "hard": 150}[difficulty]
        truth = [rng.randint(5, top) for _ in names]
        total = sum(truth)
        revenue = sum(p * t for p, t in zip(prices, truth, strict=True))
        eqs = [([1] * len(names), total), (prices, revenue)]
        if three:
            k = truth[1] - truth[2]
            eqs.append(([0, 1, -1], k))
            q = pick(rng, [
                "A museum sells adult tickets at ${p0}, child tickets at ${p1} and senior tickets at ${p2}. One day "
                "it sold {n} tickets for ${r}, and {kk}. How many tickets of each type were sold?",
                "Tickets cost ${p0} (adult), ${p1} (child) and ${p2} (senior). A show sold {n} tickets and took in "
                "${r}; {kk}. How many adults, children and seniors attended?",
            ], p0=prices[0], p1=prices[1], p2=prices[2], n=total, r=revenue,
                kk=(f"there were {k} more children than seniors" if k >= 0 else
                    f"there were {-k} more seniors than children"))
        else:
            q = pick(rng, [
                "A cinema charges ${p0} per adult and ${p1} per child. It sold {n} tickets for a total of ${r}. How "
                "many adults and how many children bought tickets?",
                "Adult tickets cost ${p0} and child tickets ${p1}. If {n} tickets brought in ${r}, how many of each "
                "were sold?",
            ], p0=prices[0], p1=prices[1], n=total, r=revenue)
    elif flavour == "coins":
        names = ["nickels", "dimes", "quarters"] if three else rng.choice([["nickels", "dimes"], ["dimes", "quarters"],
                                                                           ["nickels", "quarters"]])
        worth = {"nickels": 5, "dimes": 10, "quarters": 25}
        top = {"easy": 25, "medium": 90, "hard": 40}[difficulty]
        truth = [rng.randint(1, top) for _ in names]
        count = sum(truth)
        cents = sum(worth[n] * t for n, t in zip(names, truth, strict=True))
        eqs = [([1] * len(names), count), ([worth[n] for n in names], cents)]
        if three:
            k = truth[0] - 2 * truth[2]
            eqs.append(([1, 0, -2], k))
            rel = ("the number of nickels is twice the number of quarters" if k == 0 else
                   f"the number of nickels is {abs(k)} {'more' if k > 0 else 'less'} than twice the number of quarters")
            q = pick(rng, [
                "A jar holds {n} coins, all nickels, dimes and quarters, worth ${v} in total; {r}. How many coins "
                "of each kind are in the jar?",
                "Maya has {n} coins (nickels, dimes and quarters) worth {c} cents, and {r}. How many of each does "
                "she have?",
            ], n=count, v=f"{cents / 100:.2f}", c=cents, r=rel)
        else:
            q = pick(rng, [
                "A purse holds {n} coins, all {a} and {b}, worth {c} cents in total. How many {a} and how many {b}?",
                "I have {n} coins made up of {a} and {b}; together they are worth ${v}. How many of each coin do "
                "I have?",
            ], n=count, a=names[0], b=names[1], c=cents, v=f"{cents / 100:.2f}")
    else:
        names = ["x", "y", "z"] if three else ["x", "y"]
        bound = {"easy": 4, "medium": 6, "hard": 9}[difficulty]
        while True:
            truth = [rng.randint(-12, 12) for _ in names]
            eqs = []
            for _ in names:
                co = [rng.randint(-bound, bound) for _ in names]
                eqs.append((co, sum(c * t for c, t in zip(co, truth, strict=True))))
            if _solve_linear([list(map(Fraction, c)) for c, _ in eqs], [Fraction(r) for _, r in eqs]) is not None \
                    and all(sum(1 for c in co if c) >= 2 for co, _ in eqs):
                break
        sys_text = "; ".join(f"{_pretty(_lin_text(co, names))} = {r}" for co, r in eqs)
        q = pick(rng, [
            "Find the integers {v} satisfying {s}.",
            "Solve the system over the integers: {s}.",
            "Which integers {v} satisfy all of: {s}?",
        ], v=join_words(names), s=sys_text)
    sol = _solve_linear([list(map(Fraction, c)) for c, _ in eqs], [Fraction(r) for _, r in eqs])
    if sol is None or [int(s) for s in sol] != truth:
        raise ValueError("linear_word_problem: inconsistent construction")
    constraints = [f"{_lin_text(co, names)} == {r}" for co, r in eqs]
    if flavour != "plain":
        constraints += [f"{n} >= 0" for n in names]
    answer = ", ".join(f"{n} = {t}" for n, t in zip(names, truth, strict=True))
    return Spec(q, {"flavour": flavour, "names": names, "eqs": [[co, r] for co, r in eqs],
                    "constraints": constraints}, answer)


@linear_word_problem.solver
def _(p: dict, b: TraceBuilder) -> str:
    names, eqs, flavour = p["names"], p["eqs"], p["flavour"]
    if flavour == "plain":
        b.think(["There are {n} linear equations in {n} unknowns; I'll hand them to the solver as integer "
                 "constraints.", "A system of {n} equations in {v}. I'll let the constraint solver find the integer "
                 "solution."], n=len(names), v=join_words(names))
    else:
        b.think(["Let {v} be the unknown counts (non-negative integers). Each fact in the problem is one linear "
                 "equation: {eqs}.",
                 "Translating into equations with unknowns {v}: {eqs}. Counts cannot be negative, so I add "
                 "{v} ≥ 0."], v=join_words(names), eqs="; ".join(_pretty(c) for c in p["constraints"][:len(eqs)]))
    variables = {n: "int" for n in names}
    r = b.call("logic_solver", ls_args("solve_constraints", p["constraints"], variables),
               ["Solving the constraints with Z3.", "Let me solve the system with the constraint solver.",
                "I'll ask the solver for integer values satisfying every equation."])
    model = result_model(r)
    _need(all(n in model for n in names), f"missing values in {r.output!r}")
    vals = [model[n] for n in names]
    b.observe(["The solver finds {a}.", "Solution: {a}."], a=_assign_text(model, names))
    checks = []
    for co, rhs in eqs:
        lhs = " + ".join(f"{c}·{v}" if c != 1 else f"{v}" for c, v in zip(co, vals, strict=True) if c)
        got = sum(c * v for c, v in zip(co, vals, strict=True))
        _need(got == rhs, f"equation {co} = {rhs} fails for {vals}")
        checks.append(f"{lhs} = {got}".replace("+ -", "- "))
    b.think(["Checking by substitution: {c}. All equations hold.", "Quick check: {c} — matches the given totals."],
            c="; ".join(checks))
    if len(names) == 3:
        r2 = b.call("logic_solver", ls_args("check_sat", p["constraints"] + [_block(model, names)], variables),
                    ["To be sure the answer is unique, I ask whether any other assignment satisfies the constraints.",
                     "Is there a second solution? I'll add a constraint excluding this one and check satisfiability."])
        _need(not is_sat(r2), "solution not unique")
        b.observe(["Unsatisfiable: no other solution exists.", "The solver reports unsat, so the solution is "
                   "unique."])
    else:
        b.think("Two independent linear equations in two unknowns meet in exactly one point, so this is the only "
                "solution.")
    return b.finish(_assign_text(model, names))


# ======================================================================================================
# 2. age puzzles (solve_constraints)
def _age_relation(rng: random.Random, a: str, b: str, ages: dict[str, int]) -> tuple[list[int], int, str, str] | None:
    """One linear fact about people a and b true for `ages`: (coefficients for a, b), rhs, sentence."""
    x, y = ages[a], ages[b]
    kind = rng.choice(["sum", "diff", "ratio", "future", "past"])
    if kind == "sum":
        return ([1, 1], x + y, pick(rng, ["{a} and {b} are {s} years old together.",
                                          "The sum of {a}'s and {b}'s ages is {s}."], a=a, b=b, s=x + y),
                f"{a} + {b} == {x + y}")
    if kind == "diff":
        if x == y:
            return None
        hi, lo = (a, b) if x > y else (b, a)
        return ([1, -1], x - y, pick(rng, ["{hi} is {d} years older than {lo}.", "{lo} is {d} years younger than {hi}."],
                                     hi=hi, lo=lo, d=abs(x - y)), f"{hi} - {lo} == {abs(x - y)}")
    if kind == "ratio":
        if y == 0 or x % y or x // y < 2:
            return None
        k = x // y
        word = {2: "twice", 3: "three times", 4: "four times", 5: "five times"}.get(k, f"{k} times")
        return [1, -k], 0, f"{a} is {word} as old as {b}.", f"{a} == {k}*{b}"
    if kind == "future":
        opts = [(n, (x + n) // (y + n)) for n in range(1, 31) if (x + n) % (y + n) == 0 and 2 <= (x + n) // (y + n) <= 5]
        if not opts:
            return None
        n, m = rng.choice(opts)
        word = {2: "twice", 3: "three times", 4: "four times"}.get(m, f"{m} times")
        return [1, -m], m * n - n, f"In {n} years, {a} will be {word} as old as {b}.", f"{a} + {n} == {m}*({b} + {n})"
    opts = [(n, (x - n) // (y - n)) for n in range(1, y) if (x - n) % (y - n) == 0 and 2 <= (x - n) // (y - n) <= 5]
    if not opts:
        return None
    n, m = rng.choice(opts)
    word = {2: "twice", 3: "three times", 4: "four times"}.get(m, f"{m} times")
    return [1, -m], n - m * n, f"{n} years ago, {a} was {word} as old as {b}.", f"{a} - {n} == {m}*({b} - {n})"


@template(CAT, "age_puzzle", tools=LS)
def age_puzzle(rng: random.Random, difficulty: str) -> Spec:
    people = rng.sample(NAMES, 3 if difficulty == "hard" else 2)
    for _ in range(500):
        base = rng.randint(3, 25)
        ages = {people[-1]: base}
        for pname in people[:-1]:
            ages[pname] = rng.choice([base * rng.randint(2, 4), base + rng.randint(1, 30)])
        pairs = list(itertools.combinations(people, 2))
        facts = []
        for _ in range(len(people)):
            a, b2 = rng.choice(pairs)
            if ages[a] < ages[b2]:
                a, b2 = b2, a
            rel = _age_relation(rng, a, b2, ages)
            if rel is None:
                break
            facts.append((a, b2, *rel))
        if len(facts) != len(people):
            continue
        rows = []
        for a, b2, co, _rhs, _s, _raw in facts:
            row = [Fraction(0)] * len(people)
            row[people.index(a)] += co[0]
            row[people.index(b2)] += co[1]
            rows.append(row)
        sol = _solve_linear(rows, [Fraction(f[3]) for f in facts])
        if sol is None or len({f[4] for f in facts}) != len(facts):
            continue
        if [int(s) for s in sol] != [ages[pn] for pn in people]:
            raise ValueError("age_puzzle: inconsistent construction")
        break
    else:
        raise ValueError("age_puzzle: no puzzle found")
    asked = rng.choice(people)
    constraints = [f[5] for f in facts]
    constraints += [f"{pn} >= 0" for pn in people]
    story = " ".join(f[4] for f in facts)
    q = pick(rng, ["{s} How old is {w}?", "{s} What is {w}'s age now?", "{s} Find {w}'s current age."],
             s=story, w=asked)
    return Spec(q, {"people": people, "asked": asked, "constraints": constraints,
                    "facts": [f[4] for f in facts]}, str(ages[asked]))


@age_puzzle.solver
def _(p: dict, b: TraceBuilder) -> str:
    people, asked = p["people"], p["asked"]
    pairs = [f"“{s}” → {_pretty(c)}" for s, c in zip(p["facts"], p["constraints"], strict=False)]
    b.think(["Let each name stand for that person's current age (a whole number). Translating each sentence: "
             "{t}.", "Writing the ages as integer unknowns {v}, the facts become: {t}."],
            t="; ".join(pairs), v=join_words(people))
    if any("years" in f and ("ago" in f or f.startswith("In ")) for f in p["facts"]):
        b.think(["“In n years” adds n to both ages and “n years ago” subtracts n; every fact stays linear, so the "
                 "ages are pinned down by {n} independent equations.",
                 "Future and past statements shift both ages by the same amount, which keeps the equations linear."],
                n=len(people))
    r = b.call("logic_solver", ls_args("solve_constraints", p["constraints"], {n: "int" for n in people}),
               ["Solving for the ages.", "Let me have Z3 find ages satisfying all of them."])
    model = result_model(r)
    _need(all(n in model for n in people), f"missing ages in {r.output!r}")
    b.observe(["The solver gives {a}.", "Ages: {a}."], a=_assign_text(model, people))
    b.think(["Plugging back in, every sentence checks out (for example, {c} holds with these values), and with "
             "{n} independent linear equations the solution is unique.",
             "These satisfy each relation — e.g. {c} — and {n} independent equations pin down a single answer."],
            c=_pretty(p["constraints"][0]), n=len(people))
    return b.finish(str(model[asked]), ["{w} is {a} years old.", "So {w}'s age is {a}."], w=asked, a=model[asked])


# ======================================================================================================
# 3. knights and knaves (check_sat + uniqueness)
def _kk_statement(rng: random.Random, speaker: str, people: list[str]) -> tuple[str, str, Callable[[dict], bool]]:
    others = [x for x in people if x != speaker]
    x = rng.choice(others)
    y = rng.choice([o for o in people if o != x])
    kinds = ["knave", "knight", "both_knights", "both_knaves", "one_knave", "same", "different", "implies"]
    if len(people) >= 3:
        kinds += ["exactly_one", "all_knaves"]
    kind = rng.choice(kinds)
    if kind == "knave":
        return f"Not({x})", f"“{x} is a knave.”", lambda m: not m[x]
    if kind == "knight":
        return x, f"“{x} is a knight.”", lambda m: m[x]
    if kind == "both_knights":
        return f"And({x}, {y})", f"“{x} and {y} are both knights.”", lambda m: m[x] and m[y]
    if kind == "both_knaves":
        return f"And(Not({x}), Not({y}))", f"“{x} and {y} are both knaves.”", lambda m: not m[x] and not m[y]
    if kind == "one_knave":
        return (f"Or(Not({speaker}), Not({x}))", f"“At least one of {x} and me is a knave.”",
                lambda m: not m[speaker] or not m[x])
    if kind == "same":
        return f"{x} == {y}", f"“{x} and {y} are the same kind.”", lambda m: m[x] == m[y]
    if kind == "different":
        return f"{x} != {y}", f"“{x} and {y} are different kinds.”", lambda m: m[x] != m[y]
    if kind == "implies":
        return (f"Implies({x}, Not({y}))", f"“If {x} is a knight, then {y} is a knave.”",
                lambda m: (not m[x]) or (not m[y]))
    if kind == "exactly_one":
        s = " + ".join(f"If({n}, 1, 0)" for n in people)
        return f"{s} == 1", "“Exactly one of us is a knight.”", lambda m: sum(m.values()) == 1
    return (f"And({', '.join(f'Not({n})' for n in people)})", "“All of us are knaves.”",
            lambda m: not any(m.values()))


@template(CAT, "knights_and_knaves", tools=LS, weight=1.2)
def knights_and_knaves(rng: random.Random, difficulty: str) -> Spec:
    n = {"easy": 2, "medium": 3, "hard": rng.choice([3, 4])}[difficulty]
    people = rng.sample(NAMES, n)
    while True:
        stmts = {sp: _kk_statement(rng, sp, people) for sp in people}
        models = []
        for bits in itertools.product([True, False], repeat=n):
            m = dict(zip(people, bits, strict=True))
            if all(m[sp] == stmts[sp][2](m) for sp in people):
                models.append(m)
        if len(models) == 1 and len({s[1] for s in stmts.values()}) == n:
            break
    truth = models[0]
    said = " ".join(f"{sp} says: {stmts[sp][1]}" for sp in people)
    q = pick(rng, [
        "On an island, knights always tell the truth and knaves always lie. You meet {p}. {s} Who is a knight and "
        "who is a knave?",
        "Every inhabitant of an island is either a knight (always truthful) or a knave (always lying). {s} "
        "Determine the type of each of {p}.",
        "Knights never lie; knaves never tell the truth. {s} Which of {p} are knights and which are knaves?",
    ], p=join_words(people), s=said)
    answer = ", ".join(f"{sp} = {'knight' if truth[sp] else 'knave'}" for sp in people)
    return Spec(q, {"people": people, "formulas": [stmts[sp][0] for sp in people],
                    "said": [stmts[sp][1] for sp in people]}, answer)


@knights_and_knaves.solver
def _(p: dict, b: TraceBuilder) -> str:
    people, formulas = p["people"], p["formulas"]
    b.think(["Let a Boolean variable per person be true when that person is a knight. A knight's statement is "
             "true and a knave's is false, so each speaker's variable must equal the truth of what they said.",
             "Model: {v} are Booleans (true = knight). Whoever speaks is a knight exactly when the statement is "
             "true, i.e. speaker == statement."], v=join_words(people))
    constraints = [f"{sp} == ({f})" if re.search(r"==|!=", f) else f"{sp} == {f}"
                   for sp, f in zip(people, formulas, strict=True)]
    b.think("Constraints: {c}.", c="; ".join(constraints))
    variables = {sp: "bool" for sp in people}
    r = b.call("logic_solver", ls_args("check_sat", constraints, variables),
               ["Checking satisfiability and getting a model.", "Let me ask Z3 for a consistent assignment."])
    _need(is_sat(r), f"puzzle unsatisfiable: {r.output!r}")
    model = result_model(r)
    _need(all(sp in model for sp in people), f"incomplete model {r.output!r}")
    roles = ", ".join(f"{sp} = {'knight' if model[sp] else 'knave'}" for sp in people)
    b.observe(["Satisfiable, with {m}.", "One consistent assignment: {m}."], m=roles)
    r2 = b.call("logic_solver", ls_args("check_sat", constraints + [_block(model, people)], variables),
                ["A puzzle like this should have one answer; I'll check that no other assignment works by excluding "
                 "this one.", "Is this the only consistent assignment? Excluding it and checking again."])
    _need(not is_sat(r2), "knights puzzle not unique")
    b.observe(["Unsatisfiable — the assignment is forced.", "No other assignment is consistent, so the answer is "
               "unique."])
    return b.finish(roles)


# ======================================================================================================
# 4. ordering puzzles (solve_constraints + uniqueness)
_ORDER_CONTEXTS = {
    "talks": ("{n} give talks in slots 1 to {k}, one talk per slot.", "speaks before", "speaks immediately before",
              "slot", "Who speaks in which slot?"),
    "race": ("{n} run a race and finish in positions 1 to {k}, with no ties.", "finishes ahead of",
             "finishes immediately ahead of", "position", "What is each runner's finishing position?"),
    "floors": ("{n} live on floors 1 to {k} of a building, one per floor.", "lives below",
               "lives on the floor just below", "floor", "Who lives on which floor?"),
    "queue": ("{n} stand in a queue (position 1 is the front).", "stands ahead of",
              "stands directly in front of", "position", "Give each person's position in the queue."),
}


def _order_clue(rng: random.Random, people: list[str], pos: dict[str, int], ctx: str) -> tuple[str, str]:
    _, before, just_before, unit, _ = _ORDER_CONTEXTS[ctx]
    k = len(people)
    a, c = rng.sample(people, 2)
    kind = rng.choice(["before", "before", "just", "not_end", "not_adjacent", "parity", "gap", "fixed"])
    if kind == "before":
        if pos[a] > pos[c]:
            a, c = c, a
        return f"{a} < {c}", f"{a} {before} {c}."
    if kind == "just":
        for x, y in itertools.permutations(people, 2):
            if pos[y] == pos[x] + 1 and rng.random() < 0.5:
                return f"{y} == {x} + 1", f"{x} {just_before} {y}."
        return _order_clue(rng, people, pos, ctx)
    if kind == "not_end":
        if pos[a] != 1:
            return f"{a} != 1", f"{a} is not in {unit} 1."
        return f"{a} != {k}", f"{a} is not in {unit} {k}."
    if kind == "not_adjacent":
        if abs(pos[a] - pos[c]) >= 2:
            return f"Abs({a} - {c}) >= 2", f"{a} and {c} are not next to each other."
        return f"Abs({a} - {c}) == 1", f"{a} and {c} are next to each other."
    if kind == "parity":
        even = pos[a] % 2 == 0
        return f"{a} % 2 == {0 if even else 1}", f"{a}'s {unit} number is {'even' if even else 'odd'}."
    if kind == "gap":
        d = abs(pos[a] - pos[c]) - 1
        if d < 1:
            return _order_clue(rng, people, pos, ctx)
        return f"Abs({a} - {c}) == {d + 1}", (f"Exactly {d} {'person is' if d == 1 else 'people are'} between {a} "
                                              f"and {c}.")
    return f"{a} == {pos[a]}", f"{a} is in {unit} {pos[a]}."


@template(CAT, "ordering_puzzle", tools=LS, weight=1.2)
def ordering_puzzle(rng: random.Random, difficulty: str) -> Spec:
    k = {"easy": 3, "medium": 4, "hard": 5}[difficulty]
    ctx = rng.choice(list(_ORDER_CONTEXTS))
    people = rng.sample(NAMES, k)
    perms = [dict(zip(people, pm, strict=True)) for pm in itertools.permutations(range(1, k + 1))]
    while True:
        pos = rng.choice(perms)
        clues: list[tuple[str, str]] = []
        alive = perms
        for _ in range(12):
            c = _order_clue(rng, people, pos, ctx)
            if c in clues or (difficulty == "hard" and re.fullmatch(r"\w+ == \d+", c[0])):
                continue
            test = _order_pred(c[0])
            new = [m for m in alive if test(m)]
            if len(new) == len(alive):
                continue
            clues.append(c)
            alive = new
            if len(alive) == 1:
                break
        if len(alive) == 1 and len(clues) >= k - 1:
            break
    intro, *_rest, ask = _ORDER_CONTEXTS[ctx]
    q = " ".join([intro.format(n=join_words(people), k=k)] + [c[1] for c in clues] + [ask])
    answer = ", ".join(f"{pn} = {pos[pn]}" for pn in people)
    return Spec(q, {"people": people, "k": k, "clues": [list(c) for c in clues], "ctx": ctx}, answer)


def _order_pred(text: str) -> Callable[[dict[str, int]], bool]:
    """Evaluate one of our own clue constraints on an assignment (tiny fixed grammar, no eval)."""
    m = re.fullmatch(r"(\w+) < (\w+)", text)
    if m:
        return lambda p: p[m[1]] < p[m[2]]
    m = re.fullmatch(r"(\w+) == (\w+) \+ 1", text)
    if m:
        return lambda p: p[m[1]] == p[m[2]] + 1
    m = re.fullmatch(r"(\w+) != (\d+)", text)
    if m:
        return lambda p: p[m[1]] != int(m[2])
    m = re.fullmatch(r"Abs\((\w+) - (\w+)\) (>=|==) (\d+)", text)
    if m:
        if m[3] == ">=":
            return lambda p: abs(p[m[1]] - p[m[2]]) >= int(m[4])
        return lambda p: abs(p[m[1]] - p[m[2]]) == int(m[4])
    m = re.fullmatch(r"(\w+) % 2 == (\d)", text)
    if m:
        return lambda p: p[m[1]] % 2 == int(m[2])
    m = re.fullmatch(r"(\w+) == (\d+)", text)
    if m:
        return lambda p: p[m[1]] == int(m[2])
    raise ValueError(f"unknown clue {text!r}")


@ordering_puzzle.solver
def _(p: dict, b: TraceBuilder) -> str:
    people, k, clues = p["people"], p["k"], p["clues"]
    unit = _ORDER_CONTEXTS[p["ctx"]][3]
    b.think(["Give each person an integer {u} from 1 to {k}, all different. Each clue becomes a constraint: {c}.",
             "Encoding: one integer per person ({u} 1..{k}), Distinct over all of them, plus one constraint per "
             "clue — {c}."], u=unit, k=k, c="; ".join(f"{t} → {c}" for c, t in clues))
    constraints = [f"1 <= {pn} <= {k}" for pn in people] + [f"Distinct({', '.join(people)})"] + [c for c, _ in clues]
    variables = {pn: "int" for pn in people}
    r = b.call("logic_solver", ls_args("solve_constraints", constraints, variables),
               ["Solving the constraint system.", "Let me get an arrangement from the solver."])
    model = result_model(r)
    _need(all(pn in model for pn in people), f"incomplete model {r.output!r}")
    order = sorted(people, key=lambda pn: model[pn])
    b.observe(["The solver returns {a}, i.e. the order {o}.", "Solution: {a} (in order: {o})."],
              a=_assign_text(model, people), o=", ".join(order))
    r2 = b.call("logic_solver", ls_args("check_sat", constraints + [_block(model, people)], variables),
                ["The clues should determine the order uniquely; I'll check that excluding this solution leaves "
                 "nothing.", "Checking uniqueness: is there another arrangement satisfying every clue?"])
    _need(not is_sat(r2), "ordering not unique")
    b.observe(["Unsatisfiable, so this arrangement is the only one.", "No other arrangement exists."])
    return b.finish(_assign_text(model, people))


# ======================================================================================================
# 5. does an inequality follow from bounds? (prove; counterexample when it does not)
@template(CAT, "inequality_implication", tools=LS, weight=1.2)
def inequality_implication(rng: random.Random, difficulty: str) -> Spec:
    names = ["x", "y", "z"] if difficulty == "hard" else ["x", "y"]
    vtype = rng.choice(["real", "int"])
    region = "box" if difficulty != "medium" or rng.random() < 0.5 else "triangle"
    if region == "box":
        bounds = []
        for _ in names:
            lo = rng.randint(-6, 6)
            bounds.append((lo, lo + rng.randint(1, 8)))
        premises = [f"{lo} <= {n} <= {hi}" for (lo, hi), n in zip(bounds, names, strict=True)]
        vertices = list(itertools.product(*bounds))
        prem_text = join_words(_pretty(t) for t in premises)
    else:
        s = rng.randint(2, 12)
        premises = ["x >= 0", "y >= 0", f"x + y <= {s}"]
        vertices = [(0, 0), (s, 0), (0, s)]
        prem_text = f"x ≥ 0, y ≥ 0 and x + y ≤ {s}"
    co = [rng.randint(-5, 5) for _ in names]
    if all(c == 0 for c in co):
        co[0] = rng.choice([-3, 2, 4])
    rel = rng.choice([">=", ">", "<=", "<"])
    vals = [sum(c * v for c, v in zip(co, vert, strict=True)) for vert in vertices]
    ext = min(vals) if rel in (">=", ">") else max(vals)
    k = ext + rng.choice([-3, -2, -1, 0, 0, 1, 2]) * (1 if rel in (">=", ">") else -1)
    follows = {">=": ext >= k, ">": ext > k, "<=": ext <= k, "<": ext < k}[rel]
    conclusion = f"{_lin_text(co, names)} {rel} {k}"
    q = pick(rng, [
        "Let {v} be {t} numbers with {p}. Does it follow that {c}? Answer yes or no.",
        "Suppose {p}, where {v} are {t}s. Must {c} hold? (yes/no)",
        "Given {p} ({v} {t}), is {c} guaranteed? Answer yes or no.",
        "Prove or refute: if {p} for {t} {v}, then {c}. Answer yes if it always holds, no otherwise.",
    ], v=join_words(names), t="real" if vtype == "real" else "integer", p=prem_text, c=_pretty(conclusion))
    q = q.replace("integer numbers", "integers").replace("real numbers", "real numbers")
    return Spec(q, {"names": names, "vtype": vtype, "premises": premises, "conclusion": conclusion,
                    "co": co, "rel": rel, "k": k, "ext": ext, "vertices": [list(v) for v in vertices]},
                "yes" if follows else "no")


@inequality_implication.solver
def _(p: dict, b: TraceBuilder) -> str:
    names, co, rel, k = p["names"], p["co"], p["rel"], p["k"]
    b.think(["The conclusion follows exactly when there is no point satisfying the premises where it fails, which "
             "is what the prove operation checks (it looks for a model of premises ∧ ¬conclusion).",
             "I'll ask Z3 to prove {c} from the premises; if it cannot, it returns a counterexample."],
            c=_pretty(p["conclusion"]))
    r = b.call("logic_solver", ls_args("prove", p["premises"], {n: p["vtype"] for n in names},
                                       conclusion=p["conclusion"]),
               ["Running the proof.", "Asking the solver whether the premises imply {c}."], c=_pretty(p["conclusion"]))
    lin = _lin_text(co, names)
    if is_proved(r):
        b.observe(["Proved: the negation is unsatisfiable together with the premises.",
                   "The solver proves it — no assignment satisfies the premises and violates {c}."],
                  c=_pretty(p["conclusion"]))
        which = "smallest" if rel in (">=", ">") else "largest"
        b.think(["Sanity check: a linear expression takes its {w} value over this region at a corner, and there "
                 "{e} = {x}, which satisfies {r} {k}.",
                 "That matches intuition: the {w} value of {e} on the region is {x} (at a vertex), and {x} {r} {k}."],
                w=which, e=_pretty(lin), x=p["ext"], r=_pretty(rel), k=k)
        return b.finish("yes", ["Yes, the conclusion follows.", "So the answer is yes."])
    model = result_model(r)
    _need(all(n in model for n in names), f"no counterexample in {r.output!r}")
    value = sum(Fraction(c) * Fraction(model[n]) for c, n in zip(co, names, strict=True))
    b.observe(["Not provable; the solver gives the counterexample {m}.", "The solver finds a counterexample: {m}."],
              m=_assign_text(model, names, num))
    b.think(["Checking it: the point satisfies the premises, and {e} = {v} there, which does not satisfy {r} {k}.",
             "Substituting: {e} = {v}, so {e} {r} {k} fails while all premises hold."],
            e=_pretty(lin), v=num(value), r=_pretty(rel), k=k)
    return b.finish("no", ["No — the conclusion does not follow.", "So the answer is no."])


# ======================================================================================================
# 6. tautologies (prove)
_SYM = {"And": "∧", "Or": "∨", "Implies": "→", "Iff": "↔"}


def _f(op: str, *args: Any) -> tuple:
    return (op, *args)


def _z3_text(f: Any, top: bool = True) -> str:
    """Solver syntax; ↔ is `==` between Booleans (bracketed when nested)."""
    if isinstance(f, str):
        return f
    op, *args = f
    if op == "Iff":
        text = f"{_z3_text(args[0], False)} == {_z3_text(args[1], False)}"
        return text if top else f"({text})"
    return f"{op}({', '.join(_z3_text(a) for a in args)})"


def _sym_text(f: Any, top: bool = True) -> str:
    if isinstance(f, str):
        return f
    op, *args = f
    if op == "Not":
        return "¬" + _sym_text(args[0], False)
    inner = f" {_SYM[op]} ".join(_sym_text(a, False) for a in args)
    return inner if top else f"({inner})"


def _eval(f: Any, m: dict[str, bool]) -> bool:
    if isinstance(f, str):
        return m[f]
    op, *args = f
    if op == "Not":
        return not _eval(args[0], m)
    if op == "And":
        return all(_eval(a, m) for a in args)
    if op == "Or":
        return any(_eval(a, m) for a in args)
    if op == "Implies":
        return (not _eval(args[0], m)) or _eval(args[1], m)
    return _eval(args[0], m) == _eval(args[1], m)


def _atoms(f: Any) -> list[str]:
    if isinstance(f, str):
        return [f]
    return sorted({a for x in f[1:] for a in _atoms(x)})


_SCHEMAS: list[tuple[str, Callable[[Any, Any, Any], tuple]]] = [
    ("modus ponens", lambda a, b, c: _f("Implies", _f("And", _f("Implies", a, b), a), b)),
    ("modus tollens", lambda a, b, c: _f("Implies", _f("And", _f("Implies", a, b), _f("Not", b)), _f("Not", a))),
    ("hypothetical syllogism", lambda a, b, c: _f("Implies", _f("And", _f("Implies", a, b), _f("Implies", b, c)),
                                                  _f("Implies", a, c))),
    ("contraposition", lambda a, b, c: _f("Iff", _f("Implies", a, b), _f("Implies", _f("Not", b), _f("Not", a)))),
    ("De Morgan", lambda a, b, c: _f("Iff", _f("Not", _f("And", a, b)), _f("Or", _f("Not", a), _f("Not", b)))),
    ("disjunctive syllogism", lambda a, b, c: _f("Implies", _f("And", _f("Or", a, b), _f("Not", a)), b)),
    ("exportation", lambda a, b, c: _f("Iff", _f("Implies", _f("And", a, b), c), _f("Implies", a, _f("Implies", b, c)))),
    ("distribution", lambda a, b, c: _f("Iff", _f("And", a, _f("Or", b, c)), _f("Or", _f("And", a, b), _f("And", a, c)))),
    ("affirming the consequent", lambda a, b, c: _f("Implies", _f("And", _f("Implies", a, b), b), a)),
    ("denying the antecedent", lambda a, b, c: _f("Implies", _f("And", _f("Implies", a, b), _f("Not", a)),
                                                  _f("Not", b))),
    ("converse", lambda a, b, c: _f("Iff", _f("Implies", a, b), _f("Implies", b, a))),
    ("wrong De Morgan", lambda a, b, c: _f("Iff", _f("Not", _f("And", a, b)), _f("And", _f("Not", a), _f("Not", b)))),
    ("weakened conclusion", lambda a, b, c: _f("Implies", _f("Implies", a, _f("Or", b, c)), _f("Implies", a, b))),
    ("exclusive or", lambda a, b, c: _f("Implies", _f("And", _f("Or", a, b), a), _f("Not", b))),
    ("chain", lambda a, b, c: _f("Implies", _f("And", _f("Implies", a, b), _f("Implies", a, c)),
                                 _f("Implies", a, _f("And", b, c)))),
    ("absorption", lambda a, b, c: _f("Iff", _f("Or", a, _f("And", a, b)), a)),
]


_NAMED_LAWS = ("modus ponens", "modus tollens", "hypothetical syllogism", "contraposition", "De Morgan",
               "disjunctive syllogism", "exportation", "distribution", "absorption")


@template(CAT, "tautology_check", tools=LS)
def tautology_check(rng: random.Random, difficulty: str) -> Spec:
    letters = ["p", "q", "r", "s"]
    rng.shuffle(letters)
    name, schema = rng.choice(_SCHEMAS)
    if difficulty == "easy":
        a, b_, c = letters[:3]
    elif difficulty == "medium":
        a, b_, c = letters[0], _f("Not", letters[1]), letters[2]
        if rng.random() < 0.5:
            a, b_ = b_, a
    else:
        a = _f(rng.choice(["And", "Or"]), letters[0], letters[1])
        b_, c = rng.choice([(letters[2], letters[3]), (_f("Not", letters[2]), letters[1])])
    f = schema(a, b_, c)
    atoms = _atoms(f)
    taut = all(_eval(f, dict(zip(atoms, bits, strict=True)))
               for bits in itertools.product([True, False], repeat=len(atoms)))
    q = pick(rng, [
        "Is the propositional formula {f} a tautology (true under every assignment)? Answer yes or no.",
        "Determine whether {f} is valid, i.e. true for all truth values of {v}. Answer yes or no.",
        "Is {f} true no matter what truth values {v} take? (yes/no)",
    ], f=_sym_text(f), v=join_words(atoms))
    return Spec(q, {"formula": _z3_text(f), "tree": f, "shown": _sym_text(f), "atoms": atoms, "schema": name},
                "yes" if taut else "no")


@tautology_check.solver
def _(p: dict, b: TraceBuilder) -> str:
    atoms, formula = p["atoms"], p["formula"]
    b.think(["A formula is a tautology when its negation is unsatisfiable, so I can ask Z3 to prove it with no "
             "premises. In solver syntax (↔ becomes == between Booleans): {z}.",
             "With Boolean variables {v}, the formula reads {z} in Z3 syntax; proving it from no premises "
             "decides whether it holds for all {n} assignments."],
            z=formula, v=join_words(atoms), n=2 ** len(atoms))
    r = b.call("logic_solver", ls_args("prove", [], {a: "bool" for a in atoms}, conclusion=formula),
               ["Proving the formula.", "Let me check validity with the prove operation."])
    if is_proved(r):
        b.observe(["Proved: no assignment makes it false, so it is a tautology.",
                   "The solver proves it, so the formula is valid."])
        if p["schema"] in _NAMED_LAWS:
            b.think(["This is the familiar law of {s}.", "That is expected: it is an instance of {s}."], s=p["schema"])
        return b.finish("yes", ["Yes, it is a tautology.", "So the answer is yes."])
    model = result_model(r)
    shown = {a: model.get(a, False) for a in atoms}
    b.observe(["Not provable. Counterexample: {m}.", "The solver finds a falsifying assignment: {m}."],
              m=", ".join(f"{a} = {'true' if shown[a] else 'false'}" for a in atoms))
    _need(not _eval(p["tree"], shown), "counterexample does not falsify the formula")
    b.think(["Checking by hand: with these values the left part of {s} is true but the right part is false, so the "
             "formula is false there.", "Evaluating {s} at that assignment indeed gives false."], s=p["shown"])
    return b.finish("no", ["No, it is not a tautology.", "So the answer is no."])


# ======================================================================================================
# 7. arguments in words (prove)
_PROPS = [
    ("rain", "it rains", "it does not rain"), ("wet", "the street is wet", "the street is not wet"),
    ("late", "the bus is late", "the bus is not late"), ("miss", "Lena misses the train", "Lena does not miss the train"),
    ("study", "Omar studies", "Omar does not study"), ("passed", "Omar passes the exam", "Omar does not pass the exam"),
    ("alarm", "the alarm rings", "the alarm does not ring"), ("wake", "Pia wakes up early", "Pia does not wake up early"),
    ("sale", "the shop has a sale", "the shop has no sale"), ("crowd", "the shop is crowded", "the shop is not crowded"),
    ("power", "the power is on", "the power is off"), ("light", "the lamp is lit", "the lamp is not lit"),
    ("snow", "it snows", "it does not snow"), ("school", "school is open", "school is closed"),
]

_FORMS = [
    # name, premises (as schema over a, b, c), conclusion, needs c
    ("modus ponens", lambda a, b, c: [_f("Implies", a, b), a], lambda a, b, c: b, False),
    ("modus tollens", lambda a, b, c: [_f("Implies", a, b), _f("Not", b)], lambda a, b, c: _f("Not", a), False),
    ("affirming the consequent", lambda a, b, c: [_f("Implies", a, b), b], lambda a, b, c: a, False),
    ("denying the antecedent", lambda a, b, c: [_f("Implies", a, b), _f("Not", a)], lambda a, b, c: _f("Not", b),
     False),
    ("hypothetical syllogism", lambda a, b, c: [_f("Implies", a, b), _f("Implies", b, c)],
     lambda a, b, c: _f("Implies", a, c), True),
    ("disjunctive syllogism", lambda a, b, c: [_f("Or", a, b), _f("Not", a)], lambda a, b, c: b, False),
    ("affirming a disjunct", lambda a, b, c: [_f("Or", a, b), a], lambda a, b, c: _f("Not", b), False),
    ("constructive dilemma", lambda a, b, c: [_f("Or", a, b), _f("Implies", a, c), _f("Implies", b, c)],
     lambda a, b, c: c, True),
    ("reversed chain", lambda a, b, c: [_f("Implies", a, b), _f("Implies", c, b)], lambda a, b, c: _f("Implies", a, c),
     True),
]


def _say(f: Any, words: dict[str, tuple[str, str]]) -> str:
    if isinstance(f, str):
        return words[f][0]
    op, *args = f
    if op == "Not":
        return words[args[0]][1] if isinstance(args[0], str) else "it is not the case that " + _say(args[0], words)
    if op == "Implies":
        return f"if {_say(args[0], words)}, then {_say(args[1], words)}"
    if op == "Or":
        return f"either {_say(args[0], words)} or {_say(args[1], words)}"
    return " and ".join(_say(a, words) for a in args)


def _cap(s: str) -> str:
    return s[:1].upper() + s[1:]


@template(CAT, "argument_validity", tools=LS)
def argument_validity(rng: random.Random, difficulty: str) -> Spec:
    forms = [f for f in _FORMS if difficulty != "easy" or not f[3]]
    name, prem, concl, _ = rng.choice(forms)
    props = rng.sample(_PROPS, 3)
    a, b_, c = (pr[0] for pr in props)
    words = {pr[0]: (pr[1], pr[2]) for pr in props}
    premises = prem(a, b_, c)
    conclusion = concl(a, b_, c)
    if difficulty == "hard":  # an extra, irrelevant or reinforcing premise
        premises = premises + [rng.choice([_f("Implies", c, a), _f("Or", b_, c), _f("Implies", b_, c)])]
    atoms = sorted({x for f in premises + [conclusion] for x in _atoms(f)})
    valid = all(_eval(conclusion, m) for m in (dict(zip(atoms, bits, strict=True))
                                               for bits in itertools.product([True, False], repeat=len(atoms)))
                if all(_eval(pf, m) for pf in premises))
    text = " ".join(_cap(_say(pf, words)) + "." for pf in premises)
    q = pick(rng, [
        "Consider the argument: {t} Therefore, {c}. Is this argument logically valid? Answer valid or invalid.",
        "Premises: {t} Conclusion: {c}. Does the conclusion follow from the premises (valid) or not (invalid)?",
        "{t} Hence {c}. Is the reasoning valid or invalid?",
    ], t=text, c=_say(conclusion, words))
    return Spec(q, {"atoms": atoms, "premises": [_z3_text(x) for x in premises], "conclusion": _z3_text(conclusion),
                    "form": name, "words": {k: v[0] for k, v in words.items()}},
                "valid" if valid else "invalid")


@argument_validity.solver
def _(p: dict, b: TraceBuilder) -> str:
    atoms, words = p["atoms"], p["words"]
    b.think(["I'll name the basic statements: {w}. An argument is valid when the premises together with the "
             "negated conclusion are unsatisfiable — exactly what `prove` checks.",
             "Propositional variables: {w}. Premises in solver syntax: {pr}; conclusion: {c}."],
            w="; ".join(f"{a} = “{words[a]}”" for a in atoms), pr="; ".join(p["premises"]), c=p["conclusion"])
    r = b.call("logic_solver", ls_args("prove", p["premises"], {a: "bool" for a in atoms},
                                       conclusion=p["conclusion"]),
               ["Checking whether the conclusion follows.", "Let me try to prove the conclusion from the premises."])
    if is_proved(r):
        b.observe(["Proved: every situation where the premises hold makes the conclusion true.",
                   "The solver proves it, so there is no way for the premises to be true and the conclusion false."])
        return b.finish("valid", ["The argument is valid.", "So it is valid."])
    model = result_model(r)
    cm = {a: model.get(a, False) for a in atoms}
    b.observe(["Not provable. Counterexample: {m}.", "The solver finds a situation where the premises hold but the "
               "conclusion fails: {m}."], m=", ".join(f"{a} = {'true' if cm[a] else 'false'}" for a in atoms))
    b.think(["In words: {s}. All premises are true there and the conclusion is false — this is the classic "
             "fallacy of {f}.", "That is a concrete scenario ({s}) refuting the argument; the pattern is known as "
             "{f}."], s="; ".join(words[a] if cm[a] else f"not ({words[a]})" for a in atoms),
            f=p["form"] if p["form"] in ("affirming the consequent", "denying the antecedent", "affirming a disjunct")
            else "an invalid inference")
    return b.finish("invalid", ["The argument is invalid.", "So it is invalid."])


# ======================================================================================================
# 8. pigeonhole-style feasibility (check_sat)
@template(CAT, "pigeonhole", tools=LS)
def pigeonhole(rng: random.Random, difficulty: str) -> Spec:
    if rng.random() < 0.4:
        # distinct choices: n people pick different numbers from 1..m, with some forbidden picks
        n = {"easy": rng.randint(3, 4), "medium": rng.randint(4, 5), "hard": rng.randint(5, 6)}[difficulty]
        m = n + rng.choice([-1, 0, 0, 1])
        people = rng.sample(NAMES, n)
        forbid = []
        for pn in people:
            for v in rng.sample(range(1, m + 1), rng.randint(0, min(2, m - 1))):
                forbid.append((pn, v))
        ok = any(all((pn, v) not in forbid for pn, v in zip(people, pm, strict=True))
                 for pm in itertools.permutations(range(1, m + 1), n)) if m >= n else False
        rules = "; ".join(f"{pn} refuses day {v}" for pn, v in forbid) or "nobody has other restrictions"
        q = pick(rng, [
            "{n} volunteers ({p}) must each take a different day from days 1 to {m} for a shift. Restrictions: {r}. "
            "Is such a schedule possible? Answer yes or no.",
            "Can {p} each be given a different day numbered 1 to {m}, given that {r}? Answer yes or no.",
        ], n=n, p=join_words(people), m=m, r=rules)
        constraints = [f"1 <= {pn} <= {m}" for pn in people] + [f"Distinct({', '.join(people)})"]
        constraints += [f"{pn} != {v}" for pn, v in forbid]
        return Spec(q, {"kind": "distinct", "vars": people, "constraints": constraints, "n": n, "m": m},
                    "yes" if ok else "no")
    # capacities: N items into rooms with min/max per room and an ordering constraint
    k = {"easy": 3, "medium": 3, "hard": 4}[difficulty]
    rooms = [f"room{chr(65 + i)}" for i in range(k)]
    caps = [rng.randint(3, 7) for _ in rooms]
    mins = [rng.randint(1, 2) for _ in rooms]
    extra = difficulty != "easy"
    feasible_totals = set()
    for combo in itertools.product(*(range(lo, hi + 1) for lo, hi in zip(mins, caps, strict=True))):
        if extra and not combo[0] > combo[1]:
            continue
        feasible_totals.add(sum(combo))
    top = sum(caps)
    total = rng.choice([top + 1, top, top - 1, max(feasible_totals) + 1, max(feasible_totals), sum(mins) + 2])
    ok = total in feasible_totals
    rules = ", ".join(f"room {chr(65 + i)} holds {lo} to {hi}" for i, (lo, hi) in enumerate(zip(mins, caps,
                                                                                               strict=True)))
    ext = " Room A must also get more students than room B." if extra else ""
    q = pick(rng, [
        "{t} students must be split among {k} rooms: {r}.{e} Is that possible? Answer yes or no.",
        "A school places {t} pupils into {k} exam rooms where {r}.{e} Can every pupil be seated? (yes/no)",
    ], t=total, k=k, r=rules, e=ext)
    constraints = [f"{lo} <= {rm} <= {hi}" for rm, lo, hi in zip(rooms, mins, caps, strict=True)]
    constraints.append(f"{' + '.join(rooms)} == {total}")
    if extra:
        constraints.append(f"{rooms[0]} > {rooms[1]}")
    return Spec(q, {"kind": "capacity", "vars": rooms, "constraints": constraints, "total": total, "caps": caps,
                    "extra": extra}, "yes" if ok else "no")


@pigeonhole.solver
def _(p: dict, b: TraceBuilder) -> str:
    names, constraints = p["vars"], p["constraints"]
    if p["kind"] == "distinct":
        b.think(["One integer variable per person for the chosen day, all different (Distinct), each within 1..{m}, "
                 "plus one ≠ constraint per refusal.",
                 "This is an assignment problem: {n} distinct values from {m} days with forbidden pairs. Encoding it "
                 "as integer constraints."], n=p["n"], m=p["m"])
        if p["n"] > p["m"]:
            b.think("With {n} people and only {m} days the pigeonhole principle already rules it out; the solver "
                    "should confirm.", n=p["n"], m=p["m"])
    else:
        b.think(["Let the number of students in each room be an integer variable with its bounds, and require them to "
                 "add up to {t}.", "Variables {v} for the room counts, each between its minimum and capacity, "
                 "summing to {t}."], t=p["total"], v=join_words(names))
        if p["total"] > sum(p["caps"]):
            b.think("The capacities only add up to {c} < {t}, so by the pigeonhole principle some room would "
                    "overflow; let me confirm with the solver.", c=sum(p["caps"]), t=p["total"])
    r = b.call("logic_solver", ls_args("check_sat", constraints, {n: "int" for n in names}),
               ["Checking satisfiability.", "Is the constraint set satisfiable?"])
    if is_sat(r):
        model = result_model(r)
        _need(all(n in model for n in names), f"incomplete model {r.output!r}")
        b.observe(["Satisfiable — for example {m}.", "Yes: one valid arrangement is {m}."], m=_assign_text(model, names))
        return b.finish("yes", ["Yes, it is possible.", "So the answer is yes."])
    b.observe(["Unsatisfiable: no assignment meets all the requirements.", "The solver reports unsat."])
    return b.finish("no", ["No, it is impossible.", "So the answer is no."])


# ======================================================================================================
# 9. exam timetabling as graph colouring (check_sat twice)
_COURSES = ["Math", "Physics", "Chem", "Bio", "History", "Art", "Music", "Latin", "Econ", "Drama"]


def _chromatic(n: int, edges: list[tuple[int, int]]) -> int:
    for k in range(1, n + 1):
        for col in itertools.product(range(k), repeat=n):
            if col[0] == 0 and all(col[i] != col[j] for i, j in edges):
                return k
    return n


@template(CAT, "exam_timetabling", tools=LS)
def exam_timetabling(rng: random.Random, difficulty: str) -> Spec:
    n = {"easy": 4, "medium": 5, "hard": rng.choice([6, 7])}[difficulty]
    courses = rng.sample(_COURSES, n)
    while True:
        edges = [e for e in itertools.combinations(range(n), 2) if rng.random() < 0.5]
        if len(edges) >= n - 1:
            chi = _chromatic(n, edges)
            if chi >= 2:
                break
    pairs = [f"{courses[i]}–{courses[j]}" for i, j in edges]
    q = pick(rng, [
        "Exams for {c} must be scheduled so that no student has two exams in the same slot. These pairs share "
        "students: {p}. What is the minimum number of exam slots needed?",
        "Some courses share students and so cannot have exams at the same time: {p}. The courses are {c}. How many "
        "time slots are needed at least?",
        "A timetable must place the exams of {c} into slots; conflicting pairs (common students) are {p}. Find the "
        "fewest slots that work.",
    ], c=join_words(courses), p=", ".join(pairs))
    return Spec(q, {"courses": courses, "edges": [list(e) for e in edges], "chi": chi}, str(chi))


def _color_constraints(courses: list[str], edges: list[list[int]], k: int) -> list[str]:
    return [f"1 <= {c} <= {k}" for c in courses] + [f"{courses[i]} != {courses[j]}" for i, j in edges]


@exam_timetabling.solver
def _(p: dict, b: TraceBuilder) -> str:
    courses, edges, chi = p["courses"], p["edges"], p["chi"]
    b.think(["This is graph colouring: each course gets a slot number, and conflicting courses need different "
             "slots. The minimum is the smallest k for which the constraints 1 ≤ slot ≤ k are satisfiable.",
             "Give each course an integer slot; every conflicting pair must differ. I need the least k such that "
             "slots 1..k suffice."])
    variables = {c: "int" for c in courses}
    if chi >= 2:
        r = b.call("logic_solver", ls_args("check_sat", _color_constraints(courses, edges, chi - 1), variables),
                   ["First, can it be done with {k} slot{s}?", "Trying {k} slot{s}."], k=chi - 1,
                   s="" if chi - 1 == 1 else "s")
        _need(not is_sat(r), f"{chi - 1} slots should not suffice")
        b.observe(["Unsatisfiable: {k} slot{s} are not enough.", "No schedule with {k} slot{s}."], k=chi - 1,
                  s="" if chi - 1 == 1 else "s")
    r2 = b.call("logic_solver", ls_args("check_sat", _color_constraints(courses, edges, chi), variables),
                ["Now with {k} slots.", "Trying {k} slots."], k=chi)
    _need(is_sat(r2), f"{chi} slots should suffice")
    model = result_model(r2)
    _need(all(c in model for c in courses), f"incomplete model {r2.output!r}")
    b.observe(["Satisfiable, e.g. {m}.", "That works: {m}."], m=_assign_text(model, courses))
    bad = [(courses[i], courses[j]) for i, j in edges if model[courses[i]] == model[courses[j]]]
    _need(not bad, f"conflict in model: {bad}")
    b.think("Every conflicting pair gets different slots in this timetable, and {k} slots were shown impossible, so "
            "{c} is the minimum.", k=chi - 1, c=chi)
    return b.finish(str(chi), ["The minimum number of slots is {c}.", "So {c} exam slots are needed."], c=chi)


# ======================================================================================================
# 10. production planning (solve_constraints with an objective)
_PRODUCTS = [("chairs", "tables", "desks"), ("bikes", "scooters", "skateboards"), ("cakes", "pies", "tarts"),
             ("shirts", "jackets", "hats"), ("lamps", "clocks", "vases")]
_RESOURCES = [("hours of labour", "labour"), ("kg of material", "material"), ("hours of machine time", "machine")]


def _one(plural: str) -> str:
    return plural[:-1] if plural.endswith("s") else plural


@template(CAT, "production_optimization", tools=LS, weight=1.2)
def production_optimization(rng: random.Random, difficulty: str) -> Spec:
    nprod = 3 if difficulty == "hard" else 2
    nres = 2 if difficulty == "easy" else 3
    prods = list(rng.choice(_PRODUCTS)[:nprod])
    res = _RESOURCES[:nres]
    while True:
        use = [[rng.randint(1, 6) for _ in prods] for _ in res]
        caps = [rng.randint(20, 60 if nprod == 2 else 36) for _ in res]
        profit = [rng.randint(3, 30) for _ in prods]
        bounds = [min(cap // u[j] for u, cap in zip(use, caps, strict=True)) for j in range(nprod)]
        best, arg = -1, None
        for x in itertools.product(*(range(bd + 1) for bd in bounds)):
            if all(sum(u[j] * x[j] for j in range(nprod)) <= cap for u, cap in zip(use, caps, strict=True)):
                val = sum(pr * xi for pr, xi in zip(profit, x, strict=True))
                if val > best:
                    best, arg = val, x
        if arg is not None and sum(1 for xi in arg if xi) >= 2:
            break
    lines = []
    for (rname, _), u, cap in zip(res, use, caps, strict=True):
        per = ", ".join(f"{uj} per {_one(pn)}" for uj, pn in zip(u, prods, strict=True))
        lines.append(f"{cap} {rname} available ({per})")
    q = pick(rng, [
        "A workshop makes {p}. Profits are {pr}. Production uses {l}. Only whole items can be made. What is the "
        "maximum profit?",
        "Maximise profit: a factory making {p} earns {pr}; resources: {l}. How much profit can it make at most "
        "(whole units only)?",
        "A small business produces {p} with profits {pr}. Each needs resources — {l}. Find the largest possible "
        "total profit if only whole items are made.",
    ], p=join_words(prods), pr=join_words(f"${pr} per {_one(pn)}" for pr, pn in zip(profit, prods, strict=True)),
        l="; ".join(lines))
    constraints = [f"{_lin_text(u, prods)} <= {cap}" for u, cap in zip(use, caps, strict=True)]
    constraints += [f"{p} >= 0" for p in prods]
    return Spec(q, {"prods": prods, "constraints": constraints, "objective": _lin_text(profit, prods),
                    "res": [r[1] for r in res], "best": best}, str(best))


def _objective_value(r: Any, model: dict[str, Any], objective_fn: Callable[[dict], Any]) -> Any:
    val = r.value if isinstance(r.value, dict) else {}
    for key in ("objective", "objective_value", "optimum", "value"):
        v = val.get(key)
        if isinstance(v, (int, float, str)) and not isinstance(v, bool):
            return _value(v)
    return objective_fn(model)


@production_optimization.solver
def _(p: dict, b: TraceBuilder) -> str:
    prods, obj = p["prods"], p["objective"]
    b.think(["Let {v} be the numbers made (non-negative integers). Each resource gives a ≤ constraint: {c}. "
             "The profit {o} is to be maximised.",
             "Integer program: maximise {o} subject to {c}, with every quantity ≥ 0."],
            v=join_words(prods), c="; ".join(_pretty(c) for c in p["constraints"][:len(p["res"])]), o=_pretty(obj))
    r = b.call("logic_solver", ls_args("solve_constraints", p["constraints"], {x: "int" for x in prods},
                                       objective=obj, direction="maximize"),
               ["Z3 can optimise an objective over integer constraints; maximising the profit.",
                "Solving the integer program with the objective set to maximise {o}."], o=_pretty(obj))
    model = result_model(r)
    _need(all(x in model for x in prods), f"incomplete model {r.output!r}")
    prof = _objective_value(r, model, lambda m: _eval_linear(obj, m))
    b.observe(["Optimal plan: {m}, with profit {v}.", "The solver's optimum is {m}, giving a profit of {v}."],
              m=_assign_text(model, prods), v=prof)
    usage = []
    for c in p["constraints"][:len(p["res"])]:
        lhs, cap = c.split(" <= ")
        usage.append(f"{_eval_linear(lhs, model)} ≤ {cap}")
    b.think(["Resource check: {u} — all within limits.", "The plan fits the resources: {u}."], u="; ".join(usage))
    return b.finish(str(prof), ["The maximum profit is ${v}.", "So the best possible profit is ${v}."], v=prof)


def _eval_linear(text: str, model: dict[str, Any]) -> Any:
    """Value of our own `3*x + 2*y - z` text at a model (fixed grammar, no eval)."""
    total: Any = 0
    for sign, coef, name in re.findall(r"([+-]?)\s*(?:(\d+)\*)?([A-Za-z_]\w*)", text.replace(" ", "")):
        c = int(coef) if coef else 1
        total += (-c if sign == "-" else c) * model[name]
    return total


# ======================================================================================================
# 11. 4×4 Sudoku (solve_constraints, uniqueness)
def _all_shidoku() -> list[tuple[int, ...]]:
    grids = []
    rows = list(itertools.permutations(range(1, 5)))
    for r1 in rows:
        for r2 in rows:
            if any(r1[i] == r2[i] for i in range(4)) or {r1[0], r1[1], r2[0], r2[1]} != {1, 2, 3, 4}:
                continue
            for r3 in rows:
                if any(r3[i] in (r1[i], r2[i]) for i in range(4)):
                    continue
                r4 = tuple(10 - r1[i] - r2[i] - r3[i] for i in range(4))
                g = r1 + r2 + r3 + r4
                if sorted(r4) == [1, 2, 3, 4] and all(
                        {g[r * 4 + c] for r in rr for c in cc} == {1, 2, 3, 4}
                        for rr in ((0, 1), (2, 3)) for cc in ((0, 1), (2, 3))):
                    grids.append(g)
    return grids


_GRIDS: list[tuple[int, ...]] = []


@template(CAT, "mini_sudoku", tools=LS)
def mini_sudoku(rng: random.Random, difficulty: str) -> Spec:
    if not _GRIDS:
        _GRIDS.extend(_all_shidoku())
    target = {"easy": 8, "medium": 6, "hard": rng.choice([4, 5])}[difficulty]
    while True:
        sol = rng.choice(_GRIDS)
        # per grid, the cells where it agrees with `sol` (bit i = cell i): a grid fits a set of givens
        # when the givens are a subset of its agreeing cells
        agree = [sum(1 << i for i in range(16) if g[i] == sol[i]) for g in _GRIDS]
        cells = list(range(16))
        rng.shuffle(cells)
        givens = set(range(16))
        for c in cells:
            if len(givens) <= target:
                break
            trial = givens - {c}
            mask = sum(1 << i for i in trial)
            if sum(1 for a in agree if a & mask == mask) == 1:
                givens = trial
        if len(givens) <= target + 1:
            break
    ask = rng.choice(["row", "col", "diag"])
    idx = rng.randint(1, 4)
    if ask == "row":
        cells_asked = [(idx - 1) * 4 + c for c in range(4)]
        what = pick(rng, ["row {i} (read left to right) as a 4-digit number", "the digits of row {i}, left to right, "
                          "written as one 4-digit number"], i=idx)
    elif ask == "col":
        cells_asked = [r * 4 + idx - 1 for r in range(4)]
        what = f"column {idx} (read top to bottom) as a 4-digit number"
    else:
        cells_asked = [0, 5, 10, 15]
        what = "the main diagonal (top-left to bottom-right) as a 4-digit number"
    grid_text = " / ".join("".join(str(sol[r * 4 + c]) if r * 4 + c in givens else "." for c in range(4))
                           for r in range(4))
    q = pick(rng, [
        "Solve this 4×4 Sudoku (digits 1–4; every row, column and 2×2 box contains each digit once). Rows, top to "
        "bottom, with '.' for blanks: {g}. Give {w}.",
        "A mini Sudoku uses digits 1 to 4 in a 4×4 grid with 2×2 boxes. The grid is {g} (rows separated by '/', "
        "'.' = empty). What is {w}?",
    ], g=grid_text, w=what)
    answer = "".join(str(sol[i]) for i in cells_asked)
    return Spec(q, {"givens": {f"r{i // 4 + 1}c{i % 4 + 1}": sol[i] for i in sorted(givens)},
                    "asked": [f"r{i // 4 + 1}c{i % 4 + 1}" for i in cells_asked], "hard": difficulty == "hard"},
                answer)


def _sudoku_constraints(givens: dict[str, int]) -> list[str]:
    cells = [[f"r{r}c{c}" for c in range(1, 5)] for r in range(1, 5)]
    cons = [f"1 <= {x} <= 4" for row in cells for x in row]
    cons += [f"Distinct({', '.join(row)})" for row in cells]
    cons += [f"Distinct({', '.join(cells[r][c] for r in range(4))})" for c in range(4)]
    for br in (0, 2):
        for bc in (0, 2):
            cons.append(f"Distinct({', '.join(cells[r][c] for r in (br, br + 1) for c in (bc, bc + 1))})")
    cons += [f"{k} == {v}" for k, v in givens.items()]
    return cons


@mini_sudoku.solver
def _(p: dict, b: TraceBuilder) -> str:
    givens, asked = p["givens"], p["asked"]
    b.think(["I'll use one integer variable per cell (r1c1 for row 1, column 1, up to r4c4) in 1..4, Distinct constraints for the 4 rows, "
             "4 columns and 4 boxes, and equalities for the {n} given digits.",
             "Encoding: 16 integer cells r1c1…r4c4 with values 1–4; each row, column and 2×2 box is Distinct; the "
             "{n} clues fix their cells."], n=len(givens))
    cons = _sudoku_constraints(givens)
    variables = {f"r{r}c{c}": "int" for r in range(1, 5) for c in range(1, 5)}
    r = b.call("logic_solver", ls_args("solve_constraints", cons, variables),
               ["Solving the grid.", "Let me have the solver fill in the grid."])
    model = result_model(r)
    _need(all(k in model for k in variables), f"incomplete grid {r.output!r}")
    rows = [" ".join(str(model[f"r{rr}c{c}"]) for c in range(1, 5)) for rr in range(1, 5)]
    b.observe(["The solved grid, row by row: {g}.", "Solution: {g}."], g=" / ".join(rows))
    if p["hard"]:
        names = list(variables)
        r2 = b.call("logic_solver", ls_args("check_sat", cons + [_block(model, names)], variables),
                    ["With so few clues, I should make sure the solution is unique.",
                     "Checking that no other grid fits the clues."])
        _need(not is_sat(r2), "sudoku not unique")
        b.observe(["Unsatisfiable: the solution is unique.", "No second solution exists."])
    answer = "".join(str(model[c]) for c in asked)
    b.think(["Reading off the requested cells ({c}): {a}.", "The requested digits are {a}."],
            c=", ".join(asked), a=" ".join(answer))
    return b.finish(answer)


# ======================================================================================================
# 12. simultaneous remainders (solve_constraints, minimise)
@template(CAT, "remainder_puzzle", tools=LS)
def remainder_puzzle(rng: random.Random, difficulty: str) -> Spec:
    pool = {"easy": [3, 4, 5, 7], "medium": [3, 4, 5, 7, 8, 9, 11], "hard": [5, 7, 8, 9, 11, 13]}[difficulty]
    count = 2 if difficulty == "easy" else 3
    while True:
        mods = sorted(rng.sample(pool, count))
        if all(math.gcd(a, c) == 1 for a, c in itertools.combinations(mods, 2)):
            break
    rems = [rng.randint(0, m - 1) for m in mods]
    lower = rng.choice([0, 0, 100, 500]) if difficulty == "hard" else 0
    n = next(x for x in itertools.count(max(lower + 1, 1)) if all(x % m == r for m, r in zip(mods, rems, strict=True)))
    conds = join_words(f"leaves remainder {r} when divided by {m}" for m, r in zip(mods, rems, strict=True))
    groups = join_words(f"in groups of {m}, {r} {'is' if r == 1 else 'are'} left over" for m, r in zip(mods, rems,
                                                                                                      strict=True))
    low_txt = f" greater than {lower}" if lower else ""
    q = pick(rng, [
        "What is the smallest positive integer{l} that {c}?",
        "Find the least number{l} which {c}.",
        "A farmer counts her eggs: {g}. What is the smallest number of eggs{l} she could have?",
        "When a band lines up {g}. What is the smallest possible size of the band{l}?",
    ], l=low_txt, c=conds, g=groups)
    return Spec(q, {"mods": mods, "rems": rems, "lower": lower}, str(n))


@remainder_puzzle.solver
def _(p: dict, b: TraceBuilder) -> str:
    mods, rems, lower = p["mods"], p["rems"], p["lower"]
    cons = [f"n % {m} == {r}" for m, r in zip(mods, rems, strict=True)] + [f"n > {lower}" if lower else "n >= 1"]
    b.think(["Each condition is a congruence: {c}. The moduli are pairwise coprime, so by the Chinese remainder "
             "theorem there is exactly one solution modulo {L}; I want the smallest one{l}.",
             "Translating: {c}. I'll minimise n subject to these (the solutions repeat every {L})."],
            c="; ".join(f"n ≡ {r} (mod {m})" for m, r in zip(mods, rems, strict=True)), L=math.prod(mods),
            l=f" above {lower}" if lower else "")
    r = b.call("logic_solver", ls_args("solve_constraints", cons, {"n": "int"}, objective="n", direction="minimize"),
               ["Minimising n with the solver.", "Let me find the least n satisfying all congruences."])
    model = result_model(r)
    _need("n" in model, f"no n in {r.output!r}")
    n = model["n"]
    b.observe(["The smallest such n is {n}.", "The solver's minimum is n = {n}."], n=n)
    b.think(["Check: {c}.", "Verifying the remainders: {c}."],
            c=", ".join(f"{n} = {m}·{n // m} + {n % m}" for m in mods))
    return b.finish(str(n))


# ======================================================================================================
# 13. coin change / stamps (solve_constraints, minimise)
@template(CAT, "coin_change", tools=LS)
def coin_change(rng: random.Random, difficulty: str) -> Spec:
    while True:
        k = 3 if difficulty != "hard" else 4
        denoms = sorted(rng.sample(range(2, {"easy": 12, "medium": 25, "hard": 40}[difficulty]), k - 1))
        denoms = sorted({1, *denoms} if rng.random() < 0.6 else set(rng.sample(range(3, 30), k)))
        amount = rng.randint(15, {"easy": 60, "medium": 120, "hard": 200}[difficulty])
        best = [0] + [math.inf] * amount
        for a in range(1, amount + 1):
            best[a] = min((best[a - d] + 1 for d in denoms if d <= a), default=math.inf)
        if best[amount] == math.inf:
            continue
        greedy, rest = 0, amount
        for d in sorted(denoms, reverse=True):
            greedy += rest // d
            rest %= d
        if difficulty == "easy" or rest or greedy != best[amount] or rng.random() < 0.3:
            break
    flavour = rng.choice(["coins", "stamps"])
    ds = join_words(str(d) for d in denoms)
    if flavour == "coins":
        q = pick(rng, [
            "A country has coins worth {d} cents. What is the fewest number of coins that make exactly {a} cents?",
            "Using coins of {d} (unlimited supply), what is the minimum number of coins totalling exactly {a}?",
        ], d=ds, a=amount)
    else:
        q = pick(rng, [
            "Stamps come in values {d}. What is the smallest number of stamps with a total value of exactly {a}?",
            "You need postage of exactly {a} using stamps worth {d} each (as many as you like). What is the fewest "
            "stamps you can use?",
        ], d=ds, a=amount)
    return Spec(q, {"denoms": denoms, "amount": amount}, str(int(best[amount])))


@coin_change.solver
def _(p: dict, b: TraceBuilder) -> str:
    denoms, amount = p["denoms"], p["amount"]
    names = [f"c{d}" for d in denoms]
    b.think(["Let c_d be how many pieces of value d are used. Then Σ d·c_d = {a}, each c_d ≥ 0, and I minimise "
             "Σ c_d. Greedy (largest first) is not always optimal for arbitrary values, so an exact optimiser is "
             "safer.", "Integer program: {e} = {a} with non-negative counts, minimising the total count. Greedy can "
             "fail for denominations like these, so I'll optimise exactly."],
            a=amount, e=_pretty(_lin_text(denoms, names)))
    cons = [f"{_lin_text(denoms, names)} == {amount}"] + [f"{n} >= 0" for n in names]
    obj = " + ".join(names)
    r = b.call("logic_solver", ls_args("solve_constraints", cons, {n: "int" for n in names}, objective=obj,
                                       direction="minimize"),
               ["Minimising the number of pieces.", "Solving with the objective minimise {o}."], o=obj)
    model = result_model(r)
    _need(all(n in model for n in names), f"incomplete model {r.output!r}")
    total = sum(model[n] for n in names)
    used = [f"{model[n]} × {d}" for n, d in zip(names, denoms, strict=True) if model[n]]
    b.observe(["Optimal: {u}, i.e. {t} pieces.", "The solver uses {u} — {t} in total."], u=" + ".join(used), t=total)
    b.think("Check: {s} = {a}.", s=" + ".join(f"{model[n]}·{d}" for n, d in zip(names, denoms, strict=True)
                                             if model[n]), a=amount)
    return b.finish(str(total))


# ======================================================================================================
# 14. digit puzzles (solve_constraints + uniqueness)
def _digit_clues(rng: random.Random, digits: dict[str, int], names: list[str]) -> tuple[str, str]:
    value_expr = " + ".join(f"{10 ** (len(names) - 1 - i)}*{n}" if i < len(names) - 1 else n
                            for i, n in enumerate(names))
    rev_expr = " + ".join(f"{10 ** i}*{n}" if i else n for i, n in enumerate(names))
    vals = [digits[n] for n in names]
    number = int("".join(map(str, vals)))
    reverse = int("".join(map(str, reversed(vals))))
    kind = rng.choice(["sum", "reverse", "diff", "divisible", "product", "parity", "range"])
    if kind == "sum":
        return f"{' + '.join(names)} == {sum(vals)}", f"The sum of its digits is {sum(vals)}."
    if kind == "reverse" and reverse != number and vals[-1] != 0:
        d = reverse - number
        word = "increases" if d > 0 else "decreases"
        return (f"({rev_expr}) - ({value_expr}) == {d}",
                f"Reversing its digits {word} the number by {abs(d)}.")
    if kind == "diff":
        a, c = names[0], names[-1]
        k = digits[a] - digits[c]
        if k > 0:
            return f"{a} - {c} == {k}", f"The first digit is {k} more than the last digit."
        if k < 0:
            return f"{c} - {a} == {-k}", f"The last digit is {-k} more than the first digit."
        return f"{a} == {c}", "The first and last digits are equal."
    if kind == "divisible":
        ms = [m for m in (3, 4, 6, 7, 8, 9, 11, 13) if number % m == 0]
        if ms:
            m = rng.choice(ms)
            return f"({value_expr}) % {m} == 0", f"The number is divisible by {m}."
    if kind == "product":
        prod = math.prod(vals)
        return f"{' * '.join(names)} == {prod}", f"The product of its digits is {prod}."
    if kind == "parity":
        odd = vals[-1] % 2
        return f"{names[-1]} % 2 == {odd}", f"The number is {'odd' if odd else 'even'}."
    lo = number - rng.randint(1, 30)
    hi = number + rng.randint(1, 30)
    return f"{lo} < {value_expr} < {hi}", f"The number lies strictly between {lo} and {hi}."


@template(CAT, "digit_puzzle", tools=LS)
def digit_puzzle(rng: random.Random, difficulty: str) -> Spec:
    names = ["h", "t", "u"] if difficulty == "hard" else ["t", "u"]
    space = [dict(zip(names, ds, strict=True)) for ds in itertools.product(range(10), repeat=len(names)) if ds[0]]
    while True:
        truth = rng.choice(space)
        clues: list[tuple[str, str]] = []
        alive = space
        for _ in range(8):
            c = _digit_clues(rng, truth, names)
            if c in clues:
                continue
            check = _digit_checker(c[0], names)
            new = [d for d in alive if check(d)]
            if len(new) == len(alive):
                continue
            clues.append(c)
            alive = new
            if len(alive) == 1:
                break
        if len(alive) == 1 and len(clues) >= 2:
            break
    number = int("".join(str(truth[n]) for n in names))
    digits_word = "three-digit" if len(names) == 3 else "two-digit"
    q = pick(rng, [
        "I am thinking of a {w} number. {c} What is the number?",
        "Find the {w} number with these properties: {c}",
        "A {w} number satisfies the following. {c} Which number is it?",
    ], w=digits_word, c=" ".join(t for _, t in clues))
    return Spec(q, {"names": names, "clues": [list(c) for c in clues]}, str(number))


def _digit_checker(constraint: str, names: Sequence[str]) -> Callable[[dict[str, int]], bool]:
    """One of our clue constraints (fixed grammar: digit names, integers, + - * %, ==, <) as a test of
    digits `d`, parsed once: a clue is tried on up to 900 candidate numbers."""
    text = constraint
    for n in names:
        text = re.sub(rf"\b{n}\b", "0", text)
    if not re.fullmatch(r"[\d\s+\-*%()<=]+", text):
        raise ValueError(f"unexpected clue {constraint!r}")
    parts = re.split(r"\s*(==|<)\s*", constraint.strip())
    sides = [_arith(p, names) for p in parts[::2]]
    ops = parts[1::2]

    def check(d: dict[str, int]) -> bool:
        values = [side(d) for side in sides]
        return all((x == y) if op == "==" else (x < y) for x, op, y in zip(values, ops, values[1:], strict=False))

    return check


Value = Callable[[dict[str, int]], int]


def _arith(text: str, names: Sequence[str]) -> Value:
    """Integer arithmetic with + - * % and brackets over digit names (tiny recursive parser → closures)."""
    tokens = re.findall(r"\d+|[A-Za-z_]\w*|[-+*%()]", text)
    pos = 0

    def binary(op: str, left: Value, right: Value) -> Value:
        if op == "+":
            return lambda d: left(d) + right(d)
        if op == "-":
            return lambda d: left(d) - right(d)
        if op == "*":
            return lambda d: left(d) * right(d)
        return lambda d: left(d) % right(d)

    def expr() -> Value:
        nonlocal pos
        val = term()
        while pos < len(tokens) and tokens[pos] in "+-":
            op = tokens[pos]
            pos += 1
            val = binary(op, val, term())
        return val

    def term() -> Value:
        nonlocal pos
        val = atom()
        while pos < len(tokens) and tokens[pos] in "*%":
            op = tokens[pos]
            pos += 1
            val = binary(op, val, atom())
        return val

    def atom() -> Value:
        nonlocal pos
        tok = tokens[pos]
        pos += 1
        if tok == "(":
            val = expr()
            pos += 1
            return val
        if tok == "-":
            inner = atom()
            return lambda d: -inner(d)
        if tok in names:
            return lambda d: d[tok]
        const = int(tok)
        return lambda d: const

    return expr()


@digit_puzzle.solver
def _(p: dict, b: TraceBuilder) -> str:
    names, clues = p["names"], p["clues"]
    place = {"h": "hundreds", "t": "tens", "u": "units"}
    b.think(["Let the digits be {d}. Each clue becomes an integer constraint: {c}.",
             "Writing the number with digit variables {d}, the clues translate to: {c}."],
            d=", ".join(f"{n} ({place[n]})" for n in names), c="; ".join(f"{t} → {c}" for c, t in clues))
    cons = [f"1 <= {names[0]} <= 9"] + [f"0 <= {n} <= 9" for n in names[1:]] + [c for c, _ in clues]
    variables = {n: "int" for n in names}
    r = b.call("logic_solver", ls_args("solve_constraints", cons, variables),
               ["Solving for the digits.", "Let me find digits satisfying every clue."])
    model = result_model(r)
    _need(all(n in model for n in names), f"incomplete model {r.output!r}")
    number = int("".join(str(model[n]) for n in names))
    b.observe(["The digits are {m}, so the number is {n}.", "Solution {m}: the number {n}."],
              m=_assign_text(model, names), n=number)
    r2 = b.call("logic_solver", ls_args("check_sat", cons + [_block(model, names)], variables),
                ["Making sure no other number fits all the clues.", "Is it the only one? Excluding it and checking "
                 "again."])
    _need(not is_sat(r2), "digit puzzle not unique")
    b.observe(["Unsatisfiable, so {n} is the unique answer.", "No other number works."], n=number)
    return b.finish(str(number))


# ======================================================================================================
# 15. who is guilty? (check_sat with a unique model)
def _guilt_fact(rng: random.Random, people: list[str], g: dict[str, bool]) -> tuple[str, str] | None:
    a, c = rng.sample(people, 2)
    kind = rng.choice(["if", "if_not", "not_both", "at_least", "exactly", "either", "only_if"])
    cands: list[tuple[str, str, bool]] = [
        (f"Implies({a}, {c})", f"If {a} is guilty, then so is {c}.", (not g[a]) or g[c]),
        (f"Implies({a}, Not({c}))", f"If {a} is guilty, then {c} is innocent.", (not g[a]) or not g[c]),
        (f"Not(And({a}, {c}))", f"{a} and {c} are not both guilty.", not (g[a] and g[c])),
        (f"Or({a}, {c})", f"At least one of {a} and {c} is guilty.", g[a] or g[c]),
        (f"{' + '.join(f'If({n}, 1, 0)' for n in people)} == {sum(g.values())}",
         f"Exactly {sum(g.values())} of the suspects {'is' if sum(g.values()) == 1 else 'are'} guilty.", True),
        (f"Or({a}, Not({c}))", f"{a} is guilty or {c} is innocent (or both).", g[a] or not g[c]),
        (f"Implies(Not({a}), {c})", f"If {a} is innocent, then {c} is guilty.", g[a] or g[c]),
    ]
    idx = ["if", "if_not", "not_both", "at_least", "exactly", "either", "only_if"].index(kind)
    z, text, holds = cands[idx]
    return (z, text) if holds else None


@template(CAT, "who_is_guilty", tools=LS)
def who_is_guilty(rng: random.Random, difficulty: str) -> Spec:
    n = {"easy": 3, "medium": 4, "hard": rng.choice([4, 5])}[difficulty]
    people = rng.sample(NAMES, n)
    assignments = [dict(zip(people, bits, strict=True)) for bits in itertools.product([True, False], repeat=n)]
    while True:
        truth = rng.choice([a for a in assignments if any(a.values())])
        facts: list[tuple[str, str]] = []
        alive = assignments
        for _ in range(20):
            f = _guilt_fact(rng, people, truth)
            if f is None or f in facts:
                continue
            new = [a for a in alive if _guilt_eval(f[0], a)]
            if len(new) == len(alive):
                continue
            facts.append(f)
            alive = new
            if len(alive) == 1:
                break
        if len(alive) == 1:
            break
    q = pick(rng, [
        "A detective has narrowed a theft down to {p}. She knows: {f} Who is guilty and who is innocent?",
        "Among the suspects {p}, the following facts are established. {f} Determine, for each suspect, whether "
        "they are guilty or innocent.",
        "Suspects: {p}. Evidence: {f} Which suspects are guilty?",
    ], p=join_words(people), f=" ".join(t for _, t in facts))
    answer = ", ".join(f"{pn} = {'guilty' if truth[pn] else 'innocent'}" for pn in people)
    return Spec(q, {"people": people, "facts": [list(f) for f in facts]}, answer)


def _guilt_eval(z: str, a: dict[str, bool]) -> bool:
    """Evaluate our own fact texts (a fixed set of shapes) on an assignment."""
    m = re.fullmatch(r"Implies\((\w+), (\w+)\)", z)
    if m:
        return (not a[m[1]]) or a[m[2]]
    m = re.fullmatch(r"Implies\((\w+), Not\((\w+)\)\)", z)
    if m:
        return (not a[m[1]]) or not a[m[2]]
    m = re.fullmatch(r"Not\(And\((\w+), (\w+)\)\)", z)
    if m:
        return not (a[m[1]] and a[m[2]])
    m = re.fullmatch(r"Or\((\w+), (\w+)\)", z)
    if m:
        return a[m[1]] or a[m[2]]
    m = re.fullmatch(r"Or\((\w+), Not\((\w+)\)\)", z)
    if m:
        return a[m[1]] or not a[m[2]]
    m = re.fullmatch(r"Implies\(Not\((\w+)\), (\w+)\)", z)
    if m:
        return a[m[1]] or a[m[2]]
    m = re.fullmatch(r"(.+) == (\d+)", z)
    if m:
        return sum(a[n] for n in re.findall(r"If\((\w+),", m[1])) == int(m[2])
    raise ValueError(f"unknown fact {z!r}")


@who_is_guilty.solver
def _(p: dict, b: TraceBuilder) -> str:
    people, facts = p["people"], p["facts"]
    b.think(["One Boolean per suspect, true meaning guilty. The evidence translates to: {f}.",
             "Encoding each suspect as a Boolean (true = guilty), the facts become: {f}."],
            f="; ".join(f"{t} → {z}" for z, t in facts))
    cons = [z for z, _ in facts]
    variables = {pn: "bool" for pn in people}
    r = b.call("logic_solver", ls_args("check_sat", cons, variables),
               ["Checking the evidence for a consistent scenario.", "Asking Z3 for an assignment consistent with "
                "all the facts."])
    _need(is_sat(r), f"evidence inconsistent: {r.output!r}")
    model = result_model(r)
    _need(all(pn in model for pn in people), f"incomplete model {r.output!r}")
    verdict = ", ".join(f"{pn} = {'guilty' if model[pn] else 'innocent'}" for pn in people)
    b.observe(["Consistent scenario: {v}.", "Satisfiable: {v}."], v=verdict)
    r2 = b.call("logic_solver", ls_args("check_sat", cons + [_block(model, people)], variables),
                ["A single consistent scenario would settle it; checking for any other.",
                 "Could the evidence fit another scenario? Excluding this one."])
    _need(not is_sat(r2), "guilt puzzle not unique")
    b.observe(["Unsatisfiable — the evidence determines everyone's status.", "No other scenario fits, so the "
               "conclusion is forced."])
    return b.finish(verdict)

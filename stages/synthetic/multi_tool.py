"""Multi-tool templates: problems whose solution passes one tool's result into another.

Each template chains at least two different tools the way a careful person would: a molar mass or a
stoichiometric amount from `chemistry` feeds `physics.ideal_gas`; a `physics` projectile range is
optimised over the angle with `symbolic_math`; an exact integral or limit from `symbolic_math` is
checked numerically with `execute_python`; a `logic_solver` model is substituted with
`symbolic_math.evaluate`; atom-balance constraints solved by Z3 are confirmed by
`chemistry.balance_equation`. Unit changes by powers of ten and °C → K are done in the reasoning.

Reference answers are computed here with plain formulas (periodictable masses, scipy constants,
closed forms, exact fractions), never with the tools. Where a trace passes a number it read from a
tool's output (6 significant digits) into the next call, the reference does the same rounding, so the
two agree to float precision instead of to "about 6 digits".
"""

from __future__ import annotations

import math
import random
import re
from fractions import Fraction
from functools import cache
from textwrap import dedent

import periodictable
import sympy as sp
from scipy import constants as sc

from stages.synthetic.base import Spec, TraceBuilder, TraceBuildError, template
from stages.synthetic.logic import ls_args, result_model
from stages.synthetic.phrasing import caret, join_words, num, pick, show
from tools.fmt import fmt_number

CAT = "multi_tool"
G = 9.81
ATM = 101325.0
LB_G = 453.59237
OZ_G = LB_G / 16


def r6(x: float) -> float:
    """The number a tool's canonical output shows (6 significant digits), as a float."""
    return float(fmt_number(x))


def fmt(x: float) -> str:
    return fmt_number(x)


def ans(x: float) -> str:
    """A final answer with 6 significant digits that also *reads* as 6 digits.

    `fmt_number` writes 128405.5 as "128406" and 2.500004 as "2.5"; the answer checker would take the first
    for an exact integer and the second for a 2-digit number, and reject both against the precise value.
    Such cases are written as 1.28406e+05 and 2.50000 instead.
    """
    text = fmt_number(x)
    if float(text) == float(x) or "e" in text:
        return text
    if "." not in text:
        return f"{x:.5e}"
    digits = len(text.lstrip("-").replace(".", "").lstrip("0"))
    return text if digits >= 6 else f"{x:#.6g}"


def ref(x: float, unit: str = "") -> str:
    """A full-precision reference answer (the trace's rounded answer matches it by the rounding rule)."""
    text = repr(float(x))
    return f"{text} {unit}" if unit else text


@cache
def molar_mass(formula: str) -> float:
    return float(periodictable.formula(formula).mass)


def _code(text: str) -> dict[str, str]:
    return {"code": dedent(text).strip() + "\n"}


_NUMBER = re.compile(r"-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?")


def _numbers(text: str) -> list[float]:
    return [float(x) for x in _NUMBER.findall(text)]


def _temperature(rng: random.Random) -> tuple[float, str]:
    t = rng.choice([0, 15, 20, 25, 25, 27, 30, 37, 50, 100, rng.randint(-20, 150)])
    return t, f"{t} °C"


def _pressure(rng: random.Random, difficulty: str) -> tuple[float, str, str]:
    """(pressure in Pa, text in the question, how the trace converts it)."""
    if difficulty == "easy" or rng.random() < 0.4:
        atm = rng.choice([1, 1, 1, 2, 0.5, 1.5, 3])
        return atm * ATM, f"{num(atm)} atm", f"{num(atm)} atm = {num(atm)} × 101325 Pa = {fmt(atm * ATM)} Pa"
    kpa = rng.choice([100, 101.325, 95, 110, 120, 200, 250, 80, rng.randint(50, 500)])
    return kpa * 1000, f"{num(kpa)} kPa", f"{num(kpa)} kPa = {fmt(kpa * 1000)} Pa"


# ======================================================================================================
# 1. mass of a gas → moles (chemistry) → volume (physics)
_GASES = [("CO2", "carbon dioxide"), ("O2", "oxygen"), ("N2", "nitrogen"), ("CH4", "methane"), ("NH3", "ammonia"),
          ("H2", "hydrogen"), ("He", "helium"), ("Ar", "argon"), ("SO2", "sulfur dioxide"), ("Cl2", "chlorine"),
          ("C3H8", "propane"), ("NO2", "nitrogen dioxide"), ("CO", "carbon monoxide"), ("C2H6", "ethane")]


@template(CAT, "gas_volume_from_mass", tools=("chemistry", "physics"))
def gas_volume_from_mass(rng: random.Random, difficulty: str) -> Spec:
    formula, name = rng.choice(_GASES)
    grams = {"easy": rng.choice([1, 2, 4, 5, 8, 10, 16, 20, 32, 44]), "medium": rng.randint(2, 250),
             "hard": round(rng.uniform(0.5, 500), 1)}[difficulty]
    tc, ttext = _temperature(rng)
    pa, ptext, pconv = _pressure(rng, difficulty)
    label = rng.choice([f"{name} ({formula})", formula, name + f" gas ({formula})"])
    q = pick(rng, [
        "What volume, in litres, does {m} g of {g} occupy at {t} and {p}? Treat it as an ideal gas.",
        "A cylinder holds {m} g of {g} at {t} and {p}. Assuming ideal behaviour, what is the volume of the gas "
        "in L?",
        "Find the volume (L) of {m} grams of {g} at a temperature of {t} and a pressure of {p} (ideal gas).",
    ], m=num(grams), g=label, t=ttext, p=ptext)
    tk = round(tc + 273.15, 2)
    n = r6(grams / molar_mass(formula))
    v = n * sc.R * tk / pa
    return Spec(q, {"formula": formula, "grams": grams, "tc": tc, "tk": tk, "pa": pa, "pconv": pconv},
                ref(v * 1000, "L"))


@gas_volume_from_mass.solver
def _(p: dict, b: TraceBuilder) -> str:
    f, grams, tk, pa = p["formula"], p["grams"], p["tk"], p["pa"]
    b.think(["Two steps: convert the mass to moles with the molar mass of {f}, then use PV = nRT for the volume. "
             "First I need SI units for T and P.",
             "The ideal gas law needs the amount in moles, so: grams → moles (chemistry), then V = nRT/P (physics)."],
            f=f)
    r = b.call("chemistry", {"operation": "molar_conversion", "formula": f, "grams": grams},
               ["Converting {m} g of {f} to moles.", "Getting the number of moles from the molar mass of {f}."],
               m=num(grams), f=f)
    n = r6(r.value["moles"])
    b.observe(["n = {n} mol (molar mass {M} g/mol).", "That is {n} mol of {f}."], n=fmt(n), M=fmt(r.value["molar_mass"]),
              f=f)
    b.think("Converting units: T = {tc} + 273.15 = {tk} K, and {pc}.", tc=num(p["tc"]), tk=num(tk), pc=p["pconv"])
    r2 = b.call("physics", {"operation": "ideal_gas", "n": n, "T": tk, "P": pa},
                ["Now the volume from the ideal gas law.", "Solving PV = nRT for V."])
    v = r2.value["V"]
    liters = ans(v * 1000)
    b.observe(["V = {v} m^3. Since 1 m^3 = 1000 L, that is {l} L.",
               "The volume is {v} m^3, i.e. {l} litres."], v=fmt(v), l=liters)
    return b.finish(f"{liters} L")


# ======================================================================================================
# 2. reaction → moles of gas (chemistry) → volume (physics)
_GAS_REACTIONS = [
    # unbalanced equation, given, target (a gas), moles target per mole given, description of the given
    ("C3H8 + O2 -> CO2 + H2O", "C3H8", "CO2", Fraction(3), "propane is burned completely"),
    ("CH4 + O2 -> CO2 + H2O", "CH4", "CO2", Fraction(1), "methane burns completely"),
    ("C2H6 + O2 -> CO2 + H2O", "C2H6", "CO2", Fraction(2), "ethane is burned completely"),
    ("C4H10 + O2 -> CO2 + H2O", "C4H10", "CO2", Fraction(4), "butane burns in excess oxygen"),
    ("CaCO3 -> CaO + CO2", "CaCO3", "CO2", Fraction(1), "limestone (CaCO3) is decomposed by heating"),
    ("Zn + HCl -> ZnCl2 + H2", "Zn", "H2", Fraction(1), "zinc reacts with excess hydrochloric acid"),
    ("Mg + HCl -> MgCl2 + H2", "Mg", "H2", Fraction(1), "magnesium reacts with excess hydrochloric acid"),
    ("Al + HCl -> AlCl3 + H2", "Al", "H2", Fraction(3, 2), "aluminium reacts with excess hydrochloric acid"),
    ("H2O2 -> H2O + O2", "H2O2", "O2", Fraction(1, 2), "hydrogen peroxide decomposes"),
    ("KClO3 -> KCl + O2", "KClO3", "O2", Fraction(3, 2), "potassium chlorate is decomposed"),
    ("NaHCO3 -> Na2CO3 + H2O + CO2", "NaHCO3", "CO2", Fraction(1, 2), "baking soda (NaHCO3) is heated"),
    ("C6H12O6 -> C2H5OH + CO2", "C6H12O6", "CO2", Fraction(2), "glucose is fermented"),
    ("Na + H2O -> NaOH + H2", "Na", "H2", Fraction(1, 2), "sodium reacts with water"),
    ("NH4NO3 -> N2O + H2O", "NH4NO3", "N2O", Fraction(1), "ammonium nitrate decomposes"),
]


@template(CAT, "gas_from_reaction", tools=("chemistry", "physics"), weight=1.2)
def gas_from_reaction(rng: random.Random, difficulty: str) -> Spec:
    eq, given, target, ratio, desc = rng.choice(_GAS_REACTIONS)
    grams = {"easy": rng.choice([5, 10, 12, 20, 25, 50, 100]), "medium": rng.randint(2, 300),
             "hard": round(rng.uniform(0.5, 800), 2)}[difficulty]
    tc, ttext = _temperature(rng)
    pa, ptext, pconv = _pressure(rng, difficulty)
    q = pick(rng, [
        "When {m} g of {g} react ({e}; {d}), what volume of {t} gas is produced at {tt} and {p}? Give litres.",
        "{D}: {m} g of {g} react according to {e}. What volume (L) does the {t} produced occupy at {tt} and {p}, "
        "treating it as an ideal gas?",
        "Consider {e} (unbalanced). If {m} g of {g} react completely, how many litres of {t} form at {tt} and {p}?",
    ], m=num(grams), g=given, e=eq, d=desc, D=desc[:1].upper() + desc[1:], t=target, tt=ttext, p=ptext)
    tk = round(tc + 273.15, 2)
    n = r6(grams / molar_mass(given) * float(ratio))
    v = n * sc.R * tk / pa
    return Spec(q, {"eq": eq, "given": given, "target": target, "grams": grams, "tc": tc, "tk": tk, "pa": pa,
                    "pconv": pconv}, ref(v * 1000, "L"))


@gas_from_reaction.solver
def _(p: dict, b: TraceBuilder) -> str:
    given, target, grams = p["given"], p["target"], p["grams"]
    b.think(["Plan: balance the reaction and convert {m} g of {g} to moles of {t} (stoichiometry), then get the "
             "gas volume from PV = nRT.",
             "The moles of {t} follow from the balanced equation and the mass of {g}; the volume then follows from "
             "the ideal gas law."], m=num(grams), g=given, t=target)
    r = b.call("chemistry", {"operation": "stoichiometry", "equation": p["eq"], "given": given, "amount": grams,
                             "unit": "grams", "target": target},
               ["Stoichiometry from {g} to {t}.", "Computing the amount of {t} from {m} g of {g}."],
               g=given, t=target, m=num(grams))
    n = r6(r.value["moles"])
    b.observe(["The balanced equation is {e}, and it yields n({t}) = {n} mol.",
               "Balanced: {e}; mole ratio {ratio}, so {n} mol of {t} are produced."],
              e=r.value["equation"], t=target, n=fmt(n), ratio=r.value["mole_ratio"])
    b.think("For the gas law: T = {tc} °C + 273.15 = {tk} K; {pc}.", tc=num(p["tc"]), tk=num(p["tk"]), pc=p["pconv"])
    r2 = b.call("physics", {"operation": "ideal_gas", "n": n, "T": p["tk"], "P": p["pa"]},
                ["Volume of {n} mol of gas under these conditions.", "Applying PV = nRT."], n=fmt(n))
    v = r2.value["V"]
    liters = ans(v * 1000)
    b.observe(["V = {v} m^3 = {l} L.", "The gas takes up {v} m^3, which is {l} L."], v=fmt(v), l=liters)
    return b.finish(f"{liters} L")


# ======================================================================================================
# 3. industrial stoichiometry with unit conversions (physics.unit_convert ↔ chemistry.stoichiometry)
_INDUSTRY = [
    ("Fe2O3 + CO -> Fe + CO2", "Fe2O3", "Fe", "iron ore (Fe2O3) is reduced with carbon monoxide", "iron"),
    ("CaCO3 -> CaO + CO2", "CaCO3", "CaO", "limestone (CaCO3) is roasted to quicklime", "quicklime (CaO)"),
    ("N2 + H2 -> NH3", "N2", "NH3", "nitrogen is converted to ammonia with excess hydrogen", "ammonia"),
    ("Al2O3 -> Al + O2", "Al2O3", "Al", "alumina (Al2O3) is electrolysed", "aluminium"),
    ("C6H12O6 -> C2H5OH + CO2", "C6H12O6", "C2H5OH", "glucose is fermented", "ethanol"),
    ("SO2 + O2 -> SO3", "SO2", "SO3", "sulfur dioxide is oxidised", "sulfur trioxide"),
    ("CH4 + H2O -> CO + H2", "CH4", "H2", "methane is steam-reformed", "hydrogen"),
    ("TiCl4 + Mg -> Ti + MgCl2", "TiCl4", "Ti", "titanium tetrachloride is reduced with magnesium", "titanium"),
    ("Cu2S + O2 -> Cu + SO2", "Cu2S", "Cu", "copper(I) sulfide is roasted in air", "copper"),
    ("NaCl + H2O -> NaOH + Cl2 + H2", "NaCl", "NaOH", "brine is electrolysed", "sodium hydroxide"),
]
_MASS_UNITS = {"kg": 1000.0, "lb": LB_G, "oz": OZ_G}
_MASS_WORDS = {"kg": "kilograms", "lb": "pounds", "oz": "ounces"}


@cache
def _coef_ratio(eq: str, given: str, target: str) -> Fraction:
    """Moles of target per mole of given, from a balance computed here (nullspace of the atom matrix)."""
    lhs, rhs = (side.split(" + ") for side in eq.split(" -> "))
    species = lhs + rhs
    elements = sorted({str(e) for s in species for e in periodictable.formula(s).atoms})
    mat = sp.Matrix([[periodictable.formula(s).atoms.get(periodictable.elements.symbol(e), 0) * (1 if i < len(lhs)
                                                                                                  else -1)
                      for i, s in enumerate(species)] for e in elements])
    (vec,) = mat.nullspace()
    return Fraction(str(vec[species.index(target)] / vec[species.index(given)]))


@template(CAT, "industrial_stoichiometry", tools=("physics", "chemistry"))
def industrial_stoichiometry(rng: random.Random, difficulty: str) -> Spec:
    eq, given, target, desc, tname = rng.choice(_INDUSTRY)
    unit_in, unit_out = rng.choice([("kg", "lb"), ("lb", "kg"), ("lb", "lb"), ("kg", "oz"), ("lb", "oz")])
    amount = {"easy": rng.choice([1, 2, 5, 10, 20, 50, 100]), "medium": rng.randint(2, 900),
              "hard": round(rng.uniform(0.2, 2000), 1)}[difficulty]
    q = pick(rng, [
        "In a plant, {d} ({e}). How many {uo} of {t} can be made from {a} {ui} of {g}?",
        "{D} according to {e}. What mass of {t}, in {uo}, is obtained from {a} {ui} of {g} (100% yield)?",
        "Starting from {a} {ui} of {g}, how many {uo} of {t} form when {d}? Reaction: {e}.",
    ], d=desc, D=desc[:1].upper() + desc[1:], e=eq, t=tname, g=given, a=num(amount), ui=_MASS_WORDS[unit_in],
        uo=_MASS_WORDS[unit_out])
    grams_in = amount * 1000.0 if unit_in == "kg" else r6(amount * LB_G)
    ratio = _coef_ratio(eq, given, target)
    grams_out = grams_in / molar_mass(given) * float(ratio) * molar_mass(target)
    out = grams_out / 1000.0 if unit_out == "kg" else r6(grams_out) / _MASS_UNITS[unit_out]
    return Spec(q, {"eq": eq, "given": given, "target": target, "amount": amount, "unit_in": unit_in,
                    "unit_out": unit_out}, ref(out, unit_out))


@industrial_stoichiometry.solver
def _(p: dict, b: TraceBuilder) -> str:
    given, target, amount, ui, uo = p["given"], p["target"], p["amount"], p["unit_in"], p["unit_out"]
    b.think(["The stoichiometry works in grams, so: convert {a} {ui} of {g} to grams, find the mass of {t} from the "
             "balanced equation, then express it in {uo}.",
             "Plan: {ui} → g, then grams of {g} → grams of {t} via the mole ratio, then g → {uo}."],
            a=num(amount), ui=ui, uo=uo, g=given, t=target)
    if ui == "kg":
        grams = amount * 1000.0
        b.think("{a} kg = {g} g (1 kg = 1000 g).", a=num(amount), g=fmt(grams))
    else:
        r = b.call("physics", {"operation": "unit_convert", "value": amount, "from_unit": "lb", "to_unit": "g"},
                   ["Converting pounds to grams.", "First {a} lb in grams."], a=num(amount))
        grams = r6(r.value)
        b.observe("{a} lb = {g} g.", a=num(amount), g=fmt(grams))
    r2 = b.call("chemistry", {"operation": "stoichiometry", "equation": p["eq"], "given": given, "amount": grams,
                              "unit": "grams", "target": target},
                ["Mass of {t} from {g} g of {s}.", "Now the stoichiometry: {s} → {t}."], t=target, g=fmt(grams),
                s=given)
    out_g = r6(r2.value["grams"])
    b.observe(["Balanced: {e}. The reaction gives {m} g of {t}.", "With the balanced equation {e}, m({t}) = {m} g."],
              e=r2.value["equation"], m=fmt(out_g), t=target)
    if uo == "kg":
        result = ans(r2.value["grams"] / 1000.0)
        b.think("{m} g = {r} kg.", m=fmt(out_g), r=result)
    else:
        r3 = b.call("physics", {"operation": "unit_convert", "value": out_g, "from_unit": "g", "to_unit": uo},
                    ["Converting grams to {u}.", "Expressing {m} g in {u}."], u=_MASS_WORDS[uo], m=fmt(out_g))
        result = ans(r3.value)
        b.observe("That is {r} {u}.", r=result, u=uo)
    return b.finish(f"{result} {uo}")


# ======================================================================================================
# 4. projectile range (physics) optimised over the angle (symbolic_math)
@template(CAT, "projectile_best_angle", tools=("physics", "symbolic_math"))
def projectile_best_angle(rng: random.Random, difficulty: str) -> Spec:
    v0 = {"easy": rng.choice([10, 12, 15, 20, 25, 30]), "medium": rng.randint(5, 60),
          "hard": round(rng.uniform(5, 90), 1)}[difficulty]
    theta = rng.choice([10, 15, 20, 25, 30, 35, 40, 50, 55, 60, 65, 70, 75, 80])
    ask = rng.choice(["gain", "max"])
    r_now = r6(v0 * v0 * math.sin(math.radians(2 * theta)) / G)
    r_max = v0 * v0 / G
    if ask == "gain":
        q = pick(rng, [
            "A ball is kicked from level ground at {v} m/s and {t}° above the horizontal (g = 9.81 m/s², no air "
            "resistance). By how many metres would its range increase if it were launched at the angle that "
            "maximises the range, with the same speed?",
            "A projectile leaves the ground at {v} m/s at {t}°. Find its range, then determine the launch angle "
            "giving the maximum range at this speed. How much farther (in m) does it go at that angle? Use g = "
            "9.81 m/s².",
        ], v=num(v0), t=theta)
        answer = ref(r6(r_max) - r_now, "m")
    else:
        q = pick(rng, [
            "A cannon fires a shell at {v} m/s at {t}° on level ground (g = 9.81 m/s², ignore drag). Its crew may "
            "change the angle but not the speed. Which angle maximises the range, and what is the maximum range "
            "in metres?",
            "Launched at {v} m/s and {t}°, a stone lands some distance away. Show which launch angle maximises the "
            "range for this speed and give that maximum range (m), with g = 9.81 m/s².",
        ], v=num(v0), t=theta)
        answer = ref(r_max, "m")
    return Spec(q, {"v0": v0, "theta": theta, "ask": ask}, answer)


@projectile_best_angle.solver
def _(p: dict, b: TraceBuilder) -> str:
    v0, theta, ask = p["v0"], p["theta"], p["ask"]
    b.think(["On level ground the range is R(θ) = v0² sin(2θ)/g. I'll get the current range from the physics tool, "
             "then maximise R(θ) symbolically.",
             "Steps: range at {t}° (physics), the optimal angle from dR/dθ = 0 (symbolic math), and the range at "
             "that angle."], t=theta)
    r = b.call("physics", {"operation": "projectile", "v0": v0, "theta": theta, "g": G},
               ["Range at {t}°.", "Computing the trajectory for θ = {t}°."], t=theta)
    r_now = r6(r.value["range"])
    b.observe(["At {t}° the range is {r} m.", "Range: {r} m (flight time {T} s)."], t=theta, r=fmt(r_now),
              T=fmt(r.value["time_of_flight"]))
    r2 = b.call("symbolic_math", {"operation": "differentiate", "expression": "v**2*sin(2*theta)/g",
                                  "variable": "theta"},
                ["Differentiating R(θ) = v²sin(2θ)/g with respect to θ.", "Now dR/dθ."])
    b.observe(["dR/dθ = {d}, which vanishes exactly when cos(2θ) = 0.",
               "The derivative is {d}; it is zero only where cos(2θ) = 0."], d=caret(r2.output))
    b.call("symbolic_math", {"operation": "solve", "equation": "cos(2*theta) = 0", "variable": "theta"},
           ["Solving cos(2θ) = 0.", "Finding the critical angles."])
    b.observe(["Within 0 < θ < π/2 only θ = π/4 = 45° qualifies; there d²R/dθ² = −4v²sin(2θ)/g < 0, so it is a "
               "maximum.", "The solution in (0, π/2) is π/4, i.e. 45°; the second derivative −4v²sin(2θ)/g is "
               "negative there, confirming a maximum."])
    r4 = b.call("physics", {"operation": "projectile", "v0": v0, "theta": 45, "g": G},
                ["Range at 45°.", "The maximum range, at θ = 45°."])
    r_max = r6(r4.value["range"])
    b.observe(["At 45° the range is {r} m (= v0²/g).", "R_max = {r} m."], r=fmt(r_max))
    if ask == "gain":
        gain = r_max - r_now
        b.think("The increase is {a} − {c} = {g} m.", a=fmt(r_max), c=fmt(r_now), g=fmt(gain))
        return b.finish(f"{fmt(gain)} m")
    return b.finish(f"{ans(r4.value['range'])} m", ["The best angle is 45°, giving a maximum range of {r} m.",
                                        "θ = 45° maximises the range: {r} m."], r=fmt(r_max))


# ======================================================================================================
# 5. exact definite integral (symbolic_math) checked numerically (execute_python)
def _integral_problem(rng: random.Random, difficulty: str) -> tuple[str, str, str, sp.Expr]:
    """(integrand in Python syntax, lower, upper, exact value built from a closed form)."""
    fams = {"easy": ["poly_beta", "atan", "sqrt", "recip"], "medium": ["xexp", "log", "atan", "sin2", "xsin"],
            "hard": ["xexp", "log", "poly_beta", "sin2", "atan2"]}[difficulty]
    fam = rng.choice(fams)
    if fam == "poly_beta":
        m, n = rng.randint(1, 5), rng.randint(1, 5)
        value = sp.Rational(math.factorial(m) * math.factorial(n), math.factorial(m + n + 1))
        return (f"x**{m}*(1 - x)**{n}" if m > 1 else f"x*(1 - x)**{n}"), "0", "1", value
    if fam == "atan":
        bnd = rng.randint(2, 15)
        return "1/(1 + x**2)", "0", str(bnd), sp.atan(bnd)
    if fam == "atan2":
        a = rng.randint(1, 4)
        bnd = a + rng.randint(1, 5)
        return "1/(1 + x**2)", str(a), str(bnd), sp.atan(bnd) - sp.atan(a)
    if fam == "sqrt":
        s = rng.randint(2, 9)
        return "sqrt(x)", "0", str(s * s), sp.Rational(2 * s**3, 3)
    if fam == "recip":
        a = rng.randint(1, 6)
        bnd = a * rng.randint(2, 5) + rng.randint(0, 1)
        return "1/x", str(a), str(bnd), sp.log(sp.Rational(bnd, a))
    if fam == "xexp":
        a, bnd = rng.randint(1, 3), rng.randint(1, 4)
        value = (1 - (1 + a * bnd) * sp.exp(-a * bnd)) / a**2
        return f"x*exp(-{a}*x)" if a > 1 else "x*exp(-x)", "0", str(bnd), value
    if fam == "log":
        bnd = rng.randint(2, 8)
        return "log(x)", "1", str(bnd), bnd * sp.log(bnd) - bnd + 1
    if fam == "sin2":
        k = rng.randint(1, 5)
        return (f"sin({k}*x)**2" if k > 1 else "sin(x)**2"), "0", "pi", sp.pi / 2
    k = rng.choice([1, 1, 2])
    return ("x*sin(x)", "0", "pi", sp.pi) if k == 1 else ("x*sin(x)", "0", "pi/2", sp.Integer(1))


@template(CAT, "integral_numeric_check", tools=("symbolic_math", "execute_python"))
def integral_numeric_check(rng: random.Random, difficulty: str) -> Spec:
    f, lo, hi, value = _integral_problem(rng, difficulty)
    shown = show(f, rng)
    q = pick(rng, [
        "Evaluate ∫ from {a} to {b} of {f} dx exactly, and confirm the result numerically.",
        "Find the exact value of the definite integral of {f} over [{a}, {b}], then check it with a numerical "
        "quadrature.",
        "Compute ∫_{a}^{b} {f} dx in closed form. Verify your answer numerically (e.g. with Simpson's rule).",
    ], f=shown, a=lo, b=hi)
    return Spec(q, {"f": f, "lo": lo, "hi": hi}, str(value))


@integral_numeric_check.solver
def _(p: dict, b: TraceBuilder) -> str:
    f, lo, hi = p["f"], p["lo"], p["hi"]
    b.think(["I'll get the exact value symbolically, then check it with an independent numerical method — a mistake "
             "in either would show up as a mismatch.",
             "Plan: exact antiderivative-based value with SymPy, then Simpson's rule in Python as a cross-check."])
    r = b.call("symbolic_math", {"operation": "integrate", "expression": f, "variable": "x", "lower": lo,
                                 "upper": hi},
               ["Exact definite integral from {a} to {b}.", "Integrating {f} over [{a}, {b}]."], a=lo, b=hi,
               f=caret(f))
    exact = r.output
    b.observe(["The exact value is {e}.", "SymPy gives {e}."], e=exact)
    code = f"""
        from math import *

        def f(x):
            return {f}

        a, b, n = {lo}, {hi}, 2000          # Simpson's rule with n (even) subintervals
        h = (b - a) / n
        s = f(a) + f(b) + sum((4 if i % 2 else 2) * f(a + i * h) for i in range(1, n))
        numeric = s * h / 3
        exact = {exact}
        print(f"Simpson: {{numeric:.10f}}")
        print(f"exact:   {{exact:.10f}}")
        print(f"difference: {{abs(numeric - exact):.2e}}")
        """
    if lo == "0" and f in ("sqrt(x)",):
        code = code.replace("n = 2000", "n = 200000")
    r2 = b.call("execute_python", _code(code),
                ["Numerical check with Simpson's rule, comparing against the exact value.",
                 "Let me verify numerically."])
    nums = _numbers(r2.output)
    if len(nums) < 3 or abs(nums[0] - nums[1]) > 1e-4 * max(1.0, abs(nums[1])):
        raise TraceBuildError(f"numeric check disagrees: {r2.output!r}")
    b.observe(["Simpson's rule gives {s}, matching the exact value {e} ≈ {x} (difference {d}).",
               "The numerical value {s} agrees with {x} to within {d}, so the exact result is confirmed."],
              s=f"{nums[0]:.10f}", e=exact, x=f"{nums[1]:.10f}", d=r2.output.strip().split()[-1])
    return b.finish(exact)


# ======================================================================================================
# 6. constraint model (logic_solver) substituted into an expression (symbolic_math)
def _poly_terms(rng: random.Random, names: list[str], count: int) -> list[tuple[int, tuple[int, ...]]]:
    terms: dict[tuple[int, ...], int] = {}
    while len(terms) < count:
        exps = tuple(rng.randint(0, 3) for _ in names)
        if sum(exps) == 0 or sum(exps) > 4:
            continue
        terms[exps] = rng.choice([-3, -2, -1, 1, 1, 2, 3, 4, 5])
    return [(c, e) for e, c in terms.items()]


def _term_text(c: int, exps: tuple[int, ...], names: list[str]) -> tuple[str, str]:
    factors = [n if k == 1 else f"{n}**{k}" for n, k in zip(names, exps, strict=True) if k]
    body = "*".join(factors)
    mag = abs(c)
    return ("-" if c < 0 else "+"), (body if mag == 1 else f"{mag}*{body}")


@template(CAT, "constraint_then_evaluate", tools=("logic_solver", "symbolic_math"))
def constraint_then_evaluate(rng: random.Random, difficulty: str) -> Spec:
    from stages.synthetic.logic import _lin_text, _pretty, _solve_linear

    names = ["x", "y", "z"] if difficulty == "hard" else ["x", "y"]
    bound = {"easy": 4, "medium": 7, "hard": 5}[difficulty]
    while True:
        truth = [rng.randint(-9, 9) for _ in names]
        eqs = []
        for _ in names:
            co = [rng.randint(-bound, bound) for _ in names]
            eqs.append((co, sum(c * t for c, t in zip(co, truth, strict=True))))
        sol = _solve_linear([list(map(Fraction, c)) for c, _ in eqs], [Fraction(r) for _, r in eqs])
        if sol is not None and all(sum(1 for c in co if c) >= 2 for co, _ in eqs):
            break
    terms = _poly_terms(rng, names, {"easy": 3, "medium": 3, "hard": 4}[difficulty])
    parts = []
    for i, (c, e) in enumerate(terms):
        sign, body = _term_text(c, e, names)
        parts.append((("-" if sign == "-" else "") + body) if i == 0 else f"{sign} {body}")
    poly = " ".join(parts)
    value = sum(c * math.prod(t**k for t, k in zip(truth, e, strict=True)) for c, e in terms)
    sys_text = ", ".join(f"{_pretty(_lin_text(co, names))} = {r}" for co, r in eqs)
    q = pick(rng, [
        "The integers {v} satisfy {s}. What is the value of {p}?",
        "Suppose {s}, where {v} are integers. Compute {p}.",
        "Find {v} from the system {s}, then evaluate P = {p}.",
    ], v=join_words(names), s=sys_text, p=caret(poly))
    return Spec(q, {"names": names, "constraints": [f"{_lin_text(co, names)} == {r}" for co, r in eqs],
                    "poly": poly}, str(value))


@constraint_then_evaluate.solver
def _(p: dict, b: TraceBuilder) -> str:
    names, poly = p["names"], p["poly"]
    b.think(["First pin down {v} from the equations (a constraint solver over the integers), then substitute them "
             "into {p}.", "Two stages: solve the linear system for {v}, then evaluate the polynomial at that "
             "point."], v=join_words(names), p=caret(poly))
    r = b.call("logic_solver", ls_args("solve_constraints", p["constraints"], {n: "int" for n in names}),
               ["Solving the system.", "Finding the integer solution with Z3."])
    model = result_model(r)
    if not all(n in model for n in names):
        raise TraceBuildError(f"incomplete model {r.output!r}")
    subs = {n: model[n] for n in names if re.search(rf"\b{n}\b", poly)}
    b.observe(["The solution is {m}.", "Z3 finds {m}."], m=", ".join(f"{n} = {model[n]}" for n in names))
    r2 = b.call("symbolic_math", {"operation": "evaluate", "expression": poly, "substitutions": subs},
                ["Substituting into {p}.", "Evaluating the expression at this point — with powers and products of "
                 "negative numbers it is easy to slip by hand."], p=caret(poly))
    b.observe(["The expression equals {v}.", "P = {v}."], v=r2.output)
    return b.finish(r2.output)


# ======================================================================================================
# 7. free fall: kinematics → kinetic energy (physics), checked by a time-step simulation (execute_python)
@template(CAT, "fall_energy_simulation", tools=("physics", "execute_python"))
def fall_energy_simulation(rng: random.Random, difficulty: str) -> Spec:
    m = {"easy": rng.choice([0.5, 1, 2, 3, 4, 5, 8, 10]), "medium": rng.choice([0.2, 0.25, 1.5, 3, 4, 7.5, 12, 20]),
         "hard": round(rng.uniform(0.05, 50), 2)}[difficulty]
    h = {"easy": rng.choice([5, 10, 15, 20, 30, 45, 60, 80]), "medium": rng.randint(2, 120),
         "hard": round(rng.uniform(1, 300), 1)}[difficulty]
    u = 0 if difficulty != "hard" or rng.random() < 0.5 else rng.randint(1, 15)
    thrown = f"thrown straight down at {u} m/s" if u else "dropped from rest"
    q = pick(rng, [
        "A {m} kg object is {t} from a height of {h} m (g = 9.81 m/s², no air resistance). What is its kinetic "
        "energy just before it hits the ground? Confirm with a simple time-step simulation.",
        "From {h} m above the ground, a {m} kg ball is {t}. Find the impact speed and the kinetic energy at impact "
        "(in J), and check the result numerically. Take g = 9.81 m/s².",
    ], m=num(m), t=thrown, h=num(h))
    v = r6(math.sqrt(u * u + 2 * G * h))
    return Spec(q, {"m": m, "h": h, "u": u}, ref(0.5 * m * v * v, "J"))


@fall_energy_simulation.solver
def _(p: dict, b: TraceBuilder) -> str:
    m, h, u = p["m"], p["h"], p["u"]
    b.think(["With constant acceleration g the impact speed follows from v² = u² + 2gh; the kinetic energy is then "
             "½mv². A numerical simulation of the fall makes an independent check.",
             "Kinematics gives the speed after falling {h} m; energy gives ½mv²; a small simulation confirms both."],
            h=num(h))
    r = b.call("physics", {"operation": "kinematics", "u": u, "a": G, "s": h},
               ["Impact speed and fall time.", "Solving the motion with u = {u} m/s, a = 9.81 m/s², s = {h} m."],
               u=u, h=num(h))
    v = r6(r.value["v"])
    t = r6(r.value["t"])
    b.observe(["It hits the ground at v = {v} m/s after t = {t} s.", "Impact speed {v} m/s, time {t} s."],
              v=fmt(v), t=fmt(t))
    r2 = b.call("physics", {"operation": "energy", "kind": "kinetic", "m": m, "v": v},
                ["Kinetic energy at impact.", "Now ½mv² for m = {m} kg."], m=num(m))
    ke = r2.value["E"]
    b.observe(["KE = {k} J.", "The kinetic energy is {k} J."], k=ans(ke))
    code = f"""
        m, g, h, u = {m}, {G}, {h}, {u}
        dt = 1e-3                    # under constant g every step is exact, and so is the last one
        y, v, t = h, u, 0.0          # height, downward speed, time
        while True:
            y_new = y - v * dt - 0.5 * g * dt * dt
            if y_new <= 0:
                # the exact step to the ground within this interval
                step = (-v + (v * v + 2 * g * y) ** 0.5) / g
                v, t = v + g * step, t + step
                break
            y, v, t = y_new, v + g * dt, t + dt
        print(f"t = {{t:.5f}} s, v = {{v:.5f}} m/s")
        print(f"KE = {{0.5 * m * v * v:.5f}} J; m*g*h + m*u^2/2 = {{m * g * h + 0.5 * m * u * u:.5f}} J")
        """
    r3 = b.call("execute_python", _code(code),
                ["Stepping the motion in small time steps as a check.", "A quick simulation of the fall."])
    nums = _numbers(r3.output)
    if len(nums) < 4 or abs(nums[1] - v) > 1e-3 * v or abs(nums[2] - ke) > 1e-3 * ke:
        raise TraceBuildError(f"simulation disagrees: {r3.output!r}")
    b.observe(["The simulation lands at {v} m/s with {k} J, equal to the energy released, mgh + ½mu². Everything is "
               "consistent.", "Simulated impact: {v} m/s and {k} J — matching both the kinematics and energy "
               "conservation."], v=f"{nums[1]:.5f}", k=f"{nums[2]:.5f}")
    return b.finish(f"{ans(ke)} J")


# ======================================================================================================
# 8. photoelectric effect: constant (physics) → table (execute_python) → photon energy check (physics)
_METALS = [("caesium", 2.14), ("potassium", 2.30), ("sodium", 2.28), ("calcium", 2.87), ("magnesium", 3.66),
           ("aluminium", 4.08), ("zinc", 4.33), ("copper", 4.70), ("lithium", 2.93), ("barium", 2.52)]
H, C, E = sc.h, sc.c, sc.e


@template(CAT, "photoelectric_table", tools=("physics", "execute_python"))
def photoelectric_table(rng: random.Random, difficulty: str) -> Spec:
    count = {"easy": 3, "medium": 4, "hard": 6}[difficulty]
    while True:
        metal, phi = rng.choice(_METALS)
        lams = sorted(rng.sample(range(150, 701, 10), count))
        energies = [H * C / (lam * 1e-9) / E for lam in lams]
        ke = [en - phi for en in energies]
        if ke[0] >= 0.1 and all(abs(k) > 0.02 for k in ke):
            break
    ask = rng.choice(["ke", "count"])
    lam_text = join_words(f"{lam} nm" for lam in lams)
    if ask == "ke":
        q = pick(rng, [
            "Light of wavelengths {l} falls on {m} (work function {p} eV). Tabulate the photon energies in eV and "
            "the maximum kinetic energy of the emitted electrons where emission happens. What is the maximum "
            "kinetic energy (eV) for the shortest wavelength?",
            "For {m} (work function {p} eV) illuminated at {l}: compute E = hc/λ for each wavelength and the "
            "photoelectrons' maximum kinetic energy. Report KE_max in eV at {s} nm.",
        ], l=lam_text, m=metal, p=phi, s=lams[0])
        answer = ref(ke[0], "eV")
    else:
        q = pick(rng, [
            "Which of the wavelengths {l} can eject electrons from {m} (work function {p} eV)? Make a table of "
            "photon energies in eV and say how many of the wavelengths cause emission.",
            "A {m} surface (work function {p} eV) is lit in turn with light of {l}. Tabulate the photon energies "
            "(eV). For how many of these wavelengths are photoelectrons emitted?",
        ], l=lam_text, m=metal, p=phi)
        answer = str(sum(1 for k in ke if k > 0))
    return Spec(q, {"lams": lams, "metal": metal, "phi": phi, "ask": ask}, answer)


@photoelectric_table.solver
def _(p: dict, b: TraceBuilder) -> str:
    lams, phi, ask = p["lams"], p["phi"], p["ask"]
    b.think(["Each photon carries E = hc/λ; electrons are emitted when E exceeds the work function {p} eV, with "
             "KE_max = E − φ. I'll take h from the constants table and tabulate all wavelengths with a short "
             "program.", "Photoelectric effect: KE_max = hc/λ − φ. With {n} wavelengths, a small table in Python "
             "is the cleanest; first the value of h."], p=phi, n=len(lams))
    r = b.call("physics", {"operation": "constant", "name": "h"}, ["Looking up Planck's constant.",
                                                                   "Getting h."])
    h = r.value["value"]
    b.observe(["h = {h} J s, exact in the SI. Together with c = 299792458 m/s and e = 1.602176634e-19 C (also exact) "
               "that is all I need.", "Planck's constant is {h} J s (exact by definition), as are c = 299792458 m/s "
               "and e = 1.602176634e-19 C."], h=fmt(h))
    code = f"""
        h, c, e = {h!r}, 299792458, 1.602176634e-19
        phi = {phi}                      # work function, eV
        emitting = 0
        for lam_nm in {lams}:
            E = h * c / (lam_nm * 1e-9) / e
            ke = E - phi
            if ke > 0:
                emitting += 1
                print(f"{{lam_nm}} nm: E = {{E:.4f}} eV, KE_max = {{ke:.4f}} eV")
            else:
                print(f"{{lam_nm}} nm: E = {{E:.4f}} eV, no emission")
        print("wavelengths causing emission:", emitting)
        """
    r2 = b.call("execute_python", _code(code), ["Tabulating the photon energies.", "Running the table."])
    lines = r2.output.strip().splitlines()
    first = _numbers(lines[0])
    count = int(_numbers(lines[-1])[-1])
    b.observe(["The table shows {c} of the {n} wavelengths above the threshold; at {l} nm, E = {e} eV.",
               "From the table: {c} of {n} wavelengths eject electrons; the shortest ({l} nm) photons have {e} eV."],
              c=count, n=len(lams), l=lams[0], e=f"{first[1]:.4f}")
    r3 = b.call("physics", {"operation": "waves", "kind": "photon_energy", "wavelength": f"{lams[0]} nm"},
                ["Cross-checking the {l} nm row with the photon-energy formula.",
                 "Let me double-check one row, {l} nm, with the physics tool."], l=lams[0])
    if abs(r3.value["E_eV"] - first[1]) > 1e-3:
        raise TraceBuildError(f"photon energy check failed: {r3.output!r} vs {lines[0]!r}")
    b.observe(["{o} — it agrees with the table.", "The tool gives {o}, consistent with the table."], o=r3.output)
    if ask == "ke":
        ke = first[2]
        return b.finish(f"{ke:.4f} eV", ["At {l} nm, KE_max = {k} eV.", "The maximum kinetic energy at {l} nm is "
                                                                      "{k} eV."], l=lams[0], k=f"{ke:.4f}")
    return b.finish(str(count), ["{c} of the wavelengths cause emission.", "So emission happens for {c} "
                                                                            "wavelength{s}."],
                    c=count, s="" if count == 1 else "s")


# ======================================================================================================
# 9. design a parallel resistor (symbolic_math) and analyse it (physics)
_PAIRS = [(a, bb) for a in range(2, 121) for bb in range(a + 1, 241) if (a * bb) % (a + bb) == 0]


@template(CAT, "parallel_resistor_design", tools=("symbolic_math", "physics"))
def parallel_resistor_design(rng: random.Random, difficulty: str) -> Spec:
    pool = [pr for pr in _PAIRS if pr[1] <= {"easy": 30, "medium": 100, "hard": 240}[difficulty]]
    r1, rx = rng.choice(pool)
    if rng.random() < 0.5:
        r1, rx = rx, r1
    rt = r1 * rx // (r1 + rx)
    volts = rng.choice([3, 5, 6, 9, 12, 24, 48, 110, 120, 230])
    ask = rng.choice(["current", "power"])
    what = "current through the added resistor (A)" if ask == "current" else "power dissipated in the added resistor (W)"
    q = pick(rng, [
        "A {a} Ω resistor is to be combined in parallel with a second resistor so that the combination is {t} Ω. "
        "What resistance is needed, and with {v} V across the pair, what is the {w}?",
        "You need {t} Ω but only have a {a} Ω resistor. Which resistor in parallel with it gives {t} Ω? The pair is "
        "connected to a {v} V supply: find the {w}.",
    ], a=r1, t=rt, v=volts, w=what)
    answer = ref(volts / rx, "A") if ask == "current" else ref(volts * volts / rx, "W")
    return Spec(q, {"r1": r1, "rt": rt, "volts": volts, "ask": ask}, answer)


@parallel_resistor_design.solver
def _(p: dict, b: TraceBuilder) -> str:
    r1, rt, volts, ask = p["r1"], p["rt"], p["volts"], p["ask"]
    b.think(["For resistors in parallel 1/R_total = 1/R1 + 1/R, so the unknown R solves 1/{a} + 1/R = 1/{t}.",
             "Parallel combination: 1/{a} + 1/R = 1/{t}. I'll solve for R, confirm the total, then use the "
             "full {v} V across R."], a=r1, t=rt, v=volts)
    r = b.call("symbolic_math", {"operation": "solve", "equation": f"1/{r1} + 1/R = 1/{rt}", "variable": "R"},
               ["Solving for R.", "Finding the required resistance."])
    rx = r.value[0] if isinstance(r.value, list) else r.value
    rx_num = int(rx) if float(rx).is_integer() else float(rx)
    b.observe(["R = {r} Ω.", "The second resistor must be {r} Ω."], r=num(rx_num))
    r2 = b.call("physics", {"operation": "electricity", "kind": "parallel", "resistances": [r1, rx_num]},
                ["Checking the combination.", "Confirming that {a} Ω ∥ {r} Ω gives {t} Ω."], a=r1, r=num(rx_num), t=rt)
    b.observe(["Confirmed: {o}.", "{o} — as required."], o=r2.output)
    b.think("In parallel each resistor has the full {v} V across it.", v=volts)
    r3 = b.call("physics", {"operation": "electricity", "kind": "ohms_law" if ask == "current" else "power",
                            "V": volts, "R": rx_num},
                ["Current through the {r} Ω resistor.", "Ohm's law for the {r} Ω branch."] if ask == "current" else
                ["Power in the {r} Ω resistor, P = V²/R.", "Power dissipated by the {r} Ω branch."], r=num(rx_num))
    key, unit = ("I", "A") if ask == "current" else ("P", "W")
    val = ans(r3.value[key])
    b.observe(["{k} = {x} {u}.", "So {k} = {x} {u}."], k=key, x=val, u=unit)
    return b.finish(f"{val} {unit}")


# ======================================================================================================
# 10. design an oscillator: solve the period formula (symbolic_math), analyse it (physics.shm)
@template(CAT, "oscillator_design", tools=("symbolic_math", "physics"))
def oscillator_design(rng: random.Random, difficulty: str) -> Spec:
    kind = rng.choice(["pendulum", "spring"])
    period = {"easy": rng.choice([1, 2, 3, 4, 5, 6]), "medium": rng.choice([0.5, 1.5, 2.5, 1.2, 0.8, 3.5, 0.6, 4.5]),
              "hard": round(rng.uniform(0.2, 6), 2)}[difficulty]
    if kind == "pendulum":
        g2, place = rng.choice([(1.62, "the Moon"), (3.71, "Mars"), (24.79, "Jupiter"), (8.87, "Venus")])
        q = pick(rng, [
            "A simple pendulum is to have a period of {T} s on Earth (g = 9.81 m/s²). How long must it be? If the "
            "same pendulum is taken to {pl} (g = {g2} m/s²), what is its period there (s)?",
            "Design a pendulum with period {T} s where g = 9.81 m/s², then find its period on {pl}, where "
            "g = {g2} m/s².",
        ], T=num(period), pl=place, g2=g2)
        length = r6(G * period**2 / (4 * math.pi**2))
        t2 = 2 * math.pi * math.sqrt(length / g2)
        return Spec(q, {"kind": kind, "T": period, "g2": g2, "place": place}, ref(t2, "s"))
    m = {"easy": rng.choice([0.5, 1, 2, 3, 4, 5, 10]), "medium": rng.choice([0.25, 0.75, 1.5, 3, 4, 0.2, 6]),
         "hard": round(rng.uniform(0.05, 20), 2)}[difficulty]
    q = pick(rng, [
        "A {m} kg mass on a spring should oscillate with a period of {T} s. What spring constant (N/m) is needed?",
        "Choose the stiffness k (in N/m) of a spring so that a {m} kg block attached to it has a period of {T} s.",
    ], m=num(m), T=num(period))
    k = 4 * math.pi**2 * m / period**2
    return Spec(q, {"kind": kind, "T": period, "m": m}, ref(k, "N/m"))


def _solve_formula(b: TraceBuilder, formula: str, unknown: str, values: dict[str, float], unit: str) -> float:
    """Solve `formula` for `unknown` symbolically, then substitute `values`: the formula's rearrangement
    is the same for every problem (one cached tool call), and the numbers go in only at the end, as a
    careful solver would do it."""
    r = b.call("symbolic_math", {"operation": "solve", "equation": formula, "variable": unknown},
               ["Solving {f} for {n} symbolically.", "Rearranging {f} for {n}."], f=caret(formula), n=unknown)
    expr = str(r.value[0])
    b.observe(["So {n} = {e}.", "Rearranged: {n} = {e}."], n=unknown, e=caret(expr))
    shown = ", ".join(f"{k} = {num(v)}" for k, v in values.items())
    r2 = b.call("symbolic_math", {"operation": "evaluate", "expression": expr, "substitutions": dict(values)},
                ["Substituting {v}.", "Now plugging in {v}."], v=shown)
    x = float(r2.value)
    b.observe(["{n} = {x} {u}.", "So {n} must be {x} {u}."], n=unknown, x=fmt(r6(x)), u=unit)
    return x


@oscillator_design.solver
def _(p: dict, b: TraceBuilder) -> str:
    period = p["T"]
    if p["kind"] == "pendulum":
        b.think(["A simple pendulum has T = 2π√(L/g); I'll solve that for L, put in T = {T} s and g = 9.81 m/s², "
                 "then compute the period of that length under {pl}'s gravity.",
                 "Solve the period formula for the length, then reuse the length with g = {g2} m/s²."],
                T=num(period), pl=p["place"], g2=p["g2"])
        length = r6(_solve_formula(b, "T = 2*pi*sqrt(L/g)", "L", {"T": period, "g": G}, "m"))
        r2 = b.call("physics", {"operation": "shm", "kind": "pendulum", "L": length, "g": p["g2"]},
                    ["Period of this pendulum on {pl}.", "Now the same length with g = {g2} m/s²."],
                    pl=p["place"], g2=p["g2"])
        t2 = ans(r2.value["T"])
        b.observe(["On {pl} the period is {t} s.", "T = {t} s there."], pl=p["place"], t=t2)
        b.think(["Sanity check: weaker gravity means a slower swing, and T scales as 1/√g, so the ratio {t}/{T} "
                 "should be √(9.81/{g2}) — it is.",
                 "That fits T ∝ 1/√g: the period changes by a factor √(9.81/{g2})."], t=t2, T=num(period),
                g2=p["g2"])
        return b.finish(f"{t2} s")
    m = p["m"]
    b.think(["For a mass on a spring T = 2π√(m/k); I'll solve it for k, put in m = {m} kg and T = {T} s, and check "
             "the period with the physics tool.",
             "Solve the spring period formula for k, substitute the numbers, then verify the resulting period."],
            m=num(m), T=num(period))
    k_raw = _solve_formula(b, "T = 2*pi*sqrt(m/k)", "k", {"m": m, "T": period}, "N/m")
    k = r6(k_raw)
    r2 = b.call("physics", {"operation": "shm", "kind": "spring", "k": k, "m": m},
                ["Verifying the period with k = {k} N/m.", "Checking: period of {m} kg on a {k} N/m spring."],
                k=fmt(k), m=num(m))
    b.observe(["{o} — the period is {T} s as required (up to rounding of k).",
               "The check gives {o}, matching the target {T} s."], o=r2.output, T=num(period))
    return b.finish(f"{ans(k_raw)} N/m")


# ======================================================================================================
# 11. balance an equation by integer constraints (logic_solver), confirm with chemistry
_BALANCE = [
    "C3H8 + O2 -> CO2 + H2O", "CH4 + O2 -> CO2 + H2O", "C2H6 + O2 -> CO2 + H2O", "Fe + O2 -> Fe2O3",
    "Al + O2 -> Al2O3", "N2 + H2 -> NH3", "KClO3 -> KCl + O2", "Fe2O3 + CO -> Fe + CO2", "C6H12O6 + O2 -> CO2 + H2O",
    "NH3 + O2 -> NO + H2O", "Al + HCl -> AlCl3 + H2", "P4 + O2 -> P4O10", "Na + H2O -> NaOH + H2",
    "C4H10 + O2 -> CO2 + H2O", "SO2 + O2 -> SO3", "Cu + AgNO3 -> Cu(NO3)2 + Ag", "C2H5OH + O2 -> CO2 + H2O",
    "Fe + Cl2 -> FeCl3", "H2O2 -> H2O + O2", "C8H18 + O2 -> CO2 + H2O", "Mg + N2 -> Mg3N2",
    "Al + Fe2O3 -> Al2O3 + Fe", "NaHCO3 -> Na2CO3 + H2O + CO2", "Ca(OH)2 + HCl -> CaCl2 + H2O",
    "C5H12 + O2 -> CO2 + H2O", "FeS2 + O2 -> Fe2O3 + SO2", "PCl5 + H2O -> H3PO4 + HCl",
]


@cache  # parsing a formula with periodictable's pyparsing grammar is ~1 ms; the reactions repeat
def _atoms(formula: str) -> dict[str, int]:
    """Atom counts of `formula` (shared between callers: do not modify)."""
    return {str(e): int(n) for e, n in periodictable.formula(formula).atoms.items()}


def _balanced_coefficients(eq: str) -> list[int]:
    """Smallest positive integer coefficients: the (one-dimensional) nullspace of the atom matrix, scaled."""
    lhs, rhs = (side.split(" + ") for side in eq.split(" -> "))
    species = lhs + rhs
    atoms = [_atoms(s) for s in species]
    elements = sorted({e for a in atoms for e in a})
    mat = sp.Matrix([[a.get(el, 0) * (1 if i < len(lhs) else -1) for i, a in enumerate(atoms)] for el in elements])
    space = mat.nullspace()
    if len(space) != 1:
        raise ValueError(f"{eq}: no unique balance")
    vec = space[0]
    scale = sp.ilcm(*[sp.fraction(v)[1] for v in vec])
    ints = [int(v * scale) for v in vec]
    g = math.gcd(*ints)
    ints = [abs(v // g) for v in ints]
    if any(v == 0 for v in ints):
        raise ValueError(f"{eq}: a zero coefficient")
    return ints


def _equation_text(species_l: list[str], species_r: list[str], coeffs: list[int]) -> str:
    def side(sp_: list[str], cs: list[int]) -> str:
        return " + ".join(f"{c if c > 1 else ''}{s}" for s, c in zip(sp_, cs, strict=True))

    return f"{side(species_l, coeffs[:len(species_l)])} -> {side(species_r, coeffs[len(species_l):])}"


_BALANCED: dict[str, list[int]] = {}


@template(CAT, "balance_by_constraints", tools=("logic_solver", "chemistry"))
def balance_by_constraints(rng: random.Random, difficulty: str) -> Spec:
    pool = {"easy": _BALANCE[:9], "medium": _BALANCE[:18], "hard": _BALANCE[9:]}[difficulty]
    eq = rng.choice(pool)
    if eq not in _BALANCED:
        _BALANCED[eq] = _balanced_coefficients(eq)
    lhs, rhs = (side.split(" + ") for side in eq.split(" -> "))
    species = lhs + rhs
    coeffs = _BALANCED[eq]
    ask = rng.choice(["equation", "equation", "coefficient", "sum"])
    if ask == "equation":
        q = pick(rng, [
            "Balance {e} by writing one conservation equation per element and solving for the smallest positive "
            "integer coefficients. Give the balanced equation.",
            "Set up atom-balance constraints for {e} and find the smallest whole-number coefficients. What is the "
            "balanced equation?",
            "Use a constraint solver to balance the reaction {e} (smallest positive integer coefficients), and "
            "check the result.",
        ], e=eq)
        return Spec(q, {"eq": eq, "ask": ask}, _equation_text(lhs, rhs, coeffs))
    if ask == "coefficient":
        target = rng.choice(species)
        q = pick(rng, [
            "When {e} is balanced with the smallest whole-number coefficients, what is the coefficient of {s}? Set "
            "it up as integer constraints (one per element).",
            "Find the coefficient of {s} in the balanced form of {e} (smallest positive integers), using atom "
            "conservation equations.",
        ], e=eq, s=target)
        return Spec(q, {"eq": eq, "ask": ask, "target": target}, str(coeffs[species.index(target)]))
    q = pick(rng, [
        "Balance {e} with the smallest positive integer coefficients (write an atom-balance equation for each "
        "element). What is the sum of the coefficients?",
        "What is the sum of all coefficients in {e} once it is balanced with the smallest whole numbers? Derive "
        "them from element-conservation constraints.",
    ], e=eq)
    return Spec(q, {"eq": eq, "ask": ask}, str(sum(coeffs)))


@balance_by_constraints.solver
def _(p: dict, b: TraceBuilder) -> str:
    eq = p["eq"]
    lhs, rhs = (side.split(" + ") for side in eq.split(" -> "))
    species = lhs + rhs
    letters = "abcdefgh"[:len(species)]
    atoms = [_atoms(s) for s in species]
    elements = list(dict.fromkeys(re.findall(r"[A-Z][a-z]?", "".join(species))))  # in order of appearance
    cons = []
    for el in elements:
        left = " + ".join(f"{a[el]}*{x}" if a[el] > 1 else x for x, a in zip(letters[:len(lhs)], atoms[:len(lhs)],
                                                                            strict=True) if el in a)
        right = " + ".join(f"{a[el]}*{x}" if a[el] > 1 else x for x, a in zip(letters[len(lhs):], atoms[len(lhs):],
                                                                            strict=True) if el in a)
        cons.append(f"{left} == {right}")
    b.think(["Give the species coefficients {v}. Each element must appear equally often on both sides: {c}.",
             "Unknown coefficients {v} (positive integers). Conservation of atoms, element by element: {c}."],
            v=", ".join(f"{x} ({s})" for x, s in zip(letters, species, strict=True)),
            c="; ".join(f"{el}: {_pretty_eq(c)}" for el, c in zip(elements, cons, strict=True)))
    cons = list(dict.fromkeys(cons)) + [f"{x} >= 1" for x in letters]  # two elements may give one equation
    objective = " + ".join(letters)
    r = b.call("logic_solver", ls_args("solve_constraints", cons, {x: "int" for x in letters},
                                       objective=objective, direction="minimize"),
               ["Any multiple of a solution is also a solution, so I minimise the sum of coefficients to get the "
                "smallest set.", "Solving for the smallest positive integer coefficients (minimising their sum)."])
    model = result_model(r)
    if not all(x in model for x in letters):
        raise TraceBuildError(f"incomplete model {r.output!r}")
    coeffs = [int(model[x]) for x in letters]
    text = _equation_text(lhs, rhs, coeffs)
    b.observe(["Coefficients: {m}, i.e. {e}.", "The solver gives {m}: {e}."],
              m=", ".join(f"{x} = {c}" for x, c in zip(letters, coeffs, strict=True)), e=text)
    r2 = b.call("chemistry", {"operation": "balance_equation", "equation": eq},
                ["Cross-checking with the chemistry tool's balancer.", "Let me confirm with the equation balancer."])
    if r2.value["equation"].replace(" ", "") != text.replace(" ", ""):
        raise TraceBuildError(f"balance disagrees: {r2.output!r} vs {text!r}")
    b.observe(["The balancer agrees: {o}.", "Same result: {o}."], o=r2.output)
    ask = p.get("ask", "equation")
    if ask == "coefficient":
        c = coeffs[species.index(p["target"])]
        return b.finish(str(c), ["The coefficient of {s} is {c}.", "So {s} gets the coefficient {c}."],
                        s=p["target"], c=c)
    if ask == "sum":
        return b.finish(str(sum(coeffs)), ["The coefficients sum to {t} = {v}.", "Sum: {t} = {v}."],
                        t=" + ".join(map(str, coeffs)), v=sum(coeffs))
    return b.finish(text)


def _pretty_eq(text: str) -> str:
    return re.sub(r"(\d)\*([a-z])", r"\1\2", text).replace("==", "=")


# ======================================================================================================
# 12. limit (symbolic_math) confirmed by a table of values (execute_python)
def _limit_problem(rng: random.Random, difficulty: str) -> tuple[str, str, sp.Expr]:
    """(expression in x, point "0" or "oo", exact limit from the closed form)."""
    a = rng.randint(2, 9)
    bb = rng.randint(2, 9)
    fams = ["cos", "sin", "exp", "sqrt", "log", "tan", "pow"]
    fam = rng.choice(fams if difficulty != "easy" else ["sin", "exp", "tan", "log"])
    if fam == "cos":
        return f"(1 - cos({a}*x))/x**2", "0", sp.Rational(a * a, 2)
    if fam == "sin":
        return f"sin({a}*x)/({bb}*x)", "0", sp.Rational(a, bb)
    if fam == "exp":
        return f"(exp({a}*x) - 1)/x", "0", sp.Integer(a)
    if fam == "sqrt":
        return f"(sqrt(1 + {a}*x) - 1)/x", "0", sp.Rational(a, 2)
    if fam == "log":
        return f"log(1 + {a}*x)/x", "0", sp.Integer(a)
    if fam == "tan":
        return f"tan({a}*x)/sin({bb}*x)", "0", sp.Rational(a, bb)
    return f"(1 + {a}/x)**x", "oo", sp.exp(a)


@template(CAT, "limit_numeric_table", tools=("symbolic_math", "execute_python"))
def limit_numeric_table(rng: random.Random, difficulty: str) -> Spec:
    expr, point, value = _limit_problem(rng, difficulty)
    pt = "∞" if point == "oo" else "0"
    q = pick(rng, [
        "Find the exact value of lim_(x→{p}) {e}, and support it with a table of values.",
        "Evaluate the limit of {e} as x → {p}. Check it numerically by evaluating the expression closer and closer "
        "to the limit point.",
        "What is lim x→{p} of {e}? Confirm your answer with numerical values.",
    ], p=pt, e=show(expr, rng))
    return Spec(q, {"expr": expr, "point": point}, str(value))


@limit_numeric_table.solver
def _(p: dict, b: TraceBuilder) -> str:
    expr, point = p["expr"], p["point"]
    b.think(["Direct substitution gives an indeterminate form, so I'll compute the limit symbolically and then "
             "look at values approaching the point.",
             "This is an indeterminate form at x → {p}. Exact limit first, then a numerical table as a check."],
            p="∞" if point == "oo" else "0")
    r = b.call("symbolic_math", {"operation": "limit", "expression": expr, "variable": "x", "point": point},
               ["Computing the limit.", "Taking the limit with SymPy."])
    exact = r.output
    b.observe(["The limit is {e}.", "SymPy gives {e}."], e=exact)
    xs = "[10.0**k for k in range(1, 7)]" if point == "oo" else "[10.0**-k for k in range(1, 6)]"
    code = f"""
        from math import *

        def f(x):
            return {expr}

        for x in {xs}:
            print(f"x = {{x:g}}: f(x) = {{f(x):.10f}}")
        print(f"limit = {{{exact}:.10f}}")
        """
    r2 = b.call("execute_python", _code(code), ["Tabulating f(x) as x approaches the limit point.",
                                               "A table of values near the limit point."])
    lines = r2.output.strip().splitlines()
    vals = [_numbers(line)[-1] for line in lines]
    target = vals[-1]
    if abs(vals[-3] - target) > 1e-2 * max(1.0, abs(target)):
        raise TraceBuildError(f"table does not approach the limit: {r2.output!r}")
    b.observe(["The values settle towards {t} (e.g. {a} then {c}), which is {e}.",
               "The table converges to {t}, the decimal value of {e}."],
              t=f"{target:.6f}", a=f"{vals[2]:.6f}", c=f"{vals[4]:.6f}", e=exact)
    return b.finish(exact)


# ======================================================================================================
# 13. molecular formula from mass percentages: mole ratios (execute_python) → formula masses (chemistry)
_COMPOUNDS = [
    ("C6H12O6", "glucose"), ("C6H6", "benzene"), ("C2H6O2", "ethylene glycol"), ("H2O2", "hydrogen peroxide"),
    ("C6H14", "hexane"), ("C4H10", "butane"), ("C2H4O2", "acetic acid"), ("C8H10N4O2", "caffeine"),
    ("C10H14N2", "nicotine"), ("C6H8O6", "ascorbic acid"), ("C10H8", "naphthalene"), ("C8H8", "styrene"),
    ("N2O4", "dinitrogen tetroxide"), ("P4O10", "tetraphosphorus decoxide"), ("N2H4", "hydrazine"),
    ("C2H2O4", "oxalic acid"), ("C3H6O3", "lactic acid"), ("C4H8O2", "ethyl acetate"), ("C6H4Cl2", "dichlorobenzene"),
    ("C2H4Cl2", "dichloroethane"), ("C3H8O3", "glycerol"), ("C9H8O4", "aspirin"), ("C5H10O5", "ribose"),
    ("C4H4O4", "fumaric acid"), ("S2Cl2", "disulfur dichloride"), ("C7H6O2", "benzoic acid"),
]


def _formula_counts(formula: str) -> list[tuple[str, int]]:
    return [(el, int(n) if n else 1) for el, n in re.findall(r"([A-Z][a-z]?)(\d*)", formula)]


def _formula_text(counts: list[tuple[str, int]]) -> str:
    return "".join(f"{el}{n if n > 1 else ''}" for el, n in counts)


def _empirical_from_percent(pct: list[tuple[str, float]]) -> list[tuple[str, int]] | None:
    """The ratio method of the trace's program, to reject compounds it could not resolve (multiplier > 6)."""
    moles = [(el, v / float(f"{molar_mass(el):.3f}")) for el, v in pct]
    small = min(m for _, m in moles)
    for k in range(1, 7):
        scaled = [(el, m / small * k) for el, m in moles]
        if all(abs(v - round(v)) < 0.05 for _, v in scaled):
            return [(el, round(v)) for el, v in scaled]
    return None


@template(CAT, "molecular_formula", tools=("execute_python", "chemistry"))
def molecular_formula(rng: random.Random, difficulty: str) -> Spec:
    pool = {"easy": _COMPOUNDS[:9], "medium": _COMPOUNDS[:18], "hard": _COMPOUNDS[6:]}[difficulty]
    while True:
        formula, name = rng.choice(pool)
        counts = _formula_counts(formula)
        mass = molar_mass(formula)
        pct = [(el, round(100 * n * molar_mass(el) / mass, 2)) for el, n in counts]
        if _empirical_from_percent(pct) is not None:
            break
    given_mass = round(mass, rng.choice([1, 2]))
    hide = rng.random() < 0.5
    comp = ", ".join(f"{p}% {el}" for el, p in pct)
    what = "a compound" if hide else name
    q = pick(rng, [
        "Analysis of {w} gives {c} by mass, and its molar mass is {m} g/mol. What is its molecular formula?",
        "{W} contains {c} (mass percentages). Its molar mass is about {m} g/mol. Determine the empirical and the "
        "molecular formula; give the molecular formula.",
        "A sample of {w} is {c} by mass. If the molar mass is {m} g/mol, what is the molecular formula?",
    ], w=what, W=what[:1].upper() + what[1:], c=comp, m=num(given_mass))
    return Spec(q, {"pct": pct, "M": given_mass}, formula)


@molecular_formula.solver
def _(p: dict, b: TraceBuilder) -> str:
    pct, big_m = [(el, v) for el, v in p["pct"]], p["M"]
    b.think(["Take 100 g of the compound, so the percentages are grams. Dividing by atomic masses gives moles; "
             "dividing by the smallest gives the mole ratio, which may need a small multiplier to become whole "
             "numbers. That is the empirical formula; the molar mass then fixes the molecular formula.",
             "Standard route: grams per 100 g → moles of each element → ratio to the smallest → whole numbers "
             "(empirical formula) → scale by molar mass / empirical formula mass."])
    masses = ", ".join(f'"{el}": {molar_mass(el):.3f}' for el, _ in pct)
    percent = ", ".join(f'"{el}": {v}' for el, v in pct)
    code = f"""
        masses = {{{masses}}}
        percent = {{{percent}}}          # grams in a 100 g sample
        moles = {{el: percent[el] / masses[el] for el in percent}}
        smallest = min(moles.values())
        ratios = {{el: n / smallest for el, n in moles.items()}}
        print("mole ratios:", ", ".join(f"{{el}} {{r:.3f}}" for el, r in ratios.items()))
        for k in range(1, 7):
            scaled = {{el: r * k for el, r in ratios.items()}}
            if all(abs(v - round(v)) < 0.05 for v in scaled.values()):
                print("multiplier:", k)
                print("empirical formula:", "".join(f"{{el}}{{round(v) if round(v) > 1 else ''}}" for el, v in scaled.items()))
                break
        """
    r = b.call("execute_python", _code(code), ["Computing the mole ratios.", "Working out moles and ratios in "
                                                                          "Python."])
    m = re.search(r"empirical formula:\s*(\S+)", r.output)
    if not m:
        raise TraceBuildError(f"no empirical formula in {r.output!r}")
    empirical = m.group(1)
    b.observe(["The ratios round to whole numbers giving the empirical formula {e}.",
               "Empirical formula: {e}."], e=empirical)
    r2 = b.call("chemistry", {"operation": "molecular_weight", "formula": empirical},
                ["Mass of one empirical unit, {e}.", "Formula mass of {e}."], e=empirical)
    m_emp = float(r2.value)
    k = round(big_m / m_emp)
    b.observe(["{e} has a formula mass of {x} g/mol; {M}/{x} ≈ {r}, so the molecule contains {k} empirical "
               "unit{s}.", "M({e}) = {x} g/mol, and {M} / {x} = {r} ≈ {k}."],
              e=empirical, x=fmt(m_emp), M=num(big_m), r=f"{big_m / m_emp:.3f}", k=k, s="" if k == 1 else "s")
    if abs(big_m / m_emp - k) > 0.05:
        raise TraceBuildError(f"molar mass {big_m} is not a multiple of {empirical} ({m_emp})")
    molecular = _formula_text([(el, n * k) for el, n in _formula_counts(empirical)])
    r3 = b.call("chemistry", {"operation": "percent_composition", "formula": molecular},
                ["Checking {f} against the given percentages.", "Verifying the composition of {f}."], f=molecular)
    b.observe(["{o} — matching the analysis.", "The composition {o} agrees with the data."], o=r3.output)
    return b.finish(molecular, ["The molecular formula is {f}.", "So the compound is {f}."], f=molecular)

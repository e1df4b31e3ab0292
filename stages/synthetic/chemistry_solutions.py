"""Solution chemistry templates: pH of strong and weak acids and bases, percent ionisation, dilution,
molarity, molality and preparing solutions, solved with the `chemistry` tool.

Acids and bases are real ones with their textbook Ka/Kb values at 25 °C. Reference answers are computed
here: strong acids/bases from the exact [H+] = C/2 + √(C²/4 + Kw) (water included, as the tool does),
weak ones by solving the charge balance h³ + K h² − (K C + Kw) h − K Kw = 0 with Newton's method from
the quadratic root, C1V1 = C2V2 and n = m/M with `periodictable` masses — never through the tool.
"""

from __future__ import annotations

import math
import random
from typing import Any

import periodictable

from stages.synthetic.base import Spec, TraceBuilder, template
from stages.synthetic.chemistry_fundamentals import molar_mass, name_of
from stages.synthetic.phrasing import pick
from stages.synthetic.science_text import fixed, grid, num, qty, si, sig

CAT = "chemistry_solutions"
CH = ("chemistry",)
KW = 1.0e-14

STRONG_ACIDS = {"HCl": "hydrochloric acid", "HNO3": "nitric acid", "HBr": "hydrobromic acid",
                "HClO4": "perchloric acid", "HI": "hydroiodic acid"}
STRONG_BASES = {"NaOH": ("sodium hydroxide", 1), "KOH": ("potassium hydroxide", 1), "LiOH": ("lithium hydroxide", 1),
                "Ba(OH)2": ("barium hydroxide", 2), "Sr(OH)2": ("strontium hydroxide", 2),
                "Ca(OH)2": ("calcium hydroxide", 2)}
WEAK_ACIDS = {"acetic acid": ("CH3COOH", 1.8e-5), "formic acid": ("HCOOH", 1.8e-4), "hydrofluoric acid": ("HF", 6.8e-4),
              "nitrous acid": ("HNO2", 4.5e-4), "benzoic acid": ("C6H5COOH", 6.3e-5),
              "hypochlorous acid": ("HClO", 3.0e-8), "hydrocyanic acid": ("HCN", 4.9e-10),
              "lactic acid": ("C3H6O3", 1.4e-4), "propanoic acid": ("C2H5COOH", 1.3e-5),
              "phenol": ("C6H5OH", 1.0e-10)}
WEAK_BASES = {"ammonia": ("NH3", 1.8e-5), "methylamine": ("CH3NH2", 4.4e-4), "pyridine": ("C5H5N", 1.7e-9),
              "aniline": ("C6H5NH2", 4.3e-10), "trimethylamine": ("(CH3)3N", 6.4e-5),
              "ethylamine": ("C2H5NH2", 5.6e-4), "hydrazine": ("N2H4", 1.3e-6)}
# Rough upper limits (mol/L) for solutions a lab would make at room temperature; default 3 M.
MAX_MOLARITY = {"KMnO4": 0.4, "CuSO4·5H2O": 1.2, "Na2CO3": 1.5, "NaHCO3": 1.0, "AgNO3": 3.0, "KNO3": 2.5,
                "C12H22O11": 2.0, "Na2SO4": 1.2, "KCl": 3.0, "MgSO4·7H2O": 2.0, "CO(NH2)2": 3.0}


def max_molarity(formula: str) -> float:
    return MAX_MOLARITY.get(formula, 3.0)


SOLUTES = ["NaCl", "KCl", "C6H12O6", "NaOH", "CaCl2", "KNO3", "C12H22O11", "Na2CO3", "CuSO4·5H2O", "MgSO4·7H2O",
           "NH4NO3", "AgNO3", "KMnO4", "CO(NH2)2", "KI", "Na2SO4", "MgCl2", "NaHCO3", "ZnCl2"]


def _chem(operation: str, **args: Any) -> dict[str, Any]:
    return {"operation": operation, **args}


# -- closed forms ---------------------------------------------------------------------------------
def strong_x(c: float) -> float:
    """[H+] of a strong monoprotic acid (or [OH-] of a base) at formal concentration c, water included."""
    return c / 2 + math.sqrt(c * c / 4 + KW)


def weak_x(c: float, k: float) -> float:
    """[H+] of a weak acid (or [OH-] of a weak base): root of h³ + K h² − (K C + Kw) h − K Kw = 0."""
    h = (-k + math.sqrt(k * k + 4 * k * c)) / 2 + math.sqrt(KW)
    for _ in range(100):
        f = ((h + k) * h - (k * c + KW)) * h - k * KW
        df = 3 * h * h + 2 * k * h - (k * c + KW)
        step = f / df
        h -= step
        if abs(step) < 1e-15 * h:
            break
    return h


def sci(k: float) -> str:
    """An equilibrium constant as textbooks print it: 1.8e-05 → "1.8 × 10^-5"."""
    mant, exp = f"{k:.1e}".split("e")
    return f"{mant.removesuffix('.0')} × 10^{int(exp)}"


def ph_text(x: float) -> str:
    return f"pH = {fixed(x, 3)}"


def _conc_text(rng: random.Random, c: float, difficulty: str) -> str:
    if difficulty != "easy" and c < 0.1 and rng.random() < 0.5:
        return f"{num(c * 1000)} mM"
    return f"{num(c)} M"


def _draw_conc(rng: random.Random, lo_exp: int = -4, hi_exp: int = -1) -> float:
    """A concentration a textbook would use, at most 0.5 M (concentrated solutions are far from ideal)."""
    while True:
        mant = rng.choice([1, 1.5, 2, 2.5, 3, 4, 5, 6, 7.5, 8]) if rng.random() < 0.7 else grid(rng, 1, 9.9, 0.1)
        c = si(mant * 10.0 ** rng.randint(lo_exp, hi_exp))
        if c <= 0.5:
            return c


def _mm_step(b: TraceBuilder, text: str) -> None:
    if text.endswith("mM"):
        b.think("Convert to molarity: {t} = {m} M.", t=text, m=num(float(text.split()[0]) / 1000))


# -- 1. strong acid pH ---------------------------------------------------------------------------
@template(CAT, "strong_acid_ph", tools=CH)
def strong_acid_ph(rng: random.Random, difficulty: str) -> Spec:
    acid = rng.choice(sorted(STRONG_ACIDS))
    name = STRONG_ACIDS[acid]
    if difficulty == "hard" and acid in ("HCl", "HNO3", "HBr", "HClO4"):
        while True:  # keep to dilute solutions (pH ≥ 0.3)
            mL = rng.choice([100, 250, 500, 1000, 2000])
            g = grid(rng, 0.05, 5, 0.05)
            c = g / _mm(acid) / (mL / 1000)
            if c <= 0.5:
                break
        q = pick(rng, ["{g} g of {f} is dissolved in water to make {v} mL of solution. What is the pH?",
                       "A solution is made by dissolving {g} g of {n} ({f}) in enough water for {v} mL. Find its pH."],
                 g=num(g), f=acid, n=name, v=mL)
        return Spec(q, {"acid": acid, "g": g, "mL": mL}, ph_text(-math.log10(strong_x(c))))
    c = _draw_conc(rng, -4 if difficulty != "easy" else -3, -1)
    text = _conc_text(rng, c, difficulty)
    q = pick(rng, ["What is the pH of a {c} solution of {n}?", "Calculate the pH of {c} {f}.",
                   "Find the pH of {n} ({f}) at a concentration of {c}.",
                   "A solution of {f} has concentration {c}. What is its pH?"], c=text, n=name, f=acid)
    return Spec(q, {"acid": acid, "c": c, "text": text}, ph_text(-math.log10(strong_x(c))))


def _mm(formula: str) -> float:
    extra = {"HBr": {"H": 1, "Br": 1}, "HClO4": {"H": 1, "Cl": 1, "O": 4}}
    if formula in extra:
        return math.fsum(periodictable.elements.symbol(el).mass * n for el, n in extra[formula].items())
    return molar_mass(formula)


@strong_acid_ph.solver
def _(p: dict, b: TraceBuilder) -> str:
    acid = p["acid"]
    b.think(["{f} is a strong acid, so it dissociates completely: [H+] equals its concentration.",
             "Strong acid: {f} → H+ + anion, fully. pH = −log10[H+]."], f=acid)
    if "g" in p:
        g, mL = p["g"], p["mL"]
        r0 = b.call("chemistry", _chem("concentration", kind="molarity", formula=acid, grams=g, volume_mL=mL),
                    "First the molarity from the mass and volume.")
        c = r0.value
        b.observe("The solution is {c} M in {f}.", c=sig(c, 6), f=acid)
    else:
        c = p["c"]
        _mm_step(b, p["text"])
        if c in (1e-1, 1e-2, 1e-3, 1e-4):
            b.think("[H+] = {c} M = 10^{e} M, so the pH is simply {p}.", c=num(c), e=round(math.log10(c)),
                    p=-round(math.log10(c)))
    r = b.call("chemistry", _chem("ph", concentration=c, type="acid", strong=True),
               ["Computing the pH with the tool.", "Let me get the pH (the tool also accounts for water's own "
                "ions, which only matters for very dilute acids)."])
    b.observe(["pH = {p} (pOH = {o}).", "The pH is {p}."], p=sig(r.value["pH"], 6), o=sig(r.value["pOH"], 6))
    return b.finish(ph_text(r.value["pH"]))


# -- 2. strong base pH ---------------------------------------------------------------------------
@template(CAT, "strong_base_ph", tools=CH)
def strong_base_ph(rng: random.Random, difficulty: str) -> Spec:
    pool = sorted(STRONG_BASES) if difficulty != "easy" else ["NaOH", "KOH", "LiOH"]
    base = rng.choice(pool)
    name, eq = STRONG_BASES[base]
    c = _draw_conc(rng, -4, -2 if eq == 2 else -1)
    if base == "Ca(OH)2":  # sparingly soluble: about 0.02 M at most
        c = min(c, 0.02)
    text = _conc_text(rng, c, difficulty)
    q = pick(rng, ["What is the pH of {c} {f}?", "Calculate the pH of a {c} solution of {n}.",
                   "Find the pH of {n} ({f}) at {c}.", "An aqueous solution of {f} is {c}. What is its pH at 25 °C?"],
             c=text, n=name, f=base)
    oh = strong_x(c * eq)
    return Spec(q, {"base": base, "c": c, "eq": eq, "text": text}, ph_text(-math.log10(KW / oh)))


@strong_base_ph.solver
def _(p: dict, b: TraceBuilder) -> str:
    base, c, eq = p["base"], p["c"], p["eq"]
    _mm_step(b, p["text"])
    if eq == 2:
        b.think(["{f} is a strong base that releases two OH- per formula unit, so [OH-] = 2 × {c} = {o} M.",
                 "Each {f} gives 2 OH-: [OH-] = {o} M."], f=base, c=num(c), o=num(2 * c))
    else:
        b.think(["{f} is a strong base: [OH-] = {c} M. Then pOH = −log10[OH-] and pH = 14 − pOH.",
                 "Complete dissociation of {f} gives [OH-] = {c} M."], f=base, c=num(c))
    args = _chem("ph", concentration=c, type="base", strong=True)
    if eq == 2:
        args["equivalents"] = 2
    r = b.call("chemistry", args, ["Computing the pH.", "Let me evaluate pOH and pH."])
    b.observe("pOH = {o}, so pH = {p}.", o=sig(r.value["pOH"], 6), p=sig(r.value["pH"], 6))
    b.think("A basic solution, pH above 7, as expected.")
    return b.finish(ph_text(r.value["pH"]))


# -- 3. weak acid pH -----------------------------------------------------------------------------
@template(CAT, "weak_acid_ph", tools=CH, weight=1.3)
def weak_acid_ph(rng: random.Random, difficulty: str) -> Spec:
    name = rng.choice(sorted(WEAK_ACIDS))
    formula, Ka = WEAK_ACIDS[name]
    c = _draw_conc(rng, -3, -1) if rng.random() < 0.85 else si(grid(rng, 0.2, 1.0, 0.05))
    text = _conc_text(rng, c, difficulty)
    use_pka = difficulty == "hard"
    pKa = round(-math.log10(Ka), 2)
    K = 10 ** -pKa if use_pka else Ka
    const = f"pKa = {pKa:.2f}" if use_pka else f"Ka = {sci(Ka)}"
    q = pick(rng, ["What is the pH of a {c} solution of {n} ({k})?", "Calculate the pH of {c} {n}, {k}.",
                   "{N} ({f}) has {k}. Find the pH of a {c} solution.",
                   "Find the pH of {c} {f} ({n}, {k}) at 25 °C."], c=text, n=name, N=name.capitalize(), f=formula,
             k=const)
    return Spec(q, {"name": name, "c": c, "K": K, "pKa": pKa if use_pka else None, "text": text},
                ph_text(-math.log10(weak_x(c, K))))


@weak_acid_ph.solver
def _(p: dict, b: TraceBuilder) -> str:
    c, K, name = p["c"], p["K"], p["name"]
    _mm_step(b, p["text"])
    if p["pKa"] is not None:
        b.think("Ka = 10^−{pk} = {k}.", pk=f"{p['pKa']:.2f}", k=f"{K:.3g}")
    approx = math.sqrt(K * c)
    b.think(["{n} is a weak acid: HA ⇌ H+ + A-, Ka = x²/(C − x). If x ≪ C, x ≈ √(Ka C) = √({k} × {c}) ≈ {x} M, "
             "pH ≈ {p}.", "Estimate first with the x ≪ C approximation: [H+] ≈ √(Ka·C) = {x} M, so pH ≈ {p}."],
            n=name.capitalize(), k=f"{K:.3g}", c=num(c), x=f"{approx:.3g}", p=f"{-math.log10(approx):.2f}")
    args = _chem("ph", concentration=c, type="acid", strong=False)
    args.update({"pKa": p["pKa"]} if p["pKa"] is not None else {"Ka": K})
    r = b.call("chemistry", args, ["Now the exact equilibrium (no approximation) with the tool.",
                                   "Let me solve the equilibrium exactly to check how good the estimate is."])
    v = r.value
    b.observe(["Exact pH = {p}; {i}% of the acid is ionised.", "The tool gives pH = {p} with {i}% ionisation."],
              p=sig(v["pH"], 6), i=sig(v["percent_ionization"], 3))
    close = abs(v["pH"] + math.log10(approx)) < 0.02
    b.think(["The estimate (pH ≈ {a}) {cmp} the exact value: {i}% ionisation {why}.",
             "With {i}% ionisation, {why}, and the estimate pH ≈ {a} {cmp} the exact result."],
            a=f"{-math.log10(approx):.2f}", i=sig(v["percent_ionization"], 3),
            cmp="agrees with" if close else "is noticeably off from",
            why="is small enough for the x ≪ C shortcut" if v["percent_ionization"] < 5
            else "is too large to neglect x next to C")
    return b.finish(ph_text(v["pH"]))


# -- 4. weak base pH -----------------------------------------------------------------------------
@template(CAT, "weak_base_ph", tools=CH)
def weak_base_ph(rng: random.Random, difficulty: str) -> Spec:
    name = rng.choice(sorted(WEAK_BASES))
    formula, Kb = WEAK_BASES[name]
    c = _draw_conc(rng, -3, -1)
    text = _conc_text(rng, c, difficulty)
    use_pkb = difficulty == "hard" and rng.random() < 0.6
    pKb = round(-math.log10(Kb), 2)
    K = 10 ** -pKb if use_pkb else Kb
    const = f"pKb = {pKb:.2f}" if use_pkb else f"Kb = {sci(Kb)}"
    q = pick(rng, ["What is the pH of a {c} solution of {n} ({k})?", "Calculate the pH of {c} {f} ({n}), {k}.",
                   "{N} has {k}. What is the pH of a {c} aqueous solution?"], c=text, n=name, N=name.capitalize(),
             f=formula, k=const)
    oh = weak_x(c, K)
    return Spec(q, {"name": name, "c": c, "K": K, "pKb": pKb if use_pkb else None, "text": text},
                ph_text(-math.log10(KW / oh)))


@weak_base_ph.solver
def _(p: dict, b: TraceBuilder) -> str:
    c, K, name = p["c"], p["K"], p["name"]
    _mm_step(b, p["text"])
    b.think(["{n} is a weak base: B + H2O ⇌ BH+ + OH-, Kb = x²/(C − x) with x = [OH-]. Then pH = 14 − pOH.",
             "Weak base equilibrium: solve for [OH-], take pOH, and pH = 14 − pOH."], n=name.capitalize())
    args = _chem("ph", concentration=c, type="base", strong=False)
    args.update({"pKb": p["pKb"]} if p["pKb"] is not None else {"Kb": K})
    r = b.call("chemistry", args, ["Solving the equilibrium exactly.", "Computing the pH with the tool."])
    v = r.value
    b.observe("[OH-] = {oh} M, pOH = {o}, pH = {p}.", oh=sig(v["OH-"], 4), o=sig(v["pOH"], 6), p=sig(v["pH"], 6))
    b.think("pOH + pH = {s}, and the solution is basic, as it should be.", s=sig(v["pOH"] + v["pH"], 4))
    return b.finish(ph_text(v["pH"]))


# -- 5. percent ionisation -----------------------------------------------------------------------
@template(CAT, "percent_ionization", tools=CH, weight=0.8)
def percent_ionization(rng: random.Random, difficulty: str) -> Spec:
    pool = sorted(n for n, (_, k) in WEAK_ACIDS.items() if k > 1e-6)
    name = rng.choice(pool)
    formula, Ka = WEAK_ACIDS[name]
    c = _draw_conc(rng, -3 if difficulty != "easy" else -2, -1)
    h = weak_x(c, Ka)
    pct = 100 * (h - KW / h) / c
    q = pick(rng, ["What percentage of {n} molecules are ionised in a {c} M solution (Ka = {k})?",
                   "Find the percent ionisation of {c} M {f} (Ka = {k}).",
                   "A {c} M solution of {n} (Ka = {k}): what is its percent ionization?"],
             n=name, c=num(c), f=formula, k=sci(Ka))
    return Spec(q, {"name": name, "c": c, "Ka": Ka}, f"{sig(pct, 3)}%")


@percent_ionization.solver
def _(p: dict, b: TraceBuilder) -> str:
    c, Ka = p["c"], p["Ka"]
    b.think(["Percent ionisation = [A-]/C × 100, where [A-] comes from the equilibrium Ka = x²/(C − x).",
             "I need the equilibrium [A-] for {c} M {n}; then divide by the initial concentration."], c=num(c),
            n=p["name"])
    r = b.call("chemistry", _chem("ph", concentration=c, type="acid", strong=False, Ka=Ka),
               "The pH operation solves the equilibrium and reports the ionisation.")
    v = r.value
    b.observe("{i}% ionised (pH = {p}).", i=sig(v["percent_ionization"], 6), p=sig(v["pH"], 6))
    b.think("Dilute weak acids ionise more; at {c} M, {i}% is {w}.", c=num(c), i=sig(v["percent_ionization"], 3),
            w="small, as expected for a weak acid" if v["percent_ionization"] < 10 else "sizeable because the "
                                                                                          "solution is dilute")
    return b.finish(f"{sig(v['percent_ionization'], 3)}%")


# -- 6. dilution: volume of stock ----------------------------------------------------------------
STOCKS = [("hydrochloric acid", 12.0), ("sulfuric acid", 18.0), ("nitric acid", 15.8), ("sodium hydroxide", 10.0),
          ("ammonia", 14.8), ("acetic acid", 17.4), ("NaCl", 5.0), ("CuSO4", 1.0), ("glucose", 2.0),
          ("KMnO4", 0.5), ("phosphate buffer", 1.0)]


@template(CAT, "dilution_volume", tools=CH, weight=1.2)
def dilution_volume(rng: random.Random, difficulty: str) -> Spec:
    what, C1 = rng.choice(STOCKS)
    if difficulty == "easy":
        C1 = rng.choice([1, 2, 5, 6, 10, 12])
    V2 = rng.choice([50, 100, 200, 250, 500, 1000, 2000])
    C2 = si(C1 * rng.choice([0.5, 0.25, 0.2, 0.1, 0.05, 0.02, 0.01, 0.025, 0.04]) if difficulty == "easy"
            else grid(rng, 0.01, C1 / 2, 0.01))
    unit_L = difficulty == "hard" and V2 >= 1000
    vol = f"{num(V2 / 1000)} L" if unit_L else f"{V2} mL"
    q = pick(rng, ["How many mL of {C1} M {w} stock are needed to prepare {v} of {C2} M solution?",
                   "You need {v} of {C2} M {w}. What volume of the {C1} M stock should you dilute (in mL)?",
                   "What volume (mL) of {C1} M {w} must be diluted to make {v} of a {C2} M solution?"],
             C1=num(C1), w=what, v=vol, C2=num(C2))
    return Spec(q, {"C1": C1, "C2": C2, "V2": V2, "L": unit_L}, qty(C2 * V2 / C1, "mL"))


@dilution_volume.solver
def _(p: dict, b: TraceBuilder) -> str:
    C1, C2, V2 = p["C1"], p["C2"], p["V2"]
    if p["L"]:
        b.think("Work in mL: {l} L = {m} mL.", l=num(V2 / 1000), m=V2)
    b.think(["Moles of solute are unchanged by dilution: C1V1 = C2V2, so V1 = C2V2/C1.",
             "Dilution keeps the amount of solute fixed: C1V1 = C2V2."])
    r = b.call("chemistry", _chem("dilution", C1=C1, C2=C2, V2=V2),
               ["Solving for V1 (the result is in mL, like V2).", "Computing V1."])
    V1 = r.value
    b.observe("V1 = {v} mL.", v=sig(V1, 6))
    b.think("So measure {v} mL of stock and make it up to {t} mL with water; V1 < V2 as it must be.",
            v=sig(V1, 4), t=V2)
    return b.finish(qty(V1, "mL"))


# -- 7. dilution: final concentration after adding water -----------------------------------------
@template(CAT, "dilution_concentration", tools=CH)
def dilution_concentration(rng: random.Random, difficulty: str) -> Spec:
    solute = rng.choice(SOLUTES + list(STRONG_ACIDS))
    C1 = grid(rng, 0.1, min(6.0, max_molarity(solute)), 0.05)
    V1 = rng.choice([5, 10, 20, 25, 50, 75, 100, 150, 200, 250])
    if difficulty == "easy":
        V2 = V1 * rng.randint(2, 10)
        q = pick(rng, ["{v1} mL of {c1} M {s} is diluted to a final volume of {v2} mL. What is the new concentration?",
                       "A {c1} M {s} solution ({v1} mL) is made up to {v2} mL with water. Find the final molarity."],
                 v1=V1, c1=num(C1), s=solute, v2=V2)
        return Spec(q, {"C1": C1, "V1": V1, "V2": V2, "added": None}, qty(C1 * V1 / V2, "M"))
    added = rng.choice([10, 25, 40, 50, 60, 75, 100, 150, 200, 250, 300, 400, 500])
    V2 = V1 + added
    q = pick(rng, ["{a} mL of water is added to {v1} mL of {c1} M {s}. What is the resulting concentration?",
                   "You add {a} mL of water to {v1} mL of a {c1} M {s} solution. Find the new molarity (assume the "
                   "volumes add)."], a=added, v1=V1, c1=num(C1), s=solute)
    return Spec(q, {"C1": C1, "V1": V1, "V2": V2, "added": added}, qty(C1 * V1 / V2, "M"))


@dilution_concentration.solver
def _(p: dict, b: TraceBuilder) -> str:
    C1, V1, V2, added = p["C1"], p["V1"], p["V2"], p["added"]
    if added:
        b.think("The final volume is {v1} + {a} = {v2} mL (volumes assumed additive).", v1=V1, a=added, v2=V2)
    b.think("C2 = C1V1/V2; the units of volume cancel, so mL can be used directly.")
    r = b.call("chemistry", _chem("dilution", C1=C1, V1=V1, V2=V2), "Computing C2.")
    b.observe("C2 = {c} M.", c=sig(r.value, 6))
    b.think("The solution was diluted {f}-fold, so the concentration drops by the same factor.",
            f=sig(V2 / V1, 3))
    return b.finish(qty(r.value, "M"))


# -- 8. molarity from a mass ---------------------------------------------------------------------
@template(CAT, "molarity", tools=CH, weight=1.2)
def molarity(rng: random.Random, difficulty: str) -> Spec:
    f = rng.choice(SOLUTES)
    while True:  # no more solute than the water can dissolve
        g = grid(rng, 0.5, 120, 0.5)
        mL = rng.choice([50, 100, 200, 250, 500, 750, 1000, 1500, 2000])
        if g / molar_mass(f) / (mL / 1000) <= max_molarity(f):
            break
    as_L = difficulty != "easy" and mL >= 1000 and rng.random() < 0.5
    vol = f"{num(mL / 1000)} L" if as_L else f"{mL} mL"
    M = g / molar_mass(f) / (mL / 1000)
    if difficulty == "hard":
        want = rng.choice(["M", "mM"])
        q = pick(rng, ["{g} g of {n} is dissolved in water and diluted to {v}. What is the molar concentration"
                       "{u}?", "A student dissolves {g} g of {n} to make {v} of solution. Find the concentration{u}."],
                 g=num(g), n=name_of(f), v=vol, u=" in mmol/L" if want == "mM" else "")
        return Spec(q, {"formula": f, "g": g, "mL": mL, "want": want},
                    qty(M * 1000, "mmol/L") if want == "mM" else qty(M, "M"))
    q = pick(rng, ["What is the molarity of a solution containing {g} g of {f} in {v} of solution?",
                   "{g} g of {d} is dissolved to make {v} of solution. Calculate the molarity.",
                   "Find the molar concentration when {g} g of {f} is dissolved in water to a total volume of {v}."],
             g=num(g), f=f, d=f"{name_of(f)} ({f})", v=vol)
    return Spec(q, {"formula": f, "g": g, "mL": mL, "want": "M"}, qty(M, "M"))


@molarity.solver
def _(p: dict, b: TraceBuilder) -> str:
    f, g, mL = p["formula"], p["g"], p["mL"]
    b.think(["Molarity = moles of solute / litres of solution; moles come from the mass via the molar mass of {f}.",
             "M = n/V with n = m/M({f}) and V = {l} L."], f=f, l=num(mL / 1000))
    r = b.call("chemistry", _chem("concentration", kind="molarity", formula=f, grams=g, volume_mL=mL),
               ["Computing the molarity.", "The concentration op converts grams to moles and divides by the volume."])
    M = r.value
    b.observe("The molarity is {m} mol/L.", m=sig(M, 6))
    if p["want"] == "mM":
        b.think("In mmol/L: {m} × 1000 = {x} mmol/L.", m=sig(M, 6), x=sig(M * 1000, 6))
        return b.finish(qty(M * 1000, "mmol/L"))
    return b.finish(qty(M, "M"))


# -- 9. molality ---------------------------------------------------------------------------------
@template(CAT, "molality", tools=CH)
def molality(rng: random.Random, difficulty: str) -> Spec:
    f = rng.choice(SOLUTES)
    while True:  # within what the water can dissolve (molality ≈ molarity for dilute solutions)
        g = grid(rng, 0.5, 80, 0.5)
        water_g = rng.choice([50, 100, 150, 200, 250, 400, 500, 750, 1000])
        if g / molar_mass(f) / (water_g / 1000) <= max_molarity(f):
            break
    if difficulty == "hard":
        mol = rng.choice([m for m in (0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.5, 0.75, 1, 1.5, 2) if m <= max_molarity(f)])
        q = pick(rng, ["How many grams of {f} must be dissolved in {w} g of water to make a {m} mol/kg solution?",
                       "What mass of {d} ({f}) gives a {m} m (molal) solution in {w} g of water?"],
                 f=f, d=name_of(f), w=water_g, m=num(mol))
        return Spec(q, {"formula": f, "water_g": water_g, "molality": mol},
                    qty(mol * water_g / 1000 * molar_mass(f), "g"))
    m = g / molar_mass(f) / (water_g / 1000)
    q = pick(rng, ["What is the molality of a solution made by dissolving {g} g of {f} in {w} g of water?",
                   "{g} g of {d} is dissolved in {w} g of water. Find the molality.",
                   "Calculate the molality (mol/kg) of {g} g of {f} in {w} g of water."],
             g=num(g), f=f, d=name_of(f), w=water_g)
    return Spec(q, {"formula": f, "g": g, "water_g": water_g}, qty(m, "mol/kg"))


@molality.solver
def _(p: dict, b: TraceBuilder) -> str:
    f, w = p["formula"], p["water_g"]
    if "molality" in p:
        mol = p["molality"]
        n = si(mol * w / 1000)
        b.think(["Molality counts moles per kilogram of solvent: n = {m} mol/kg × {k} kg = {n} mol.",
                 "{w} g of water is {k} kg, so the solute needed is {m} × {k} = {n} mol."],
                m=num(mol), k=num(w / 1000), n=num(n), w=w)
        r = b.call("chemistry", _chem("molar_conversion", formula=f, moles=n, to="grams"),
                   "Converting {n} mol of {f} to grams.", n=num(n), f=f)
        b.observe("That is {g} g (M = {mm} g/mol).", g=sig(r.value["grams"], 6), mm=sig(r.value["molar_mass"], 6))
        return b.finish(qty(r.value["grams"], "g"))
    g = p["g"]
    b.think(["Molality is moles of solute per kilogram of solvent (not of solution): {w} g water = {k} kg.",
             "m = n(solute)/kg(solvent); the solvent mass is {k} kg."], w=w, k=num(w / 1000))
    r = b.call("chemistry", _chem("concentration", kind="molality", formula=f, grams=g, solvent_g=w),
               "Computing the molality.")
    b.observe("Molality = {m} mol/kg.", m=sig(r.value, 6))
    return b.finish(qty(r.value, "mol/kg"))


# -- 10. preparing a solution: mass of solute -----------------------------------------------------
@template(CAT, "prepare_solution", tools=CH)
def prepare_solution(rng: random.Random, difficulty: str) -> Spec:
    f = rng.choice(SOLUTES)
    top = min(2.5, max_molarity(f))
    C = rng.choice([c for c in (0.01, 0.02, 0.05, 0.1, 0.15, 0.2, 0.25, 0.5, 1, 1.5, 2) if c <= top]) \
        if difficulty == "easy" else grid(rng, 0.005, top, 0.005)
    mL = rng.choice([25, 50, 100, 200, 250, 500, 1000, 2000])
    g = C * mL / 1000 * molar_mass(f)
    conc = f"{num(C * 1000)} mM" if difficulty == "hard" and C < 0.1 else f"{num(C)} M"
    q = pick(rng, ["How many grams of {f} are needed to prepare {v} mL of a {c} solution?",
                   "What mass of {d} must be weighed out to make {v} mL of {c} solution?",
                   "To prepare {v} mL of {c} {f}, how much solute (in grams) do you need?"],
             f=f, d=f"{name_of(f)} ({f})", v=mL, c=conc)
    return Spec(q, {"formula": f, "C": C, "mL": mL, "mM": conc.endswith("mM")}, qty(g, "g"))


@prepare_solution.solver
def _(p: dict, b: TraceBuilder) -> str:
    f, C, mL = p["formula"], p["C"], p["mL"]
    if p["mM"]:
        b.think("{m} mM = {c} M.", m=num(C * 1000), c=num(C))
    n = si(C * mL / 1000)
    b.think(["Moles needed: n = C × V = {c} mol/L × {l} L = {n} mol.",
             "First the amount of solute: {c} M × {l} L = {n} mol (simple multiplication)."],
            c=num(C), l=num(mL / 1000), n=num(n))
    r = b.call("chemistry", _chem("molar_conversion", formula=f, moles=n, to="grams"),
               ["Converting {n} mol of {f} to grams.", "Now the mass, using the molar mass of {f}."], n=num(n), f=f)
    b.observe("{n} mol of {f} weighs {g} g (M = {m} g/mol).", n=num(n), f=f, g=sig(r.value["grams"], 6),
              m=sig(r.value["molar_mass"], 6))
    return b.finish(qty(r.value["grams"], "g"))


# -- 11. dilute a strong acid, then its pH -------------------------------------------------------
@template(CAT, "dilution_ph", tools=CH)
def dilution_ph(rng: random.Random, difficulty: str) -> Spec:
    acid = rng.choice(sorted(STRONG_ACIDS))
    while True:  # the diluted acid should be dilute (≤ 0.5 M) but not so dilute that water's ions matter
        C1 = rng.choice([0.1, 0.5, 1, 2, 3, 6, 12]) if difficulty != "hard" else grid(rng, 0.1, 12, 0.1)
        V1 = rng.choice([1, 2, 5, 10, 20, 25, 50])
        V2 = rng.choice([100, 250, 500, 1000, 2000, 5000])
        C2 = C1 * V1 / V2
        if 1e-5 <= C2 <= 0.5:
            break
    q = pick(rng, ["{v1} mL of {c1} M {f} is diluted with water to {v2} mL. What is the pH of the diluted solution?",
                   "A chemist dilutes {v1} mL of {c1} M {n} to a total volume of {v2} mL. Find the pH.",
                   "What is the pH after {v1} mL of {c1} M {f} is made up to {v2} mL with water?"],
             v1=V1, c1=num(C1), f=acid, n=STRONG_ACIDS[acid], v2=V2)
    return Spec(q, {"acid": acid, "C1": C1, "V1": V1, "V2": V2}, ph_text(-math.log10(strong_x(C2))))


@dilution_ph.solver
def _(p: dict, b: TraceBuilder) -> str:
    acid, C1, V1, V2 = p["acid"], p["C1"], p["V1"], p["V2"]
    b.think(["Two steps: the diluted concentration from C1V1 = C2V2, then the pH of a strong acid at that "
             "concentration.", "First dilution (C2 = C1V1/V2), then pH = −log10[H+] since {f} is a strong acid."],
            f=acid)
    r = b.call("chemistry", _chem("dilution", C1=C1, V1=V1, V2=V2), "Concentration after dilution.")
    C2 = r.value
    b.observe("C2 = {c} M.", c=sig(C2, 6))
    r2 = b.call("chemistry", _chem("ph", concentration=C2, type="acid", strong=True),
                ["Now the pH at {c} M.", "Passing C2 to the pH calculation."], c=sig(C2, 6))
    b.observe("pH = {p}.", p=sig(r2.value["pH"], 6))
    b.think(["A {f}-fold dilution lowers [H+] by the same factor, which raises the pH by log10({f}) ≈ {d}.",
             "Sanity check: diluting {f}-fold should raise the pH by about log10({f}) ≈ {d} compared with the "
             "undiluted acid."], f=sig(V2 / V1, 4), d=sig(math.log10(V2 / V1), 3))
    return b.finish(ph_text(r2.value["pH"]))


# -- 12. concentration from a pH -----------------------------------------------------------------
@template(CAT, "concentration_from_ph", tools=CH, weight=0.8)
def concentration_from_ph(rng: random.Random, difficulty: str) -> Spec:
    kind = rng.choice(["acid", "base"]) if difficulty != "easy" else "acid"
    pH = round(rng.uniform(1.0, 4.0), 2) if kind == "acid" else round(rng.uniform(10.0, 13.0), 2)
    x = 10 ** -pH if kind == "acid" else 10 ** -(14 - pH)
    f = rng.choice(sorted(STRONG_ACIDS)) if kind == "acid" else rng.choice(["NaOH", "KOH", "LiOH"])
    q = pick(rng, ["What concentration of {f} gives a solution of pH {p}?",
                   "A {f} solution has pH {p}. What is its molar concentration?",
                   "What molarity of {f} is needed for pH {p}?"], f=f, p=f"{pH:.2f}")
    return Spec(q, {"kind": kind, "pH": pH, "f": f}, qty(x, "M"))


@concentration_from_ph.solver
def _(p: dict, b: TraceBuilder) -> str:
    kind, pH, f = p["kind"], p["pH"], p["f"]
    if kind == "acid":
        x = 10 ** -pH
        b.think(["{f} is a strong acid, so its concentration equals [H+] = 10^−pH = 10^−{p} = {x} M.",
                 "[H+] = 10^(−{p}) = {x} M, and a strong acid supplies one H+ per formula unit."],
                f=f, p=f"{pH:.2f}", x=sig(x, 4))
    else:
        x = 10 ** -(14 - pH)
        b.think(["pOH = 14 − {p} = {o}, so [OH-] = 10^−{o} = {x} M, which is the concentration of {f}.",
                 "For a base, go through pOH: 14 − {p} = {o}; [OH-] = 10^(−{o}) = {x} M."],
                f=f, p=f"{pH:.2f}", o=f"{14 - pH:.2f}", x=sig(x, 4))
    r = b.call("chemistry", _chem("ph", concentration=si(x), type=kind, strong=True),
               ["Let me check by computing the pH of that solution.", "Verifying: the pH of {x} M {f} should be "
                "{p}."], x=sig(x, 4), f=f, p=f"{pH:.2f}")
    b.observe("The tool gives pH = {q}, matching {p}.", q=sig(r.value["pH"], 6), p=f"{pH:.2f}")
    return b.finish(qty(x, "M"))

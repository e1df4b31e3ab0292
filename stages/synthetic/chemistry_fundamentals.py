"""Chemistry fundamentals templates: molar masses, mole conversions, formula parsing, percent
composition, equation balancing, stoichiometry, limiting reagents and gas volumes, solved with the
`chemistry` tool (and `physics` ideal_gas / unit_convert for gases).

Only real substances and reactions appear: compounds come from a curated table whose element counts
are written out by hand, and reactions from a curated list of textbook reactions with their smallest
whole-number coefficients. Reference answers are computed from those tables with `periodictable`'s
standard atomic weights (the same data the tool uses) and plain arithmetic, never through the tool's
parser or balancer, so a parser or balancing bug shows up as a mismatch.
"""

from __future__ import annotations

import math
import random
from typing import Any

import periodictable
import scipy.constants as sc

from stages.synthetic.base import Spec, TraceBuilder, template
from stages.synthetic.phrasing import join_words, pick
from stages.synthetic.science_text import grid, num, qty, si, sig

CAT = "chemistry_fundamentals"
CH = ("chemistry",)

# formula → (name, element counts). Counts are written by hand on purpose (an independent check on the
# tool's formula parser).
COMPOUNDS: dict[str, tuple[str, dict[str, int]]] = {
    "H2O": ("water", {"H": 2, "O": 1}),
    "CO2": ("carbon dioxide", {"C": 1, "O": 2}),
    "NaCl": ("sodium chloride", {"Na": 1, "Cl": 1}),
    "C6H12O6": ("glucose", {"C": 6, "H": 12, "O": 6}),
    "H2SO4": ("sulfuric acid", {"H": 2, "S": 1, "O": 4}),
    "CaCO3": ("calcium carbonate", {"Ca": 1, "C": 1, "O": 3}),
    "NH3": ("ammonia", {"N": 1, "H": 3}),
    "CH4": ("methane", {"C": 1, "H": 4}),
    "C2H5OH": ("ethanol", {"C": 2, "H": 6, "O": 1}),
    "NaHCO3": ("sodium bicarbonate", {"Na": 1, "H": 1, "C": 1, "O": 3}),
    "KMnO4": ("potassium permanganate", {"K": 1, "Mn": 1, "O": 4}),
    "Ca(OH)2": ("calcium hydroxide", {"Ca": 1, "O": 2, "H": 2}),
    "Al2(SO4)3": ("aluminium sulfate", {"Al": 2, "S": 3, "O": 12}),
    "CuSO4·5H2O": ("copper(II) sulfate pentahydrate", {"Cu": 1, "S": 1, "O": 9, "H": 10}),
    "Fe2O3": ("iron(III) oxide", {"Fe": 2, "O": 3}),
    "Mg(OH)2": ("magnesium hydroxide", {"Mg": 1, "O": 2, "H": 2}),
    "KNO3": ("potassium nitrate", {"K": 1, "N": 1, "O": 3}),
    "NaOH": ("sodium hydroxide", {"Na": 1, "O": 1, "H": 1}),
    "HNO3": ("nitric acid", {"H": 1, "N": 1, "O": 3}),
    "C8H10N4O2": ("caffeine", {"C": 8, "H": 10, "N": 4, "O": 2}),
    "C9H8O4": ("aspirin", {"C": 9, "H": 8, "O": 4}),
    "C12H22O11": ("sucrose", {"C": 12, "H": 22, "O": 11}),
    "(NH4)2SO4": ("ammonium sulfate", {"N": 2, "H": 8, "S": 1, "O": 4}),
    "K2Cr2O7": ("potassium dichromate", {"K": 2, "Cr": 2, "O": 7}),
    "Na2CO3": ("sodium carbonate", {"Na": 2, "C": 1, "O": 3}),
    "Ca3(PO4)2": ("calcium phosphate", {"Ca": 3, "P": 2, "O": 8}),
    "MgSO4·7H2O": ("magnesium sulfate heptahydrate (Epsom salt)", {"Mg": 1, "S": 1, "O": 11, "H": 14}),
    "Ba(NO3)2": ("barium nitrate", {"Ba": 1, "N": 2, "O": 6}),
    "CH3COOH": ("acetic acid", {"C": 2, "H": 4, "O": 2}),
    "C3H8": ("propane", {"C": 3, "H": 8}),
    "H2O2": ("hydrogen peroxide", {"H": 2, "O": 2}),
    "CO(NH2)2": ("urea", {"C": 1, "O": 1, "N": 2, "H": 4}),
    "NH4NO3": ("ammonium nitrate", {"N": 2, "H": 4, "O": 3}),
    "AgNO3": ("silver nitrate", {"Ag": 1, "N": 1, "O": 3}),
    "CaCl2": ("calcium chloride", {"Ca": 1, "Cl": 2}),
    "KCl": ("potassium chloride", {"K": 1, "Cl": 1}),
    "FeSO4": ("iron(II) sulfate", {"Fe": 1, "S": 1, "O": 4}),
    "Cu(NO3)2": ("copper(II) nitrate", {"Cu": 1, "N": 2, "O": 6}),
    "C13H18O2": ("ibuprofen", {"C": 13, "H": 18, "O": 2}),
    "C6H8O6": ("ascorbic acid (vitamin C)", {"C": 6, "H": 8, "O": 6}),
    "Na2SO4": ("sodium sulfate", {"Na": 2, "S": 1, "O": 4}),
    "ZnCl2": ("zinc chloride", {"Zn": 1, "Cl": 2}),
    "KI": ("potassium iodide", {"K": 1, "I": 1}),
    "Pb(NO3)2": ("lead(II) nitrate", {"Pb": 1, "N": 2, "O": 6}),
    "MgCl2": ("magnesium chloride", {"Mg": 1, "Cl": 2}),
    "C2H6": ("ethane", {"C": 2, "H": 6}),
    "C4H10": ("butane", {"C": 4, "H": 10}),
    "C8H18": ("octane", {"C": 8, "H": 18}),
    "C6H6": ("benzene", {"C": 6, "H": 6}),
    "HCl": ("hydrogen chloride", {"H": 1, "Cl": 1}),
    "KClO3": ("potassium chlorate", {"K": 1, "Cl": 1, "O": 3}),
    "CaO": ("calcium oxide", {"Ca": 1, "O": 1}),
    "MgO": ("magnesium oxide", {"Mg": 1, "O": 1}),
    "Al2O3": ("aluminium oxide", {"Al": 2, "O": 3}),
    "AlCl3": ("aluminium chloride", {"Al": 1, "Cl": 3}),
    "FeCl3": ("iron(III) chloride", {"Fe": 1, "Cl": 3}),
    "NO": ("nitrogen monoxide", {"N": 1, "O": 1}),
    "NO2": ("nitrogen dioxide", {"N": 1, "O": 2}),
    "N2O": ("dinitrogen monoxide", {"N": 2, "O": 1}),
    "CO": ("carbon monoxide", {"C": 1, "O": 1}),
    "SO2": ("sulfur dioxide", {"S": 1, "O": 2}),
    "SO3": ("sulfur trioxide", {"S": 1, "O": 3}),
    "P4O10": ("tetraphosphorus decoxide", {"P": 4, "O": 10}),
    "PbI2": ("lead(II) iodide", {"Pb": 1, "I": 2}),
    "SiCl4": ("silicon tetrachloride", {"Si": 1, "Cl": 4}),
    "SiO2": ("silicon dioxide", {"Si": 1, "O": 2}),
    "CaC2": ("calcium carbide", {"Ca": 1, "C": 2}),
    "C2H2": ("acetylene", {"C": 2, "H": 2}),
    "NaN3": ("sodium azide", {"Na": 1, "N": 3}),
    "H2": ("hydrogen", {"H": 2}), "O2": ("oxygen", {"O": 2}), "N2": ("nitrogen", {"N": 2}),
    "Cl2": ("chlorine", {"Cl": 2}), "Fe": ("iron", {"Fe": 1}), "Al": ("aluminium", {"Al": 1}),
    "Zn": ("zinc", {"Zn": 1}), "Na": ("sodium", {"Na": 1}), "Mg": ("magnesium", {"Mg": 1}),
    "Cu": ("copper", {"Cu": 1}), "Ag": ("silver", {"Ag": 1}), "P4": ("white phosphorus", {"P": 4}),
}
# Compounds a question may ask about on their own (not the elements and small gases).
SOLIDS_AND_MOLECULES = [f for f in COMPOUNDS if len(COMPOUNDS[f][1]) > 1]
SIMPLE = ["H2O", "CO2", "NaCl", "CH4", "NH3", "HCl", "KCl", "CaO", "MgO", "NO", "CO", "SO2", "C2H6"]

# Balanced reactions: ([(coefficient, formula)], [(coefficient, formula)], description).
REACTIONS: list[tuple[list[tuple[int, str]], list[tuple[int, str]], str]] = [
    ([(1, "CH4"), (2, "O2")], [(1, "CO2"), (2, "H2O")], "the combustion of methane"),
    ([(1, "C3H8"), (5, "O2")], [(3, "CO2"), (4, "H2O")], "the combustion of propane"),
    ([(2, "C2H6"), (7, "O2")], [(4, "CO2"), (6, "H2O")], "the combustion of ethane"),
    ([(1, "C6H12O6"), (6, "O2")], [(6, "CO2"), (6, "H2O")], "the respiration (oxidation) of glucose"),
    ([(2, "H2"), (1, "O2")], [(2, "H2O")], "the formation of water from hydrogen and oxygen"),
    ([(1, "N2"), (3, "H2")], [(2, "NH3")], "the Haber process"),
    ([(4, "Fe"), (3, "O2")], [(2, "Fe2O3")], "the rusting of iron to iron(III) oxide"),
    ([(2, "Al"), (3, "Cl2")], [(2, "AlCl3")], "the reaction of aluminium with chlorine"),
    ([(1, "CaCO3")], [(1, "CaO"), (1, "CO2")], "the thermal decomposition of limestone"),
    ([(2, "KClO3")], [(2, "KCl"), (3, "O2")], "the decomposition of potassium chlorate"),
    ([(1, "Zn"), (2, "HCl")], [(1, "ZnCl2"), (1, "H2")], "zinc dissolving in hydrochloric acid"),
    ([(2, "Na"), (1, "Cl2")], [(2, "NaCl")], "sodium burning in chlorine"),
    ([(1, "C2H5OH"), (3, "O2")], [(2, "CO2"), (3, "H2O")], "the combustion of ethanol"),
    ([(1, "Fe2O3"), (3, "CO")], [(2, "Fe"), (3, "CO2")], "the reduction of iron ore in a blast furnace"),
    ([(2, "Mg"), (1, "O2")], [(2, "MgO")], "magnesium burning in air"),
    ([(4, "NH3"), (5, "O2")], [(4, "NO"), (6, "H2O")], "the oxidation of ammonia (Ostwald process)"),
    ([(2, "C8H18"), (25, "O2")], [(16, "CO2"), (18, "H2O")], "the combustion of octane"),
    ([(2, "NaOH"), (1, "H2SO4")], [(1, "Na2SO4"), (2, "H2O")], "the neutralisation of sulfuric acid"),
    ([(2, "Al"), (1, "Fe2O3")], [(1, "Al2O3"), (2, "Fe")], "the thermite reaction"),
    ([(1, "P4"), (5, "O2")], [(1, "P4O10")], "the burning of white phosphorus"),
    ([(2, "H2O2")], [(2, "H2O"), (1, "O2")], "the decomposition of hydrogen peroxide"),
    ([(2, "NaHCO3")], [(1, "Na2CO3"), (1, "H2O"), (1, "CO2")], "the decomposition of baking soda"),
    ([(1, "Ca(OH)2"), (2, "HCl")], [(1, "CaCl2"), (2, "H2O")], "neutralising hydrochloric acid with lime"),
    ([(3, "NO2"), (1, "H2O")], [(2, "HNO3"), (1, "NO")], "nitrogen dioxide dissolving in water"),
    ([(2, "KI"), (1, "Pb(NO3)2")], [(1, "PbI2"), (2, "KNO3")], "the precipitation of lead(II) iodide"),
    ([(2, "C4H10"), (13, "O2")], [(8, "CO2"), (10, "H2O")], "the combustion of butane"),
    ([(1, "Cu"), (2, "AgNO3")], [(1, "Cu(NO3)2"), (2, "Ag")], "copper displacing silver from silver nitrate"),
    ([(2, "Fe"), (3, "Cl2")], [(2, "FeCl3")], "iron reacting with chlorine"),
    ([(1, "SiCl4"), (2, "H2O")], [(1, "SiO2"), (4, "HCl")], "the hydrolysis of silicon tetrachloride"),
    ([(1, "Mg"), (2, "HCl")], [(1, "MgCl2"), (1, "H2")], "magnesium dissolving in hydrochloric acid"),
    ([(1, "CaC2"), (2, "H2O")], [(1, "C2H2"), (1, "Ca(OH)2")], "making acetylene from calcium carbide"),
    ([(2, "SO2"), (1, "O2")], [(2, "SO3")], "the oxidation of sulfur dioxide (contact process)"),
    ([(4, "Al"), (3, "O2")], [(2, "Al2O3")], "the oxidation of aluminium"),
    ([(2, "C6H6"), (15, "O2")], [(12, "CO2"), (6, "H2O")], "the combustion of benzene"),
    ([(1, "Na2CO3"), (2, "HCl")], [(2, "NaCl"), (1, "H2O"), (1, "CO2")], "washing soda reacting with acid"),
    ([(1, "NH4NO3")], [(1, "N2O"), (2, "H2O")], "the decomposition of ammonium nitrate"),
    ([(2, "NaN3")], [(2, "Na"), (3, "N2")], "the decomposition of sodium azide in an airbag"),
]
GASES = {"CO2", "O2", "H2", "N2", "NO", "N2O", "SO2", "SO3", "NH3", "Cl2", "C2H2", "CH4", "C3H8", "C2H6", "C4H10",
         "CO", "NO2", "HCl"}
ELEMENT_NAMES = {"H": "hydrogen", "O": "oxygen", "C": "carbon", "N": "nitrogen", "S": "sulfur", "Na": "sodium",
                 "Cl": "chlorine", "Ca": "calcium", "K": "potassium", "Mn": "manganese", "Al": "aluminium",
                 "Cu": "copper", "Fe": "iron", "Mg": "magnesium", "Cr": "chromium", "P": "phosphorus",
                 "Ba": "barium", "Ag": "silver", "Zn": "zinc", "I": "iodine", "Pb": "lead", "Si": "silicon"}


# -- shared helpers (also used by chemistry_solutions) -------------------------------------------
def molar_mass(formula: str) -> float:
    """g/mol from the hand-written counts and periodictable's standard atomic weights."""
    return math.fsum(periodictable.elements.symbol(el).mass * n for el, n in COMPOUNDS[formula][1].items())


def name_of(formula: str) -> str:
    return COMPOUNDS[formula][0]


def described(rng: random.Random, formula: str, difficulty: str) -> str:
    """How a question names a compound: formula, 'name (formula)', or (hard) sometimes the name alone."""
    name = name_of(formula)
    style = rng.random()
    if difficulty == "easy" or style < 0.35:
        return f"{name} ({formula})"
    if difficulty == "hard" and style > 0.75 and formula not in ("CuSO4·5H2O", "MgSO4·7H2O"):
        return name
    return formula


def mass_of(g: float) -> str:
    return f"{num(g)} g"


def _chem(operation: str, **args: Any) -> dict[str, Any]:
    return {"operation": operation, **args}


def _side(terms: list[tuple[int, str]], coeffs: bool = True) -> str:
    return " + ".join(f"{'' if (c == 1 or not coeffs) else c}{f}" for c, f in terms)


def equation_text(rxn: tuple, coeffs: bool = True, arrow: str = "->") -> str:
    return f"{_side(rxn[0], coeffs)} {arrow} {_side(rxn[1], coeffs)}"


def _coef(rxn: tuple, formula: str) -> int:
    for c, f in rxn[0] + rxn[1]:
        if f == formula:
            return c
    raise KeyError(formula)


def _mm_text(b: TraceBuilder, formula: str) -> None:
    """A step writing a small molar mass out by hand (atomic weights rounded as people do)."""
    counts = COMPOUNDS[formula][1]
    parts = [f"{n} × {periodictable.elements.symbol(el).mass:g}" if n > 1 else f"{periodictable.elements.symbol(el).mass:g}"
             for el, n in counts.items()]
    b.think("By hand: M({f}) = {p} = {m} g/mol.", f=formula, p=" + ".join(parts), m=sig(molar_mass(formula), 6))


def _say_formula(b: TraceBuilder, p: dict) -> None:
    """When the question names the compound only, the trace first writes its formula."""
    if p.get("named"):
        b.think(["{n} is {f}.", "The formula of {n} is {f}."], n=name_of(p["formula"]).capitalize(), f=p["formula"])


# -- 1. molar mass -------------------------------------------------------------------------------
@template(CAT, "molar_mass", tools=CH)
def molar_mass_t(rng: random.Random, difficulty: str) -> Spec:
    pool = {"easy": SIMPLE + ["NaOH", "CaCO3", "H2SO4", "HNO3", "KNO3", "C6H12O6"],
            "medium": SOLIDS_AND_MOLECULES,
            "hard": ["Al2(SO4)3", "CuSO4·5H2O", "Ca3(PO4)2", "MgSO4·7H2O", "(NH4)2SO4", "K2Cr2O7", "C8H10N4O2",
                     "C12H22O11", "C13H18O2", "Ba(NO3)2", "Pb(NO3)2", "CO(NH2)2", "Cu(NO3)2", "C9H8O4"]}[difficulty]
    f = rng.choice(pool)
    what = described(rng, f, difficulty)
    q = pick(rng, ["What is the molar mass of {c}?", "Calculate the molar mass of {c} in g/mol.",
                   "Find the molecular weight of {c}.", "How many grams does one mole of {c} weigh?",
                   "Determine the formula mass of {c} (g/mol)."], c=what)
    return Spec(q, {"formula": f, "named": what == name_of(f)}, qty(molar_mass(f), "g/mol", 5))


@molar_mass_t.solver
def _(p: dict, b: TraceBuilder) -> str:
    f = p["formula"]
    _say_formula(b, p)
    counts = COMPOUNDS[f][1]
    b.think(["The molar mass is the sum of the atomic weights of all atoms in {f}: {c}.",
             "{f} contains {c}; I add up their atomic weights."],
            f=f, c=join_words(f"{n} {el}" for el, n in counts.items()))
    if f in SIMPLE:
        _mm_text(b, f)
        r = b.call("chemistry", _chem("molecular_weight", formula=f), "Checking with the tool.")
        b.observe("The tool agrees: {m}.", m=r.output)
    else:
        r = b.call("chemistry", _chem("molecular_weight", formula=f),
                   ["With this many atoms I'll let the tool add them up.", "Computing it with the chemistry tool."])
        b.observe(["M({f}) = {m}.", "The molar mass is {m}."], f=f, m=r.output)
    return b.finish(qty(r.value, "g/mol", 5))


# -- 2. grams / moles / particles ----------------------------------------------------------------
@template(CAT, "mole_conversion", tools=CH)
def mole_conversion(rng: random.Random, difficulty: str) -> Spec:
    f = rng.choice(SOLIDS_AND_MOLECULES)
    what = described(rng, f, difficulty)
    M = molar_mass(f)
    mode = {"easy": rng.choice(["g2mol", "mol2g"]), "medium": rng.choice(["g2mol", "mol2g", "g2particles"]),
            "hard": rng.choice(["g2particles", "particles2g", "mg2mol"])}[difficulty]
    if mode == "g2mol":
        g = grid(rng, 0.5, 500, 0.5)
        q = pick(rng, ["How many moles are in {g} g of {c}?", "Convert {g} g of {c} to moles.",
                       "A sample of {c} has a mass of {g} g. How many moles is that?"], g=num(g), c=what)
        return Spec(q, {"formula": f, "mode": mode, "x": g, "named": what == name_of(f)}, qty(g / M, "mol"))
    if mode == "mg2mol":
        mg = rng.randint(50, 1000)
        q = pick(rng, ["A tablet contains {m} mg of {c}. How many moles of it is that?",
                       "How many moles are in {m} mg of {c}?"], m=mg, c=what)
        return Spec(q, {"formula": f, "mode": mode, "x": mg, "named": what == name_of(f)}, qty(mg / 1000 / M, "mol"))
    if mode == "mol2g":
        n = grid(rng, 0.05, 12, 0.05)
        q = pick(rng, ["What is the mass of {n} mol of {c}?", "How many grams are in {n} moles of {c}?",
                       "Find the mass in grams of {n} mol of {c}."], n=num(n), c=what)
        return Spec(q, {"formula": f, "mode": mode, "x": n, "named": what == name_of(f)}, qty(n * M, "g"))
    if mode == "g2particles":
        g = grid(rng, 0.5, 250, 0.5)
        unit = "formula units" if any(el in COMPOUNDS[f][1] for el in ("Na", "K", "Ca", "Mg", "Al", "Ba", "Cu", "Fe",
                                                                          "Ag", "Zn", "Pb")) else "molecules"
        q = pick(rng, ["How many {u} are in {g} g of {c}?", "A {g} g sample of {c} contains how many {u}?"],
                 u=unit, g=num(g), c=what)
        return Spec(q, {"formula": f, "mode": mode, "x": g, "unit": unit, "named": what == name_of(f)},
                    qty(g / M * sc.Avogadro, unit))
    exp = rng.randint(21, 25)
    mant = grid(rng, 1, 9.9, 0.1)
    particles = mant * 10**exp
    q = pick(rng, ["What is the mass of {m} × 10^{e} molecules of {c}?",
                   "A sample contains {m} × 10^{e} molecules of {c}. What is its mass in grams?"],
             m=num(mant), e=exp, c=what)
    return Spec(q, {"formula": f, "mode": mode, "x": si(particles), "mant": mant, "exp": exp,
                    "named": what == name_of(f)},
                qty(particles / sc.Avogadro * M, "g"))


@mole_conversion.solver
def _(p: dict, b: TraceBuilder) -> str:
    f, mode, x = p["formula"], p["mode"], p["x"]
    _say_formula(b, p)
    if mode in ("g2mol", "mg2mol"):
        g = x / 1000 if mode == "mg2mol" else x
        if mode == "mg2mol":
            b.think("{m} mg = {g} g.", m=x, g=num(g))
        b.think(["moles = mass / molar mass, so I need M({f}).", "n = m / M; the tool converts grams of {f} "
                 "using its molar mass."], f=f)
        r = b.call("chemistry", _chem("molar_conversion", formula=f, grams=si(g), to="moles"),
                   ["Converting grams to moles.", "Let me convert."])
        b.observe(["{n} mol (M = {m} g/mol).", "That is {n} mol of {f}."], n=sig(r.value["moles"], 6),
                  m=sig(r.value["molar_mass"], 6), f=f)
        return b.finish(qty(r.value["moles"], "mol"))
    if mode == "mol2g":
        b.think("mass = moles × molar mass.")
        r = b.call("chemistry", _chem("molar_conversion", formula=f, moles=x, to="grams"), "Converting moles to grams.")
        b.observe("{g} g (M = {m} g/mol).", g=sig(r.value["grams"], 6), m=sig(r.value["molar_mass"], 6))
        return b.finish(qty(r.value["grams"], "g"))
    if mode == "g2particles":
        unit = p["unit"]
        b.think(["grams → moles (÷ M) → {u} (× Avogadro's number).", "Two conversions: divide by the molar mass, then "
                 "multiply by N_A = 6.022 × 10^23 per mole."], u=unit)
        r = b.call("chemistry", _chem("molar_conversion", formula=f, grams=x, to="particles"),
                   "The tool does both steps at once.")
        n = r.value["particles"]
        b.observe("{m} mol, i.e. {n} {u}.", m=sig(r.value["moles"], 6), n=sig(n, 6), u=unit)
        return b.finish(qty(n, unit))
    b.think("particles → moles (÷ N_A) → grams (× M).")
    r = b.call("chemistry", _chem("molar_conversion", formula=f, particles=x, to="grams"),
               "Converting the number of molecules to a mass.")
    b.observe("{n} mol, which is {g} g.", n=sig(r.value["moles"], 6), g=sig(r.value["grams"], 6))
    b.think("Sanity check: {m} × 10^{e} is {r} of Avogadro's number, so the mass is that fraction of a mole's "
            "{M} g.", m=num(p["mant"]), e=p["exp"], r=sig(r.value["moles"], 3), M=sig(r.value["molar_mass"], 5))
    return b.finish(qty(r.value["grams"], "g"))


# -- 3. percent composition ----------------------------------------------------------------------
@template(CAT, "percent_composition", tools=CH)
def percent_composition(rng: random.Random, difficulty: str) -> Spec:
    f = rng.choice(SOLIDS_AND_MOLECULES)
    counts = COMPOUNDS[f][1]
    el = rng.choice(sorted(counts))
    what = described(rng, f, difficulty)
    M = molar_mass(f)
    pct = 100 * periodictable.elements.symbol(el).mass * counts[el] / M
    if difficulty == "hard":
        g = rng.randint(5, 500)
        q = pick(rng, ["How many grams of {e} are contained in {g} g of {c}?",
                       "What mass of {e} is present in a {g} g sample of {c}?"], e=ELEMENT_NAMES[el], g=g, c=what)
        return Spec(q, {"formula": f, "el": el, "g": g, "named": what == name_of(f)}, qty(g * pct / 100, "g"))
    q = pick(rng, ["What is the percent by mass of {e} in {c}?", "Calculate the mass percentage of {e} in {c}.",
                   "What fraction of the mass of {c} is {e}? Give a percentage.",
                   "Find the percent composition of {e} in {c}."], e=ELEMENT_NAMES[el], c=what)
    return Spec(q, {"formula": f, "el": el, "named": what == name_of(f)}, f"{sig(pct)}%")


@percent_composition.solver
def _(p: dict, b: TraceBuilder) -> str:
    f, el = p["formula"], p["el"]
    n = COMPOUNDS[f][1][el]
    _say_formula(b, p)
    b.think(["Mass percent of {e} = ({n} × atomic weight of {s}) / M({f}) × 100%.",
             "{f} has {n} {s} atom{pl} per formula unit; the percentage is their mass over the molar mass."],
            e=ELEMENT_NAMES[el], n=n, s=el, f=f, pl="s" if n > 1 else "")
    r = b.call("chemistry", _chem("percent_composition", formula=f),
               ["Computing the percent composition of every element.", "Let me get the mass percentages."])
    pct = r.value[el]
    b.observe("{s} makes up {x}% of the mass.", s=el, x=sig(pct, 6))
    b.think("Check: the percentages add up to {t}%.", t=sig(sum(r.value.values()), 4))
    if "g" not in p:
        return b.finish(f"{sig(pct)}%")
    g = p["g"]
    b.think("So {g} g of {f} contains {g} × {x}/100 = {m} g of {e}.", g=g, f=f, x=sig(pct, 6), m=sig(g * pct / 100, 6),
            e=ELEMENT_NAMES[el])
    return b.finish(qty(g * pct / 100, "g"))


# -- 4. counting atoms ---------------------------------------------------------------------------
COMPLEX = ["Al2(SO4)3", "CuSO4·5H2O", "Ca3(PO4)2", "MgSO4·7H2O", "(NH4)2SO4", "K2Cr2O7", "Ba(NO3)2", "Pb(NO3)2",
           "CO(NH2)2", "Cu(NO3)2", "Ca(OH)2", "Mg(OH)2", "C8H10N4O2", "C12H22O11", "C6H12O6", "C9H8O4", "NH4NO3"]


@template(CAT, "atom_count", tools=CH, weight=0.8)
def atom_count(rng: random.Random, difficulty: str) -> Spec:
    f = rng.choice(COMPLEX)
    counts = COMPOUNDS[f][1]
    el = rng.choice(sorted(counts))
    if difficulty == "hard":
        g = grid(rng, 1, 100, 0.5)
        atoms = g / molar_mass(f) * sc.Avogadro * counts[el]
        q = pick(rng, ["How many {e} atoms are there in {g} g of {f}?",
                       "Find the number of {e} atoms in a {g} g sample of {f}."], e=ELEMENT_NAMES[el], g=num(g), f=f)
        return Spec(q, {"formula": f, "el": el, "g": g}, qty(atoms, "atoms"))
    if difficulty == "medium" and rng.random() < 0.5:
        q = pick(rng, ["How many atoms in total are in one formula unit of {f}?",
                       "Count all the atoms in {f}.", "What is the total number of atoms in {f}?"], f=f)
        return Spec(q, {"formula": f, "el": None}, str(sum(counts.values())))
    q = pick(rng, ["How many {e} atoms are in one formula unit of {f}?", "Count the {e} atoms in {f}.",
                   "In the formula {f}, how many atoms of {e} are there?"], e=ELEMENT_NAMES[el], f=f)
    return Spec(q, {"formula": f, "el": el}, str(counts[el]))


@atom_count.solver
def _(p: dict, b: TraceBuilder) -> str:
    f, el = p["formula"], p["el"]
    b.think(["Subscripts after brackets multiply everything inside them{h}.",
             "I have to expand the brackets{h} carefully."],
            h=" and the hydrate water counts too" if "·" in f else "")
    r = b.call("chemistry", _chem("parse_formula", formula=f),
               ["Parsing the formula to get exact element counts.", "Let me count with the formula parser."])
    counts = r.value["elements"]
    b.observe("Element counts: {c} ({t} atoms in all).", c=r.output, t=r.value["atoms"])
    if el is None:
        return b.finish(str(r.value["atoms"]))
    if "g" not in p:
        return b.finish(str(counts[el]))
    g = p["g"]
    r2 = b.call("chemistry", _chem("molar_conversion", formula=f, grams=g, to="particles"),
                "Now the number of formula units in {g} g.", g=num(g))
    units = r2.value["particles"]
    atoms = units * counts[el]
    b.observe("{u} formula units of {f}.", u=sig(units, 6), f=f)
    b.think("Each contains {n} {e} atoms: {u} × {n} = {a} atoms.", n=counts[el], e=el, u=sig(units, 6),
            a=sig(atoms, 6))
    return b.finish(qty(atoms, "atoms"))


# -- 5. balancing --------------------------------------------------------------------------------
ARROWS = ["->", "→", "="]


def _word_equation(rxn: tuple) -> str:
    return (join_words(name_of(f) for _, f in rxn[0]) + " → " + join_words(name_of(f) for _, f in rxn[1]))


def _coef_sum(i: int) -> int:
    return sum(c for c, _ in REACTIONS[i][0] + REACTIONS[i][1])


# Reactions by how hard they are to balance (sum of the coefficients).
BY_DIFFICULTY = {"easy": [i for i in range(len(REACTIONS)) if _coef_sum(i) <= 6],
                 "medium": [i for i in range(len(REACTIONS)) if 7 <= _coef_sum(i) <= 12],
                 "hard": [i for i in range(len(REACTIONS)) if _coef_sum(i) >= 13]}


@template(CAT, "balance_equation", tools=CH, weight=1.2)
def balance_equation(rng: random.Random, difficulty: str) -> Spec:
    words = difficulty == "hard" and rng.random() < 0.4
    i = rng.randrange(len(REACTIONS)) if words else rng.choice(BY_DIFFICULTY[difficulty])
    rxn = REACTIONS[i]
    arrow = rng.choice(ARROWS)
    skeleton = equation_text(rxn, coeffs=False, arrow=arrow)
    if words:
        q = pick(rng, ["Write the balanced chemical equation for {d}: {w}.",
                       "For {d} ({w}), give the balanced equation with the smallest whole-number coefficients."],
                 d=rxn[2], w=_word_equation(rxn))
    else:
        q = pick(rng, ["Balance the equation: {s}", "Balance the following chemical equation: {s}",
                       "Find the smallest whole-number coefficients that balance {s}.",
                       "Balance {s} ({d}).", "What is the balanced form of {s}?"], s=skeleton, d=rxn[2])
    return Spec(q, {"rxn": i, "words": words}, equation_text(rxn))


def _atom_tally(rxn: tuple) -> str:
    counts: dict[str, int] = {}
    for c, f in rxn[0]:
        for el, n in COMPOUNDS[f][1].items():
            counts[el] = counts.get(el, 0) + c * n
    return ", ".join(f"{el} {n}" for el, n in counts.items())


@balance_equation.solver
def _(p: dict, b: TraceBuilder) -> str:
    i = p["rxn"]
    rxn = REACTIONS[i]
    skeleton = equation_text(rxn, coeffs=False)
    if p.get("words"):
        b.think("In formulas the reaction is {s}.", s=skeleton)
    b.think(["The skeleton equation is {s}. Every element must have the same number of atoms on both sides.",
             "I need coefficients for {s} that conserve each element."], s=skeleton)
    if _coef_sum(i) <= 6 and not p.get("words"):
        b.think(["This one balances by inspection: {e}. Atom tally on each side: {t}.",
                 "By inspection the coefficients are {e}, giving {t} on both sides."],
                e=equation_text(rxn), t=_atom_tally(rxn))
        r = b.call("chemistry", _chem("balance_equation", equation=skeleton),
                   ["Let me confirm with the balancer.", "A quick check with the tool."])
        b.observe(["The tool gives the same: {e}.", "Confirmed: {e}."], e=r.output)
        return b.finish(r.value["equation"])
    r = b.call("chemistry", _chem("balance_equation", equation=skeleton),
               ["Balancing by trial gets fiddly with this many atoms; I'll use the balancer.",
                "Let me balance it with the tool (it solves the element-conservation equations exactly)."])
    b.observe("Balanced: {e}.", e=r.output)
    b.think("Check the atom counts on each side: {c}. They match.", c=_atom_tally(rxn))
    return b.finish(r.value["equation"])


@template(CAT, "balance_coefficients", tools=CH)
def balance_coefficients(rng: random.Random, difficulty: str) -> Spec:
    i = rng.choice(BY_DIFFICULTY[difficulty] + (BY_DIFFICULTY["medium"] if difficulty == "hard" else []))
    rxn = REACTIONS[i]
    skeleton = equation_text(rxn, coeffs=False, arrow=rng.choice(ARROWS))
    species = [f for _, f in rxn[0] + rxn[1]]
    if difficulty == "easy" or (difficulty == "medium" and rng.random() < 0.5):
        target = rng.choice(species)
        q = pick(rng, ["When {s} is balanced with the smallest whole numbers, what is the coefficient of {t}?",
                       "What coefficient goes in front of {t} in the balanced equation {s}?",
                       "Balance {s}. What is the coefficient of {t}?"], s=skeleton, t=target)
        return Spec(q, {"rxn": i, "target": target}, str(_coef(rxn, target)))
    q = pick(rng, ["What is the sum of the coefficients in the balanced equation for {s} (smallest whole numbers)?",
                   "Balance {s} and give the sum of all the coefficients.",
                   "After balancing {s}, what do the coefficients add up to?"], s=skeleton)
    return Spec(q, {"rxn": i, "target": None}, str(sum(c for c, _ in rxn[0] + rxn[1])))


@balance_coefficients.solver
def _(p: dict, b: TraceBuilder) -> str:
    rxn = REACTIONS[p["rxn"]]
    skeleton = equation_text(rxn, coeffs=False)
    b.think("First balance {s}.", s=skeleton)
    r = b.call("chemistry", _chem("balance_equation", equation=skeleton), "Using the balancer.")
    b.observe("Balanced: {e}.", e=r.output)
    coeffs = {**r.value["reactants"], **r.value["products"]}
    if p["target"]:
        return b.finish(str(coeffs[p["target"]]),
                        ["The coefficient of {t} is {c}.", "So {t} has coefficient {c}."], t=p["target"],
                        c=coeffs[p["target"]])
    total = sum(coeffs.values())
    b.think("Adding the coefficients (an unwritten coefficient is 1): {s} = {t}.",
            s=" + ".join(str(c) for c in coeffs.values()), t=total)
    return b.finish(str(total))


# -- 6. stoichiometry ----------------------------------------------------------------------------
@template(CAT, "stoichiometry", tools=CH, weight=1.4)
def stoichiometry(rng: random.Random, difficulty: str) -> Spec:
    i = rng.randrange(len(REACTIONS))
    rxn = REACTIONS[i]
    species = [f for _, f in rxn[0] + rxn[1]]
    given, target = rng.sample(species, 2)
    cg, ct = _coef(rxn, given), _coef(rxn, target)
    mode = {"easy": "mol2mol", "medium": rng.choice(["g2g", "mol2g"]), "hard": "g2g"}[difficulty]
    words = difficulty == "hard" and rng.random() < 0.5
    eq = _word_equation(rxn) if words else equation_text(rxn, coeffs=difficulty != "hard", arrow=rng.choice(ARROWS))
    role_t = "produced" if target in [f for _, f in rxn[1]] else "consumed"
    if mode == "mol2mol":
        n = grid(rng, 0.1, 20, 0.1)
        q = pick(rng, ["In the reaction {e}, how many moles of {t} are {r} when {n} mol of {g} {v}?",
                       "Given {e}: {n} mol of {g} {v}. How many moles of {t} are {r}?",
                       "Using {e}, find the moles of {t} {r} if {n} mol of {g} {v}."],
                 e=eq, t=target, g=given, n=num(n), r=role_t,
                 v="react" if given in [f for _, f in rxn[0]] else "are formed")
        return Spec(q, {"rxn": i, "given": given, "target": target, "mode": mode, "x": n, "words": False},
                    qty(n * ct / cg, "mol"))
    x = grid(rng, 1, 250, 0.5) if mode == "g2g" else grid(rng, 0.1, 10, 0.1)
    unit = "g" if mode == "g2g" else "mol"
    gdesc = name_of(given) if words else given
    tdesc = name_of(target) if words else target
    q = pick(rng, ["For {d} ({e}), what mass of {t} is {r} from {x} {u} of {g}?",
                   "How many grams of {t} are {r} when {x} {u} of {g} {v}? Reaction: {e}.",
                   "{e}. If {x} {u} of {g} {v}, what mass of {t} is {r}?"],
             d=rxn[2], e=eq, t=tdesc, g=gdesc, x=num(x), u=unit, r=role_t,
             v="reacts" if given in [f for _, f in rxn[0]] else "is formed")
    n_t = (x / molar_mass(given) if unit == "g" else x) * ct / cg
    return Spec(q, {"rxn": i, "given": given, "target": target, "mode": mode, "x": x, "words": words,
                    "balanced_given": difficulty != "hard"}, qty(n_t * molar_mass(target), "g"))


@stoichiometry.solver
def _(p: dict, b: TraceBuilder) -> str:
    rxn = REACTIONS[p["rxn"]]
    given, target, mode, x = p["given"], p["target"], p["mode"], p["x"]
    balanced = equation_text(rxn)
    if p.get("words"):
        b.think("In formulas: {s}; {g} is {gf} and {t} is {tf}.", s=equation_text(rxn, coeffs=False),
                g=name_of(given), gf=given, t=name_of(target), tf=target)
    if mode == "mol2mol":
        cg, ct = _coef(rxn, given), _coef(rxn, target)
        b.think(["The mole ratio {t}:{g} in the balanced equation is {ct}:{cg}, so n({t}) = {x} × {ct}/{cg} = {n} mol.",
                 "From the coefficients, {ct} mol {t} corresponds to {cg} mol {g}: {x} × {ct}/{cg} = {n} mol."],
                t=target, g=given, ct=ct, cg=cg, x=num(x), n=sig(x * ct / cg, 6))
        r = b.call("chemistry", _chem("stoichiometry", equation=balanced, given=given, moles=x, target=target),
                   "Let me double-check the ratio with the stoichiometry tool.")
        b.observe("Confirmed: n({t}) = {n} mol.", t=target, n=sig(r.value["moles"], 6))
        return b.finish(qty(r.value["moles"], "mol"))
    eq = balanced
    if not p.get("balanced_given", True):
        r0 = b.call("chemistry", _chem("balance_equation", equation=equation_text(rxn, coeffs=False)),
                    ["The equation is not balanced yet; balancing it first.", "First I need the balanced equation."])
        eq = r0.value["equation"]
        b.observe("Balanced: {e}.", e=eq)
    b.think(["Plan: convert {x} {u} of {g} to moles, use the mole ratio from the balanced equation, then convert "
             "moles of {t} to grams.", "Mass → moles → mole ratio → mass; the stoichiometry tool chains all three."],
            x=num(x), u="g" if mode == "g2g" else "mol", g=given, t=target)
    args = _chem("stoichiometry", equation=eq, given=given, target=target)
    args.update({"grams": x} if mode == "g2g" else {"moles": x})
    r = b.call("chemistry", args, ["Running the stoichiometry calculation.", "Computing the amount of {t}."],
               t=target)
    v = r.value
    b.observe(["{ng} mol {g} gives {nt} mol {t} (ratio {rt}), i.e. {m} g.",
               "n({t}) = {nt} mol via the {rt} ratio from {ng} mol {g}, so m({t}) = {m} g."],
              ng=sig(v["given_moles"], 6), g=given, nt=sig(v["moles"], 6), t=target, rt=v["mole_ratio"],
              m=sig(v["grams"], 6))
    return b.finish(qty(v["grams"], "g"))


# -- 7. limiting reagent -------------------------------------------------------------------------
TWO_REACTANTS = [i for i, r in enumerate(REACTIONS) if len(r[0]) == 2]


@template(CAT, "limiting_reagent", tools=CH, weight=1.2)
def limiting_reagent(rng: random.Random, difficulty: str) -> Spec:
    i = rng.choice(TWO_REACTANTS)
    rxn = REACTIONS[i]
    (ca, a), (cb, bb) = rxn[0]
    product = rng.choice([f for _, f in rxn[1]])
    while True:
        ga, gb = grid(rng, 2, 200, 0.5), grid(rng, 2, 200, 0.5)
        xa, xb = ga / molar_mass(a) / ca, gb / molar_mass(bb) / cb
        if abs(xa - xb) / max(xa, xb) > 0.08:
            break
    lim = a if xa < xb else bb
    xi = min(xa, xb)
    theo = xi * _coef(rxn, product) * molar_mass(product)
    eq = equation_text(rxn, coeffs=difficulty == "easy", arrow=rng.choice(ARROWS))
    want = {"easy": "limiting", "medium": rng.choice(["limiting", "yield"]), "hard": "percent"}[difficulty]
    base = pick(rng, ["{ga} g of {a} is mixed with {gb} g of {b} and they react according to {e}.",
                      "A reaction vessel contains {ga} g of {a} and {gb} g of {b}. Reaction: {e}.",
                      "Consider {e}. You start with {ga} g of {a} and {gb} g of {b}."],
                ga=num(ga), a=a, gb=num(gb), b=bb, e=eq)
    if want == "limiting":
        q = base + " " + pick(rng, ["Which reactant is limiting?", "Which is the limiting reagent?",
                                    "Identify the limiting reactant."])
        return Spec(q, {"rxn": i, "amounts": {a: ga, bb: gb}, "product": product, "want": want}, lim)
    if want == "yield":
        q = base + " " + pick(rng, ["What is the theoretical yield of {p} in grams?",
                                    "What mass of {p} can be formed at most?"], p=product)
        return Spec(q, {"rxn": i, "amounts": {a: ga, bb: gb}, "product": product, "want": want}, qty(theo, "g"))
    actual = round(theo * rng.uniform(0.55, 0.97), 1 if theo < 100 else 0)
    actual = max(actual, 0.1)
    q = base + " " + pick(rng, ["If {y} g of {p} is actually obtained, what is the percent yield?",
                                "The isolated product weighs {y} g of {p}. Calculate the percent yield."],
                          y=num(actual), p=product)
    return Spec(q, {"rxn": i, "amounts": {a: ga, bb: gb}, "product": product, "want": want, "actual": actual},
                f"{sig(100 * actual / theo)}%")


@limiting_reagent.solver
def _(p: dict, b: TraceBuilder) -> str:
    rxn = REACTIONS[p["rxn"]]
    amounts, product, want = p["amounts"], p["product"], p["want"]
    b.think(["The limiting reagent is the one that runs out first: compare each reactant's moles divided by its "
             "coefficient in the balanced equation ({e}).", "I'll convert both masses to moles and scale by the "
             "coefficients of {e}; the smaller value marks the limiting reagent."], e=equation_text(rxn))
    r = b.call("chemistry", _chem("limiting_reagent", equation=equation_text(rxn, coeffs=False), amounts=amounts,
                                  unit="grams", product=product),
               ["Finding the limiting reagent and the theoretical yield.", "Let me run the limiting-reagent analysis."])
    v = r.value
    lim = v["limiting_reagent"]
    excess = next(iter(v["excess"]))
    b.observe(["{l} is limiting; the theoretical yield of {p} is {m} mol = {g} g, and {x} mol of {e} is left over.",
               "The tool says {l} runs out first. At most {g} g ({m} mol) of {p} forms; {x} mol {e} remains."],
              l=lim, p=product, m=sig(v["moles"], 6), g=sig(v["grams"], 6), x=sig(v["excess"][excess]["moles"], 6),
              e=excess)
    if want == "limiting":
        return b.finish(lim, ["The limiting reagent is {l}.", "So {l} is the limiting reactant."], l=lim)
    if want == "yield":
        return b.finish(qty(v["grams"], "g"))
    actual = p["actual"]
    pct = 100 * actual / v["grams"]
    b.think("Percent yield = actual / theoretical × 100 = {a} / {t} × 100 = {p}%.", a=num(actual),
            t=sig(v["grams"], 6), p=sig(pct, 6))
    return b.finish(f"{sig(pct)}%")


# -- 8. gas volume from a reaction (chemistry + physics) ------------------------------------------
GAS_REACTIONS = [(i, f) for i, r in enumerate(REACTIONS) for _, f in r[1]
                 if f in GASES and any(g not in GASES for _, g in r[0])]


@template(CAT, "gas_volume", tools=("chemistry", "physics"), weight=1.0)
def gas_volume(rng: random.Random, difficulty: str) -> Spec:
    i, gas = rng.choice(GAS_REACTIONS)
    rxn = REACTIONS[i]
    given = rng.choice([f for _, f in rxn[0] if f not in GASES])
    g = grid(rng, 1, 150, 0.5)
    T_c = rng.choice([0, 20, 25, 27, 30, 37, 50, 100]) if difficulty != "easy" else 0
    P_atm = 1.0 if difficulty != "hard" else grid(rng, 0.5, 3, 0.1)
    n_gas = g / molar_mass(given) * _coef(rxn, gas) / _coef(rxn, given)
    V_L = n_gas * sc.R * (T_c + 273.15) / (P_atm * 101325) * 1000
    cond = f"{T_c} °C and {num(P_atm)} atm"
    q = pick(rng, ["In {d} ({e}), what volume of {gas} gas in litres is produced from {g} g of {x} at {c}?",
                   "{g} g of {x} reacts completely according to {e}. What volume does the {gas} occupy at {c} (ideal "
                   "gas)?", "How many litres of {gas} form at {c} when {g} g of {x} reacts ({e})?"],
             d=rxn[2], e=equation_text(rxn, arrow=rng.choice(ARROWS)), gas=gas, g=num(g), x=given, c=cond)
    return Spec(q, {"rxn": i, "gas": gas, "given": given, "g": g, "T_c": T_c, "P_atm": P_atm}, qty(V_L, "L"))


@gas_volume.solver
def _(p: dict, b: TraceBuilder) -> str:
    rxn = REACTIONS[p["rxn"]]
    gas, given, g, T_c, P_atm = p["gas"], p["given"], p["g"], p["T_c"], p["P_atm"]
    b.think(["Two stages: stoichiometry gives the moles of {gas}, then the ideal gas law V = nRT/P gives its volume.",
             "First the moles of {gas} from {g} g of {x}, then PV = nRT for the volume."], gas=gas, g=num(g), x=given)
    r = b.call("chemistry", _chem("stoichiometry", equation=equation_text(rxn), given=given, grams=g, target=gas),
               "Moles of {gas} produced.", gas=gas)
    n = r.value["moles"]
    b.observe("n({gas}) = {n} mol.", gas=gas, n=sig(n, 6))
    T = T_c + 273.15
    b.think("In SI units: T = {t} + 273.15 = {T} K.", t=T_c, T=num(T))
    if P_atm == 1.0:
        P = 101325
        b.think("P = 1 atm = 101325 Pa.")
    else:
        r2 = b.call("physics", {"operation": "unit_convert", "value": P_atm, "from_unit": "atm", "to_unit": "Pa"},
                    "Converting the pressure to pascals.")
        P = r2.value
        b.observe("P = {p} Pa.", p=sig(P, 6))
    r3 = b.call("physics", {"operation": "ideal_gas", "n": n, "T": si(T), "P": P}, "Now V = nRT/P.")
    V = r3.value["V"]
    b.observe("V = {v} m^3 = {l} L.", v=sig(V, 6), l=sig(V * 1000, 6))
    if T_c == 0 and P_atm == 1.0:
        b.think("Check: at STP one mole occupies about 22.4 L, and {n} × 22.41 ≈ {e} L.", n=sig(n, 4),
                e=sig(n * 22.414, 4))
    return b.finish(qty(V * 1000, "L"))


# -- 9. moles of a gas sample (ideal gas with unit conversions) -----------------------------------
@template(CAT, "gas_sample", tools=("physics", "chemistry"), weight=0.8)
def gas_sample(rng: random.Random, difficulty: str) -> Spec:
    gas = rng.choice(["O2", "N2", "CO2", "CH4", "H2", "NH3", "C3H8", "Cl2", "SO2"])
    V_L = grid(rng, 0.5, 50, 0.5)
    T_c = rng.randint(-20, 150)
    P_kpa = rng.choice([rng.randint(50, 500), 101.325]) if difficulty != "easy" else 101.325
    n = P_kpa * 1000 * V_L / 1000 / (sc.R * (T_c + 273.15))
    pressure = "1 atm" if P_kpa == 101.325 else f"{P_kpa} kPa"
    if difficulty == "hard":
        q = pick(rng, ["What mass of {gn} ({g}) is held in a {v} L cylinder at {t} °C and {p}?",
                       "A {v} L tank holds {g} gas at {p} and {t} °C. What is the mass of the gas?"],
                 gn=name_of(gas), g=gas, v=num(V_L), t=T_c, p=pressure)
        return Spec(q, {"gas": gas, "V_L": V_L, "T_c": T_c, "P_kpa": P_kpa, "want": "g"},
                    qty(n * molar_mass(gas), "g"))
    q = pick(rng, ["How many moles of {g} are in a {v} L container at {t} °C and {p}?",
                   "A {v} L flask contains {g} at {p} and {t} °C. How many moles of gas is that (ideal gas)?"],
             g=gas, v=num(V_L), t=T_c, p=pressure)
    return Spec(q, {"gas": gas, "V_L": V_L, "T_c": T_c, "P_kpa": P_kpa, "want": "mol"}, qty(n, "mol"),
                tools=("physics",))


@gas_sample.solver
def _(p: dict, b: TraceBuilder) -> str:
    V_L, T_c, P_kpa = p["V_L"], p["T_c"], p["P_kpa"]
    b.think(["Ideal gas law n = PV/(RT), in SI units: V = {v} L = {m} m^3, T = {t} °C = {T} K, P = {p} Pa.",
             "Converting to SI: {v} L = {m} m^3; {t} °C = {T} K; {p} Pa."],
            v=num(V_L), m=num(V_L / 1000), t=T_c, T=num(T_c + 273.15), p=num(P_kpa * 1000))
    r = b.call("physics", {"operation": "ideal_gas", "P": si(P_kpa * 1000), "V": si(V_L / 1000),
                           "T": si(T_c + 273.15)}, ["Solving PV = nRT for n.", "Computing n."])
    n = r.value["n"]
    b.observe("n = {n} mol.", n=sig(n, 6))
    if p["want"] == "mol":
        return b.finish(qty(n, "mol"))
    gas = p["gas"]
    r2 = b.call("chemistry", _chem("molar_conversion", formula=gas, moles=n, to="grams"),
                "Converting moles of {g} to grams.", g=gas)
    b.observe("That is {g} g of {f}.", g=sig(r2.value["grams"], 6), f=gas)
    return b.finish(qty(r2.value["grams"], "g"))

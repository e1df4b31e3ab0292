"""The `chemistry` tool: formulas, molar masses, equation balancing, stoichiometry and solutions.

Why it is built this way:
- Formulas and equations come from an LLM, so they are read by a small tokenizer and recursive-descent
  parser (never eval; chempy is not used because it evals). The parser accepts the notations models
  and textbooks write: nested ()/[]/{} groups, hydrates (`CuSO4·5H2O`, `CuSO4*5H2O`, `CuSO4.5H2O`),
  charges (`SO4^2-`, `SO4 2-`, `Fe+3`, `Fe3+`, `[Fe(CN)6]3-`, `NH4+`, Unicode `SO₄²⁻`), state symbols
  (`H2O(l)`) and the electron `e-` for half-reactions.
- Atomic weights come from `periodictable` and Avogadro's number from `scipy.constants`, so there is no
  hand-written table to drift from the standard values.
- Equations are balanced exactly: the element (and charge) conservation matrix is built from integer
  counts as a SymPy `Matrix`, and its rational nullspace gives the smallest integer coefficients. An
  equation with no balancing, or with several independent ones, is an error the model can act on.
- Every op is a plain function of its validated arguments (the executor runs it in a limited worker).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal

import periodictable
from pydantic import AliasChoices, Field, field_validator

from tools.fmt import fmt_number, fmt_quantity, json_number
from tools.registry import LazyModule, OpArgs, Tool, ToolError, ToolResult

# SciPy and SymPy load when an op needs them (in a worker), not when a stage imports the catalogue.
_constants = LazyModule("scipy.constants")
_optimize = LazyModule("scipy.optimize")
_sympy = LazyModule("sympy")

TOOL = Tool(
    "chemistry",
    "Chemistry calculator: molar masses, formula parsing, equation balancing, stoichiometry, pH, "
    "mole conversions, dilution, concentrations, percent composition and limiting reagents. "
    "Formulas are case-sensitive element symbols (H2O, CuSO4·5H2O, [Fe(CN)6]3-, SO4^2-); "
    "equations use '->' or '=' with ' + ' between species.",
    aliases=("chemistry_calc",),
)

MAX_FORMULA_CHARS = 200
MAX_EQUATION_CHARS = 1000
MAX_SPECIES = 30
MAX_DEPTH = 12
MAX_COUNT = 10**6
MAX_ATOMS = 10**9  # nested multipliers could otherwise reach absurd sizes
KW_25C = 1.0e-14  # ionic product of water at 25 °C

# ---------------------------------------------------------------------------------------------
# Formula parsing
# ---------------------------------------------------------------------------------------------

_SUBSCRIPTS = str.maketrans("₀₁₂₃₄₅₆₇₈₉", "0123456789")
_SUPERSCRIPT_MAP = {"⁰": "0", "¹": "1", "²": "2", "³": "3", "⁴": "4", "⁵": "5", "⁶": "6", "⁷": "7",
                    "⁸": "8", "⁹": "9", "⁺": "+", "⁻": "-"}
_SUPERSCRIPT_RUN = re.compile("[" + "".join(_SUPERSCRIPT_MAP) + "]+")
_DASHES = str.maketrans({"−": "-", "–": "-", "—": "-", "‐": "-", "＋": "+"})
_HYDRATE_SEPARATORS = "·•⋅∙*."
_STATE = re.compile(r"\s*\((?:s|l|g|aq|sol|cr)\)\s*$", re.IGNORECASE)
_TOKEN = re.compile(r"[A-Z][a-z]?|\d+|[()\[\]{}]|[" + re.escape(_HYDRATE_SEPARATORS) + r"]")
_OPEN_CLOSE = {"(": ")", "[": "]", "{": "}"}
_ELECTRON_NAMES = {"e", "e-", "e^-", "e^{-}", "e(-)", "electron", "electrons"}


@dataclass(frozen=True)
class Formula:
    """A parsed species: element counts in order of first appearance, and its net charge."""

    text: str
    counts: tuple[tuple[str, int], ...]
    charge: int = 0

    @property
    def elements(self) -> dict[str, int]:
        return dict(self.counts)

    @property
    def key(self) -> tuple[frozenset[tuple[str, int]], int]:
        """Identity for matching species written differently (`H2O(l)` vs `H2O`, `OH-` vs `HO-`)."""
        return frozenset(self.counts), self.charge


def _element(symbol: str) -> Any:
    try:
        el = periodictable.elements.symbol(symbol)
    except ValueError:
        el = None
    if el is None or el.number == 0 or not el.mass:
        raise ToolError(f"unknown element '{symbol}' (element symbols are case-sensitive: Co is cobalt, "
                        f"CO is carbon + oxygen)")
    return el


def _parse_charge_text(text: str, original: str) -> int:
    """'2-', '-2', '+', '3+', '--', '+++' (braces/parentheses already removed) → signed integer."""
    text = text.strip()
    if m := re.fullmatch(r"(\d*)([+-])", text):
        mag = int(m.group(1)) if m.group(1) else 1
        return mag if m.group(2) == "+" else -mag
    if m := re.fullmatch(r"([+-])(\d+)", text):
        return int(m.group(2)) if m.group(1) == "+" else -int(m.group(2))
    if re.fullmatch(r"\++|-+", text):
        return len(text) if text[0] == "+" else -len(text)
    raise ToolError(f"cannot read the charge '{text}' in '{original}' (write e.g. SO4^2-, Fe^3+ or NH4+)")


def _split_charge(text: str) -> tuple[str, int]:
    """Separate a trailing ionic charge from the formula body.

    Without a caret, `Fe3+` is iron(III) but `NH4+` is ammonium: a single digit before the sign is a
    charge only when the body is one element symbol; two or more digits (`SO42-`, `Cr2O72-`) end in a
    one-digit charge; after a closing bracket (`[Fe(CN)6]3-`) the digits are the charge.
    """
    original = text
    if "^" in text:
        body, _, ch = text.rpartition("^")
        ch = ch.strip().strip("{}()")
        return body, _parse_charge_text(ch, original)
    if m := re.search(r"\s+(\d*[+-]|[+-]\d*)$", text):  # "SO4 2-"
        return text[: m.start()], _parse_charge_text(m.group(1), original)
    if m := re.search(r"\((\d*[+-]|[+-]\d*)\)$", text):  # "SO4(2-)"
        return text[: m.start()], _parse_charge_text(m.group(1), original)
    if m := re.search(r"([+-])(\d+)$", text):  # "Fe+3", "SO4-2"
        return text[: m.start()], _parse_charge_text(m.group(0), original)
    if m := re.search(r"(\d+)([+-])$", text):
        digits, sign, body = m.group(1), m.group(2), text[: m.start()]
        if body.endswith((")", "]", "}")) or re.fullmatch(r"[A-Z][a-z]?", body):
            return body, _parse_charge_text(digits + sign, original)
        if len(digits) >= 2:
            return body + digits[:-1], _parse_charge_text(digits[-1] + sign, original)
        return body + digits, _parse_charge_text(sign, original)
    if m := re.search(r"(\++|-+)$", text):
        return text[: m.start()], _parse_charge_text(m.group(1), original)
    return text, 0


def _normalise_text(text: str) -> str:
    text = text.translate(_SUBSCRIPTS).translate(_DASHES)
    # Superscript runs are charges: "SO₄²⁻" → "SO4^2-".
    return _SUPERSCRIPT_RUN.sub(lambda m: "^" + "".join(_SUPERSCRIPT_MAP[c] for c in m.group(0)), text)


class _Parser:
    """Recursive-descent parser over tokens: formula := part (SEP part)*; part := [N] group*;
    group := (Element | '(' group* ')' | '[' … ']' | '{' … '}') [N]."""

    def __init__(self, tokens: list[str], original: str):
        self.tokens, self.pos, self.original = tokens, 0, original

    def peek(self) -> str | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self) -> str:
        tok = self.tokens[self.pos]
        self.pos += 1
        return tok

    def count(self) -> int:
        tok = self.peek()
        if tok is not None and tok.isdigit():
            self.take()
            n = int(tok)
            if n == 0 or n > MAX_COUNT:
                raise ToolError(f"bad count {tok} in '{self.original}' (counts are whole numbers 1..{MAX_COUNT})")
            return n
        return 1

    def formula(self) -> dict[str, int]:
        total: dict[str, int] = {}
        while True:
            _add(total, self.part())
            tok = self.peek()
            if tok is None:
                return total
            if tok in _HYDRATE_SEPARATORS:
                self.take()
                continue
            raise ToolError(f"unexpected '{tok}' in '{self.original}' (check the brackets)")

    def part(self) -> dict[str, int]:
        mult = self.count() if (self.peek() or "").isdigit() else 1
        counts = self.sequence(depth=0)
        if not counts:
            raise ToolError(f"empty formula part in '{self.original}'")
        return {el: n * mult for el, n in counts.items()}

    def sequence(self, depth: int) -> dict[str, int]:
        if depth > MAX_DEPTH:
            raise ToolError(f"brackets nested too deeply in '{self.original}'")
        counts: dict[str, int] = {}
        while (tok := self.peek()) is not None:
            if tok in _OPEN_CLOSE:
                self.take()
                inner = self.sequence(depth + 1)
                if self.peek() != _OPEN_CLOSE[tok]:
                    raise ToolError(f"unbalanced '{tok}' in '{self.original}'")
                self.take()
                if not inner:
                    raise ToolError(f"empty brackets in '{self.original}'")
                n = self.count()
                _add(counts, {el: c * n for el, c in inner.items()})
            elif tok[0].isalpha():
                self.take()
                _element(tok)
                _add(counts, {tok: self.count()})
            elif tok.isdigit():
                raise ToolError(f"number {tok} in '{self.original}' does not follow an element or bracket")
            else:  # closing bracket or separator: the caller decides
                break
        return counts


def _add(total: dict[str, int], more: dict[str, int]) -> None:
    for el, n in more.items():
        total[el] = total.get(el, 0) + n


def parse_formula(text: str) -> Formula:
    """Parse one species (no stoichiometric coefficient handling beyond a leading multiplier)."""
    if not isinstance(text, str) or not text.strip():
        raise ToolError("empty formula")
    if len(text) > MAX_FORMULA_CHARS:
        raise ToolError(f"formula longer than {MAX_FORMULA_CHARS} characters")
    raw = _STATE.sub("", _normalise_text(text.strip())).strip()
    if raw.lower() in _ELECTRON_NAMES:
        return Formula("e-", (), -1)
    body, charge = _split_charge(raw)
    body = body.strip()
    if not body:
        raise ToolError(f"no elements in '{text}'")
    # spaces are allowed only around hydrate dots ("CuSO4 · 5H2O")
    body = re.sub(r"\s*([" + re.escape(_HYDRATE_SEPARATORS) + r"])\s*", r"\1", body)
    if re.search(r"\s", body):
        raise ToolError(f"unexpected space in '{text}' (write one formula, e.g. 'CuSO4·5H2O')")
    pos, tokens = 0, []
    for m in _TOKEN.finditer(body):
        if m.start() != pos:
            break
        tokens.append(m.group(0))
        pos = m.end()
    if pos != len(body):
        bad = body[pos]
        hint = (" (element symbols start with a capital letter, e.g. 'H2O' not 'h2o')"
                if bad.isalpha() else "")
        raise ToolError(f"unexpected character '{bad}' at position {pos + 1} in '{text}'{hint}")
    counts = _Parser(tokens, text).formula()
    if sum(counts.values()) > MAX_ATOMS:
        raise ToolError(f"formula '{text}' has more than {MAX_ATOMS} atoms")
    return Formula(raw, tuple(counts.items()), charge)


def molar_mass(f: Formula) -> float:
    """g/mol from periodictable's standard atomic weights (electron mass of ions neglected)."""
    return math.fsum(_element(el).mass * n for el, n in f.counts)


def _fmt_charge(charge: int) -> str:
    if charge == 0:
        return "0"
    mag = "" if abs(charge) == 1 else str(abs(charge))
    return f"{mag}{'+' if charge > 0 else '-'}"


# ---------------------------------------------------------------------------------------------
# Equations
# ---------------------------------------------------------------------------------------------

_ARROW = re.compile(r"<-{1,2}>|<=>|⇌|⇄|↔|⟷|-{1,2}>|→|⟶|=>|={1,2}")
_COEFF = re.compile(r"^\s*(\d+(?:\.\d+)?(?:/\d+)?)\s*(?=[A-Z(\[{e])")


@dataclass(frozen=True)
class Term:
    label: str  # as written, without a coefficient
    formula: Formula


def _split_side(side: str, original: str) -> list[str]:
    """Species on one side: ' + ' separates; without spaces, '+' before a formula start separates
    ('H2+O2'), while charge signs ('H+', 'Fe+3') stay with their species."""
    side = side.strip()
    if not side:
        raise ToolError(f"an equation side is empty in '{original}'")
    if re.search(r"\s\+\s", side):
        parts = re.split(r"\s+\+\s+", side)
    else:
        parts = re.split(r"(?<=[A-Za-z0-9)\]}+\-])\+(?=\d*(?:[A-Z(\[{]|e(?![a-z])))", side)
    parts = [p.strip() for p in parts]
    if any(not p for p in parts):
        raise ToolError(f"empty species in '{side}' (write species separated by ' + ')")
    return parts


def _term(text: str) -> Term:
    m = _COEFF.match(text)
    label = text[m.end():].strip() if m else text.strip()
    return Term(label, parse_formula(label))


def parse_equation(text: str) -> tuple[list[Term], list[Term]]:
    if not isinstance(text, str) or not text.strip():
        raise ToolError("empty equation")
    if len(text) > MAX_EQUATION_CHARS:
        raise ToolError(f"equation longer than {MAX_EQUATION_CHARS} characters")
    norm = _normalise_text(text.strip())
    arrows = list(_ARROW.finditer(norm))
    if len(arrows) != 1:
        what = "no arrow" if not arrows else f"{len(arrows)} arrows"
        raise ToolError(f"equation must have one arrow between reactants and products ('->' or '='), "
                        f"found {what} in '{text}'")
    arrow = arrows[0]
    left, right = norm[: arrow.start()], norm[arrow.end():]
    reactants = [_term(p) for p in _split_side(left, text)]
    products = [_term(p) for p in _split_side(right, text)]
    if len(reactants) + len(products) > MAX_SPECIES:
        raise ToolError(f"too many species (at most {MAX_SPECIES})")
    for side in (reactants, products):
        keys = [t.formula.key for t in side]
        if len(set(keys)) != len(keys):
            raise ToolError(f"a species is listed twice on the same side of '{text}'")
    return reactants, products


def balance(reactants: list[Term], products: list[Term]) -> list[int]:
    """Smallest positive integer coefficients (reactants then products) from the conservation
    matrix's nullspace; ToolError when there is none or it is not unique."""
    terms = reactants + products
    elements: list[str] = []
    for t in terms:
        for el, _ in t.formula.counts:
            if el not in elements:
                elements.append(el)
    rows = [[(1 if i < len(reactants) else -1) * t.formula.elements.get(el, 0) for i, t in enumerate(terms)]
            for el in elements]
    if any(t.formula.charge for t in terms):
        rows.append([(1 if i < len(reactants) else -1) * t.formula.charge for i, t in enumerate(terms)])
    for el in elements:
        in_r = any(el in t.formula.elements for t in reactants)
        in_p = any(el in t.formula.elements for t in products)
        if in_r != in_p:
            side = "reactants" if in_r else "products"
            raise ToolError(f"cannot balance: {el} appears only among the {side} (check the formulas)")
    basis = _sympy.Matrix(rows).nullspace()
    if not basis:
        raise ToolError("cannot balance: no set of coefficients conserves every element"
                        + (" and the charge" if len(rows) > len(elements) else "")
                        + " (check the formulas and that all products are listed)")
    if len(basis) > 1:
        raise ToolError(f"ambiguous: the equation has {len(basis)} independent balancings (it combines "
                        f"separate reactions); give a single reaction")
    vec = basis[0]
    denom = math.lcm(*[int(v.q) for v in vec])
    ints = [int(v * denom) for v in vec]
    g = math.gcd(*ints)
    ints = [n // g for n in ints] if g else ints
    if all(n <= 0 for n in ints):
        ints = [-n for n in ints]
    if any(n <= 0 for n in ints):
        bad = [t.label for t, n in zip(terms, ints, strict=True) if n <= 0]
        raise ToolError(f"cannot balance with positive coefficients: {', '.join(bad)} would need a "
                        f"coefficient ≤ 0 (is it on the wrong side?)")
    return ints


def format_equation(reactants: list[Term], products: list[Term], coeffs: list[int]) -> str:
    def side(terms: list[Term], cs: list[int]) -> str:
        return " + ".join(f"{'' if c == 1 else c}{t.label}" for t, c in zip(terms, cs, strict=True))

    n = len(reactants)
    return f"{side(reactants, coeffs[:n])} -> {side(products, coeffs[n:])}"


@dataclass
class Balanced:
    reactants: list[Term]
    products: list[Term]
    coeffs: list[int]

    @property
    def text(self) -> str:
        return format_equation(self.reactants, self.products, self.coeffs)

    def terms(self) -> Iterable[tuple[Term, int, str]]:
        n = len(self.reactants)
        for i, (t, c) in enumerate(zip(self.reactants + self.products, self.coeffs, strict=True)):
            yield t, c, "reactant" if i < n else "product"

    def find(self, name: str, role: str | None = None) -> tuple[Term, int]:
        """A species by its label, or by composition (`H2O(l)` finds `H2O`)."""
        cands = [(t, c, r) for t, c, r in self.terms() if role is None or r == role]
        for t, c, _ in cands:
            if t.label.replace(" ", "") == name.replace(" ", ""):
                return t, c
        try:
            key = _term(name).formula.key
        except ToolError:
            key = None
        for t, c, _ in cands:
            if key is not None and t.formula.key == key:
                return t, c
        where = f"{role}s" if role else "species"
        names = ", ".join(t.label for t, _, _ in cands)
        raise ToolError(f"'{name}' is not one of the {where} of the equation ({names})")


def balanced(equation: str) -> Balanced:
    reactants, products = parse_equation(equation)
    return Balanced(reactants, products, balance(reactants, products))


# ---------------------------------------------------------------------------------------------
# Amount helpers
# ---------------------------------------------------------------------------------------------

_MASS_UNITS = {"g": 1.0, "gram": 1.0, "grams": 1.0, "mass": 1.0, "kg": 1e3, "kilogram": 1e3, "kilograms": 1e3,
               "mg": 1e-3, "milligram": 1e-3, "milligrams": 1e-3}
_MOLE_UNITS = {"mol": 1.0, "mole": 1.0, "moles": 1.0, "mols": 1.0, "mmol": 1e-3, "millimoles": 1e-3,
               "kmol": 1e3}


def _unit_factor(unit: str) -> tuple[str, float]:
    """('grams'|'moles', factor to g or mol) for a unit word."""
    key = unit.strip().lower()
    if key in _MASS_UNITS:
        return "grams", _MASS_UNITS[key]
    if key in _MOLE_UNITS:
        return "moles", _MOLE_UNITS[key]
    raise ToolError(f"unknown amount unit '{unit}' (use grams or moles)")


def _to_moles(amount: float, unit: str, f: Formula, label: str) -> float:
    kind, factor = _unit_factor(unit)
    if amount < 0 or not math.isfinite(amount):
        raise ToolError(f"amount of {label} must be a non-negative number")
    if kind == "moles":
        return amount * factor
    return amount * factor / molar_mass(f)


def _amount_value(value: float | str, default_unit: str, label: str) -> tuple[float, str]:
    """A number (in default_unit) or text like '10 g' / '0.5 mol'."""
    if isinstance(value, str):
        m = re.fullmatch(r"\s*([0-9.eE+-]+)\s*([A-Za-z]*)\s*", value)
        if not m:
            raise ToolError(f"cannot read the amount '{value}' for {label} (give a number, or e.g. '10 g')")
        try:
            num = float(m.group(1))
        except ValueError:
            raise ToolError(f"cannot read the amount '{value}' for {label}") from None
        return num, m.group(2) or default_unit
    return float(value), default_unit


def _formula_field(description: str = "chemical formula, e.g. 'H2O', 'CuSO4·5H2O', 'Ca(OH)2'") -> Any:
    return Field(validation_alias=AliasChoices("formula", "compound", "molecule", "substance", "chemical_formula",
                                               "species"),
                 description=description)


def _num(x: float) -> Any:
    return json_number(x)


# ---------------------------------------------------------------------------------------------
# Ops
# ---------------------------------------------------------------------------------------------


class FormulaArgs(OpArgs):
    formula: str = _formula_field()


@TOOL.op("molecular_weight", "Molar mass of a formula in g/mol (standard atomic weights).",
         aliases=("molar_mass", "molecular_mass", "formula_weight", "molar_weight", "mw", "molecular_weight_calc",
                  "calculate_molar_mass", "mass_of_formula"))
def op_molecular_weight(a: FormulaArgs) -> ToolResult:
    f = parse_formula(a.formula)
    m = molar_mass(f)
    return ToolResult.success(fmt_quantity(m, "g/mol"), _num(m))


@TOOL.op("parse_formula", "Element counts (and charge) of a formula; handles brackets, hydrates, ions.",
         aliases=("element_counts", "count_atoms", "atom_count", "formula_parse", "parse", "composition_counts"))
def op_parse_formula(a: FormulaArgs) -> ToolResult:
    f = parse_formula(a.formula)
    text = ", ".join(f"{el}: {n}" for el, n in f.counts)
    if f.charge:
        text += f"; charge {_fmt_charge(f.charge)}"
    atoms = sum(n for _, n in f.counts)
    return ToolResult.success(text, {"elements": f.elements, "charge": f.charge, "atoms": atoms})


class EquationArgs(OpArgs):
    equation: str = Field(validation_alias=AliasChoices("equation", "reaction", "chemical_equation"),
                          description="reaction, e.g. 'H2 + O2 -> H2O' ('->', '=', '→' or '<=>'; "
                                      "ions as Fe^3+, SO4^2-, electrons as e-)")


@TOOL.op("balance_equation", "Balance a chemical equation with the smallest whole-number coefficients.",
         aliases=("balance", "balance_reaction", "balance_chemical_equation", "balancing", "balance_redox"))
def op_balance_equation(a: EquationArgs) -> ToolResult:
    b = balanced(a.equation)
    n = len(b.reactants)
    value = {
        "equation": b.text,
        "reactants": {t.label: c for t, c in zip(b.reactants, b.coeffs[:n], strict=True)},
        "products": {t.label: c for t, c in zip(b.products, b.coeffs[n:], strict=True)},
    }
    return ToolResult.success(b.text, value)


class StoichiometryArgs(OpArgs):
    equation: str = Field(validation_alias=AliasChoices("equation", "reaction", "chemical_equation"),
                          description="reaction (balanced or not), e.g. 'C3H8 + O2 -> CO2 + H2O'")
    given: str = Field(validation_alias=AliasChoices("given", "given_species", "from_species", "known",
                                                     "source", "from"),
                       description="species whose amount is known, e.g. 'C3H8'")
    amount: float | str | None = Field(None, validation_alias=AliasChoices("amount", "given_amount", "quantity",
                                                                           "value"),
                                       description="amount of the given species, in `unit` (or text like '10 g')")
    unit: str = Field("grams", validation_alias=AliasChoices("unit", "given_unit", "amount_unit"),
                      description="grams | moles (also g, kg, mg, mol, mmol)")
    grams: float | None = Field(None, validation_alias=AliasChoices("grams", "given_grams", "mass", "mass_g"),
                                description="mass in g (of the given species / of the solute)")
    moles: float | None = Field(None, validation_alias=AliasChoices("moles", "given_moles", "mol"),
                                description="amount in mol (of the given species / of the solute)")
    target: str = Field(validation_alias=AliasChoices("target", "target_species", "find", "to_species", "to",
                                                      "wanted"),
                        description="species to compute, e.g. 'CO2'")


@TOOL.op("stoichiometry", "Amount of a target species (mol and g) from a known amount of another, via the "
         "balanced equation.", aliases=("stoich", "reaction_stoichiometry", "mass_to_mass", "mole_ratio",
                                        "stoichiometric_calculation"))
def op_stoichiometry(a: StoichiometryArgs) -> ToolResult:
    b = balanced(a.equation)
    given, cg = b.find(a.given)
    target, ct = b.find(a.target)
    given_amounts = [(x, u) for x, u in ((a.amount, a.unit), (a.grams, "grams"), (a.moles, "moles")) if x is not None]
    if len(given_amounts) != 1:
        raise ToolError("give the known amount once: 'amount' with 'unit' (grams|moles), or 'grams', or 'moles'")
    amount, unit = _amount_value(given_amounts[0][0], given_amounts[0][1], given.label)
    n_given = _to_moles(amount, unit, given.formula, given.label)
    n_target = n_given * ct / cg
    g_target = n_target * molar_mass(target.formula) if target.formula.counts else 0.0
    text = (f"n({target.label}) = {fmt_quantity(n_target, 'mol')}; m({target.label}) = {fmt_quantity(g_target, 'g')}"
            f" (from {fmt_quantity(n_given, 'mol')} {given.label}; balanced: {b.text})")
    return ToolResult.success(text, {"moles": _num(n_target), "grams": _num(g_target),
                                     "given_moles": _num(n_given), "mole_ratio": f"{ct}:{cg}",
                                     "equation": b.text})


_ACID_WORDS = {"acid": "acid", "acidic": "acid", "a": "acid", "base": "base", "basic": "base", "b": "base",
               "alkali": "base", "alkaline": "base"}


class PhArgs(OpArgs):
    concentration: float = Field(gt=0, validation_alias=AliasChoices("concentration", "conc", "C", "c",
                                                                      "molarity", "initial_concentration"),
                                 description="formal concentration of the acid or base in mol/L")
    type: Literal["acid", "base"] | None = Field(None, validation_alias=AliasChoices("type", "acid_or_base",
                                                                                    "solution_type", "species_type"),
                                                 description="acid | base")
    strong: bool | None = Field(None, description="true for a strong (fully dissociated) acid/base; "
                                                  "defaults to strong unless Ka/Kb/pKa/pKb is given")
    Ka: float | None = Field(None, gt=0, validation_alias=AliasChoices("Ka", "ka", "K_a"),
                             description="acid dissociation constant (weak acid)")
    Kb: float | None = Field(None, gt=0, validation_alias=AliasChoices("Kb", "kb", "K_b"),
                             description="base dissociation constant (weak base)")
    pKa: float | None = Field(None, validation_alias=AliasChoices("pKa", "pka", "pK_a"), description="-log10 Ka")
    pKb: float | None = Field(None, validation_alias=AliasChoices("pKb", "pkb", "pK_b"), description="-log10 Kb")
    equivalents: int = Field(1, ge=1, le=4, validation_alias=AliasChoices("equivalents", "n_ions", "ions",
                                                                          "protons", "hydroxides"),
                             description="H+ or OH- released per formula unit by a strong acid/base "
                                         "(e.g. 2 for Ba(OH)2)")
    Kw: float = Field(KW_25C, gt=0, description="ionic product of water (1e-14 at 25 °C)")

    @field_validator("type", mode="before")
    @classmethod
    def _acid_word(cls, v: Any) -> Any:
        if isinstance(v, str):
            return _ACID_WORDS.get(v.strip().lower(), v)
        return v


def _weak_h(c: float, k: float, kw: float) -> tuple[float, float, float]:
    """[X] of the weak acid/base: (charge-balance root with water, exact quadratic root, x ≪ C approx).

    Charge balance h = K·C/(K + h) + Kw/h is strictly increasing in h, so one bracketed root exists;
    it equals the quadratic root whenever water's own ions are negligible.
    """
    quad = (-k + math.sqrt(k * k + 4 * k * c)) / 2
    approx = math.sqrt(k * c)

    def f(log_h: float) -> float:
        h = 10.0**log_h
        return h - k * c / (k + h) - kw / h

    lo, hi = -30.0, math.log10(c + math.sqrt(kw)) + 1
    full = 10.0 ** _optimize.brentq(f, lo, hi, xtol=1e-14, rtol=1e-15, maxiter=500)
    return full, quad, approx


@TOOL.op("ph", "pH (and pOH, [H+]) of a strong or weak acid/base solution; weak ones by the exact "
         "equilibrium (quadratic), very dilute ones including water's autoionisation.",
         aliases=("calculate_ph", "ph_calculation", "ph_calc", "poh", "acid_base", "ph_of_solution"))
def op_ph(a: PhArgs) -> ToolResult:
    kind = a.type
    k_acid = a.Ka if a.Ka is not None else (10.0 ** -a.pKa if a.pKa is not None else None)
    k_base = a.Kb if a.Kb is not None else (10.0 ** -a.pKb if a.pKb is not None else None)
    if kind is None:
        if k_acid is not None and k_base is None:
            kind = "acid"
        elif k_base is not None and k_acid is None:
            kind = "base"
        else:
            raise ToolError("say whether the solute is an acid or a base: type = 'acid' | 'base'")
    pkw = -math.log10(a.Kw)
    # Ka given for a base (or Kb for an acid): convert through Kw, as textbooks do for conjugates.
    if kind == "acid":
        k = k_acid if k_acid is not None else (a.Kw / k_base if k_base is not None else None)
    else:
        k = k_base if k_base is not None else (a.Kw / k_acid if k_acid is not None else None)
    strong = a.strong if a.strong is not None else k is None
    c = a.concentration
    extra = ""
    value: dict[str, Any] = {}
    if strong:
        ceff = c * a.equivalents
        x = ceff / 2 + math.sqrt(ceff * ceff / 4 + a.Kw)  # includes water: 1e-8 M HCl is slightly acidic
    else:
        if k is None:
            raise ToolError(f"a weak {kind} needs its dissociation constant: give "
                            f"{'Ka or pKa' if kind == 'acid' else 'Kb or pKb'} (or set strong=true)")
        x, quad, approx = _weak_h(c, k, a.Kw)
        p_approx = -math.log10(approx)
        p_quad = -math.log10(quad)
        if kind == "base":
            p_approx, p_quad = pkw - p_approx, pkw - p_quad
        ionised = 100 * (x - a.Kw / x) / c if x > a.Kw / x else 0.0
        value.update({"pH_quadratic": _num(p_quad), "pH_approximation": _num(p_approx),
                      "percent_ionization": _num(ionised)})
        extra = f"; {fmt_number(ionised)}% ionized (x ≪ C approximation: pH = {fmt_number(p_approx)})"
    if kind == "acid":
        h = x
        oh = a.Kw / h
    else:
        oh = x
        h = a.Kw / oh
    ph, poh = -math.log10(h), -math.log10(oh)
    value = {"pH": _num(ph), "pOH": _num(poh), "H+": _num(h), "OH-": _num(oh), **value}
    text = f"pH = {fmt_number(ph)}, pOH = {fmt_number(poh)}, [H+] = {fmt_quantity(h, 'M')}{extra}"
    return ToolResult.success(text, value)


class MolarConversionArgs(OpArgs):
    formula: str | None = Field(None, validation_alias=AliasChoices("formula", "compound", "molecule",
                                                                    "substance", "chemical_formula", "species"),
                                description="formula (needed whenever grams are involved)")
    grams: float | None = Field(None, ge=0, validation_alias=AliasChoices("grams", "mass", "mass_g", "g"))
    moles: float | None = Field(None, ge=0, validation_alias=AliasChoices("moles", "mol", "n", "amount"))
    particles: float | None = Field(None, ge=0, validation_alias=AliasChoices("particles", "molecules", "atoms",
                                                                              "number", "count", "ions"),
                               description="number of particles (molecules, atoms, ions)")
    to: Literal["grams", "moles", "particles"] | None = Field(
        None, validation_alias=AliasChoices("to", "target", "convert_to", "to_unit"),
        description="grams | moles | particles (default: all)")

    @field_validator("to", mode="before")
    @classmethod
    def _to_word(cls, v: Any) -> Any:
        if isinstance(v, str):
            key = v.strip().lower()
            if key in _MASS_UNITS:
                return "grams"
            if key in _MOLE_UNITS:
                return "moles"
            if key in ("molecules", "atoms", "particle", "number", "count", "ions", "entities"):
                return "particles"
            return key
        return v


@TOOL.op("molar_conversion", "Convert one of grams | moles | particles of a formula into the others (Avogadro constant).",
         aliases=("mole_conversion", "convert", "unit_conversion", "mass_mole_conversion", "moles", "convert_moles",
                  "avogadro"))
def op_molar_conversion(a: MolarConversionArgs) -> ToolResult:
    given = [(k, v) for k, v in (("grams", a.grams), ("moles", a.moles), ("particles", a.particles)) if v is not None]
    if len(given) != 1:
        raise ToolError("give exactly one of grams, moles or particles (plus 'formula' when grams are involved)")
    kind, val = given[0]
    f = parse_formula(a.formula) if a.formula else None
    if f is None and "grams" in (kind, a.to):
        raise ToolError("converting grams needs the compound's 'formula', e.g. 'H2O'")
    mm = molar_mass(f) if f is not None and f.counts else None
    if kind == "grams":
        mol = val / mm
    elif kind == "moles":
        mol = val
    else:
        mol = val / _constants.Avogadro
    vals = {"moles": mol, "grams": mol * mm if mm is not None else None, "particles": mol * _constants.Avogadro}
    units = {"moles": "mol", "grams": "g", "particles": "particles"}
    order = [kind] + ([a.to] if a.to and a.to != kind else []) + [k for k in ("moles", "grams", "particles")
                                                                  if k != kind and k != a.to]
    parts = [fmt_quantity(vals[k], units[k]) for k in order if vals[k] is not None]
    if f is not None:
        parts[0] += f" {f.text}"
    text = " = ".join(parts) + (f" (M = {fmt_quantity(mm, 'g/mol')})" if mm is not None else "")
    value = {k: _num(v) for k, v in vals.items() if v is not None}
    if mm is not None:
        value["molar_mass"] = _num(mm)
    return ToolResult.success(text, value)


class DilutionArgs(OpArgs):
    C1: float | None = Field(None, gt=0, validation_alias=AliasChoices("C1", "c1", "M1", "m1"),
                             description="initial concentration")
    V1: float | None = Field(None, gt=0, validation_alias=AliasChoices("V1", "v1"), description="initial volume")
    C2: float | None = Field(None, gt=0, validation_alias=AliasChoices("C2", "c2", "M2", "m2"),
                             description="final concentration")
    V2: float | None = Field(None, gt=0, validation_alias=AliasChoices("V2", "v2"), description="final volume")


@TOOL.op("dilution", "C1·V1 = C2·V2: give any three of C1, V1, C2, V2, get the fourth (in the units given).",
         aliases=("dilute", "c1v1", "c1v1_c2v2", "dilution_calculation", "m1v1"))
def op_dilution(a: DilutionArgs) -> ToolResult:
    vals = {"C1": a.C1, "V1": a.V1, "C2": a.C2, "V2": a.V2}
    missing = [k for k, v in vals.items() if v is None]
    if len(missing) != 1:
        raise ToolError("give exactly three of C1, V1, C2, V2 (the fourth is computed)")
    name = missing[0]
    c1, v1, c2, v2 = (vals[k] for k in ("C1", "V1", "C2", "V2"))
    result = {"C1": lambda: c2 * v2 / v1, "V1": lambda: c2 * v2 / c1,
              "C2": lambda: c1 * v1 / v2, "V2": lambda: c1 * v1 / c2}[name]()
    return ToolResult.success(f"{name} = {fmt_number(result)}", _num(result))


class ConcentrationArgs(OpArgs):
    kind: Literal["molarity", "molality"] | None = Field(
        None, validation_alias=AliasChoices("kind", "type", "concentration_type"),
        description="molarity (mol/L of solution) | molality (mol/kg of solvent); inferred if omitted")
    formula: str | None = Field(None, validation_alias=AliasChoices("formula", "solute", "solute_formula",
                                                                    "compound", "substance"),
                                description="solute formula (needed with grams)")
    moles: float | None = Field(None, ge=0, validation_alias=AliasChoices("moles", "solute_moles", "mol", "n"))
    grams: float | None = Field(None, ge=0, validation_alias=AliasChoices("grams", "solute_grams", "mass",
                                                                          "mass_g", "solute_mass"))
    volume_L: float | None = Field(None, gt=0, validation_alias=AliasChoices("volume_L", "volume_l", "volume",
                                                                             "V", "liters", "solution_volume_L"),
                                   description="solution volume in litres (molarity)")
    volume_mL: float | None = Field(None, gt=0, validation_alias=AliasChoices("volume_mL", "volume_ml", "mL"),
                                    description="solution volume in millilitres (molarity)")
    solvent_kg: float | None = Field(None, gt=0, validation_alias=AliasChoices("solvent_kg", "solvent_mass_kg",
                                                                               "mass_solvent_kg", "kg_solvent"),
                                     description="solvent mass in kg (molality)")
    solvent_g: float | None = Field(None, gt=0, validation_alias=AliasChoices("solvent_g", "solvent_mass_g",
                                                                              "mass_solvent_g", "g_solvent"),
                                    description="solvent mass in g (molality)")

    @field_validator("kind", mode="before")
    @classmethod
    def _kind_word(cls, v: Any) -> Any:
        if isinstance(v, str):
            key = v.strip()
            if key in ("M", "molar", "mol/L", "mol/l"):
                return "molarity"
            if key in ("m", "molal", "mol/kg"):
                return "molality"
            return key.lower()
        return v


@TOOL.op("concentration", "Molarity (moles or grams+formula, volume_L) or molality (…, solvent_kg) of a solution.",
         aliases=("solution_concentration", "concentration_calc", "calculate_concentration"))
def op_concentration(a: ConcentrationArgs) -> ToolResult:
    if (a.moles is None) == (a.grams is None):
        raise ToolError("give the solute amount once: 'moles', or 'grams' with 'formula'")
    if a.moles is not None:
        n = a.moles
    else:
        if not a.formula:
            raise ToolError("grams of solute need the solute 'formula' to convert to moles")
        n = a.grams / molar_mass(parse_formula(a.formula))
    vol = a.volume_L if a.volume_L is not None else (a.volume_mL / 1000 if a.volume_mL is not None else None)
    kg = a.solvent_kg if a.solvent_kg is not None else (a.solvent_g / 1000 if a.solvent_g is not None else None)
    kind = a.kind
    if kind is None:
        if (vol is None) == (kg is None):
            raise ToolError("give kind = molarity (with volume_L) or molality (with solvent_kg)")
        kind = "molarity" if vol is not None else "molality"
    if kind == "molarity":
        if vol is None:
            raise ToolError("molarity needs the solution volume: volume_L (or volume_mL)")
        result, unit = n / vol, "mol/L"
    else:
        if kg is None:
            raise ToolError("molality needs the solvent mass: solvent_kg (or solvent_g)")
        result, unit = n / kg, "mol/kg"
    return ToolResult.success(f"{kind} = {fmt_quantity(result, unit)}", _num(result))


@TOOL.op("percent_composition", "Percent by mass of each element in a formula.",
         aliases=("mass_percent", "percent_by_mass", "elemental_composition", "composition", "mass_composition",
                  "percentage_composition"))
def op_percent_composition(a: FormulaArgs) -> ToolResult:
    f = parse_formula(a.formula)
    if not f.counts:
        raise ToolError(f"'{a.formula}' has no elements")
    total = molar_mass(f)
    pct = {el: 100 * _element(el).mass * n / total for el, n in f.counts}
    text = ", ".join(f"{el}: {fmt_number(p)}%" for el, p in pct.items())
    return ToolResult.success(text, {el: _num(p) for el, p in pct.items()})


class LimitingArgs(OpArgs):
    equation: str = Field(validation_alias=AliasChoices("equation", "reaction", "chemical_equation"),
                          description="reaction (balanced or not), e.g. 'H2 + O2 -> H2O'")
    amounts: dict[str, float | str] = Field(
        validation_alias=AliasChoices("amounts", "reactants", "quantities", "reactant_amounts", "masses"),
        description="amount of each reactant, e.g. {\"H2\": 4, \"O2\": 32} (in `unit`; or '4 g', '2 mol'); "
                    "reactants left out are in excess")
    unit: str = Field("grams", validation_alias=AliasChoices("unit", "units", "amount_unit"),
                      description="grams | moles")
    product: str | None = Field(None, validation_alias=AliasChoices("product", "target", "target_product"),
                                description="product whose theoretical yield to report (default: first)")

    @field_validator("amounts", mode="before")
    @classmethod
    def _decode(cls, v: Any) -> Any:
        if isinstance(v, str) and v.strip().startswith("{"):
            try:
                return json.loads(v)
            except json.JSONDecodeError:
                return v
        if isinstance(v, list):  # [{"species": "H2", "amount": 4}, ...]
            out = {}
            for item in v:
                if isinstance(item, dict) and len(item) >= 2:
                    name = item.get("species") or item.get("formula") or item.get("name")
                    amt = item.get("amount", item.get("grams", item.get("moles")))
                    if name is not None and amt is not None:
                        out[name] = amt
                        continue
                return v
            return out
        return v


@TOOL.op("limiting_reagent", "Limiting reagent and theoretical yield (mol and g) from reactant amounts.",
         aliases=("limiting_reactant", "theoretical_yield", "limiting", "find_limiting_reagent", "yield"))
def op_limiting_reagent(a: LimitingArgs) -> ToolResult:
    b = balanced(a.equation)
    if not a.amounts:
        raise ToolError("give 'amounts' of at least one reactant, e.g. {\"H2\": 4, \"O2\": 32}")
    extents: list[tuple[str, float, Term, int, float]] = []  # label, extent, term, coeff, moles
    for name, raw in a.amounts.items():
        term, coeff = b.find(name, role="reactant")
        amount, unit = _amount_value(raw, a.unit, term.label)
        mol = _to_moles(amount, unit, term.formula, term.label)
        extents.append((term.label, mol / coeff, term, coeff, mol))
    if len({e[0] for e in extents}) != len(extents):
        raise ToolError("a reactant appears twice in 'amounts'")
    xi = min(e[1] for e in extents)
    limiting = [e[0] for e in extents if math.isclose(e[1], xi, rel_tol=1e-9, abs_tol=0.0)]
    products = [b.find(a.product, role="product")] if a.product else [(t, c) for t, c, r in b.terms()
                                                                       if r == "product"]
    yields = {}
    for t, c in products:
        mol = xi * c
        yields[t.label] = {"moles": mol, "grams": mol * molar_mass(t.formula)}
    main, main_y = next(iter(yields.items()))
    excess = {}
    for label, _ext, term, coeff, mol in extents:
        if label in limiting:
            continue
        left = mol - xi * coeff
        excess[label] = {"moles": left, "grams": left * molar_mass(term.formula)}
    text = (f"limiting reagent: {' and '.join(limiting)}"
            + (" (consumed together)" if len(limiting) > 1 else "")
            + f"; theoretical yield of {main}: {fmt_quantity(main_y['moles'], 'mol')} = "
              f"{fmt_quantity(main_y['grams'], 'g')}")
    for label, y in list(yields.items())[1:]:
        text += f", of {label}: {fmt_quantity(y['moles'], 'mol')} = {fmt_quantity(y['grams'], 'g')}"
    for label, e in excess.items():
        text += f"; {label} left over: {fmt_quantity(e['moles'], 'mol')} = {fmt_quantity(e['grams'], 'g')}"
    text += f" (balanced: {b.text})"
    value = {
        "limiting_reagent": limiting[0], "limiting_reagents": limiting, "product": main,
        "moles": _num(main_y["moles"]), "grams": _num(main_y["grams"]),
        "yields": {k: {u: _num(x) for u, x in y.items()} for k, y in yields.items()},
        "excess": {k: {u: _num(x) for u, x in e.items()} for k, e in excess.items()},
        "equation": b.text,
    }
    return ToolResult.success(text, value)


# Sub-operations models write as the operation name.
TOOL.sub_op("molarity", "concentration", kind="molarity")
TOOL.sub_op("molality", "concentration", kind="molality")
TOOL.sub_op("grams_to_moles", "molar_conversion", to="moles")
TOOL.sub_op("mass_to_moles", "molar_conversion", to="moles")
TOOL.sub_op("moles_to_grams", "molar_conversion", to="grams")
TOOL.sub_op("moles_to_mass", "molar_conversion", to="grams")
TOOL.sub_op("moles_to_particles", "molar_conversion", to="particles")
TOOL.sub_op("particles_to_moles", "molar_conversion", to="moles")
TOOL.sub_op("weak_acid_ph", "ph", type="acid", strong=False)
TOOL.sub_op("weak_base_ph", "ph", type="base", strong=False)
TOOL.sub_op("strong_acid_ph", "ph", type="acid", strong=True)
TOOL.sub_op("strong_base_ph", "ph", type="base", strong=True)

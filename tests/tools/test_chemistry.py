"""The chemistry tool against hand-checked textbook values.

Most tests run the op in-process through `tools.normalise` (same name/argument resolution as
`tools.call`, without the worker round trip) to stay fast; the seed examples go through the real
`tools.call` (worker pool) verbatim, under both tool names.
"""

from __future__ import annotations

import json
import math

import pytest

import tools
from tools.chemistry import TOOL, balanced, molar_mass, parse_formula
from tools.registry import ToolError, ToolResult


def run(args: dict | str, name: str = "chemistry") -> ToolResult:
    norm = tools.normalise(name, args)
    result = norm.op.run(norm.args)
    if result.ok:
        json.dumps(result.value)  # values must be JSON-serialisable
    return result


def ok(args: dict | str, name: str = "chemistry") -> ToolResult:
    r = run(args, name)
    assert r.ok, r.error
    return r


def err(args: dict | str, name: str = "chemistry") -> str:
    r = run(args, name)
    assert not r.ok, r.output
    return r.error


# -- seed examples, verbatim, through the real runtime ----------------------------------------------------


def test_seed_ph_weak_acid_through_call():
    r = tools.call("chemistry", {"operation": "ph", "concentration": 0.1, "type": "acid", "strong": False,
                                 "Ka": 1.8e-5}, use_cache=False)
    assert r.ok, r.error
    assert r.output.startswith("pH = 2.87")
    assert r.value["pH"] == pytest.approx(2.87, abs=0.01)


def test_seed_dilution_through_call():
    r = tools.call("chemistry", {"operation": "dilution", "C1": 2.0, "V1": 50, "C2": 0.5}, use_cache=False)
    assert r.ok, r.error
    assert r.output == "V2 = 200"
    assert r.value == 200


def test_seed_molar_mass_through_chemistry_calc():
    r = tools.call("chemistry_calc", {"operation": "molar_mass", "formula": "H2O"}, use_cache=False)
    assert r.ok, r.error
    assert r.output == "18.015 g/mol"
    r = tools.call("chemistry_calc", '{"operation": "molar_mass", "formula": "C6H12O6"}', use_cache=False)
    assert r.ok and r.output == "180.156 g/mol"


def test_tool_declares_its_alias_and_ten_ops():
    assert "chemistry_calc" in TOOL.aliases
    assert set(TOOL.ops) == {"molecular_weight", "parse_formula", "balance_equation", "stoichiometry", "ph",
                             "molar_conversion", "dilution", "concentration", "percent_composition",
                             "limiting_reagent"}
    schema = TOOL.anthropic_schema()
    assert schema["name"] == "chemistry"
    props = schema["input_schema"]["properties"]
    for arg in ("formula", "equation", "concentration", "C1", "amounts"):
        assert arg in props


# -- molecular_weight ------------------------------------------------------------------------------------


@pytest.mark.parametrize(("formula", "expected"), [
    ("H2O", 18.015),
    ("C6H12O6", 180.156),
    ("CuSO4·5H2O", 249.68),
    ("CuSO4*5H2O", 249.68),
    ("CuSO4.5H2O", 249.68),
    ("NaCl", 58.44),
    ("Ca(OH)2", 74.092),
    ("(NH4)2SO4", 132.134),
    ("CO2", 44.009),
    ("H2SO4", 98.072),
    ("K4[Fe(CN)6]", 368.35),
    ("SO4^2-", 96.056),
])
def test_molecular_weight_textbook_values(formula, expected):
    r = ok({"operation": "molecular_weight", "formula": formula})
    assert r.value == pytest.approx(expected, abs=0.006)
    assert r.output.endswith(" g/mol")


def test_molecular_weight_uses_periodictable_weights():
    import periodictable

    f = parse_formula("C2H5OH")
    assert molar_mass(f) == pytest.approx(2 * periodictable.C.mass + 6 * periodictable.H.mass + periodictable.O.mass)


def test_molecular_weight_aliases():
    for op in ("molar_mass", "molecular_mass", "formula_weight", "MW"):
        assert ok({"operation": op, "formula": "H2O"}).output == "18.015 g/mol"
    assert ok({"operation": "molar_mass", "compound": "H2O"}).value == pytest.approx(18.015)


# -- parse_formula ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(("formula", "elements", "charge"), [
    ("H2O", {"H": 2, "O": 1}, 0),
    ("CuSO4·5H2O", {"Cu": 1, "S": 1, "O": 9, "H": 10}, 0),
    ("CuSO4 · 5H2O", {"Cu": 1, "S": 1, "O": 9, "H": 10}, 0),
    ("Mg3(PO4)2", {"Mg": 3, "P": 2, "O": 8}, 0),
    ("K4[Fe(CN)6]", {"K": 4, "Fe": 1, "C": 6, "N": 6}, 0),
    ("[Cu(NH3)4]SO4", {"Cu": 1, "N": 4, "H": 12, "S": 1, "O": 4}, 0),
    ("Ca3(PO4)2·2H2O", {"Ca": 3, "P": 2, "O": 10, "H": 4}, 0),
    ("SO4^2-", {"S": 1, "O": 4}, -2),
    ("SO4^{2-}", {"S": 1, "O": 4}, -2),
    ("SO4 2-", {"S": 1, "O": 4}, -2),
    ("SO42-", {"S": 1, "O": 4}, -2),
    ("SO₄²⁻", {"S": 1, "O": 4}, -2),
    ("Fe+3", {"Fe": 1}, 3),
    ("Fe3+", {"Fe": 1}, 3),
    ("Fe^3+", {"Fe": 1}, 3),
    ("[Fe(CN)6]3-", {"Fe": 1, "C": 6, "N": 6}, -3),
    ("NH4+", {"N": 1, "H": 4}, 1),
    ("HCO3-", {"H": 1, "C": 1, "O": 3}, -1),
    ("Cr2O7^2-", {"Cr": 2, "O": 7}, -2),
    ("H2O(l)", {"H": 2, "O": 1}, 0),
    ("C₆H₁₂O₆", {"C": 6, "H": 12, "O": 6}, 0),
])
def test_parse_formula_notations(formula, elements, charge):
    r = ok({"operation": "parse_formula", "formula": formula})
    assert r.value["elements"] == elements
    assert r.value["charge"] == charge


def test_parse_formula_output_text():
    assert ok({"operation": "parse_formula", "formula": "Ca(OH)2"}).output == "Ca: 1, O: 2, H: 2"
    assert ok({"operation": "parse_formula", "formula": "SO4^2-"}).output == "S: 1, O: 4; charge 2-"


@pytest.mark.parametrize(("formula", "fragment"), [
    ("h2o", "capital letter"),
    ("Xy2", "unknown element 'Xy'"),
    ("Ca(OH2", "unbalanced '('"),
    ("H2O)", "unexpected ')'"),
    ("H0", "bad count"),
    ("()", "empty brackets"),
    ("Na Cl", "unexpected space"),
    ("__import__('os').system('ls')", "unexpected character"),
    ("", "empty formula"),
    ("H" * 300, "longer than"),
    ("(" * 14 + "H" + ")2" * 14, "nested too deeply"),
    ("((H999999)999999)999999", "more than"),
])
def test_parse_formula_errors_are_actionable(formula, fragment):
    assert fragment in err({"operation": "parse_formula", "formula": formula})


def test_parse_formula_never_evals():
    with pytest.raises(ToolError):
        parse_formula("1+1")


# -- balance_equation ------------------------------------------------------------------------------------


@pytest.mark.parametrize(("equation", "expected"), [
    ("H2 + O2 -> H2O", "2H2 + O2 -> 2H2O"),
    ("C3H8 + O2 -> CO2 + H2O", "C3H8 + 5O2 -> 3CO2 + 4H2O"),
    ("KMnO4 + HCl -> KCl + MnCl2 + H2O + Cl2", "2KMnO4 + 16HCl -> 2KCl + 2MnCl2 + 8H2O + 5Cl2"),
    ("Cu + HNO3 → Cu(NO3)2 + NO + H2O", "3Cu + 8HNO3 -> 3Cu(NO3)2 + 2NO + 4H2O"),
    ("Fe + O2 <=> Fe2O3", "4Fe + 3O2 -> 2Fe2O3"),
    ("CO2 + H2O = C6H12O6 + O2", "6CO2 + 6H2O -> C6H12O6 + 6O2"),
    ("H2+O2=H2O", "2H2 + O2 -> 2H2O"),
    ("2H2 + 2O2 -> 2H2O", "2H2 + O2 -> 2H2O"),  # given coefficients are re-derived
    ("MnO4- + Fe2+ + H+ -> Mn2+ + Fe3+ + H2O", "MnO4- + 5Fe2+ + 8H+ -> Mn2+ + 5Fe3+ + 4H2O"),
    ("MnO4^- + H^+ + e- -> Mn^2+ + H2O", "MnO4^- + 8H^+ + 5e- -> Mn^2+ + 4H2O"),
    ("Cr2O7^2- + Fe^2+ + H^+ -> Cr^3+ + Fe^3+ + H2O",
     "Cr2O7^2- + 6Fe^2+ + 14H^+ -> 2Cr^3+ + 6Fe^3+ + 7H2O"),
    ("H2O(l) -> H2(g) + O2(g)", "2H2O(l) -> 2H2(g) + O2(g)"),
])
def test_balance_equation(equation, expected):
    r = ok({"operation": "balance_equation", "equation": equation})
    assert r.output == expected
    assert r.value["equation"] == expected


def test_balance_value_and_aliases():
    r = ok({"operation": "balance", "equation": "C3H8 + O2 -> CO2 + H2O"})
    assert r.value["reactants"] == {"C3H8": 1, "O2": 5}
    assert r.value["products"] == {"CO2": 3, "H2O": 4}
    assert ok({"operation": "balance_reaction", "reaction": "H2 + O2 -> H2O"}).output == "2H2 + O2 -> 2H2O"


def test_balanced_coefficients_conserve_every_element():
    b = balanced("KMnO4 + HCl -> KCl + MnCl2 + H2O + Cl2")
    totals: dict[str, int] = {}
    for term, coeff, role in b.terms():
        sign = 1 if role == "reactant" else -1
        for el, n in term.formula.counts:
            totals[el] = totals.get(el, 0) + sign * coeff * n
    assert set(totals.values()) == {0}
    assert math.gcd(*b.coeffs) == 1


@pytest.mark.parametrize(("equation", "fragment"), [
    ("H2O -> H2 + N2", "appears only among"),
    ("H2 + O2 -> H2O + H2O2", "ambiguous"),
    ("H2 + O2", "one arrow"),
    ("H2 -> H2O -> O2", "one arrow"),
    ("H2 + H2 -> H4", "listed twice"),
    ("NaCl -> Na + Cl2 + NaCl2", "ambiguous"),
    ("H2O2 + O2 -> H2O", "positive coefficients"),
    ("Fe^2+ -> Fe^3+", "cannot balance"),
])
def test_balance_errors(equation, fragment):
    assert fragment in err({"operation": "balance_equation", "equation": equation})


# -- stoichiometry ---------------------------------------------------------------------------------------


def test_stoichiometry_propane_combustion():
    r = ok({"operation": "stoichiometry", "equation": "C3H8 + O2 -> CO2 + H2O", "given": "C3H8",
            "amount": 44.097, "unit": "grams", "target": "CO2"})
    assert r.value["moles"] == pytest.approx(3.0)
    assert r.value["grams"] == pytest.approx(132.027, abs=1e-3)
    assert r.value["equation"] == "C3H8 + 5O2 -> 3CO2 + 4H2O"
    assert r.output.startswith("n(CO2) = 3 mol; m(CO2) = 132.027 g")


def test_stoichiometry_hydrogen_to_water_and_variants():
    r = ok({"operation": "stoichiometry", "equation": "H2 + O2 -> H2O", "given": "H2", "grams": 10,
            "target": "H2O"})
    assert r.value["moles"] == pytest.approx(10 / 2.016, rel=1e-6)
    assert r.value["grams"] == pytest.approx(10 / 2.016 * 18.015, rel=1e-6)
    r = ok({"operation": "stoich", "equation": "H2 + O2 -> H2O", "given_species": "O2", "given_amount": 1,
            "given_unit": "mol", "target_species": "H2O(l)"})
    assert r.value["moles"] == pytest.approx(2.0)
    r = ok({"operation": "stoichiometry", "reaction": "N2 + H2 -> NH3", "given": "N2", "amount": "28.014 g",
            "target": "NH3"})
    assert r.value["moles"] == pytest.approx(2.0)
    assert r.value["grams"] == pytest.approx(34.062, abs=1e-3)


def test_stoichiometry_errors():
    assert "not one of" in err({"operation": "stoichiometry", "equation": "H2 + O2 -> H2O", "given": "N2",
                                "grams": 1, "target": "H2O"})
    assert "not one of the species" in err({"operation": "stoichiometry", "equation": "H2 + O2 -> H2O",
                                            "given": "hydrogen", "grams": 1, "target": "H2O"})
    assert "known amount once" in err({"operation": "stoichiometry", "equation": "H2 + O2 -> H2O",
                                       "given": "H2", "target": "H2O"})
    assert "missing argument 'target'" in err({"operation": "stoichiometry", "equation": "H2 + O2 -> H2O",
                                               "given": "H2", "grams": 1})


# -- ph --------------------------------------------------------------------------------------------------


def test_ph_weak_acid_exact_quadratic():
    r = ok({"operation": "ph", "concentration": 0.1, "type": "acid", "strong": False, "Ka": 1.8e-5})
    x = (-1.8e-5 + math.sqrt(1.8e-5**2 + 4 * 1.8e-5 * 0.1)) / 2  # exact quadratic by hand
    assert r.value["pH"] == pytest.approx(-math.log10(x), abs=1e-6)
    assert r.value["pH_quadratic"] == pytest.approx(-math.log10(x), abs=1e-9)
    assert r.value["pH_approximation"] == pytest.approx(2.8724, abs=1e-4)
    assert r.value["pH"] + r.value["pOH"] == pytest.approx(14.0)
    assert r.value["percent_ionization"] == pytest.approx(1.33, abs=0.01)


def test_ph_weak_base_ammonia():
    r = ok({"operation": "pH", "concentration": 0.01, "type": "base", "strong": False, "Kb": 1.8e-5})
    assert r.value["pH"] == pytest.approx(10.6, abs=0.05)
    assert r.value["pH"] == pytest.approx(10.6184, abs=1e-3)


def test_ph_strong_and_dilute():
    assert ok({"operation": "ph", "concentration": 0.01, "type": "acid", "strong": True}).output.startswith(
        "pH = 2,")
    assert ok({"operation": "ph", "concentration": 0.01, "type": "base"}).value["pH"] == pytest.approx(12.0)
    r = ok({"operation": "ph", "concentration": 1e-8, "type": "acid", "strong": True})
    assert 6.9 < r.value["pH"] < 7.0  # water's own H+ dominates: 6.978, not 8
    assert r.value["pH"] == pytest.approx(6.978, abs=1e-3)
    r = ok({"operation": "ph", "concentration": 0.005, "type": "base", "equivalents": 2})  # Ba(OH)2
    assert r.value["pH"] == pytest.approx(12.0)


def test_ph_pka_and_inferred_type():
    r = ok({"operation": "ph", "concentration": 0.1, "pKa": 4.76})
    assert r.value["pH"] == pytest.approx(2.88, abs=0.01)
    r = ok({"operation": "ph", "concentration": 0.1, "type": "acid", "Ka": 1.8e-5})  # Ka given → weak
    assert r.value["pH"] == pytest.approx(2.875, abs=1e-3)
    r = ok({"operation": "weak_acid_ph", "concentration": 0.1, "Ka": 1.8e-5})
    assert r.value["pH"] == pytest.approx(2.875, abs=1e-3)


def test_ph_errors():
    assert "Ka or pKa" in err({"operation": "ph", "concentration": 0.1, "type": "acid", "strong": False})
    assert "acid or a base" in err({"operation": "ph", "concentration": 0.1})
    assert "concentration" in err({"operation": "ph", "concentration": -1, "type": "acid"})


# -- molar_conversion ------------------------------------------------------------------------------------


def test_molar_conversion_grams_moles_particles():
    r = ok({"operation": "molar_conversion", "formula": "H2O", "grams": 36.03, "to": "moles"})
    assert r.value["moles"] == pytest.approx(2.0)
    assert r.value["particles"] == pytest.approx(2 * 6.02214076e23)
    assert r.output == "36.03 g H2O = 2 mol = 1.20443e+24 particles (M = 18.015 g/mol)"
    r = ok({"operation": "moles_to_grams", "formula": "NaCl", "moles": 0.5})
    assert r.value["grams"] == pytest.approx(29.22, abs=0.01)
    r = ok({"operation": "molar_conversion", "particles": 6.02214076e23, "to": "moles"})
    assert r.value["moles"] == pytest.approx(1.0)
    assert "formula" in err({"operation": "molar_conversion", "grams": 2})
    assert "exactly one" in err({"operation": "molar_conversion", "formula": "H2O", "grams": 2, "moles": 1})


# -- dilution --------------------------------------------------------------------------------------------


def test_dilution_each_unknown():
    assert ok({"operation": "dilution", "C1": 1, "V1": 10, "V2": 100}).output == "C2 = 0.1"
    assert ok({"operation": "dilution", "c1": 12, "c2": 3, "v2": 500}).value == 125
    assert ok({"operation": "dilution", "V1": 25, "C2": 0.5, "V2": 100}).output == "C1 = 2"
    assert "exactly three" in err({"operation": "dilution", "C1": 2.0, "V1": 50})
    assert "exactly three" in err({"operation": "dilution", "C1": 2.0, "V1": 50, "C2": 1, "V2": 100})


# -- concentration ---------------------------------------------------------------------------------------


def test_concentration_molarity_and_molality():
    r = ok({"operation": "concentration", "kind": "molarity", "formula": "NaCl", "grams": 58.44, "volume_L": 0.5})
    assert r.value == pytest.approx(2.0, abs=1e-4)
    assert r.output.startswith("molarity = 2") and r.output.endswith("mol/L")
    r = ok({"operation": "concentration", "kind": "molality", "moles": 1, "solvent_kg": 0.5})
    assert r.output == "molality = 2 mol/kg"
    assert ok({"operation": "molarity", "moles": 0.25, "volume_mL": 500}).output == "molarity = 0.5 mol/L"
    dup = '{"operation": "concentration", "operation": "molarity", "moles": 1, "volume_L": 4}'
    assert ok(dup).output == "molarity = 0.25 mol/L"
    assert "solvent" in err({"operation": "concentration", "kind": "molality", "moles": 1, "volume_L": 1})
    assert "formula" in err({"operation": "concentration", "grams": 5, "volume_L": 1})


# -- percent_composition ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("formula", "expected"), [
    ("H2O", {"H": 11.19, "O": 88.81}),
    ("C6H12O6", {"C": 40.00, "H": 6.71, "O": 53.29}),
    ("NaCl", {"Na": 39.34, "Cl": 60.66}),
])
def test_percent_composition(formula, expected):
    r = ok({"operation": "percent_composition", "formula": formula})
    assert set(r.value) == set(expected)
    for el, pct in expected.items():
        assert r.value[el] == pytest.approx(pct, abs=0.01)
    assert sum(r.value.values()) == pytest.approx(100.0)


# -- limiting_reagent ------------------------------------------------------------------------------------


def test_limiting_reagent_hydrogen_oxygen():
    r = ok({"operation": "limiting_reagent", "equation": "H2 + O2 -> H2O", "amounts": {"H2": 4, "O2": 64},
            "unit": "grams", "product": "H2O"})
    assert r.value["limiting_reagent"] == "H2"
    assert r.value["moles"] == pytest.approx(4 / 2.016, rel=1e-9)
    assert r.value["grams"] == pytest.approx(35.744, abs=1e-3)
    assert r.value["excess"]["O2"]["moles"] == pytest.approx(64 / 31.998 - 4 / 2.016 / 2, rel=1e-9)
    assert r.output.startswith("limiting reagent: H2; theoretical yield of H2O: 1.98413 mol = 35.744 g")


def test_limiting_reagent_variants():
    r = ok({"operation": "limiting_reactant", "equation": "Mg + O2 -> MgO",
            "amounts": '{"Mg": "2.4305 g", "O2": "3 g"}'})
    assert r.value["limiting_reagent"] == "Mg"
    assert r.value["grams"] == pytest.approx(4.0304, abs=1e-3)
    r = ok({"operation": "limiting_reagent", "equation": "N2 + H2 -> NH3", "amounts": {"N2": 1, "H2": 3},
            "unit": "moles"})
    assert r.value["limiting_reagents"] == ["N2", "H2"]
    assert r.value["moles"] == pytest.approx(2.0)
    assert "not one of the reactants" in err({"operation": "limiting_reagent", "equation": "H2 + O2 -> H2O",
                                              "amounts": {"H2O": 4}})
    assert "not one of the products" in err({"operation": "limiting_reagent", "equation": "H2 + O2 -> H2O",
                                             "amounts": {"H2": 4}, "product": "H2O2"})


def test_unknown_argument_names_the_allowed_ones():
    e = err({"operation": "molecular_weight", "formula": "H2O", "temperature": 300})
    assert "unexpected argument 'temperature'" in e and "formula" in e

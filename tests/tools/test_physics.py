"""The physics tool against hand-checked textbook values, through the real runtime (`tools.call`).

Expected numbers are worked out by hand from the textbook formula in each test's comment, not copied
from the tool's output.
"""

from __future__ import annotations

import json
import math

import pytest
import scipy.constants as sc

import tools
from tools.catalog import TOOLS


def run(args, name: str = "physics"):
    return tools.call(name, args, use_cache=False)


def ok(args, name: str = "physics") -> dict | float:
    res = run(args, name)
    assert res.ok, res.error
    json.dumps(res.value)  # JSON-serialisable
    return res.value


def fails(args, *words: str) -> str:
    res = run(args)
    assert not res.ok, res.output
    for w in words:
        assert w.lower() in res.error.lower(), res.error
    return res.error


close = pytest.approx


# -- the seed plan's examples, verbatim ----------------------------------------------------------
SEED_OHM = '{"operation": "electricity", "operation": "ohms_law", "params": {"V": 12, "R": 4}}'
SEED_LENS = '{"operation": "optics", "operation": "thin_lens", "params": {"f": 0.1, "do": 0.3}}'
SEED_PROJECTILE = {"operation": "projectile", "v0": 20, "theta": 45}


@pytest.mark.parametrize("name", ["physics", "physics_calc"])
def test_seed_ohms_law_duplicate_operation_key(name):
    res = run(SEED_OHM, name)
    assert res.ok, res.error
    assert res.value["I"] == 3
    assert res.output.startswith("I = 3 A")


@pytest.mark.parametrize("name", ["physics", "physics_calc"])
def test_seed_thin_lens_duplicate_operation_key(name):
    res = run(SEED_LENS, name)
    assert res.ok, res.error
    assert res.value["di"] == close(0.15)  # 1/di = 1/0.1 - 1/0.3 = 20/3
    assert res.output.startswith("di = 0.15 m")
    assert "real" in res.output and "inverted" in res.output


@pytest.mark.parametrize("name", ["physics", "physics_calc"])
@pytest.mark.parametrize("args", [SEED_PROJECTILE, json.dumps(SEED_PROJECTILE)])
def test_seed_projectile(name, args):
    v = ok(args, name)
    assert v["range"] == close(40.7747, abs=1e-4)  # v0² sin 2θ / g = 400 / 9.81
    assert "range = 40.7747 m" in run(args, name).output


def test_sub_operation_names_work_as_the_operation():
    assert ok({"operation": "ohms_law", "V": 12, "R": 4})["I"] == 3
    assert ok({"operation": "Ohm's law", "V": 12, "R": 4})["I"] == 3
    assert ok({"operation": "electricity", "kind": "Ohm's Law", "V": 12, "R": 4})["I"] == 3
    assert ok({"operation": "thin_lens", "params": {"f": 0.1, "do": 0.3}})["di"] == close(0.15)
    assert ok({"operation": "snell", "n1": 1, "theta1": 30, "n2": 1.5})["theta2"] == close(19.4712, abs=1e-4)
    assert ok({"operation": "pendulum", "L": 1})["T"] == close(2 * math.pi * math.sqrt(1 / 9.81))
    assert ok({"operation": "kinetic_energy", "m": 2, "v": 3})["E"] == 9
    assert ok({"operation": "doppler", "f": 440, "v_source": 30})["f_observed"] == close(440 * 343 / 313)
    assert ok({"operation": "electrical_power", "V": 12, "I": 2})["P"] == 24
    assert ok({"operation": "power", "W": 1000, "t": 10})["P"] == 100  # bare "power" is mechanical


def test_every_sub_op_declared():
    subs = TOOLS["physics"].sub_ops
    for kind, op in [
        ("ohms_law", "electricity"),
        ("series", "electricity"),
        ("parallel", "electricity"),
        ("coulomb", "electricity"),
        ("thin_lens", "optics"),
        ("magnification", "optics"),
        ("snell", "optics"),
        ("wave_speed", "waves"),
        ("photon_energy", "waves"),
        ("doppler", "waves"),
        ("kinetic", "energy"),
        ("potential", "energy"),
        ("work", "energy"),
        ("power", "energy"),
        ("spring", "shm"),
        ("pendulum", "shm"),
    ]:
        assert subs[kind] == (op, {"kind": kind})


# -- unit_convert --------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "value,src,dst,expected",
    [
        (100, "degC", "degF", 212),  # 100 × 9/5 + 32
        (72, "km/h", "m/s", 20),  # 72000 m / 3600 s
        (1, "mile", "m", 1609.344),  # international mile
        (1, "atm", "Pa", 101325),
        (1, "eV", "J", 1.602176634e-19),
        (0, "degC", "K", 273.15),
        (1, "kWh", "J", 3.6e6),
    ],
)
def test_unit_convert(value, src, dst, expected):
    got = ok({"operation": "unit_convert", "value": value, "from_unit": src, "to_unit": dst})
    assert got == close(expected, rel=1e-9)


def test_unit_convert_output_text_and_aliases():
    res = run({"operation": "convert", "value": 72, "from": "km/h", "to": "m/s"})
    assert res.ok and res.output == "72 km/h = 20 m/s" and res.value == 20


def test_unit_convert_errors():
    fails(
        {"operation": "unit_convert", "value": 1, "from_unit": "m", "to_unit": "s"},
        "incompatible",
        "[length]",
    )
    fails({"operation": "unit_convert", "value": 1, "from_unit": "furlongz", "to_unit": "m"}, "unknown unit")
    fails({"operation": "unit_convert", "value": 1, "from_unit": "__import__('os')", "to_unit": "m"})
    fails({"operation": "unit_convert", "value": 1, "from_unit": "m" * 500, "to_unit": "m"}, "too long")


# -- kinematics ----------------------------------------------------------------------------------
def test_kinematics_free_fall():
    # dropped from rest 10 m: v = √(2 g s) = √196.2, t = v / g
    v = ok({"operation": "kinematics", "u": 0, "a": 9.81, "s": 10})
    assert v["v"] == close(math.sqrt(196.2)) and v["t"] == close(math.sqrt(196.2) / 9.81)


def test_kinematics_each_pair_of_unknowns():
    # ground truth: u = 4, a = 2, t = 3 → v = 10, s = 21
    truth = {"s": 21, "u": 4, "v": 10, "a": 2, "t": 3}
    names = list(truth)
    for i in range(5):
        for j in range(i + 1, 5):
            given = {k: truth[k] for k in names if k not in (names[i], names[j])}
            got = ok({"operation": "kinematics", **given})
            for k in names:
                assert got[k] == close(truth[k]), (given, got)


def test_kinematics_aliases_v0_vf_x():
    got = ok({"operation": "suvat", "v0": 0, "vf": 20, "t": 4})  # a = 5, s = ½·20·4 = 40
    assert got["a"] == 5 and got["s"] == 40
    got = ok({"operation": "kinematics", "x": 40, "v0": 0, "a": 5})
    assert got["t"] == close(4) and got["v"] == close(20)


def test_kinematics_two_roots_takes_smallest_positive():
    # thrown up at 10 m/s, passes 3 m at t = (10 ∓ √(100 − 58.86)) / 9.81 = 0.365541, 1.67320
    res = run({"operation": "kinematics", "u": 10, "a": -9.81, "s": 3})
    assert res.ok and res.value["t"] == close(0.365541, abs=1e-6)
    assert "two positive roots" in res.output and "1.6732 s" in res.output
    # back at the start (s = 0): the non-trivial root t = 2u/g, not t = 0
    assert ok({"operation": "kinematics", "u": 10, "a": -9.81, "s": 0})["t"] == close(20 / 9.81)


def test_kinematics_braking_to_rest():
    # stops in 100 m at −5 m/s²: u = √(2·5·100) = √1000, t = u / 5
    got = ok({"operation": "kinematics", "s": 100, "v": 0, "a": -5})
    assert got["u"] == close(math.sqrt(1000)) and got["t"] == close(math.sqrt(1000) / 5)


def test_kinematics_errors():
    fails({"operation": "kinematics", "s": 100, "u": 5}, "needs 3")
    fails({"operation": "kinematics", "u": 5, "a": -9.81, "s": 10}, "never reached")  # peak is 1.27 m
    fails({"operation": "kinematics", "u": 0, "a": 9.81, "s": 10, "t": 1}, "inconsistent")
    fails({"operation": "kinematics", "u": 10, "v": 10, "a": 0}, "cannot determine")
    fails({"operation": "kinematics", "u": 0, "a": 1, "t": -2}, "'t'")


# -- ideal gas -----------------------------------------------------------------------------------
def test_ideal_gas_each_unknown():
    R = sc.R
    base = {"P": 101325, "V": R * 273.15 / 101325, "n": 1, "T": 273.15}  # one mole at STP ≈ 22.414 L
    assert base["V"] == close(0.022414, rel=1e-5)
    for missing in base:
        given = {k: v for k, v in base.items() if k != missing}
        got = ok({"operation": "ideal_gas", **given})
        assert got[missing] == close(base[missing]), missing


def test_ideal_gas_units_and_errors():
    got = ok({"operation": "ideal_gas", "pressure": "1 atm", "n": 2, "temperature": "25 degC"})
    assert got["V"] == close(2 * sc.R * 298.15 / 101325)
    fails({"operation": "ideal_gas", "P": 101325, "n": 1}, "exactly three")
    fails({"operation": "ideal_gas", "P": 1, "V": 1, "n": 1, "T": 1}, "exactly three")
    fails({"operation": "ideal_gas", "P": 101325, "n": -1, "T": 300}, "'n'", "greater than 0")


# -- waves ---------------------------------------------------------------------------------------
def test_wave_speed_any_two():
    assert ok({"operation": "waves", "kind": "wave_speed", "v": 343, "f": 440})["wavelength"] == close(
        343 / 440
    )
    assert ok({"operation": "waves", "kind": "wave_speed", "v": 340, "wavelength": 0.5})["f"] == close(680)
    assert ok({"operation": "wave_speed", "f": 100, "lambda": 3.4})["v"] == close(340)
    fails({"operation": "waves", "kind": "wave_speed", "v": 343}, "two of")


def test_photon_energy():
    # 500 nm: E = h c / λ = 3.97289e-19 J = 2.47968 eV
    got = ok({"operation": "waves", "kind": "photon_energy", "wavelength": 500e-9})
    assert got["E"] == close(sc.h * sc.c / 500e-9) and got["E_eV"] == close(2.47968, abs=1e-5)
    got = ok({"operation": "photon_energy", "f": 5e14})
    assert got["E"] == close(6.62607015e-34 * 5e14)
    assert ok({"operation": "photon_energy", "wavelength": "500 nm"})["E_eV"] == close(2.47968, abs=1e-5)


def test_doppler():
    # source approaching at 30 m/s: f' = f v / (v − vs); receding: f v / (v + vs); default v = 343
    assert ok({"operation": "waves", "kind": "doppler", "f": 440, "v_source": 30})["f_observed"] == close(
        440 * 343 / 313
    )
    got = ok({"operation": "waves", "kind": "doppler", "f": 440, "v_source": 30, "direction": "receding"})
    assert got["f_observed"] == close(440 * 343 / 373)
    got = ok({"operation": "waves", "kind": "doppler", "f": 440, "v_observer": 10})  # (v + vo) / v
    assert got["f_observed"] == close(440 * 353 / 343)
    got = ok({"operation": "doppler", "f": 1000, "v": 340, "vs": 20, "vo": 20, "direction": "away"})
    assert got["f_observed"] == close(1000 * 320 / 360)
    fails({"operation": "doppler", "f": 440, "v_source": 400}, "faster than the wave speed")


# -- constants -----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "name,value",
    [
        ("c", sc.c),
        ("G", sc.G),
        ("h", sc.h),
        ("hbar", sc.hbar),
        ("e", sc.e),
        ("k_B", sc.k),
        ("N_A", sc.N_A),
        ("R", sc.R),
        ("epsilon_0", sc.epsilon_0),
        ("mu_0", sc.mu_0),
        ("m_e", sc.m_e),
        ("m_p", sc.m_p),
        ("g", sc.g),
        ("sigma", sc.sigma),
        ("speed of light", 299792458),
        ("Planck constant", 6.62607015e-34),
        ("gravitational constant", sc.G),
        ("Avogadro's number", 6.02214076e23),
        ("Boltzmann constant", sc.k),
        ("electron mass", sc.m_e),
        ("k_e", 1 / (4 * math.pi * sc.epsilon_0)),
        ("Speed Of Light", sc.c),
    ],
)
def test_constants(name, value):
    got = ok({"operation": "constant", "name": name})
    assert got["value"] == close(value, rel=1e-11)
    assert got["unit"]


def test_constant_output_and_errors():
    res = run({"operation": "constant", "name": "c"})
    assert res.output == "speed of light in vacuum (c) = 299792458 m s^-1 (exact)"
    assert ok({"operation": "constant", "name": "G"})["unit"] == "m^3 kg^-1 s^-2"
    fails({"operation": "constant", "name": "speed of lite"}, "unknown constant", "did you mean")
    fails({"operation": "constant", "name": "mass"}, "ambiguous", "proton mass")
    assert ok({"operation": "constant", "name": "boltzmann"})["name"] == "Boltzmann constant"
    fails({"operation": "constant"}, "missing argument 'name'")


# -- energy --------------------------------------------------------------------------------------
def test_energy_kinds():
    assert ok({"operation": "energy", "kind": "kinetic", "m": 2, "v": 3})["E"] == 9  # ½·2·9
    assert ok({"operation": "energy", "kind": "kinetic", "m": 2, "E": 9})["v"] == close(3)
    # m g h = 2 · 9.81 · 10
    assert ok({"operation": "energy", "kind": "potential", "m": 2, "h": 10})["E"] == close(196.2)
    assert ok({"operation": "energy", "kind": "potential", "m": 2, "h": 10, "g": 10})["E"] == 200
    assert ok({"operation": "energy", "kind": "work", "F": 10, "d": 5, "theta": 60})["W"] == close(25)
    assert ok({"operation": "energy", "kind": "work", "F": 10, "d": 5, "theta": 90})["W"] == 0
    assert ok({"operation": "energy", "kind": "power", "W": 1000, "t": 10})["P"] == 100
    assert ok({"operation": "energy", "kind": "power", "F": 100, "v": 3})["P"] == 300
    res = run({"operation": "energy", "kind": "kinetic", "m": 2, "v": 3})
    assert res.output.startswith("kinetic energy: E = 9 J")


def test_energy_errors():
    fails({"operation": "energy", "kind": "kinetic", "m": -2, "v": 3}, "'m'", "greater than 0")
    fails({"operation": "energy", "kind": "kinetic", "m": 2}, "needs 2")
    fails({"operation": "energy", "kind": "power", "W": 10}, "power needs")
    fails({"operation": "energy", "m": 2, "v": 3}, "missing argument 'kind'")


# -- electricity ---------------------------------------------------------------------------------
def test_ohms_law_any_two():
    assert ok({"operation": "electricity", "kind": "ohms_law", "I": 2, "R": 5})["V"] == 10
    assert ok({"operation": "electricity", "kind": "ohms_law", "V": 9, "I": 3})["R"] == 3
    assert (
        ok({"operation": "electricity", "kind": "ohms_law", "voltage": "12 V", "current": "500 mA"})["R"]
        == 24
    )
    fails({"operation": "electricity", "kind": "ohms_law", "V": 12}, "needs two")
    fails({"operation": "electricity", "kind": "ohms_law", "V": 12, "I": 2, "R": 5}, "inconsistent")


def test_electrical_power():
    assert ok({"operation": "electricity", "kind": "power", "V": 12, "R": 4})["P"] == 36  # V²/R
    assert ok({"operation": "electricity", "kind": "power", "I": 2, "R": 5})["P"] == 20  # I²R
    assert ok({"operation": "electricity", "kind": "power", "V": 230, "I": 10})["P"] == 2300
    got = ok({"operation": "electricity", "kind": "power", "P": 100, "R": 4})  # I = √(P/R)
    assert got["I"] == close(5) and got["V"] == close(20)


def test_series_parallel():
    assert ok({"operation": "electricity", "kind": "series", "resistances": [2, 3, 5]})["R_total"] == 10
    assert ok({"operation": "electricity", "kind": "parallel", "resistances": [2, 3, 6]})["R_total"] == 1
    assert ok({"operation": "parallel", "resistances": "[100, 100]"})["R_total"] == 50  # JSON text list
    assert ok({"operation": "series", "resistors": ["1 kohm", 500]})["R_total"] == 1500
    fails({"operation": "parallel", "resistances": [10, -5]}, "positive")
    fails({"operation": "series"}, "resistances")


def test_coulomb():
    # two 1 µC charges 1 m apart: F = k q² / r² = 8.98755e9 × 1e-12 = 8.98755e-3 N, repulsive
    got = ok({"operation": "electricity", "kind": "coulomb", "q1": 1e-6, "q2": 1e-6, "r": 1})
    assert got["F"] == close(8.98755e-3, rel=1e-6) and got["nature"] == "repulsive"
    got = ok({"operation": "coulomb", "q1": 1e-6, "q2": -2e-6, "r": 0.1})
    assert got["F"] == close(1.797510, rel=1e-6) and got["nature"] == "attractive"
    fails({"operation": "coulomb", "q1": 1e-6, "q2": 1e-6, "r": 0}, "'r'")


# -- optics --------------------------------------------------------------------------------------
def test_thin_lens_all_unknowns_and_virtual_image():
    assert ok({"operation": "optics", "kind": "thin_lens", "do": 0.3, "di": 0.15})["f"] == close(0.1)
    assert ok({"operation": "optics", "kind": "thin_lens", "f": 0.1, "di": 0.15})["do"] == close(0.3)
    # magnifying glass: object inside f → virtual, upright: 1/di = 10 − 20 → di = −0.1, m = 2
    res = run({"operation": "thin_lens", "f": 0.1, "do": 0.05})
    assert res.value["di"] == close(-0.1) and res.value["m"] == close(2) and res.value["image"] == "virtual"
    assert "virtual, upright, magnified" in res.output
    # diverging lens f = −0.2, do = 0.2: di = −0.1
    assert ok({"operation": "thin_lens", "f": -0.2, "do": 0.2})["di"] == close(-0.1)
    fails({"operation": "thin_lens", "f": 0.1, "do": 0.1}, "infinity")
    fails({"operation": "thin_lens", "f": 0.1}, "two of")


def test_magnification():
    assert ok({"operation": "optics", "kind": "magnification", "di": 0.15, "do": 0.3})["m"] == close(-0.5)
    assert ok({"operation": "magnification", "hi": 2, "ho": 4})["m"] == close(0.5)
    assert ok({"operation": "magnification", "m": -2, "ho": 0.01})["hi"] == close(-0.02)
    fails({"operation": "magnification", "do": 0.3}, "magnification needs")


def test_snell_and_total_internal_reflection():
    # air → glass: sin θ2 = sin 30° / 1.5 = 1/3 → 19.4712°
    assert ok({"operation": "optics", "kind": "snell", "n1": 1.0, "theta1": 30, "n2": 1.5})[
        "theta2"
    ] == close(math.degrees(math.asin(1 / 3)))
    # glass → air below the critical angle asin(1/1.5) = 41.8103°
    got = ok({"operation": "snell", "n1": 1.5, "theta1": 30, "n2": 1.0})
    assert got["theta2"] == close(math.degrees(math.asin(0.75))) and got["critical_angle"] == close(
        41.8103, abs=1e-4
    )
    fails(
        {"operation": "snell", "n1": 1.5, "theta1": 60, "n2": 1.0},
        "total internal reflection",
        "critical angle 41.8103",
    )


# -- projectile ----------------------------------------------------------------------------------
def test_projectile_level_ground():
    got = ok({"operation": "projectile", "v0": 20, "theta": 45})
    assert got["max_height"] == close(100 / 9.81)  # (v0 sin θ)² / 2g = 200 / 19.62
    assert got["time_of_flight"] == close(2 * 20 * math.sin(math.pi / 4) / 9.81)


def test_projectile_from_height_and_units():
    # horizontal launch from 20 m: t = √(2h/g), range = v0 t
    got = ok({"operation": "projectile", "v0": 20, "theta": 0, "h0": 20})
    t = math.sqrt(40 / 9.81)
    assert got["time_of_flight"] == close(t) and got["range"] == close(20 * t) and got["max_height"] == 20
    got = ok({"operation": "projectile_motion", "velocity": "72 km/h", "angle": 45, "g": 9.81})
    assert got["range"] == close(400 / 9.81)
    fails({"operation": "projectile", "v0": 20}, "missing argument 'theta'")
    fails({"operation": "projectile", "v0": "20 kg", "theta": 45}, "cannot be converted to m/s")
    fails({"operation": "projectile", "v0": 20, "theta": 120}, "'theta'")


# -- simple harmonic motion ----------------------------------------------------------------------
def test_shm_spring():
    # k = 100 N/m, m = 1 kg: ω = 10 rad/s, T = 2π/10; A = 0.1 m: v_max = 1 m/s, E = ½·100·0.01 = 0.5 J
    got = ok({"operation": "shm", "kind": "spring", "k": 100, "m": 1, "A": 0.1})
    assert (
        got["omega"] == close(10)
        and got["T"] == close(0.2 * math.pi)
        and got["f"] == close(10 / (2 * math.pi))
    )
    assert got["v_max"] == close(1) and got["E"] == close(0.5) and got["a_max"] == close(10)
    assert "v_max" not in ok({"operation": "spring", "k": 100, "m": 1})


def test_shm_pendulum():
    # L = 1 m: T = 2π √(1/9.81) = 2.00607 s
    got = ok({"operation": "shm", "kind": "pendulum", "L": 1})
    assert got["T"] == close(2.00607, abs=1e-5)
    assert ok({"operation": "pendulum", "length": 1, "g": 1.62})["T"] == close(2 * math.pi / math.sqrt(1.62))
    fails({"operation": "shm", "kind": "spring", "k": 100}, "spring needs")
    fails({"operation": "shm", "kind": "spring", "k": 100, "m": -1}, "'m'", "greater than 0")


# -- general -------------------------------------------------------------------------------------
def test_unknown_op_and_extra_argument():
    fails({"operation": "quantum_gravity"}, "unknown operation")
    fails({"operation": "projectile", "v0": 20, "theta": 45, "mass": 3}, "unexpected argument 'mass'")
    fails({"operation": "kinematics", "u": float("nan"), "a": 1, "t": 1}, "'u'")


def test_overflow_and_hostile_unit_text_fail_fast():
    fails({"operation": "kinetic", "m": 1e300, "v": 1e300}, "overflow")
    fails({"operation": "unit_convert", "value": 1e308, "from_unit": "km", "to_unit": "m"}, "not finite")
    # pint evaluates number literals with int arithmetic: a power tower must be refused, not computed
    fails(
        {"operation": "unit_convert", "value": 1, "from_unit": "10**10**10 m", "to_unit": "m"},
        "powers of powers",
    )
    fails({"operation": "projectile", "v0": "9**99999 m/s", "theta": 45}, "exponents over 999")
    fails({"operation": "projectile", "v0": "((10**999)**999)**999 m/s", "theta": 45}, "powers of powers")


def test_schemas_are_plain_json_without_nulls():
    tool = TOOLS["physics"]
    text = json.dumps(tool.anthropic_schema())
    assert '"null"' not in text
    assert set(tool.ops) == {
        "unit_convert",
        "kinematics",
        "ideal_gas",
        "waves",
        "constant",
        "energy",
        "electricity",
        "optics",
        "projectile",
        "shm",
    }
    props = json.loads(text)["input_schema"]["properties"]
    assert props["do"]["unit"] == "m"
    # shared names: every op's meaning, the union of kinds, no constraint only one op has
    assert set(props["kind"]["enum"]) >= {"ohms_law", "thin_lens", "snell", "doppler", "kinetic", "pendulum"}
    assert "focal length" in props["f"]["description"] and "frequency" in props["f"]["description"]
    assert "exclusiveMinimum" not in props["f"]  # a diverging lens has f < 0

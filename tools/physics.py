"""The `physics` tool: unit conversion, CODATA constants and the textbook formula families.

Why a tool at all: a model doing physics by hand slips on unit prefixes, square roots and sign
conventions; a trace that calls this tool gets numbers that the execute stage can re-derive exactly.

Conventions every op follows:
- Arguments are SI numbers (m, s, kg, K, Pa, ...; angles in degrees). A *string* with a unit, such as
  `"72 km/h"`, is also accepted for any numeric argument and converted with pint's own unit parser
  (never Python `eval`); the unit each argument expects is stated in its description.
- `output` is one line of `name = value unit` pairs (via `tools.fmt`), `value` a dict of the same
  results as plain numbers (a bare number for `unit_convert`).
- Ops that group several formulas take `kind` (e.g. electricity `ohms_law`); each kind is also accepted
  as the operation name (`{"operation": "ohms_law", ...}`), and the runtime maps the seed plan's
  duplicated `"operation"` key onto `kind`.
"""

from __future__ import annotations

import difflib
import functools
import math
import re
from typing import Any, ClassVar, Literal

from pydantic import AliasChoices, ConfigDict, Field, ValidationInfo, field_validator, model_validator

from tools.fmt import fmt_number, fmt_quantity, json_number
from tools.registry import LazyModule, OpArgs, Tool, ToolError, ToolResult

# pint and SciPy load when an op needs them (in a worker), not when a stage imports the catalogue.
pint = LazyModule("pint")
sc = LazyModule("scipy.constants")

TOOL = Tool(
    "physics",
    "Physics calculator in SI units: unit conversion (pint), CODATA constants (scipy.constants), "
    "kinematics (suvat), ideal gas law, waves, energy, electricity, optics, projectile motion and "
    'simple harmonic motion. Numbers are SI (angles in degrees); strings with units like "72 km/h" '
    "are converted.",
    aliases=("physics_calc",),
)

G_EARTH = 9.81  # the textbook default the seed problems use (not 9.80665)
SPEED_OF_SOUND = 343.0  # m/s in air at 20 °C, the Doppler default
MAX_UNIT_TEXT = 120  # a unit/quantity string longer than this is not a unit a model meant to write


@functools.cache
def ureg() -> pint.UnitRegistry:
    """The one unit registry, built on first use: building it costs ~0.4 s, which importing the tool
    catalogue (every worker, every CLI call) should not pay unless a unit is actually parsed."""
    return pint.UnitRegistry()


_NUMBER_AND_UNIT = re.compile(r"^\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*([^\d\s*/^.].*)$")


# pint evaluates number literals with Python's int arithmetic, so "10**10**10 m" would compute a
# gigantic integer; unit text never needs a power of a power or a four-digit exponent.
_POWER_CHAIN = re.compile(r"(\*\*|\^)\s*[-+]?\s*\(?\s*[\w.]+\s*\)?\s*(\*\*|\^)")
_BIG_EXPONENT = re.compile(r"(\*\*|\^)\s*[-+]?\s*\(?\s*\d{4,}")


def _check_unit_text(text: str) -> None:
    """Refuse unit text that is too long or could make pint's parser compute huge numbers."""
    if len(text) > MAX_UNIT_TEXT:
        raise ToolError(f"unit text too long ({len(text)} characters)")
    if _POWER_CHAIN.search(text) or _BIG_EXPONENT.search(text):
        raise ToolError(f"'{text}': powers of powers and exponents over 999 are not accepted in units")


def _parse_quantity(text: str) -> pint.Quantity:
    """A pint quantity from text such as "72 km/h", via pint's tokenizer-based parser."""
    _check_unit_text(text)
    try:
        # "25 degC" must become Quantity(25, "degC"): parsing it as the product 25 × degC is
        # ambiguous for offset units, so split off a leading number first.
        match = _NUMBER_AND_UNIT.match(text)
        q = ureg().Quantity(float(match[1]), match[2]) if match else ureg().Quantity(text)
    except pint.errors.PintError as exc:
        raise ToolError(f"cannot read '{text}' as a quantity: {exc}") from None
    except Exception as exc:  # pint's tokenizer raises assorted errors on garbage
        raise ToolError(f"cannot read '{text}' as a quantity ({type(exc).__name__})") from None
    if not isinstance(q, pint.Quantity):  # a bare number
        q = ureg().Quantity(float(q), "")
    return q


def _to_si(text: str, unit: str) -> float | str:
    """Convert a quantity string for an argument to a number in `unit` (the argument's SI unit)."""
    try:
        return float(text)
    except ValueError:
        pass
    try:
        q = _parse_quantity(text.strip())
        return float(q.to(unit).magnitude)
    except ToolError as exc:
        raise ValueError(str(exc)) from None
    except pint.errors.DimensionalityError:
        raise ValueError(f"'{text}' cannot be converted to {unit}") from None
    except Exception as exc:
        raise ValueError(f"cannot read '{text}' as a quantity in {unit} ({type(exc).__name__})") from None


def _canon(text: str) -> str:
    """'Ohm's law' → 'ohms_law', 'thin-lens' → 'thin_lens'."""
    text = text.strip().lower().replace("'", "").replace("\u2019", "")
    return re.sub(r"[\s\-/]+", "_", text).strip("_")


# -- argument models -----------------------------------------------------------------------------
def _schema_extra(unit: str) -> Any:
    """Schema tweak for a numeric argument: record its unit, and show an optional number as plain
    `number` (not `number | null` with a null default, which only confuses a model reading it)."""

    def extra(schema: dict[str, Any]) -> None:
        if unit:
            schema["unit"] = unit
        options = schema.get("anyOf")
        if options and {"type": "null"} in options:
            rest = [o for o in options if o != {"type": "null"}]
            schema.pop("anyOf")
            if len(rest) == 1:
                schema.update(rest[0])
            else:
                schema["anyOf"] = rest
            if schema.get("default", 0) is None:
                schema.pop("default")

    extra.unit = unit  # type: ignore[attr-defined]  # read back by PhysArgs._convert
    return extra


def _q(name: str, unit: str, description: str, *aliases: str, default: Any = None, **constraints: Any) -> Any:
    """A numeric argument in `unit` (SI) under `name` and `aliases`; a unit string is converted."""
    label = f"{description} [{unit}]" if unit else description
    kw: dict[str, Any] = {"validation_alias": AliasChoices(name, *aliases)} if aliases else {}
    return Field(default, description=label, json_schema_extra=_schema_extra(unit), **kw, **constraints)


class PhysArgs(OpArgs):
    """Base of physics op arguments: finite numbers only, unit strings converted, `kind` normalised."""

    model_config = ConfigDict(allow_inf_nan=False)
    KIND_ALIASES: ClassVar[dict[str, str]] = {}

    @field_validator("*", mode="before")
    @classmethod
    def _convert(cls, val: Any, info: ValidationInfo) -> Any:
        """Normalise `kind` ("Ohm's law" → ohms_law) and turn "72 km/h"-style strings into SI numbers."""
        name = info.field_name or ""
        if name == "kind" and isinstance(val, str):
            k = _canon(val)
            return cls.KIND_ALIASES.get(k, k)
        extra = cls.model_fields[name].json_schema_extra if name in cls.model_fields else None
        unit = getattr(extra, "unit", None)
        if not unit:
            return val
        if isinstance(val, str) and not val.strip().startswith("["):
            return _to_si(val, unit)
        if isinstance(val, list):
            return [_to_si(v, unit) if isinstance(v, str) else v for v in val]
        return val


# -- small helpers -------------------------------------------------------------------------------
def _pairs(items: list[tuple[str, float, str]]) -> str:
    return ", ".join(f"{name} = {fmt_quantity(val, unit)}" for name, val, unit in items)


def _num(x: float) -> Any:
    """`json_number`, then a whole float as an int: 25.000000000000004 → 25, like the text shows."""
    y = json_number(x)
    return int(y) if isinstance(y, float) and y.is_integer() and abs(y) < 1e15 else y


def _values(items: list[tuple[str, float, str]]) -> dict[str, Any]:
    return {name: _num(val) for name, val, _ in items}


def _finite(**vals: float) -> None:
    for name, val in vals.items():
        if not math.isfinite(val):
            raise ToolError(f"{name} is not finite (the inputs give a division by zero or overflow)")


def _given(a: Any, names: tuple[str, ...]) -> dict[str, float]:
    return {n: getattr(a, n) for n in names if getattr(a, n) is not None}


def _need(op: str, given: dict[str, float], names: tuple[str, ...], count: int) -> None:
    if len(given) < count:
        have = ", ".join(given) or "none"
        raise ToolError(f"{op} needs {count} of {', '.join(names)} (given: {have})")


def physics_op(name: str, description: str, aliases: tuple[str, ...] = ()) -> Any:
    """`TOOL.op`, plus one overflow guard for every op: a result that is not a finite number (1e200²)
    becomes a clear error instead of "inf" in a trace."""

    def register(func: Any) -> Any:
        @functools.wraps(func)
        def guarded(a: Any) -> ToolResult:
            try:
                result = func(a)
            except OverflowError:
                raise ToolError("the result overflows (inputs too large)") from None
            values = result.value.values() if isinstance(result.value, dict) else [result.value]
            if any(isinstance(x, float) and not math.isfinite(x) for x in values):
                raise ToolError("the result is not a finite number (inputs too large or degenerate)")
            return result

        TOOL.op(name, description, aliases)(guarded)
        return func

    return register


# ================================================================================================
# unit_convert
class UnitConvertArgs(PhysArgs):
    value: float = Field(description="the number to convert")
    from_unit: str = Field(
        description="unit of `value`, e.g. 'km/h', 'degC', 'eV', 'psi'",
        validation_alias=AliasChoices("from_unit", "from", "unit", "source_unit"),
    )
    to_unit: str = Field(
        description="unit to convert to, e.g. 'm/s', 'K', 'J'",
        validation_alias=AliasChoices("to_unit", "to", "target_unit"),
    )


@physics_op(
    "unit_convert",
    "Convert a value between compatible units (pint).",
    aliases=("convert", "convert_units", "unit_conversion", "units", "convert_unit"),
)
def unit_convert(a: UnitConvertArgs) -> ToolResult:
    for text in (a.from_unit, a.to_unit):
        _check_unit_text(text)
    reg = ureg()
    try:
        src = reg.parse_units(a.from_unit)
        dst = reg.parse_units(a.to_unit)
        result = reg.Quantity(a.value, src).to(dst)
    except pint.errors.DimensionalityError:
        d1, d2 = reg.Quantity(1, a.from_unit).dimensionality, reg.Quantity(1, a.to_unit).dimensionality
        raise ToolError(
            f"cannot convert {a.from_unit} ({d1}) to {a.to_unit} ({d2}): incompatible dimensions"
        ) from None
    except pint.errors.UndefinedUnitError as exc:
        raise ToolError(f"unknown unit: {exc}") from None
    except pint.errors.PintError as exc:
        raise ToolError(f"cannot convert: {exc}") from None
    except (AttributeError, SyntaxError, KeyError, IndexError) as exc:
        raise ToolError(
            f"cannot read the units '{a.from_unit}' / '{a.to_unit}' ({type(exc).__name__})"
        ) from None
    mag = float(result.magnitude)
    _finite(result=mag)
    text = f"{fmt_number(a.value)} {a.from_unit} = {fmt_quantity(mag, a.to_unit)}"
    return ToolResult.success(text, _num(mag))


# ================================================================================================
# kinematics (suvat)
_SUVAT = ("s", "u", "v", "a", "t")
_SUVAT_UNITS = {"s": "m", "u": "m/s", "v": "m/s", "a": "m/s^2", "t": "s"}
# Each equation leaves out one variable; keyed by the variable it leaves out.
_EQ_VARS = {
    "s": {"u", "v", "a", "t"},
    "v": {"s", "u", "a", "t"},
    "u": {"s", "v", "a", "t"},
    "t": {"s", "u", "v", "a"},
    "a": {"s", "u", "v", "t"},
}
# For each unknown, the equations to try (by left-out variable): linear ones before quadratics/roots.
_SOLVE_ORDER = {
    "t": ("s", "a", "v", "u"),
    "s": ("a", "v", "u", "t"),
    "a": ("s", "v", "u", "t"),
    "u": ("s", "a", "v", "t"),
    "v": ("s", "a", "u", "t"),
}


class KinematicsArgs(PhysArgs):
    s: float | None = _q("s", "m", "displacement", "x", "d", "displacement", "distance")
    u: float | None = _q("u", "m/s", "initial velocity", "v0", "vi", "v_0", "v_i", "initial_velocity")
    v: float | None = _q("v", "m/s", "final velocity", "vf", "v_f", "final_velocity")
    a: float | None = _q("a", "m/s^2", "constant acceleration", "acceleration")
    t: float | None = _q("t", "s", "elapsed time", "time", ge=0)


def _quadratic_t(qa: float, qb: float, qc: float, notes: list[str]) -> float | None:
    """Smallest positive root of qa t² + qb t + qc = 0 (0 only if it is the sole non-negative root)."""
    eps = 1e-12 * max(abs(qa), abs(qb), abs(qc), 1e-300)
    if abs(qa) <= eps:
        return -qc / qb if abs(qb) > eps else None
    disc = qb * qb - 4 * qa * qc
    if disc < 0:
        raise ToolError("no real time: with these values the displacement s is never reached")
    root = math.sqrt(disc)
    # numerically stable roots
    qq = -0.5 * (qb + math.copysign(root, qb))
    roots = sorted({qq / qa, qc / qq} if qq != 0 else {0.0})
    tol = 1e-12 * max(1.0, *(abs(r) for r in roots))
    positive = [r for r in roots if r > tol]
    if len(positive) == 2:
        notes.append(
            f"t has two positive roots ({fmt_quantity(positive[0], 's')} and "
            f"{fmt_quantity(positive[1], 's')}); the earlier one is used"
        )
    if positive:
        return positive[0]
    if any(abs(r) <= tol for r in roots):
        return 0.0
    raise ToolError("no solution with t ≥ 0: the displacement s is only reached at negative time")


def _suvat_solve(x: str, eq: str, k: dict[str, float], notes: list[str]) -> float | None:
    """Solve the equation that leaves out `eq` for variable `x`; None when it is degenerate."""
    s, u, v, a, t = (k.get(n) for n in _SUVAT)
    if eq == "s":  # v = u + a t
        if x == "v":
            return u + a * t
        if x == "u":
            return v - a * t
        if x == "a":
            return (v - u) / t if t else None
        if x == "t":
            return (v - u) / a if a else None
    if eq == "a":  # s = (u + v) t / 2
        if x == "s":
            return (u + v) * t / 2
        if x == "u":
            return 2 * s / t - v if t else None
        if x == "v":
            return 2 * s / t - u if t else None
        if x == "t":
            return 2 * s / (u + v) if u + v else None
    if eq == "v":  # s = u t + a t² / 2
        if x == "s":
            return u * t + a * t * t / 2
        if x == "u":
            return (s - a * t * t / 2) / t if t else None
        if x == "a":
            return 2 * (s - u * t) / (t * t) if t else None
        if x == "t":
            return _quadratic_t(a / 2, u, -s, notes)
    if eq == "u":  # s = v t - a t² / 2
        if x == "s":
            return v * t - a * t * t / 2
        if x == "v":
            return (s + a * t * t / 2) / t if t else None
        if x == "a":
            return 2 * (v * t - s) / (t * t) if t else None
        if x == "t":
            return _quadratic_t(-a / 2, v, -s, notes)
    if eq == "t":  # v² = u² + 2 a s
        if x == "s":
            return (v * v - u * u) / (2 * a) if a else None
        if x == "a":
            return (v * v - u * u) / (2 * s) if s else None
        if x in ("u", "v"):
            other = v if x == "u" else u
            sq = other * other + (2 * a * s if x == "v" else -2 * a * s)
            if sq < 0:
                raise ToolError(f"no real {x}: {x}² would be negative for these values")
            notes.append(
                f"{x} is only determined up to sign (±{fmt_number(math.sqrt(sq))}); "
                "the positive value is used"
            )
            return math.sqrt(sq)
    return None


def solve_suvat(known: dict[str, float]) -> tuple[dict[str, float], list[str]]:
    """All five of s, u, v, a, t from any three (or more) of them, for constant acceleration."""
    vals = dict(known)
    notes: list[str] = []
    unknown = [x for x in ("t", "s", "a", "u", "v") if x not in vals]
    while unknown:
        for x in unknown:
            others = set(unknown) - {x}
            found = None
            for eq in _SOLVE_ORDER[x]:
                if x in _EQ_VARS[eq] and not (others & _EQ_VARS[eq]):
                    found = _suvat_solve(x, eq, vals, notes)
                    if found is not None:
                        break
            if found is not None:
                vals[x] = found
                unknown.remove(x)
                break
        else:
            raise ToolError(
                f"cannot determine {', '.join(sorted(unknown))} from the given values "
                "(e.g. a = 0 with u = v leaves t undetermined)"
            )
    if vals["t"] < 0:
        raise ToolError(f"no solution with t ≥ 0 (t would be {fmt_number(vals['t'])} s)")
    _finite(**vals)
    s, u, v, a, t = (vals[n] for n in _SUVAT)
    # Each equation as its terms (summing to zero); compare the residual with the largest term.
    checks = [
        (v, -u, -a * t),
        (s, -u * t, -a * t * t / 2),
        (s, -v * t, a * t * t / 2),
        (v * v, -u * u, -2 * a * s),
        (s, -u * t / 2, -v * t / 2),
    ]
    for terms in checks:
        if abs(sum(terms)) > 1e-6 * max(max(abs(x) for x in terms), 1e-300):
            raise ToolError(
                "the given values are inconsistent with constant acceleration "
                "(give exactly three of s, u, v, a, t)"
            )
    return vals, notes


@physics_op(
    "kinematics",
    "Constant-acceleration motion (suvat): give any three of s (displacement), "
    "u (initial velocity, alias v0), v (final velocity, alias vf), a, t; the others are solved. "
    "When t has two positive roots the smaller is used.",
    aliases=("suvat", "motion", "kinematic", "constant_acceleration"),
)
def kinematics(a: KinematicsArgs) -> ToolResult:
    known = _given(a, _SUVAT)
    _need("kinematics", known, _SUVAT, 3)
    vals, notes = solve_suvat(known)
    solved = [n for n in _SUVAT if n not in known]
    order = solved + [n for n in _SUVAT if n in known]
    items = [(n, vals[n], _SUVAT_UNITS[n]) for n in order]
    text = _pairs(items)
    if notes:
        text += " (" + "; ".join(notes) + ")"
    return ToolResult.success(text, _values([(n, vals[n], "") for n in _SUVAT]))


# ================================================================================================
# ideal gas
_GAS = ("P", "V", "n", "T")
_GAS_UNITS = {"P": "Pa", "V": "m^3", "n": "mol", "T": "K"}


class IdealGasArgs(PhysArgs):
    P: float | None = _q("P", "Pa", "pressure", "p", "pressure", gt=0)
    V: float | None = _q("V", "m^3", "volume", "volume", gt=0)
    n: float | None = _q("n", "mol", "amount of substance", "moles", "mol", gt=0)
    T: float | None = _q("T", "K", "absolute temperature", "temperature", gt=0)


@physics_op(
    "ideal_gas",
    "Ideal gas law PV = nRT: give three of P (Pa), V (m^3), n (mol), T (K); "
    "the fourth is solved (R from CODATA).",
    aliases=("ideal_gas_law", "gas_law", "pv_nrt", "gas"),
)
def ideal_gas(a: IdealGasArgs) -> ToolResult:
    known = _given(a, _GAS)
    if len(known) != 3:
        raise ToolError(f"ideal_gas needs exactly three of P, V, n, T (given: {', '.join(known) or 'none'})")
    (missing,) = [x for x in _GAS if x not in known]
    R = sc.R
    g = known
    val = {
        "P": lambda: g["n"] * R * g["T"] / g["V"],
        "V": lambda: g["n"] * R * g["T"] / g["P"],
        "n": lambda: g["P"] * g["V"] / (R * g["T"]),
        "T": lambda: g["P"] * g["V"] / (g["n"] * R),
    }[missing]()
    _finite(**{missing: val})
    vals = {**known, missing: val}
    text = (
        f"{missing} = {fmt_quantity(val, _GAS_UNITS[missing])} ("
        + _pairs([(x, known[x], _GAS_UNITS[x]) for x in _GAS if x in known])
        + f", R = {fmt_number(R)} J/(mol K))"
    )
    return ToolResult.success(text, {x: _num(vals[x]) for x in _GAS})


# ================================================================================================
# waves
class WavesArgs(PhysArgs):
    KIND_ALIASES: ClassVar[dict[str, str]] = {
        "speed": "wave_speed",
        "wave_equation": "wave_speed",
        "v_f_lambda": "wave_speed",
        "wavelength": "wave_speed",
        "photon": "photon_energy",
        "photon_energy_from_wavelength": "photon_energy",
        "planck": "photon_energy",
        "doppler_effect": "doppler",
        "doppler_shift": "doppler",
    }
    kind: Literal["wave_speed", "photon_energy", "doppler"] = Field(
        description="wave_speed (v = f λ, any two), photon_energy (E = h f, from f, wavelength or E), "
        "doppler (observed frequency)"
    )
    v: float | None = _q(
        "v", "m/s", "wave speed (doppler default 343 m/s, sound in air)", "speed", "wave_speed", gt=0
    )
    f: float | None = _q("f", "Hz", "frequency (doppler: emitted frequency)", "frequency", gt=0)
    wavelength: float | None = _q("wavelength", "m", "wavelength", "lambda", "λ", "lam", gt=0)
    E: float | None = _q("E", "J", "photon energy", "energy", gt=0)
    v_source: float | None = _q(
        "v_source",
        "m/s",
        "doppler: speed of the source",
        "vs",
        "v_s",
        "source_speed",
        "source_velocity",
        ge=0,
    )
    v_observer: float | None = _q(
        "v_observer",
        "m/s",
        "doppler: speed of the observer",
        "vo",
        "v_o",
        "observer_speed",
        "observer_velocity",
        ge=0,
    )
    direction: Literal["approaching", "receding"] = Field(
        "approaching", description="doppler: whether source and observer move towards or away from each other"
    )

    @model_validator(mode="before")
    @classmethod
    def _direction(cls, data: Any) -> Any:
        if isinstance(data, dict) and isinstance(data.get("direction"), str):
            d = _canon(data["direction"])
            table = {
                "towards": "approaching",
                "toward": "approaching",
                "approach": "approaching",
                "closing": "approaching",
                "away": "receding",
                "recede": "receding",
                "moving_away": "receding",
            }
            data = {**data, "direction": table.get(d, d)}
        return data


def _wave_speed(a: WavesArgs) -> ToolResult:
    known = _given(a, ("v", "f", "wavelength"))
    if len(known) != 2:
        raise ToolError(
            f"wave_speed needs exactly two of v, f, wavelength (given: {', '.join(known) or 'none'})"
        )
    v = known.get("v", (known.get("f") or 0) * (known.get("wavelength") or 0))
    f = known.get("f", v / known["wavelength"] if "wavelength" in known else 0)
    lam = known.get("wavelength", v / f if f else 0)
    items = [("v", v, "m/s"), ("f", f, "Hz"), ("wavelength", lam, "m")]
    solved = [i for i in items if i[0] not in known] + [i for i in items if i[0] in known]
    return ToolResult.success(_pairs(solved), _values(items))


def _photon(a: WavesArgs) -> ToolResult:
    known = _given(a, ("f", "wavelength", "E"))
    if len(known) != 1:
        raise ToolError(
            f"photon_energy needs exactly one of f, wavelength, E (given: {', '.join(known) or 'none'})"
        )
    if "f" in known:
        f = known["f"]
    elif "wavelength" in known:
        f = sc.c / known["wavelength"]
    else:
        f = known["E"] / sc.h
    E, lam = sc.h * f, sc.c / f
    text = (
        f"E = {fmt_quantity(E, 'J')} = {fmt_quantity(E / sc.e, 'eV')}, f = {fmt_quantity(f, 'Hz')}, "
        f"wavelength = {fmt_quantity(lam, 'm')}"
    )
    return ToolResult.success(
        text, {"E": _num(E), "E_eV": _num(E / sc.e), "f": _num(f), "wavelength": _num(lam)}
    )


def _doppler(a: WavesArgs) -> ToolResult:
    if a.f is None:
        raise ToolError("doppler needs f (the emitted frequency)")
    v = a.v if a.v is not None else SPEED_OF_SOUND
    vs, vo = a.v_source or 0.0, a.v_observer or 0.0
    if a.direction == "approaching":
        num, den = v + vo, v - vs
    else:
        num, den = v - vo, v + vs
    if den <= 0:
        raise ToolError(
            f"the source moves at or faster than the wave speed ({fmt_quantity(vs, 'm/s')} ≥ "
            f"{fmt_quantity(v, 'm/s')}): no steady Doppler shift (shock wave)"
        )
    if num < 0:
        raise ToolError("the observer recedes faster than the wave speed: the wave never arrives")
    f_obs = a.f * num / den
    text = (
        f"f_observed = {fmt_quantity(f_obs, 'Hz')} (f = {fmt_quantity(a.f, 'Hz')}, "
        f"v = {fmt_quantity(v, 'm/s')}, "
        f"v_source = {fmt_quantity(vs, 'm/s')}, v_observer = {fmt_quantity(vo, 'm/s')}, {a.direction})"
    )
    return ToolResult.success(text, {"f_observed": _num(f_obs), "f": _num(a.f), "v": _num(v)})


@physics_op(
    "waves",
    "Waves: kind wave_speed (v = f·wavelength, any two), photon_energy (E = h f from f, "
    "wavelength or E; also in eV), doppler (f, v_source, v_observer, direction approaching|receding; "
    "v defaults to 343 m/s).",
    aliases=("wave",),
)
def waves(a: WavesArgs) -> ToolResult:
    return {"wave_speed": _wave_speed, "photon_energy": _photon, "doppler": _doppler}[a.kind](a)


# ================================================================================================
# constants
# Symbols (case-sensitive) → CODATA key in scipy.constants.physical_constants.
_SYMBOLS = {
    "c": "speed of light in vacuum",
    "c0": "speed of light in vacuum",
    "c_0": "speed of light in vacuum",
    "G": "Newtonian constant of gravitation",
    "h": "Planck constant",
    "hbar": "reduced Planck constant",
    "ħ": "reduced Planck constant",
    "h_bar": "reduced Planck constant",
    "e": "elementary charge",
    "k_B": "Boltzmann constant",
    "kB": "Boltzmann constant",
    "k": "Boltzmann constant",
    "N_A": "Avogadro constant",
    "NA": "Avogadro constant",
    "R": "molar gas constant",
    "epsilon_0": "vacuum electric permittivity",
    "eps0": "vacuum electric permittivity",
    "epsilon0": "vacuum electric permittivity",
    "ε0": "vacuum electric permittivity",
    "ε_0": "vacuum electric permittivity",
    "mu_0": "vacuum mag. permeability",
    "mu0": "vacuum mag. permeability",
    "μ0": "vacuum mag. permeability",
    "μ_0": "vacuum mag. permeability",
    "m_e": "electron mass",
    "me": "electron mass",
    "m_p": "proton mass",
    "mp": "proton mass",
    "m_n": "neutron mass",
    "mn": "neutron mass",
    "g": "standard acceleration of gravity",
    "g_n": "standard acceleration of gravity",
    "sigma": "Stefan-Boltzmann constant",
    "σ": "Stefan-Boltzmann constant",
    "F": "Faraday constant",
    "alpha": "fine-structure constant",
    "α": "fine-structure constant",
    "a_0": "Bohr radius",
    "a0": "Bohr radius",
    "R_inf": "Rydberg constant",
    "u": "atomic mass constant",
    "amu": "atomic mass constant",
    "m_u": "atomic mass constant",
    "Da": "atomic mass constant",
    "eV": "electron volt",
    "mu_B": "Bohr magneton",
    "μB": "Bohr magneton",
    "mu_N": "nuclear magneton",
    "b": "Wien wavelength displacement law constant",
    "atm": "standard atmosphere",
    "Z_0": "characteristic impedance of vacuum",
    "Phi_0": "mag. flux quantum",
    "V_m": "molar volume of ideal gas (273.15 K, 101.325 kPa)",
    "lambda_C": "Compton wavelength",
}
# Common names (case-insensitive) → CODATA key; the CODATA keys themselves also match.
_NAMES = {
    "speed of light": "speed of light in vacuum",
    "light speed": "speed of light in vacuum",
    "gravitational constant": "Newtonian constant of gravitation",
    "universal gravitational constant": "Newtonian constant of gravitation",
    "newton constant": "Newtonian constant of gravitation",
    "newtons constant": "Newtonian constant of gravitation",
    "planck's constant": "Planck constant",
    "plancks constant": "Planck constant",
    "reduced planck's constant": "reduced Planck constant",
    "dirac constant": "reduced Planck constant",
    "electron charge": "elementary charge",
    "charge of electron": "elementary charge",
    "proton charge": "elementary charge",
    "boltzmann's constant": "Boltzmann constant",
    "avogadro's number": "Avogadro constant",
    "avogadro number": "Avogadro constant",
    "avogadros number": "Avogadro constant",
    "avogadro's constant": "Avogadro constant",
    "gas constant": "molar gas constant",
    "ideal gas constant": "molar gas constant",
    "universal gas constant": "molar gas constant",
    "permittivity of free space": "vacuum electric permittivity",
    "vacuum permittivity": "vacuum electric permittivity",
    "electric constant": "vacuum electric permittivity",
    "permeability of free space": "vacuum mag. permeability",
    "vacuum permeability": "vacuum mag. permeability",
    "magnetic constant": "vacuum mag. permeability",
    "mass of electron": "electron mass",
    "mass of proton": "proton mass",
    "mass of neutron": "neutron mass",
    "acceleration due to gravity": "standard acceleration of gravity",
    "standard gravity": "standard acceleration of gravity",
    "gravity": "standard acceleration of gravity",
    "stefan boltzmann constant": "Stefan-Boltzmann constant",
    "stefan-boltzmann": "Stefan-Boltzmann constant",
    "faraday's constant": "Faraday constant",
    "fine structure constant": "fine-structure constant",
    "rydberg constant": "Rydberg constant",
    "atomic mass unit": "atomic mass constant",
    "dalton": "atomic mass constant",
    "unified atomic mass unit": "atomic mass constant",
    "wien's constant": "Wien wavelength displacement law constant",
    "wien constant": "Wien wavelength displacement law constant",
    "standard atmosphere": "standard atmosphere",
}
# Derived constants that CODATA does not list under a name.
_DERIVED_UNITS = {"coulomb constant": "N m^2 C^-2"}


@functools.cache
def _derived(name: str) -> tuple[float, str]:
    """(value, unit) of a derived constant; computed on first use (needs scipy.constants)."""
    values = {"coulomb constant": lambda: 1 / (4 * math.pi * sc.epsilon_0)}
    return values[name](), _DERIVED_UNITS[name]
_DERIVED_ALIASES = {
    "k_e": "coulomb constant",
    "ke": "coulomb constant",
    "coulombs constant": "coulomb constant",
    "coulomb's constant": "coulomb constant",
    "electrostatic constant": "coulomb constant",
}
_SYMBOL_OF = {}
for _sym, _key in _SYMBOLS.items():
    _SYMBOL_OF.setdefault(_key, _sym)
_SYMBOL_OF["coulomb constant"] = "k_e"


def lookup_constant(name: str) -> tuple[str, float, str, float]:
    """(CODATA name, value, unit, standard uncertainty) for a symbol or common/CODATA name."""
    text = name.strip()
    if text in _SYMBOLS:
        key = _SYMBOLS[text]
    else:
        low = " ".join(text.lower().replace("_", " ").split())
        codata = {k.lower(): k for k in sc.physical_constants}
        derived = _DERIVED_ALIASES.get(text.lower()) or _DERIVED_ALIASES.get(low)
        if derived or low in _DERIVED_UNITS:
            d = derived or low
            return d, *_derived(d), 0.0
        key = _NAMES.get(low) or codata.get(low)
        if key is None:
            folded = {s.lower(): k for s, k in _SYMBOLS.items()}
            clashes = [s for s in _SYMBOLS if s.lower() == text.lower()]
            if text.lower() in folded and len(clashes) == 1:
                key = folded[text.lower()]
        if key is None and low:
            # "boltzmann" → "Boltzmann constant": a CODATA name that starts with the text (shortest
            # first), else one that contains it only if that is unambiguous ("mass" is not).
            starts = sorted((k for k in sc.physical_constants if k.lower().startswith(low)), key=len)
            contains = [k for k in sc.physical_constants if low in k.lower()]
            if starts:
                key = starts[0]
            elif len(contains) == 1:
                key = contains[0]
            elif contains:
                some = ", ".join(repr(k) for k in sorted(contains, key=len)[:5])
                raise ToolError(f"'{name}' is ambiguous: {some}, ... ({len(contains)} CODATA names match)")
        if key is None:
            options = list(_NAMES) + list(codata)
            close = difflib.get_close_matches(low, options, n=3, cutoff=0.6)
            hint = f"; did you mean {', '.join(repr(c) for c in close)}?" if close else ""
            raise ToolError(
                f"unknown constant '{name}'{hint} (symbols: c, G, h, hbar, e, k_B, N_A, R, "
                "epsilon_0, mu_0, m_e, m_p, g, sigma, ...)"
            )
    value, unit, unc = sc.physical_constants[key]
    return key, float(value), unit, float(unc)


class ConstantArgs(PhysArgs):
    name: str = Field(
        description="symbol (c, G, h, hbar, e, k_B, N_A, R, epsilon_0, mu_0, m_e, m_p, g, sigma, "
        "...) or name ('speed of light', 'Planck constant')",
        validation_alias=AliasChoices("name", "constant", "symbol", "key"),
        max_length=120,
    )


@physics_op(
    "constant",
    "A physical constant (CODATA via scipy.constants) by symbol or name: value and SI unit.",
    aliases=("constants", "physical_constant", "get_constant", "lookup_constant"),
)
def constant(a: ConstantArgs) -> ToolResult:
    key, value, unit, unc = lookup_constant(a.name)
    sym = _SYMBOL_OF.get(key)
    label = f"{key} ({sym})" if sym else key
    text = f"{label} = {fmt_quantity(value, unit)}" + (
        " (exact)" if unc == 0 and key in sc.physical_constants else ""
    )
    return ToolResult.success(
        text, {"name": key, "symbol": sym, "value": _num(value), "unit": unit, "uncertainty": _num(unc)}
    )


# ================================================================================================
# energy
class EnergyArgs(PhysArgs):
    KIND_ALIASES: ClassVar[dict[str, str]] = {
        "kinetic_energy": "kinetic",
        "ke": "kinetic",
        "potential_energy": "potential",
        "pe": "potential",
        "gravitational_potential_energy": "potential",
        "gpe": "potential",
        "work_done": "work",
        "mechanical_power": "power",
    }
    kind: Literal["kinetic", "potential", "work", "power"] = Field(
        description="kinetic (E = ½ m v², any two of E, m, v), potential (E = m g h, any two of E, m, h), "
        "work (W = F d cos θ), power (P = W / t or P = F v)"
    )
    m: float | None = _q("m", "kg", "mass", "mass", gt=0)
    v: float | None = _q("v", "m/s", "speed (kinetic) or velocity (power = F v)", "velocity", "speed")
    h: float | None = _q("h", "m", "height", "height")
    g: float = _q("g", "m/s^2", "gravitational acceleration", default=G_EARTH, gt=0)
    E: float | None = _q("E", "J", "energy (to solve kinetic/potential backwards)", "KE", "PE", "U", "energy")
    F: float | None = _q("F", "N", "force", "force")
    d: float | None = _q("d", "m", "distance moved", "distance", "s", "displacement")
    theta: float = _q("theta", "degree", "angle between force and displacement", "angle", "θ", default=0.0)
    W: float | None = _q("W", "J", "work or energy transferred (power = W / t)", "work")
    t: float | None = _q("t", "s", "time taken", "time", gt=0)


def _energy_kinetic(a: EnergyArgs) -> ToolResult:
    known = _given(a, ("E", "m", "v"))
    _need("kinetic energy", known, ("E", "m", "v"), 2)
    if "m" in known and "v" in known:
        E, m, v = 0.5 * a.m * a.v**2, a.m, a.v
        main = ("E", E, "J")
    elif "m" in known:
        if a.E < 0:
            raise ToolError("kinetic energy cannot be negative")
        E, m, v = a.E, a.m, math.sqrt(2 * a.E / a.m)
        main = ("v", v, "m/s")
    else:
        if a.v == 0:
            raise ToolError("mass is undetermined when v = 0")
        E, m, v = a.E, 2 * a.E / a.v**2, a.v
        main = ("m", m, "kg")
    if "v" in known and "m" in known and "E" in known and not math.isclose(E, a.E, rel_tol=1e-6):
        raise ToolError(f"inconsistent: ½ m v² = {fmt_quantity(E, 'J')}, not {fmt_quantity(a.E, 'J')}")
    items = [("E", E, "J"), ("m", m, "kg"), ("v", v, "m/s")]
    rest = [i for i in items if i[0] != main[0]]
    return ToolResult.success(f"kinetic energy: {_pairs([main] + rest)}", _values(items))


def _energy_potential(a: EnergyArgs) -> ToolResult:
    known = _given(a, ("E", "m", "h"))
    _need("potential energy", known, ("E", "m", "h"), 2)
    g = a.g
    if "m" in known and "h" in known:
        E, m, h = a.m * g * a.h, a.m, a.h
        main = ("E", E, "J")
    elif "m" in known:
        E, m, h = a.E, a.m, a.E / (a.m * g)
        main = ("h", h, "m")
    else:
        if a.h == 0:
            raise ToolError("mass is undetermined when h = 0")
        E, m, h = a.E, a.E / (g * a.h), a.h
        if m <= 0:
            raise ToolError("E and h give a non-positive mass")
        main = ("m", m, "kg")
    items = [("E", E, "J"), ("m", m, "kg"), ("h", h, "m"), ("g", g, "m/s^2")]
    rest = [i for i in items if i[0] != main[0]]
    return ToolResult.success(f"potential energy: {_pairs([main] + rest)}", _values(items))


def _energy_work(a: EnergyArgs) -> ToolResult:
    if a.F is None or a.d is None:
        raise ToolError("work needs F (force) and d (distance); theta (degrees) defaults to 0")
    W = a.F * a.d * math.cos(math.radians(a.theta))
    if abs(W) < 1e-12 * abs(a.F * a.d):
        W = 0.0  # cos 90° is 6e-17, not 0
    items = [("W", W, "J"), ("F", a.F, "N"), ("d", a.d, "m"), ("theta", a.theta, "deg")]
    return ToolResult.success(f"work: {_pairs(items)}", _values(items))


def _energy_power(a: EnergyArgs) -> ToolResult:
    work = a.W if a.W is not None else a.E
    if work is not None and a.t is not None:
        items = [("P", work / a.t, "W"), ("W", work, "J"), ("t", a.t, "s")]
    elif a.F is not None and a.v is not None:
        items = [("P", a.F * a.v, "W"), ("F", a.F, "N"), ("v", a.v, "m/s")]
    else:
        raise ToolError("power needs W and t (P = W / t) or F and v (P = F v)")
    return ToolResult.success(f"power: {_pairs(items)}", _values(items))


@physics_op(
    "energy",
    "Mechanical energy: kind kinetic (½ m v²), potential (m g h, g defaults to 9.81), "
    "work (F d cos θ, θ in degrees), power (W / t or F v).",
    aliases=("mechanical_energy",),
)
def energy(a: EnergyArgs) -> ToolResult:
    return {
        "kinetic": _energy_kinetic,
        "potential": _energy_potential,
        "work": _energy_work,
        "power": _energy_power,
    }[a.kind](a)


# ================================================================================================
# electricity
class ElectricityArgs(PhysArgs):
    KIND_ALIASES: ClassVar[dict[str, str]] = {
        "ohm": "ohms_law",
        "ohms": "ohms_law",
        "ohm_law": "ohms_law",
        "v_ir": "ohms_law",
        "electrical_power": "power",
        "electric_power": "power",
        "joule_heating": "power",
        "series_resistance": "series",
        "resistors_in_series": "series",
        "series_resistors": "series",
        "parallel_resistance": "parallel",
        "resistors_in_parallel": "parallel",
        "parallel_resistors": "parallel",
        "coulombs_law": "coulomb",
        "coulomb_law": "coulomb",
        "electrostatic_force": "coulomb",
    }
    kind: Literal["ohms_law", "power", "series", "parallel", "coulomb"] = Field(
        description="ohms_law (V = I R, any two of V, I, R), power (P from any two of V, I, R, P), "
        "series / parallel (equivalent of `resistances`), coulomb (force between q1 and q2 at r)"
    )
    V: float | None = _q("V", "V", "voltage", "voltage", "potential_difference", "emf")
    I: float | None = _q("I", "A", "current", "current", "i")  # noqa: E741 (the physics symbol)
    R: float | None = _q("R", "ohm", "resistance", "resistance", gt=0)
    P: float | None = _q("P", "W", "electrical power", "power")
    resistances: list[float] | None = Field(
        None,
        description="series/parallel: the resistances [ohm]",
        validation_alias=AliasChoices("resistances", "resistors", "values"),
        json_schema_extra=_schema_extra("ohm"),
        max_length=10000,
    )
    q1: float | None = _q("q1", "C", "coulomb: first charge (signed)", "charge1", "q_1")
    q2: float | None = _q("q2", "C", "coulomb: second charge (signed)", "charge2", "q_2")
    r: float | None = _q("r", "m", "coulomb: separation of the charges", "distance", "separation", gt=0)


def solve_vipr(known: dict[str, float]) -> dict[str, float]:
    """V, I, R, P from any two of them (V = I R, P = V I)."""
    V, I, R, P = (known.get(x) for x in ("V", "I", "R", "P"))  # noqa: E741 (I is the physics symbol)
    try:
        if V is not None and I is not None:
            R, P = V / I, V * I
        elif V is not None and R is not None:
            I, P = V / R, V * V / R  # noqa: E741
        elif I is not None and R is not None:
            V, P = I * R, I * I * R
        elif P is not None and V is not None:
            I, R = P / V, V * V / P  # noqa: E741
        elif P is not None and I is not None:
            V, R = P / I, P / (I * I)
        elif P is not None and R is not None:
            if P < 0:
                raise ToolError("P = I² R cannot be negative")
            I = math.sqrt(P / R)  # noqa: E741
            V = I * R
    except ZeroDivisionError:
        raise ToolError("division by zero: a zero current or voltage leaves R undetermined") from None
    if R is not None and R <= 0:
        raise ToolError(f"these values give a non-positive resistance (R = {fmt_number(R)} Ω)")
    vals = {"V": V, "I": I, "R": R, "P": P}
    _finite(**vals)
    for x, given in known.items():  # more than two given: they must agree
        if not math.isclose(vals[x], given, rel_tol=1e-6, abs_tol=1e-12):
            raise ToolError(f"the given values are inconsistent ({x} would be {fmt_number(vals[x])})")
    return vals


_VIPR_UNITS = {"V": "V", "I": "A", "R": "Ω", "P": "W"}


def _vipr(a: ElectricityArgs, lead: tuple[str, ...], what: str) -> ToolResult:
    known = _given(a, ("V", "I", "R", "P"))
    if len(known) < 2:
        raise ToolError(
            f"{what} needs two of {', '.join(lead if what == 'ohms_law' else ('V', 'I', 'R'))} "
            f"(given: {', '.join(known) or 'none'})"
        )
    vals = solve_vipr(known)
    order = [x for x in lead if x not in known] + [x for x in lead if x in known]
    return ToolResult.success(
        _pairs([(x, vals[x], _VIPR_UNITS[x]) for x in order]),
        {x: _num(vals[x]) for x in ("V", "I", "R", "P")},
    )


def _resistors(a: ElectricityArgs) -> ToolResult:
    rs = a.resistances
    if not rs:
        raise ToolError(f"{a.kind} needs `resistances`, a list of resistances in ohm")
    if any(r <= 0 for r in rs):
        raise ToolError("every resistance must be positive")
    total = sum(rs) if a.kind == "series" else 1 / sum(1 / r for r in rs)
    text = f"R_total = {fmt_quantity(total, 'Ω')} ({a.kind}: {', '.join(fmt_number(r) for r in rs)} Ω)"
    return ToolResult.success(text, {"R_total": _num(total)})


def _coulomb(a: ElectricityArgs) -> ToolResult:
    if a.q1 is None or a.q2 is None or a.r is None:
        raise ToolError("coulomb needs q1, q2 (C) and r (m)")
    k = 1 / (4 * math.pi * sc.epsilon_0)
    F = k * a.q1 * a.q2 / a.r**2
    _finite(F=F)
    nature = "repulsive" if F > 0 else "attractive" if F < 0 else "none"
    text = (
        f"F = {fmt_quantity(abs(F), 'N')} ({nature}; q1 = {fmt_quantity(a.q1, 'C')}, "
        f"q2 = {fmt_quantity(a.q2, 'C')}, r = {fmt_quantity(a.r, 'm')}, k = {fmt_number(k)} N m^2/C^2)"
    )
    return ToolResult.success(text, {"F": _num(abs(F)), "F_signed": _num(F), "nature": nature})


@physics_op(
    "electricity",
    "Circuits and charges: kind ohms_law (any two of V, I, R), power (P = V I from any "
    "two of V, I, R, P), series / parallel (list `resistances`), coulomb (q1, q2, r → force).",
    aliases=("electric", "circuits", "electrical"),
)
def electricity(a: ElectricityArgs) -> ToolResult:
    if a.kind == "ohms_law":
        return _vipr(a, ("V", "I", "R"), "ohms_law")
    if a.kind == "power":
        return _vipr(a, ("P", "V", "I", "R"), "power")
    if a.kind in ("series", "parallel"):
        return _resistors(a)
    return _coulomb(a)


# ================================================================================================
# optics
class OpticsArgs(PhysArgs):
    KIND_ALIASES: ClassVar[dict[str, str]] = {
        "lens": "thin_lens",
        "lens_equation": "thin_lens",
        "thin_lens_equation": "thin_lens",
        "lensmaker": "thin_lens",
        "mirror": "thin_lens",
        "mirror_equation": "thin_lens",
        "magnify": "magnification",
        "snells_law": "snell",
        "snell_law": "snell",
        "refraction": "snell",
    }
    kind: Literal["thin_lens", "magnification", "snell"] = Field(
        description="thin_lens (1/f = 1/do + 1/di, any two; real-is-positive: converging f > 0, real object "
        "do > 0, real image di > 0, virtual image di < 0), magnification (m = -di/do or hi/ho), "
        "snell (n1 sin θ1 = n2 sin θ2)"
    )
    f: float | None = _q("f", "m", "focal length (converging > 0, diverging < 0)", "focal_length")
    d_o: float | None = _q(
        "do", "m", "object distance (real object > 0)", "d_o", "object_distance", "so", "s_o"
    )
    d_i: float | None = _q(
        "di", "m", "image distance (real image > 0, virtual < 0)", "d_i", "image_distance", "si", "s_i"
    )
    m: float | None = _q("m", "", "magnification", "magnification")
    h_o: float | None = _q("ho", "m", "object height", "h_o", "object_height")
    h_i: float | None = _q("hi", "m", "image height (negative = inverted)", "h_i", "image_height")
    n1: float | None = _q("n1", "", "refractive index of the first medium", "n_1", gt=0)
    n2: float | None = _q("n2", "", "refractive index of the second medium", "n_2", gt=0)
    theta1: float | None = _q(
        "theta1",
        "degree",
        "angle of incidence from the normal",
        "theta_1",
        "θ1",
        "angle",
        "angle_of_incidence",
        ge=0,
        le=90,
    )


def _image_words(m: float, di: float | None) -> str:
    words = []
    if di is not None:
        words.append("real" if di > 0 else "virtual")
    words.append("inverted" if m < 0 else "upright")
    words.append("magnified" if abs(m) > 1 + 1e-12 else "diminished" if abs(m) < 1 - 1e-12 else "same size")
    return ", ".join(words)


def _thin_lens(a: OpticsArgs) -> ToolResult:
    known = {k: v for k, v in (("f", a.f), ("do", a.d_o), ("di", a.d_i)) if v is not None}
    if len(known) != 2:
        raise ToolError(f"thin_lens needs exactly two of f, do, di (given: {', '.join(known) or 'none'})")
    for name, val in known.items():
        if val == 0:
            raise ToolError(f"{name} cannot be 0")
    f, do, di = a.f, a.d_o, a.d_i
    if f is None:
        f = 1 / (1 / do + 1 / di) if 1 / do + 1 / di != 0 else math.inf
        main = ("f", f)
    elif di is None:
        inv = 1 / f - 1 / do
        if abs(inv) < 1e-12 / abs(f):
            raise ToolError("the object is at the focal point (do = f): the image is at infinity")
        di = 1 / inv
        main = ("di", di)
    else:
        inv = 1 / f - 1 / di
        if abs(inv) < 1e-12 / abs(f):
            raise ToolError("di = f: the object would be at infinity")
        do = 1 / inv
        main = ("do", do)
    if not math.isfinite(f):
        raise ToolError("do = -di: no finite focal length (plane surface)")
    m = -di / do
    items = [("f", f, "m"), ("do", do, "m"), ("di", di, "m"), ("m", m, "")]
    order = [main] + [(n, v) for n, v, _ in items if n != main[0]]
    units = {"f": "m", "do": "m", "di": "m", "m": ""}
    text = (
        ", ".join(f"{n} = {fmt_quantity(v, units[n])}" for n, v in order) + f" ({_image_words(m, di)} image)"
    )
    return ToolResult.success(text, _values(items) | {"image": "real" if di > 0 else "virtual"})


def _magnification(a: OpticsArgs) -> ToolResult:
    m, do, di, ho, hi = a.m, a.d_o, a.d_i, a.h_o, a.h_i
    if m is None:
        if di is not None and do is not None:
            if do == 0:
                raise ToolError("do cannot be 0")
            m = -di / do
        elif hi is not None and ho is not None:
            if ho == 0:
                raise ToolError("ho cannot be 0")
            m = hi / ho
        else:
            raise ToolError("magnification needs di and do, or hi and ho (or m with one of them)")
    if ho is not None and hi is None:
        hi = m * ho
    elif hi is not None and ho is None:
        if m == 0:
            raise ToolError("m = 0 leaves ho undetermined")
        ho = hi / m
    if do is not None and di is None:
        di = -m * do
    elif di is not None and do is None:
        if m == 0:
            raise ToolError("m = 0 leaves do undetermined")
        do = -di / m
    items = [("m", m, "")] + [
        (n, v, "m") for n, v in (("do", do), ("di", di), ("ho", ho), ("hi", hi)) if v is not None
    ]
    return ToolResult.success(f"{_pairs(items)} ({_image_words(m, None)})", _values(items))


def _snell(a: OpticsArgs) -> ToolResult:
    if a.n1 is None or a.n2 is None or a.theta1 is None:
        raise ToolError("snell needs n1, theta1 (degrees) and n2")
    s2 = a.n1 * math.sin(math.radians(a.theta1)) / a.n2
    crit = math.degrees(math.asin(a.n2 / a.n1)) if a.n1 > a.n2 else None
    if s2 > 1 + 1e-12:
        raise ToolError(
            f"total internal reflection: n1 sin θ1 / n2 = {fmt_number(s2)} > 1, no refracted ray "
            f"(critical angle {fmt_quantity(crit, 'deg')}; θ1 = {fmt_quantity(a.theta1, 'deg')})"
        )
    theta2 = math.degrees(math.asin(min(s2, 1.0)))
    items = [("theta2", theta2, "deg"), ("n1", a.n1, ""), ("theta1", a.theta1, "deg"), ("n2", a.n2, "")]
    text = _pairs(items)
    value = _values(items)
    if crit is not None:
        text += f" (critical angle {fmt_quantity(crit, 'deg')})"
        value["critical_angle"] = _num(crit)
    return ToolResult.success(text, value)


@physics_op(
    "optics",
    "Geometric optics: kind thin_lens (any two of f, do, di; real-is-positive convention: "
    "converging f > 0, real image di > 0, virtual di < 0), magnification (m = -di/do or hi/ho), snell "
    "(n1, theta1, n2 → theta2 in degrees; reports total internal reflection).",
    aliases=("lens_optics",),
)
def optics(a: OpticsArgs) -> ToolResult:
    return {"thin_lens": _thin_lens, "magnification": _magnification, "snell": _snell}[a.kind](a)


# ================================================================================================
# projectile
class ProjectileArgs(PhysArgs):
    v0: float = _q(
        "v0",
        "m/s",
        "launch speed",
        "v",
        "u",
        "v_0",
        "speed",
        "velocity",
        "initial_velocity",
        default=...,
        ge=0,
    )
    theta: float = _q(
        "theta",
        "degree",
        "launch angle above the horizontal",
        "angle",
        "θ",
        "launch_angle",
        default=...,
        ge=-90,
        le=90,
    )
    g: float = _q("g", "m/s^2", "gravitational acceleration", default=G_EARTH, gt=0)
    h0: float = _q(
        "h0",
        "m",
        "launch height above the landing level",
        "h",
        "height",
        "h_0",
        "initial_height",
        default=0.0,
        ge=0,
    )


@physics_op(
    "projectile",
    "Projectile launched at v0 and theta degrees (optional launch height h0, g = 9.81): "
    "range, maximum height and time of flight, no air resistance.",
    aliases=("projectile_motion",),
)
def projectile(a: ProjectileArgs) -> ToolResult:
    th = math.radians(a.theta)
    vx, vy = a.v0 * math.cos(th), a.v0 * math.sin(th)
    if abs(vx) < 1e-12 * a.v0:
        vx = 0.0
    if abs(vy) < 1e-12 * a.v0:
        vy = 0.0
    t_flight = (vy + math.sqrt(vy * vy + 2 * a.g * a.h0)) / a.g
    t_apex = max(vy, 0.0) / a.g
    max_h = a.h0 + max(vy, 0.0) ** 2 / (2 * a.g)
    rng = vx * t_flight
    items = [
        ("range", rng, "m"),
        ("max_height", max_h, "m"),
        ("time_of_flight", t_flight, "s"),
        ("time_to_max_height", t_apex, "s"),
        ("vx", vx, "m/s"),
        ("vy", vy, "m/s"),
    ]
    return ToolResult.success(
        _pairs(items[:3]) + f" (v0 = {fmt_quantity(a.v0, 'm/s')}, theta = "
        f"{fmt_quantity(a.theta, 'deg')}, h0 = {fmt_quantity(a.h0, 'm')}, "
        f"g = {fmt_quantity(a.g, 'm/s^2')})",
        _values(items),
    )


# ================================================================================================
# simple harmonic motion
class ShmArgs(PhysArgs):
    KIND_ALIASES: ClassVar[dict[str, str]] = {
        "mass_spring": "spring",
        "spring_mass": "spring",
        "hookes_law": "spring",
        "oscillator": "spring",
        "simple_pendulum": "pendulum",
    }
    kind: Literal["spring", "pendulum"] | None = Field(
        None,
        description="spring (k, m; optional amplitude A) or pendulum (L, g); inferred when omitted",
        json_schema_extra=_schema_extra(""),
    )
    k: float | None = _q("k", "N/m", "spring constant", "spring_constant", gt=0)
    m: float | None = _q("m", "kg", "mass", "mass", gt=0)
    A: float | None = _q("A", "m", "amplitude", "amplitude", ge=0)
    L: float | None = _q("L", "m", "pendulum length", "length", "l", gt=0)
    g: float = _q("g", "m/s^2", "gravitational acceleration", default=G_EARTH, gt=0)


@physics_op(
    "shm",
    "Simple harmonic motion: kind spring (k, m → period, frequency, angular frequency; amplitude A "
    "→ max speed, max acceleration, energy) or pendulum (L, g = 9.81 → period; small angles).",
    aliases=("simple_harmonic_motion", "oscillation", "harmonic", "oscillator"),
)
def shm(a: ShmArgs) -> ToolResult:
    kind = a.kind or ("pendulum" if a.L is not None else "spring")
    if kind == "spring":
        if a.k is None or a.m is None:
            raise ToolError("spring needs k (N/m) and m (kg)")
        w = math.sqrt(a.k / a.m)
    else:
        if a.L is None:
            raise ToolError("pendulum needs L (m); g defaults to 9.81 m/s^2")
        w = math.sqrt(a.g / a.L)
    T, f = 2 * math.pi / w, w / (2 * math.pi)
    items = [("T", T, "s"), ("f", f, "Hz"), ("omega", w, "rad/s")]
    if kind == "spring" and a.A is not None:
        items += [("v_max", a.A * w, "m/s"), ("a_max", a.A * w * w, "m/s^2"), ("E", 0.5 * a.k * a.A**2, "J")]
    return ToolResult.success(f"{kind}: {_pairs(items)}", _values(items))


# -- sub-operation names a model may write as the operation --------------------------------------
for _op, _kinds in {
    "electricity": ("ohms_law", "series", "parallel", "coulomb"),
    "optics": ("thin_lens", "magnification", "snell"),
    "waves": ("wave_speed", "photon_energy", "doppler"),
    "energy": ("kinetic", "potential", "work", "power"),
    "shm": ("spring", "pendulum"),
}.items():
    _model = TOOL.ops[_op].args_model
    for _kind in _kinds:
        TOOL.sub_op(_kind, _op, kind=_kind)
    for _alias, _kind in _model.KIND_ALIASES.items():  # type: ignore[attr-defined]
        if _alias not in TOOL.ops and _alias not in _kinds and _kind in _kinds:
            TOOL.sub_op(_alias, _op, kind=_kind)
# `resolve_op` keeps apostrophes ("Ohm's law" → "ohm's_law").
TOOL.sub_op("ohm's_law", "electricity", kind="ohms_law")
TOOL.sub_op("coulomb's_law", "electricity", kind="coulomb")
TOOL.sub_op("snell's_law", "optics", kind="snell")
TOOL.sub_op("hooke's_law", "shm", kind="spring")
# "power" alone means mechanical power; electrical power needs its own name.
TOOL.sub_op("electrical_power", "electricity", kind="power")
TOOL.sub_op("electric_power", "electricity", kind="power")

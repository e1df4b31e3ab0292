"""Electricity, optics and waves templates solved with the `physics` tool (electricity, optics, waves,
plus `constant` for c, e and m_e).

Reference answers are closed forms evaluated here with `scipy.constants` (I = V/R, 1/di = 1/f − 1/do,
n1 sin θ1 = n2 sin θ2, E = hc/λ, Doppler f' = f (v + vo)/(v − vs), ...), never through the tool.
Draws stay physical: lens objects outside the focal length when a real image is asked for (inside it
for a magnifier), refraction angles below the critical angle, sources slower than sound, electrons
accelerated through at most a few kV so the non-relativistic formula is fair. Questions give the
everyday units (cm, μC, kΩ, mA, nm, MHz, km/h); the traces convert to SI before calling the tool.
"""

# ruff: noqa: E741  (I is the physics symbol for current)
from __future__ import annotations

import math
import random
from typing import Any

import scipy.constants as sc

from stages.synthetic.base import Spec, TraceBuilder, template
from stages.synthetic.phrasing import join_words, pick
from stages.synthetic.science_text import grid, num, qty, si, sig

CAT = "physics_em_optics"
PH = ("physics",)
K_E = 1 / (4 * math.pi * sc.epsilon_0)
V_SOUND = 343.0


def _phys(operation: str, **args: Any) -> dict[str, Any]:
    return {"operation": operation, **args}


def _deg(x: float) -> str:
    return f"{sig(x)}°"


# -- 1. Ohm's law --------------------------------------------------------------------------------
DEVICES = ["a resistor", "a heating element", "a lamp filament", "a toaster coil", "an LED's series resistor",
           "a wire-wound resistor", "a kettle element", "a sensor"]


@template(CAT, "ohms_law", tools=PH, weight=1.2)
def ohms_law(rng: random.Random, difficulty: str) -> Spec:
    dev = rng.choice(DEVICES)
    V = rng.choice([1.5, 3, 4.5, 5, 6, 9, 12, 24, 48, 110, 120, 230, 240]) if difficulty != "hard" \
        else grid(rng, 1, 60, 0.5)
    if difficulty == "hard":
        R = rng.randint(5, 500)
        V2 = round(V * rng.choice([0.5, 1.5, 2, 2.5, 3, 0.25, 0.75]), 3)
        I1 = V / R
        q = pick(rng, [
            "A current of {I} A flows through {d} when {V} V is applied. What current flows if the voltage is "
            "changed to {V2} V (same resistance)?",
            "{D} draws {I} A from a {V} V supply. Assuming its resistance stays constant, find the current at "
            "{V2} V.",
        ], I=sig(I1, 4), d=dev, D=dev.capitalize(), V=num(V), V2=num(V2))
        I1r = float(sig(I1, 4))
        return Spec(q, {"mode": "rescale", "V": V, "I": I1r, "V2": V2}, qty(V2 * I1r / V, "A"))
    want = rng.choice(["I", "R", "V"])
    if want == "I":
        R_k = difficulty == "medium" and rng.random() < 0.6
        R = rng.choice([grid(rng, 1, 47, 0.1), rng.randint(1, 100)]) if R_k else rng.randint(2, 2000)
        R_ohm = R * 1000 if R_k else R
        q = pick(rng, [
            "A {V} V source is connected across {d} of {R}. What current flows?",
            "What current passes through {d} with resistance {R} when the voltage across it is {V} V?",
            "Find the current in {d} of {R} connected to {V} V.",
        ], V=num(V), d=dev, R=f"{num(R)} kΩ" if R_k else f"{num(R)} Ω")
        return Spec(q, {"mode": "I", "V": V, "R": R_ohm, "kohm": R_k}, qty(V / R_ohm, "A"))
    if want == "R":
        mA = difficulty == "medium" and rng.random() < 0.6
        I = rng.randint(2, 950) if mA else grid(rng, 0.1, 15, 0.1)
        I_A = I / 1000 if mA else I
        q = pick(rng, [
            "{D} carries {I} when connected to {V} V. What is its resistance?",
            "A current of {I} flows through {d} with {V} V across it. Find the resistance.",
            "What is the resistance of {d} that draws {I} from a {V} V supply?",
        ], D=dev.capitalize(), d=dev, I=f"{num(I)} mA" if mA else f"{num(I)} A", V=num(V))
        return Spec(q, {"mode": "R", "V": V, "I": I_A, "mA": mA}, qty(V / I_A, "Ω"))
    I, R = grid(rng, 0.05, 12, 0.05), rng.randint(2, 300)
    q = pick(rng, [
        "A current of {I} A flows through a {R} Ω resistor. What is the voltage across it?",
        "What potential difference drives {I} A through {R} Ω?",
        "Find the voltage across {d} of {R} Ω carrying {I} A.",
    ], I=num(I), R=R, d=dev)
    return Spec(q, {"mode": "V", "I": I, "R": R}, qty(I * R, "V"))


@ohms_law.solver
def _(p: dict, b: TraceBuilder) -> str:
    mode = p["mode"]
    if mode == "rescale":
        V, I, V2 = p["V"], p["I"], p["V2"]
        b.think(["The resistance is fixed, so first find R = V/I, then I2 = V2/R.",
                 "Plan: R from the first measurement, then Ohm's law again at {v} V."], v=num(V2))
        r = b.call("physics", _phys("electricity", kind="ohms_law", V=V, I=I), "Resistance from V and I.")
        R = r.value["R"]
        b.observe("R = {r} Ω.", r=sig(R, 6))
        r2 = b.call("physics", _phys("electricity", kind="ohms_law", V=V2, R=R),
                    ["Now the current at {v} V with the same resistance.", "Ohm's law at the new voltage."],
                    v=num(V2))
        b.observe("I = {i} A.", i=sig(r2.value["I"], 6))
        b.think("Sanity check: the current scales with the voltage, {v2}/{v} × {i} A gives the same.",
                v2=num(V2), v=num(V), i=num(I))
        return b.finish(qty(r2.value["I"], "A"))
    if mode == "I":
        if p["kohm"]:
            b.think("Convert the resistance to ohms: {k} kΩ = {r} Ω.", k=num(p["R"] / 1000), r=num(p["R"]))
        b.think(["Ohm's law: I = V / R.", "V = IR, so the current is V/R."])
        r = b.call("physics", _phys("electricity", kind="ohms_law", V=p["V"], R=p["R"]),
                   ["Computing the current.", "Let me evaluate V/R with the tool."])
        I = r.value["I"]
        b.observe(["I = {i} A{m}.", "The current is {i} A{m}."], i=sig(I, 6),
                  m=f" ({sig(I * 1000, 4)} mA)" if I < 0.1 else "")
        return b.finish(qty(I, "A"))
    if mode == "R":
        if p["mA"]:
            b.think("The current in amperes: {m} mA = {a} A.", m=num(p["I"] * 1000), a=num(p["I"]))
        b.think("R = V / I.")
        r = b.call("physics", _phys("electricity", kind="ohms_law", V=p["V"], I=p["I"]), "Solving for R.")
        b.observe("R = {r} Ω.", r=sig(r.value["R"], 6))
        return b.finish(qty(r.value["R"], "Ω"))
    I, R = p["I"], p["R"]
    b.think("V = IR = {i} × {r} = {v} V; simple enough to do directly.", i=num(I), r=R, v=sig(I * R, 6))
    r = b.call("physics", _phys("electricity", kind="ohms_law", I=I, R=R), "A quick check with the tool.")
    b.observe("Confirmed: V = {v} V.", v=sig(r.value["V"], 6))
    return b.finish(qty(r.value["V"], "V"))


# -- 2. electrical power and energy --------------------------------------------------------------
APPLIANCES = ["an electric heater", "a kettle", "a hair dryer", "a light bulb", "a motor", "a soldering iron",
              "a space heater", "an immersion heater"]


@template(CAT, "electrical_power", tools=PH)
def electrical_power(rng: random.Random, difficulty: str) -> Spec:
    app = rng.choice(APPLIANCES)
    V = rng.choice([12, 24, 110, 120, 220, 230, 240])
    R = grid(rng, 5, 300, 0.5) if V > 24 else grid(rng, 0.5, 20, 0.5)
    if difficulty == "easy":
        I = grid(rng, 0.1, 13, 0.1)
        q = pick(rng, [
            "{A} draws {I} A from a {V} V supply. What power does it use?",
            "What is the power consumed by {a} that takes {I} A at {V} V?",
        ], A=app.capitalize(), a=app, I=num(I), V=V)
        return Spec(q, {"V": V, "I": I}, qty(V * I, "W"))
    if difficulty == "medium":
        q = pick(rng, [
            "{A} has a resistance of {R} Ω and runs on {V} V. What power does it dissipate?",
            "Find the power of {a} with resistance {R} Ω connected to a {V} V source.",
            "A {R} Ω element is connected to {V} V. How much power does it dissipate?",
        ], A=app.capitalize(), a=app, R=num(R), V=V)
        return Spec(q, {"V": V, "R": R}, qty(V * V / R, "W"))
    hours = rng.choice([0.5, 1, 1.5, 2, 3, 4, 5, 6, 8, 10])
    q = pick(rng, [
        "{A} with a resistance of {R} Ω is connected to {V} V for {h} hours. How much energy does it use, in kWh?",
        "How many kilowatt-hours does {a} ({R} Ω, {V} V supply) consume if it runs for {h} h?",
    ], A=app.capitalize(), a=app, R=num(R), V=V, h=num(hours))
    return Spec(q, {"V": V, "R": R, "hours": hours}, qty(V * V / R * hours / 1000, "kWh"))


@electrical_power.solver
def _(p: dict, b: TraceBuilder) -> str:
    V = p["V"]
    if "I" in p:
        b.think("Electrical power P = V I.")
        r = b.call("physics", _phys("electricity", kind="power", V=V, I=p["I"]),
                   ["Computing P = VI.", "Let me compute the power."])
        b.observe("P = {p} W.", p=sig(r.value["P"], 6))
        return b.finish(qty(r.value["P"], "W"))
    b.think(["With V and R known, P = V²/R.", "P = VI and I = V/R, so P = V²/R."])
    r = b.call("physics", _phys("electricity", kind="power", V=V, R=p["R"]), "Computing the power.")
    P = r.value["P"]
    b.observe("P = {p} W (current {i} A).", p=sig(P, 6), i=sig(r.value["I"], 6))
    if "hours" not in p:
        return b.finish(qty(P, "W"))
    h = p["hours"]
    E = P * h / 1000
    b.think(["Energy = power × time: {p} W × {h} h = {wh} Wh = {e} kWh.",
             "In kilowatts that is {kw} kW; over {h} h it uses {kw} × {h} = {e} kWh."],
            p=sig(P, 6), h=num(h), wh=sig(P * h, 6), kw=sig(P / 1000, 6), e=sig(E, 6))
    return b.finish(qty(E, "kWh"))


# -- 3. resistor networks ------------------------------------------------------------------------
_E12 = [10, 12, 15, 18, 22, 27, 33, 39, 47, 56, 68, 82, 100, 120, 150, 180, 220, 270, 330, 390, 470, 560, 680]


def _resistors(rng: random.Random, difficulty: str) -> list[int]:
    n = {"easy": 2, "medium": rng.randint(2, 3), "hard": rng.randint(3, 4)}[difficulty]
    return [rng.choice(_E12) for _ in range(n)]


def _ohms(rs: list[int]) -> str:
    return join_words(f"{r} Ω" for r in rs)


@template(CAT, "series_circuit", tools=PH)
def series_circuit(rng: random.Random, difficulty: str) -> Spec:
    rs = _resistors(rng, difficulty)
    V = rng.choice([3, 4.5, 6, 9, 12, 15, 18, 24, 36, 48])
    total = sum(rs)
    if difficulty == "easy":
        q = pick(rng, ["What is the equivalent resistance of {r} connected in series?",
                       "Resistors of {r} are wired in series. Find the total resistance.",
                       "Find the total resistance when {r} are connected end to end (in series)."], r=_ohms(rs))
        return Spec(q, {"rs": rs, "V": None, "k": None}, qty(total, "Ω"))
    if difficulty == "medium":
        q = pick(rng, ["Resistors of {r} are connected in series to a {V} V battery. What current flows?",
                       "A {V} V supply drives current through {r} in series. Find the current.",
                       "What current does a {V} V battery deliver to a series chain of {r}?"], r=_ohms(rs), V=num(V))
        return Spec(q, {"rs": rs, "V": V, "k": None}, qty(V / total, "A"))
    k = rng.randrange(len(rs))
    q = pick(rng, ["Resistors of {r} are connected in series across {V} V. What is the voltage across the {x} Ω "
                   "resistor?",
                   "A {V} V battery is connected to {r} in series. Find the potential difference across the {x} Ω "
                   "one."], r=_ohms(rs), V=num(V), x=rs[k])
    return Spec(q, {"rs": rs, "V": V, "k": k}, qty(V * rs[k] / total, "V"))


@series_circuit.solver
def _(p: dict, b: TraceBuilder) -> str:
    rs, V, k = p["rs"], p["V"], p["k"]
    if len(rs) == 2 and V is None:
        b.think("In series the resistances simply add: {a} + {c} = {t} Ω.", a=rs[0], c=rs[1], t=sum(rs))
        r = b.call("physics", _phys("electricity", kind="series", resistances=rs), "Confirming with the tool.")
        b.observe("R_total = {t} Ω, as computed.", t=sig(r.value["R_total"], 6))
        return b.finish(qty(r.value["R_total"], "Ω"))
    b.think(["Series resistances add, so first the equivalent resistance{x}.",
             "One path for the current: R_total is the sum{x}."],
            x="" if V is None else ", then the current from Ohm's law")
    r = b.call("physics", _phys("electricity", kind="series", resistances=rs), "Equivalent resistance.")
    R = r.value["R_total"]
    b.observe("R_total = {t} Ω.", t=sig(R, 6))
    if V is None:
        return b.finish(qty(R, "Ω"))
    r2 = b.call("physics", _phys("electricity", kind="ohms_law", V=V, R=R), "Current through the chain: I = V/R.")
    I = r2.value["I"]
    b.observe("I = {i} A, the same through every resistor.", i=sig(I, 6))
    if k is None:
        return b.finish(qty(I, "A"))
    Vk = I * rs[k]
    b.think("The voltage across the {x} Ω resistor is I R = {i} × {x} = {v} V (the voltage divides in proportion "
            "to resistance: {x}/{t} of {V} V).", x=rs[k], i=sig(I, 6), v=sig(Vk, 6), t=sig(R, 6), V=num(V))
    return b.finish(qty(Vk, "V"))


@template(CAT, "parallel_circuit", tools=PH)
def parallel_circuit(rng: random.Random, difficulty: str) -> Spec:
    rs = _resistors(rng, difficulty)
    while len(set(rs)) < len(rs) and rng.random() < 0.7:
        rs = _resistors(rng, difficulty)
    V = rng.choice([1.5, 3, 5, 6, 9, 12, 24, 120, 230])
    Req = 1 / sum(1 / r for r in rs)
    if difficulty == "easy":
        q = pick(rng, ["What is the equivalent resistance of {r} connected in parallel?",
                       "Find the combined resistance of {r} in parallel.",
                       "{r} are connected side by side (in parallel). What is their equivalent resistance?"],
                 r=_ohms(rs))
        return Spec(q, {"rs": rs, "V": None, "want": "R"}, qty(Req, "Ω"))
    want = "I" if difficulty == "medium" else rng.choice(["I", "P"])
    q = pick(rng, ["Resistors of {r} are connected in parallel across a {V} V supply. What {w}?",
                   "A {V} V battery feeds {r} wired in parallel. Find {w2}."], r=_ohms(rs), V=num(V),
             w="total current is drawn" if want == "I" else "total power is dissipated",
             w2="the total current" if want == "I" else "the total power dissipated")
    ans = qty(V / Req, "A") if want == "I" else qty(V * V / Req, "W")
    return Spec(q, {"rs": rs, "V": V, "want": want}, ans)


@parallel_circuit.solver
def _(p: dict, b: TraceBuilder) -> str:
    rs, V, want = p["rs"], p["V"], p["want"]
    b.think(["In parallel the reciprocals add: 1/R = {s}.", "Parallel branches: 1/R_eq = {s}; R_eq is smaller "
             "than the smallest resistor ({m} Ω)."], s=" + ".join(f"1/{r}" for r in rs), m=min(rs))
    r = b.call("physics", _phys("electricity", kind="parallel", resistances=rs), "Computing R_eq.")
    R = r.value["R_total"]
    b.observe("R_eq = {r} Ω{c}.", r=sig(R, 6), c=f", below {min(rs)} Ω as expected" if R < min(rs) else "")
    if V is None:
        return b.finish(qty(R, "Ω"))
    kind = "ohms_law" if want == "I" else "power"
    r2 = b.call("physics", _phys("electricity", kind=kind, V=V, R=R),
                ["Now the {w} from the supply voltage and R_eq.", "Using V = {v} V across R_eq."],
                w="current" if want == "I" else "power", v=num(V))
    vals = r2.value
    b.observe("I = {i} A and P = {p} W.", i=sig(vals["I"], 6), p=sig(vals["P"], 6))
    b.think("Check: the branch currents {br} add up to the same total.",
            br=" + ".join(f"{num(V)}/{r_}" for r_ in rs))
    return b.finish(qty(vals["I"], "A") if want == "I" else qty(vals["P"], "W"))


# -- 4. Coulomb's law ----------------------------------------------------------------------------
_PREFIX = {"μC": 1e-6, "nC": 1e-9}


@template(CAT, "coulomb_force", tools=PH)
def coulomb_force(rng: random.Random, difficulty: str) -> Spec:
    unit = rng.choice(["μC", "nC"]) if difficulty != "easy" else "μC"
    s1, s2 = rng.choice([1, -1]), rng.choice([1, -1])
    q1, q2 = s1 * grid(rng, 0.5, 9.5, 0.5), s2 * rng.randint(1, 12)
    r_cm = rng.randint(1, 60) if difficulty != "easy" else rng.choice([5, 10, 20, 25, 30, 40, 50, 100])
    f = _PREFIX[unit]
    sgn = lambda x: ("+" if x > 0 else "−") + num(abs(x))  # noqa: E731
    if difficulty == "hard":
        # superposition on a line: q1 at x = 0, q2 at x = d, q3 between them at x = x3
        d = rng.randint(10, 80)
        q3 = rng.choice([1, -1]) * rng.randint(1, 6)
        while True:  # keep away from the balance point, where the net force cancels to almost nothing
            x3 = rng.randint(2, d - 2)
            f1, f2 = q1 * f / (x3 / 100) ** 2, q2 * f / ((d - x3) / 100) ** 2
            if abs(f1 - f2) > 0.05 * max(abs(f1), abs(f2)):
                break
        net = K_E * q3 * f * (f1 - f2)
        q = pick(rng, [
            "Charges q1 = {a} {u} and q2 = {c} {u} are fixed {d} cm apart. A third charge q3 = {e} {u} is placed on "
            "the line between them, {x} cm from q1. What is the magnitude of the net electric force on q3?",
            "Point charges {a} {u} (at x = 0) and {c} {u} (at x = {d} cm) are held in place. Find the size of the "
            "net force on a {e} {u} charge at x = {x} cm.",
        ], a=sgn(q1), c=sgn(q2), e=sgn(q3), u=unit, d=d, x=x3)
        return Spec(q, {"q1": q1, "q2": q2, "q3": q3, "unit": unit, "d": d, "x3": x3}, qty(abs(net), "N"))
    F = K_E * abs(q1 * q2) * f * f / (r_cm / 100) ** 2
    q = pick(rng, [
        "Two point charges of {a} {u} and {c} {u} are {r} cm apart. What is the magnitude of the force between "
        "them?",
        "Find the electrostatic force between charges {a} {u} and {c} {u} separated by {r} cm in vacuum.",
        "What force do charges of {a} {u} and {c} {u} exert on each other at a distance of {r} cm?",
        "Charges of {a} {u} and {c} {u} are {r} cm apart. How large is the electric force between them, and is it "
        "attractive or repulsive? Give the magnitude.",
    ], a=sgn(q1), c=sgn(q2), u=unit, r=r_cm)
    return Spec(q, {"q1": q1, "q2": q2, "unit": unit, "r_cm": r_cm}, qty(F, "N"))


@coulomb_force.solver
def _(p: dict, b: TraceBuilder) -> str:
    unit = p["unit"]
    f = _PREFIX[unit]
    q1, q2 = si(p["q1"] * f), si(p["q2"] * f)
    if "q3" in p:
        return _coulomb_line(p, b, q1, q2, si(p["q3"] * f))
    r_cm = p["r_cm"]
    b.think(["Coulomb's law: F = k|q1 q2|/r². In SI units q1 = {a} C, q2 = {c} C and r = {r} cm = {m} m.",
             "Convert first: 1 {u} = {f} C, so q1 = {a} C and q2 = {c} C; r = {m} m."],
            a=f"{q1:.3g}", c=f"{q2:.3g}", r=r_cm, m=num(r_cm / 100), u=unit, f=f"{f:g}")
    r = b.call("physics", _phys("electricity", kind="coulomb", q1=q1, q2=q2, r=si(r_cm / 100)),
               ["Computing the force.", "Let me evaluate Coulomb's law."])
    F = r.value["F"]
    nature = r.value["nature"]
    b.observe(["F = {F} N, {n}.", "The force has magnitude {F} N and is {n}."], F=sig(F, 6), n=nature)
    b.think(["{Why}, consistent with the tool.", "That fits: {why}."],
            Why="Like charges repel" if nature == "repulsive" else "Opposite charges attract",
            why="like charges repel" if nature == "repulsive" else "opposite charges attract")
    return b.finish(qty(F, "N"))


def _coulomb_line(p: dict, b: TraceBuilder, q1: float, q2: float, q3: float) -> str:
    d, x3 = p["d"], p["x3"]
    b.think(["Superposition: the net force on q3 is the vector sum of the forces from q1 and q2. Take +x from q1 "
             "towards q2; q3 is {x} cm from q1 and {y} cm from q2.",
             "I'll find each force on q3 separately (distances {x} cm and {y} cm) and add them along the line, "
             "with +x pointing from q1 towards q2."], x=x3, y=d - x3)
    r1 = b.call("physics", _phys("electricity", kind="coulomb", q1=q1, q2=q3, r=si(x3 / 100)),
                "Force between q1 and q3.")
    F1 = r1.value["F"]
    # q1 sits on the −x side of q3: repulsion pushes q3 towards +x
    s1 = 1 if r1.value["nature"] == "repulsive" else -1
    b.observe("{F} N, {n}: on q3 it points {d}.", F=sig(F1, 6), n=r1.value["nature"],
              d="towards +x (away from q1)" if s1 > 0 else "towards −x (towards q1)")
    r2 = b.call("physics", _phys("electricity", kind="coulomb", q1=q2, q2=q3, r=si((d - x3) / 100)),
                "Force between q2 and q3.")
    F2 = r2.value["F"]
    s2 = -1 if r2.value["nature"] == "repulsive" else 1
    b.observe("{F} N, {n}: on q3 it points {d}.", F=sig(F2, 6), n=r2.value["nature"],
              d="towards −x (away from q2)" if s2 < 0 else "towards +x (towards q2)")
    net = s1 * F1 + s2 * F2
    b.think("Net force along x: ({a}) + ({c}) = {n} N, so its magnitude is {m} N, directed towards {w}.",
            a=sig(s1 * F1, 6), c=sig(s2 * F2, 6), n=sig(net, 6), m=sig(abs(net), 6),
            w="+x (towards q2)" if net > 0 else "−x (towards q1)")
    return b.finish(qty(abs(net), "N"))


# -- 5. thin lens --------------------------------------------------------------------------------
@template(CAT, "thin_lens", tools=PH, weight=1.3)
def thin_lens(rng: random.Random, difficulty: str) -> Spec:
    f = rng.choice([5, 8, 10, 12, 15, 20, 25, 30, 40, 50])
    kind = {"easy": "real", "medium": rng.choice(["real", "virtual"]), "hard": rng.choice(["real", "diverging",
                                                                                           "height"])}[difficulty]
    if kind == "virtual":
        do = rng.randint(max(1, f // 5), f - 1)
    elif kind == "diverging":
        do = rng.randint(3, 80)
    else:
        do = rng.randint(f + 1, 6 * f)
    fs = -f if kind == "diverging" else f
    di = 1 / (1 / fs - 1 / do)
    lens = "diverging lens" if kind == "diverging" else rng.choice(["converging lens", "convex lens",
                                                                   "converging lens", "magnifying glass"]
                                                                  if kind == "virtual" else ["converging lens",
                                                                                            "convex lens"])
    if kind == "height":
        ho = grid(rng, 0.5, 10, 0.5)
        q = pick(rng, [
            "An object {h} cm tall stands {d} cm in front of a converging lens of focal length {f} cm. How tall is "
            "the image? (Give a signed height: negative means inverted.)",
            "A {h} cm candle is {d} cm from a convex lens (f = {f} cm). Find the image height, negative if the image "
            "is inverted.",
        ], h=num(ho), d=do, f=f)
        return Spec(q, {"f": fs, "do": do, "ho": ho}, qty(-di / do * ho, "cm"))
    q = pick(rng, [
        "An object is placed {d} cm from a {l} with focal length {f} cm. Where is the image? (Use the "
        "real-is-positive convention: a negative image distance means a virtual image.)",
        "A {l} has a focal length of {F} cm. An object sits {d} cm in front of it. Find the image distance "
        "(negative for a virtual image).",
        "Using 1/f = 1/do + 1/di, find the image distance for an object {d} cm from a {l} of focal length {F} cm "
        "(virtual images have negative di).",
    ], d=do, l=lens, f=f if kind != "diverging" else f"−{f}", F=f if kind != "diverging" else f"−{f}")
    return Spec(q, {"f": fs, "do": do}, qty(di, "cm"))


@thin_lens.solver
def _(p: dict, b: TraceBuilder) -> str:
    f, do = p["f"], p["do"]
    if f < 0:
        b.think("A diverging lens has a negative focal length, f = {f} cm, and always forms a virtual, upright, "
                "reduced image.", f=f)
    elif do > f:
        b.think(["The object is outside the focal length ({d} cm > {f} cm), so a real, inverted image forms on the "
                 "other side.", "do = {d} cm is beyond f = {f} cm: expect a real image (positive di)."], d=do, f=f)
    else:
        b.think(["The object is inside the focal length ({d} cm < {f} cm): the lens acts as a magnifier and the "
                 "image is virtual (negative di).", "Since do < f, the image is virtual, upright and enlarged."],
                d=do, f=f)
    b.think("In metres: f = {fm} m, do = {dm} m.", fm=num(f / 100), dm=num(do / 100))
    r = b.call("physics", _phys("optics", kind="thin_lens", f=si(f / 100), do=si(do / 100)),
               ["Solving the thin lens equation.", "Now 1/di = 1/f − 1/do with the tool."])
    di_m, m = r.value["di"], r.value["m"]
    b.observe(["di = {d} m = {c} cm, magnification {m}.", "The image is at di = {c} cm ({d} m); m = {m}."],
              d=sig(di_m, 6), c=sig(di_m * 100, 6), m=sig(m, 6))
    if "ho" not in p:
        b.think("The sign agrees with the expectation: {w} image.", w="a real" if di_m > 0 else "a virtual")
        return b.finish(qty(di_m * 100, "cm"))
    ho = p["ho"]
    r2 = b.call("physics", _phys("optics", kind="magnification", do=si(do / 100), di=di_m, ho=si(ho / 100)),
                ["The image height follows from m = −di/do; passing the image distance on.",
                 "Image height h_i = m h_o."])
    hi_cm = r2.value["hi"] * 100
    b.observe("h_i = {h} m = {c} cm; negative, so the image is inverted.", h=sig(r2.value["hi"], 6),
              c=sig(hi_cm, 6))
    return b.finish(qty(hi_cm, "cm"))


# -- 6. magnification ----------------------------------------------------------------------------
@template(CAT, "magnification", tools=PH, weight=0.8)
def magnification(rng: random.Random, difficulty: str) -> Spec:
    setup = {"easy": "projector", "medium": "camera", "hard": rng.choice(["eye", "camera", "projector"])}[difficulty]
    if setup == "projector":
        do = grid(rng, 5, 20, 0.5)
        di_m = rng.randint(2, 12)
        ho = grid(rng, 1, 5, 0.1)
        q = pick(rng, [
            "A slide {h} cm tall is {d} cm from a projector lens, and the sharp image falls on a screen {D} m away. "
            "How tall is the image on the screen (in cm, negative = inverted)?",
            "A projector lens forms a real image on a wall {D} m from the lens, with the slide {d} cm behind the "
            "lens. If the slide picture is {h} cm high, what is the signed image height in cm?",
        ], h=num(ho), d=num(do), D=di_m)
        di = di_m * 100
    elif setup == "camera":
        do = rng.randint(2, 50)
        di = grid(rng, 2, 10, 0.1)
        ho = grid(rng, 0.5, 20, 0.5)
        q = pick(rng, [
            "A camera lens forms a real image {di} cm behind the lens of a {h} m tall object {d} m away. Find the "
            "image height in cm (negative = inverted).",
            "A {h} m tall statue stands {d} m from a camera; its image forms {di} cm behind the lens. What is the "
            "signed image height in cm?",
        ], di=num(di), h=num(ho), d=do)
        do, ho = do * 100, ho * 100
    else:
        do = rng.randint(3, 60)
        di = 1.7
        ho = grid(rng, 0.5, 12, 0.5)
        q = pick(rng, [
            "The eye's lens forms an image on the retina 1.7 cm behind it. How big (signed, in cm) is the retinal "
            "image of a {h} m tall tree {d} m away?",
            "A {h} m tall object is {d} m from your eye; the retina is 1.7 cm behind the lens. Find the signed "
            "height of the image on the retina in cm.",
        ], h=num(ho), d=do)
        do, ho = do * 100, ho * 100
    m = -di / do
    return Spec(q, {"do_cm": do, "di_cm": di, "ho_cm": ho}, qty(m * ho, "cm"))


@magnification.solver
def _(p: dict, b: TraceBuilder) -> str:
    do, di, ho = p["do_cm"], p["di_cm"], p["ho_cm"]
    b.think(["Magnification m = −di/do = hi/ho, so hi = −(di/do) ho. In SI units: do = {a} m, di = {c} m, "
             "ho = {h} m.", "I'll use m = −di/do and hi = m ho, with do = {a} m, di = {c} m, ho = {h} m."],
            a=num(do / 100), c=num(di / 100), h=num(ho / 100))
    r = b.call("physics", _phys("optics", kind="magnification", do=si(do / 100), di=si(di / 100),
                                        ho=si(ho / 100)),
               ["Computing the magnification and image height.", "Let me evaluate it."])
    hi = r.value["hi"]
    b.observe("m = {m}, hi = {h} m = {c} cm (inverted).", m=sig(r.value["m"], 6), h=sig(hi, 6), c=sig(hi * 100, 6))
    b.think("|m| {cmp} 1, so the image is {w} than the object, which fits the set-up.",
            cmp=">" if abs(r.value["m"]) > 1 else "<", w="larger" if abs(r.value["m"]) > 1 else "smaller")
    return b.finish(qty(hi * 100, "cm"))


# -- 7. Snell's law ------------------------------------------------------------------------------
MEDIA = {"air": 1.00, "water": 1.33, "glass": 1.50, "crown glass": 1.52, "flint glass": 1.62, "diamond": 2.42,
         "acrylic": 1.49, "ethanol": 1.36, "quartz": 1.46, "ice": 1.31, "olive oil": 1.47}


@template(CAT, "snell_refraction", tools=PH, weight=1.2)
def snell_refraction(rng: random.Random, difficulty: str) -> Spec:
    names = sorted(MEDIA)
    if difficulty == "easy":
        m1, m2 = "air", rng.choice([n for n in names if n != "air"])
    elif difficulty == "medium":
        m1, m2 = rng.sample(names, 2)
        while MEDIA[m1] >= MEDIA[m2]:
            m1, m2 = rng.sample(names, 2)
    else:
        m1, m2 = rng.sample(names, 2)
        while MEDIA[m1] <= MEDIA[m2]:
            m1, m2 = rng.sample(names, 2)
    n1, n2 = MEDIA[m1], MEDIA[m2]
    crit = math.degrees(math.asin(n2 / n1)) if n1 > n2 else 90.0
    th1 = rng.randint(5, max(6, min(85, int(crit) - 2)))
    th2 = math.degrees(math.asin(n1 * math.sin(math.radians(th1)) / n2))
    q = pick(rng, [
        "Light travels from {a} (n = {n1}) into {c} (n = {n2}) at an angle of incidence of {t}°. What is the angle "
        "of refraction?",
        "A ray in {a} (n = {n1}) hits the boundary with {c} (n = {n2}) at {t}° to the normal. Find the refracted "
        "angle.",
        "At what angle from the normal does a light ray refract when it passes from {a} (n = {n1}) into {c} "
        "(n = {n2}) with an incidence angle of {t}°?",
    ], a=m1, c=m2, n1=f"{n1:.2f}", n2=f"{n2:.2f}", t=th1)
    return Spec(q, {"n1": n1, "n2": n2, "theta1": th1, "m1": m1, "m2": m2}, _deg(th2))


@snell_refraction.solver
def _(p: dict, b: TraceBuilder) -> str:
    n1, n2, th1 = p["n1"], p["n2"], p["theta1"]
    if n1 > n2:
        crit = math.degrees(math.asin(n2 / n1))
        b.think(["Going from a denser to a less dense medium the ray bends away from the normal. First check total "
                 "internal reflection: the critical angle is arcsin({b}/{a}) ≈ {c}°, and {t}° is below it, so a "
                 "refracted ray exists.", "n1 > n2, so I must make sure {t}° is below the critical angle "
                 "arcsin(n2/n1) ≈ {c}°. It is, so the ray refracts, bending away from the normal."],
                a=f"{n1:.2f}", b=f"{n2:.2f}", c=sig(crit, 3), t=th1)
    else:
        b.think(["Entering a denser medium the ray bends towards the normal, so θ2 < {t}°. Snell's law: "
                 "n1 sin θ1 = n2 sin θ2.", "Snell's law n1 sin θ1 = n2 sin θ2; since n2 > n1 the refracted "
                 "angle is smaller than {t}°."], t=th1)
    r = b.call("physics", _phys("optics", kind="snell", n1=n1, theta1=th1, n2=n2),
               ["Solving for θ2.", "Computing θ2 = arcsin(n1 sin θ1 / n2)."])
    th2 = r.value["theta2"]
    b.observe(["θ2 = {a}°.", "The angle of refraction is {a}°."], a=sig(th2, 6))
    b.think("{cmp} as expected.", cmp=f"{sig(th2, 4)}° {'<' if th2 < th1 else '>'} {th1}°,")
    return b.finish(_deg(th2))


# -- 8. wave speed / wavelength ------------------------------------------------------------------
@template(CAT, "wave_speed", tools=PH)
def wave_speed(rng: random.Random, difficulty: str) -> Spec:
    mode = {"easy": "sound_speed", "medium": rng.choice(["sound_wavelength", "string"]),
            "hard": "radio"}[difficulty]
    if mode == "sound_speed":
        # (what, speed range in m/s, frequency range in Hz): f and λ are drawn to fit a real medium
        what, (vlo, vhi), (flo, fhi) = rng.choice([
            ("a sound wave in air", (330, 350), (50, 4000)), ("an ultrasound wave in water", (1450, 1530),
                                                                 (20000, 200000)),
            ("a sound wave in steel", (5800, 6000), (200, 5000)), ("a wave on the surface of a lake", (0.8, 3),
                                                                   (0.2, 2)),
            ("a wave on a guitar string", (100, 450), (80, 1000)), ("a sound wave in sea water", (1500, 1540),
                                                                    (100, 3000))])
        f = rng.randint(int(flo), int(fhi)) if fhi >= 20 else grid(rng, flo, fhi, 0.05)
        lam = float(f"{rng.uniform(vlo, vhi) / f:.3g}")
        q = pick(rng, ["{W} has frequency {f} Hz and wavelength {l} m. What is its speed?",
                       "Find the speed of {w} whose frequency is {f} Hz and wavelength {l} m.",
                       "{W} has a wavelength of {l} m and a frequency of {f} Hz. How fast does it travel?"],
                 W=what[0].upper() + what[1:], w=what, f=num(f), l=num(lam))
        return Spec(q, {"mode": mode, "f": f, "wavelength": lam}, qty(f * lam, "m/s"))
    if mode in ("sound_wavelength", "string"):
        v = 343 if mode == "sound_wavelength" else rng.randint(50, 600)
        f = rng.randint(20, 5000) if mode == "sound_wavelength" else rng.randint(50, 1500)
        what = "a sound wave in air (v = 343 m/s)" if mode == "sound_wavelength" else \
            f"a wave on a string travelling at {v} m/s"
        q = pick(rng, ["What is the wavelength of {w} with frequency {f} Hz?",
                       "Find the wavelength of {w} at {f} Hz."], w=what, f=f)
        return Spec(q, {"mode": mode, "f": f, "v": v}, qty(v / f, "m"))
    band, lo, hi, unit, mul = rng.choice([("FM radio station", 88, 108, "MHz", 1e6),
                                          ("AM radio station", 540, 1600, "kHz", 1e3),
                                          ("Wi-Fi router channel", 2.4, 5.8, "GHz", 1e9),
                                          ("mobile phone signal", 700, 2600, "MHz", 1e6)])
    fv = grid(rng, lo, hi, 0.1) if unit != "GHz" else grid(rng, lo, hi, 0.01)
    q = pick(rng, ["A {b} broadcasts at {f} {u}. What is the wavelength of its radio waves?",
                   "Find the wavelength of the electromagnetic waves from a {b} at {f} {u} (speed of light from "
                   "CODATA).", "What wavelength corresponds to a {b} transmitting at {f} {u}?"],
             b=band, f=num(fv), u=unit)
    f_hz = si(fv * mul)
    return Spec(q, {"mode": mode, "f": f_hz, "f_text": f"{num(fv)} {unit}"}, qty(sc.c / f_hz, "m"))


@wave_speed.solver
def _(p: dict, b: TraceBuilder) -> str:
    mode = p["mode"]
    if mode == "sound_speed":
        b.think("v = f λ = {f} × {l}.", f=p["f"], l=num(p["wavelength"]))
        r = b.call("physics", _phys("waves", kind="wave_speed", f=p["f"], wavelength=p["wavelength"]),
                   ["Multiplying with the tool.", "Computing f λ."])
        b.observe("v = {v} m/s.", v=sig(r.value["v"], 6))
        return b.finish(qty(r.value["v"], "m/s"))
    if mode != "radio":
        b.think(["λ = v / f with v = {v} m/s and f = {f} Hz.", "From v = f λ: λ = v/f."], v=p["v"], f=p["f"])
        r = b.call("physics", _phys("waves", kind="wave_speed", v=p["v"], f=p["f"]), "Solving for the wavelength.")
        b.observe("λ = {l} m.", l=sig(r.value["wavelength"], 6))
        return b.finish(qty(r.value["wavelength"], "m"))
    b.think(["Radio waves travel at the speed of light, so λ = c / f with f = {t} = {f} Hz.",
             "Electromagnetic waves: λ = c/f. First the exact value of c, then divide by f = {f} Hz ({t})."],
            t=p["f_text"], f=f"{p['f']:.6g}")
    r = b.call("physics", _phys("constant", name="c"), ["Looking up the speed of light.", "Getting c."])
    c = r.value["value"]
    b.observe("c = {c} m/s.", c=num(c))
    r2 = b.call("physics", _phys("waves", kind="wave_speed", v=c, f=p["f"]), "Now λ = c / f.")
    lam = r2.value["wavelength"]
    b.observe("λ = {l} m{cm}.", l=sig(lam, 6), cm=f" ≈ {sig(lam * 100, 3)} cm" if lam < 1 else "")
    return b.finish(qty(lam, "m"))


# -- 9. photon energy ----------------------------------------------------------------------------
COLOURS = [("red", 620, 700), ("orange", 590, 620), ("yellow", 570, 590), ("green", 495, 570), ("blue", 450, 495),
           ("violet", 400, 450), ("ultraviolet", 200, 400), ("near-infrared", 750, 1500)]


@template(CAT, "photon_energy", tools=PH)
def photon_energy(rng: random.Random, difficulty: str) -> Spec:
    colour, lo, hi = rng.choice(COLOURS)
    nm = rng.randint(lo, hi)
    E = sc.h * sc.c / (nm * 1e-9)
    if difficulty == "easy":
        q = pick(rng, ["What is the energy, in eV, of a photon of {c} light with wavelength {n} nm?",
                       "Find the energy in electronvolts of a {n} nm ({c}) photon.",
                       "A {c} photon has a wavelength of {n} nm. What is its energy in eV?"], c=colour, n=nm)
        return Spec(q, {"nm": nm, "unit": "eV"}, qty(E / sc.e, "eV"))
    if difficulty == "medium":
        q = pick(rng, ["Calculate the energy in joules of a photon of wavelength {n} nm.",
                       "What is the energy (in J) carried by one photon of {c} light at {n} nm?"], c=colour, n=nm)
        return Spec(q, {"nm": nm, "unit": "J"}, qty(E, "J"))
    P_mW = rng.choice([0.5, 1, 2, 5, 10, 20, 50, 100, 250])
    q = pick(rng, ["A {P} mW laser emits {c} light at {n} nm. How many photons does it emit per second?",
                   "How many photons per second leave a {n} nm laser pointer with an output power of {P} mW?"],
             P=num(P_mW), c=colour, n=nm)
    return Spec(q, {"nm": nm, "unit": "rate", "P": P_mW / 1000}, qty(P_mW / 1000 / E, "photons/s"))


@photon_energy.solver
def _(p: dict, b: TraceBuilder) -> str:
    nm = p["nm"]
    b.think(["A photon's energy is E = hf = hc/λ, with λ = {n} nm = {m} m.",
             "E = hc/λ; converting the wavelength: {n} nm = {m} m."], n=nm, m=f"{nm * 1e-9:.4g}")
    r = b.call("physics", _phys("waves", kind="photon_energy", wavelength=si(nm * 1e-9)),
               ["Computing the photon energy.", "Let me get E in joules and electronvolts."])
    E, EeV = r.value["E"], r.value["E_eV"]
    b.observe("E = {j} J = {ev} eV.", j=sig(E, 6), ev=sig(EeV, 6))
    if p["unit"] == "eV":
        b.think("Rule of thumb: E(eV) ≈ 1240/λ(nm) = 1240/{n} ≈ {e}, which matches.", n=nm, e=sig(1240 / nm, 3))
        return b.finish(qty(EeV, "eV"))
    if p["unit"] == "J":
        return b.finish(qty(E, "J"))
    P = p["P"]
    rate = P / E
    b.think("The number of photons per second is the power divided by the energy per photon: {P} W / {j} J = {n} "
            "photons/s.", P=num(P), j=sig(E, 6), n=sig(rate, 6))
    return b.finish(qty(rate, "photons/s"))


# -- 10. Doppler effect --------------------------------------------------------------------------
SOURCES = [("an ambulance siren", 600, 1200), ("a police car siren", 500, 1500), ("a train horn", 200, 600),
           ("a fire engine siren", 700, 1300), ("a car horn", 300, 500), ("a motorbike engine note", 150, 400)]


@template(CAT, "doppler", tools=PH)
def doppler(rng: random.Random, difficulty: str) -> Spec:
    src, lo, hi = rng.choice(SOURCES)
    f = rng.randint(lo, hi)
    direction = rng.choice(["approaching", "receding"])
    vo = 0
    if difficulty == "easy":
        vs, unit = rng.randint(5, 45), "m/s"
        vs_text = f"{vs} m/s"
    else:
        kmh = rng.randint(30, 160)
        vs, unit, vs_text = kmh / 3.6, "km/h", f"{kmh} km/h"
        if difficulty == "hard":
            vo = rng.randint(2, 20)
    towards = direction == "approaching"
    if vo:
        fo = f * (V_SOUND + vo) / (V_SOUND - vs) if towards else f * (V_SOUND - vo) / (V_SOUND + vs)
        q = pick(rng, [
            "{S} emits {f} Hz while moving at {v}. A cyclist rides at {o} m/s, and the two are {d} each other. "
            "What frequency does the cyclist hear? (Speed of sound 343 m/s.)",
            "A source ({s}, {f} Hz) moves at {v} and an observer moves at {o} m/s; they are {d} each other. Find the "
            "observed frequency, taking v_sound = 343 m/s.",
        ], S=src.capitalize(), s=src, f=f, v=vs_text, o=vo, d="moving towards" if towards else "moving away from")
    else:
        fo = f * V_SOUND / (V_SOUND - vs) if towards else f * V_SOUND / (V_SOUND + vs)
        q = pick(rng, [
            "{S} sounds at {f} Hz while {d} a stationary listener at {v}. What frequency does the listener hear? "
            "(Speed of sound 343 m/s.)",
            "A stationary observer hears {s} ({f} Hz when at rest) {d2} at {v}. What is the observed frequency? Use "
            "343 m/s for the speed of sound.",
        ], S=src.capitalize(), s=src, f=f, v=vs_text, d="approaching" if towards else "moving away from",
            d2="approaching" if towards else "receding")
    return Spec(q, {"f": f, "vs": vs, "unit": unit, "vo": vo, "direction": direction}, qty(fo, "Hz"))


@doppler.solver
def _(p: dict, b: TraceBuilder) -> str:
    f, vs, vo, direction = p["f"], p["vs"], p["vo"], p["direction"]
    towards = direction == "approaching"
    b.think(["Doppler effect for sound: f' = f (v ± v_o)/(v ∓ v_s), with the signs chosen so that approach raises "
             "the pitch. Here they are {d}, so I expect f' {c} {f} Hz.",
             "The listener hears a {h} pitch because source and observer are {d}; f' = f (v + v_o)/(v − v_s) for "
             "approach, (v − v_o)/(v + v_s) for recession."],
            d=direction, c=">" if towards else "<", f=f, h="higher" if towards else "lower")
    if p["unit"] == "km/h":
        r = b.call("physics", _phys("unit_convert", value=round(vs * 3.6), from_unit="km/h", to_unit="m/s"),
                   "The source speed must be in m/s.")
        vs = r.value
        b.observe("v_s = {v} m/s.", v=sig(vs, 6))
    args = _phys("waves", kind="doppler", f=f, v_source=vs, direction=direction)
    if vo:
        args["v_observer"] = vo
    r = b.call("physics", args, ["Computing the observed frequency (v = 343 m/s by default).",
                                 "Now the Doppler shift."])
    fo = r.value["f_observed"]
    b.observe("f' = {f} Hz.", f=sig(fo, 6))
    b.think("That is {x} than the emitted {f} Hz, consistent with the {d} motion.",
            x="higher" if fo > f else "lower", f=f, d=direction)
    return b.finish(qty(fo, "Hz"))


# -- 11. electron accelerated through a potential difference -------------------------------------
@template(CAT, "electron_accelerated", tools=PH, weight=0.8)
def electron_accelerated(rng: random.Random, difficulty: str) -> Spec:
    particle = "electron" if difficulty != "hard" or rng.random() < 0.6 else "proton"
    V = {"easy": rng.choice([1, 2, 5, 10, 20, 50, 100]), "medium": rng.randint(10, 500),
         "hard": rng.randint(100, 1000) if particle == "electron" else rng.randint(500, 50000)}[difficulty]
    mass = sc.m_e if particle == "electron" else sc.m_p
    v = math.sqrt(2 * sc.e * V / mass)
    q = pick(rng, [
        "An {p} starts from rest and is accelerated through a potential difference of {V} V. What is its final "
        "speed? (Non-relativistic.)",
        "Find the speed of a{n} {p} accelerated from rest through {V} V, ignoring relativity.",
        "A{n} {p} initially at rest gains kinetic energy e·V from a {V} V potential difference. How fast does it end "
        "up moving?",
    ], p=particle, V=V, n="n" if particle == "electron" else "")
    q = q.replace("An proton", "A proton")
    return Spec(q, {"V": V, "particle": particle}, qty(v, "m/s"))


@electron_accelerated.solver
def _(p: dict, b: TraceBuilder) -> str:
    V, particle = p["V"], p["particle"]
    b.think(["The work done by the field, qV, becomes kinetic energy: ½mv² = eV. I need e and the {p} mass.",
             "Energy conservation: eV = ½ m v², so v = √(2eV/m). I'll look up the constants rather than recall them."],
            p=particle)
    r = b.call("physics", _phys("constant", name="e"), "The elementary charge.")
    e = r.value["value"]
    b.observe("e = {e} C.", e=num(e))
    r2 = b.call("physics", _phys("constant", name="m_e" if particle == "electron" else "m_p"),
                "The {p} mass.", p=particle)
    m = r2.value["value"]
    b.observe("m = {m} kg.", m=f"{m:.6g}")
    E = e * V
    b.think("The kinetic energy gained is eV = {e} × {V} = {E} J.", e=f"{e:.6g}", V=V, E=f"{E:.6g}")
    r3 = b.call("physics", _phys("energy", kind="kinetic", E=E, m=m), "Solving ½mv² = eV for v.")
    v = r3.value["v"]
    b.observe("v = {v} m/s.", v=sig(v, 6))
    b.think("That is {f}% of the speed of light, small enough for the non-relativistic formula.",
            f=sig(100 * v / sc.c, 2))
    return b.finish(qty(v, "m/s"))

"""Mechanics templates (kinematics, projectiles, energy, work and power, oscillations) solved with the
`physics` tool.

Reference answers are closed forms evaluated here (range = v0² sin 2θ / g, v = √(2gh), T = 2π√(m/k),
...), never the tool, so a tool bug shows up as a mismatch. Values are drawn so the situations are
physically sensible: positive times and heights, braking decelerations a car can reach, launch angles
between 15° and 75°. Speeds are sometimes given in km/h and masses in grams; the traces convert them,
by hand when the factor is simple and with `unit_convert` otherwise, before calling the SI-only op.
"""

from __future__ import annotations

import math
import random
from typing import Any

from stages.synthetic.base import Spec, TraceBuilder, template
from stages.synthetic.phrasing import pick
from stages.synthetic.science_text import grid, num, qty, sig

CAT = "physics_mechanics"
PH = ("physics",)
G = 9.81

OBJECTS = ["a ball", "a stone", "a football", "a golf ball", "a rock", "a tennis ball", "a small parcel",
           "a water balloon", "a cricket ball", "a pebble"]
VEHICLES = ["a car", "a truck", "a motorbike", "a bus", "a van", "a train", "a sports car", "a taxi"]


def _phys(operation: str, **args: Any) -> dict[str, Any]:
    """Canonical physics arguments: operation first, then kind (if any), then the numbers."""
    return {"operation": operation, **args}


def _kmh_to_ms(b: TraceBuilder, kmh: float) -> float:
    """Convert a speed given in km/h: mentally when it divides cleanly by 3.6, else with the tool."""
    ms = kmh / 3.6
    if abs(ms - round(ms)) < 1e-9:
        b.think(["The speed is in km/h; dividing by 3.6 gives SI units: {k} km/h = {m} m/s.",
                 "First convert to m/s: {k} km/h ÷ 3.6 = {m} m/s.",
                 "{k} km/h is {k}/3.6 = {m} m/s."], k=num(kmh), m=num(round(ms)))
        return float(round(ms))
    r = b.call("physics", _phys("unit_convert", value=kmh, from_unit="km/h", to_unit="m/s"),
               ["{k} km/h does not divide evenly by 3.6, so I'll convert it with the tool.",
                "The formulas need SI units; converting {k} km/h to m/s.",
                "Let me convert the speed to m/s first."], k=num(kmh))
    b.observe(["So the speed is {m} m/s.", "That is {m} m/s.", "{k} km/h = {m} m/s."],
              m=sig(r.value, 6), k=num(kmh))
    return float(r.value)


def _speed_text(rng: random.Random, difficulty: str, lo: int, hi: int) -> tuple[float, str, float]:
    """A speed in m/s, or (medium/hard, sometimes) in km/h: (value as given, unit, value in m/s)."""
    if difficulty != "easy" and rng.random() < 0.5:
        if rng.random() < 0.4:
            kmh = 18 * rng.randint(max(1, math.ceil(lo / 5)), hi // 5)
        else:
            kmh = rng.randint(math.ceil(lo * 3.6), int(hi * 3.6))
        return kmh, "km/h", kmh / 3.6
    v = rng.randint(lo, hi) if rng.random() < 0.7 else grid(rng, lo, hi, 0.5)
    return v, "m/s", float(v)


# -- 1. projectile range / height / time ---------------------------------------------------------
def _projectile(v0: float, theta: float, h0: float) -> dict[str, float]:
    th = math.radians(theta)
    vx, vy = v0 * math.cos(th), v0 * math.sin(th)
    t = (vy + math.sqrt(vy * vy + 2 * G * h0)) / G
    return {"range": vx * t, "max_height": h0 + vy * vy / (2 * G), "time_of_flight": t}


_PROJ_WHAT = {"range": ("horizontal range", "m", "R"), "max_height": ("maximum height", "m", "H"),
              "time_of_flight": ("time of flight", "s", "T")}


@template(CAT, "projectile", tools=PH, weight=1.4)
def projectile(rng: random.Random, difficulty: str) -> Spec:
    obj = rng.choice(OBJECTS)
    theta = rng.choice([15, 20, 25, 30, 35, 37, 40, 45, 50, 53, 55, 60, 65, 70, 75])
    v, unit, v0 = _speed_text(rng, difficulty, 8, 32)
    h0 = 0.0
    if difficulty == "hard":
        h0 = float(rng.choice([rng.randint(2, 60), grid(rng, 1.5, 30, 0.5)]))
    wants = {"easy": [["range"], ["range"], ["max_height"]],
             "medium": [["max_height"], ["time_of_flight"], ["range"]],
             "hard": [["range"], ["time_of_flight"], ["range", "max_height"]]}[difficulty]
    want = rng.choice(wants)
    res = _projectile(v0, theta, h0)
    where = ("" if not h0 else
             pick(rng, [" from the top of a {h} m high cliff", " from a platform {h} m above the ground",
                        " from a rooftop {h} m above level ground"], h=num(h0)))
    ask = " and ".join(_PROJ_WHAT[w][0] for w in want)
    q = pick(rng, [
        "{O} is launched at {v} {u} at an angle of {t}° above the horizontal{w}. Find its {a}. "
        "Ignore air resistance (g = 9.81 m/s^2).",
        "A projectile is fired{w} with speed {v} {u} at {t}° to the horizontal. What is its {a}? "
        "Neglect air resistance.",
        "{O} is kicked{w} at {v} {u}, {t}° above the horizontal. Determine the {a} (no air resistance, "
        "g = 9.81 m/s^2).",
        "Ignoring drag, what is the {a} of {o} thrown{w} at {v} {u} and {t}° above the horizontal?",
    ], O=obj.capitalize(), o=obj, v=num(v), u=unit, t=theta, w=where, a=ask)
    ans = ", ".join(f"{_PROJ_WHAT[w][2]} = {qty(res[w], _PROJ_WHAT[w][1])}" for w in want) if len(want) > 1 \
        else qty(res[want[0]], _PROJ_WHAT[want[0]][1])
    return Spec(q, {"v": v, "unit": unit, "theta": theta, "h0": h0, "want": want}, ans)


@projectile.solver
def _(p: dict, b: TraceBuilder) -> str:
    theta, h0, want = p["theta"], p["h0"], p["want"]
    b.think(["With no air resistance the horizontal velocity is constant and the vertical motion has "
             "acceleration −g, so the standard projectile results apply{h}.",
             "This is ideal projectile motion: v0 = {v} {u} at θ = {t}°{h}. I need the {a}.",
             "Plan: get the launch speed in SI units, then use the projectile formulas (launch height "
             "matters for the landing time){h}."],
            v=num(p["v"]), u=p["unit"], t=theta, a=" and ".join(_PROJ_WHAT[w][0] for w in want),
            h="" if not h0 else f", with the launch point {num(h0)} m above the landing level")
    v0_arg: float | str
    if p["unit"] == "km/h" and b.rng.random() < 0.35:
        b.think("The physics tool converts quantities written with units, so I can pass the launch speed as "
                "\"{v} km/h\" directly.", v=num(p["v"]))
        v0, v0_arg = p["v"] / 3.6, f"{num(p['v'])} km/h"
    else:
        v0 = _kmh_to_ms(b, p["v"]) if p["unit"] == "km/h" else float(p["v"])
        v0_arg = v0
    args = _phys("projectile", v0=v0_arg, theta=theta)
    if h0:
        args["h0"] = h0
    r = b.call("physics", args, ["Now the projectile calculation with v0 = {v} m/s and θ = {t}°{h}.",
                                 "I'll compute range, peak height and flight time together.",
                                 "Calling the projectile operation."],
               v=sig(v0, 6), t=theta, h=f" from h0 = {num(h0)} m" if h0 else "")
    val = r.value
    parts = [f"{_PROJ_WHAT[w][0]} = {qty(val[w], _PROJ_WHAT[w][1])}" for w in want]
    b.observe(["The tool gives {p}.", "Result: {p}.", "So the {p}."], p=", ".join(parts))
    if not h0 and "range" in want:
        b.think(["Sanity check: R = v0² sin(2θ)/g = {v}² × sin({d}°)/9.81, and the result is below the "
                 "45° maximum v0²/g = {m} m, as it should be.",
                 "Check: the range can never exceed v0²/g = {m} m (at 45°); {r} m is consistent."],
                v=sig(v0, 5), d=2 * theta, m=sig(v0 * v0 / G), r=sig(val["range"]))
    elif "time_of_flight" in want and not h0:
        b.think("Check: T = 2 v0 sinθ / g = 2 × {v} × sin {t}° / 9.81, the same value.", v=sig(v0, 5), t=theta)
    elif h0:
        b.think(["Launching from a height makes the flight longer than the flat-ground value, which fits.",
                 "The extra {h} m of drop adds flight time compared with level ground, as expected."], h=num(h0))
    if len(want) > 1:
        ans = ", ".join(f"{_PROJ_WHAT[w][2]} = {qty(val[w], _PROJ_WHAT[w][1])}" for w in want)
    else:
        ans = qty(val[want[0]], _PROJ_WHAT[want[0]][1])
    return b.finish(ans)


# -- 2. accelerating vehicle (suvat) -------------------------------------------------------------
@template(CAT, "accelerating_vehicle", tools=PH, weight=1.2)
def accelerating_vehicle(rng: random.Random, difficulty: str) -> Spec:
    veh = rng.choice(VEHICLES)
    if difficulty == "easy":
        a, t = grid(rng, 0.5, 4.5, 0.1), rng.randint(3, 25)
        s, v = 0.5 * a * t * t, a * t
        want = rng.choice(["s", "v"])
        q = pick(rng, [
            "{V} starts from rest and accelerates uniformly at {a} m/s^2 for {t} s. {Q}",
            "Starting from rest, {v} speeds up with a constant acceleration of {a} m/s^2. {Q2} {t} s?",
        ], V=veh.capitalize(), v=veh, a=num(a), t=t,
            Q="How far does it travel?" if want == "s" else "What is its final speed?",
            Q2="How far has it gone after" if want == "s" else "How fast is it moving after")
        ans = qty(s, "m") if want == "s" else qty(v, "m/s")
        return Spec(q, {"known": {"u": 0, "a": a, "t": t}, "want": [want], "kmh": None}, ans)
    u_kmh = 18 * rng.randint(0, 4) if difficulty == "medium" else rng.randint(0, 60)
    v_kmh = u_kmh + rng.choice([18, 36, 54, 72]) if difficulty == "medium" else u_kmh + rng.randint(20, 80)
    t = rng.randint(3, 20) if rng.random() < 0.7 else grid(rng, 2.5, 15, 0.5)
    u, v = u_kmh / 3.6, v_kmh / 3.6
    a = (v - u) / t
    s = (u + v) / 2 * t
    want = ["a", "s"] if difficulty == "hard" and rng.random() < 0.6 else [rng.choice(["a", "s"])]
    what = {"a": "its acceleration", "s": "the distance covered"}
    ask = " and ".join(what[w] for w in want)
    start = "from rest" if u_kmh == 0 else f"from {u_kmh} km/h"
    q = pick(rng, [
        "{V} accelerates uniformly {st} to {v2} km/h in {t} s. Find {a}.",
        "In {t} s, {v} goes {st} to {v2} km/h with constant acceleration. What is {a}?",
        "{V} speeds up steadily {st} to {v2} km/h over {t} seconds. Calculate {a}.",
    ], V=veh.capitalize(), v=veh, st=start, v2=v_kmh, t=num(t), a=ask)
    units = {"a": "m/s^2", "s": "m"}
    vals = {"a": a, "s": s}
    ans = (", ".join(f"{w} = {qty(vals[w], units[w])}" for w in want) if len(want) > 1
           else qty(vals[want[0]], units[want[0]]))
    return Spec(q, {"known": {"t": t}, "kmh": [u_kmh, v_kmh], "want": want}, ans)


@accelerating_vehicle.solver
def _(p: dict, b: TraceBuilder) -> str:
    known, want = dict(p["known"]), p["want"]
    units = {"a": "m/s^2", "s": "m", "v": "m/s"}
    if p["kmh"] is None:
        a, t = known["a"], known["t"]
        if want == ["s"]:
            b.think(["Uniform acceleration from rest: s = ½at² = ½ × {a} × {t}² = {s} m.",
                     "From rest, s = ½ a t². By hand: 0.5 × {a} × {t2} = {s} m."],
                    a=num(a), t=t, t2=t * t, s=sig(0.5 * a * t * t, 6))
            r = b.call("physics", _phys("kinematics", u=0, a=a, t=t),
                       ["Let me confirm with the kinematics solver.", "I'll verify with the suvat solver."])
            b.observe(["The tool agrees: s = {s} m (and v = {v} m/s).", "Confirmed: s = {s} m."],
                      s=sig(r.value["s"], 6), v=sig(r.value["v"], 6))
            return b.finish(qty(r.value["s"], "m"))
        b.think(["From rest with constant acceleration, v = u + at with u = 0.",
                 "Known: u = 0, a = {a} m/s^2, t = {t} s; v = u + at."], a=num(a), t=t)
        r = b.call("physics", _phys("kinematics", u=0, a=a, t=t), "Solving with the kinematics operation.")
        b.observe("v = {v} m/s, which is just {a} × {t}.", v=sig(r.value["v"], 6), a=num(a), t=t)
        return b.finish(qty(r.value["v"], "m/s"))
    u_kmh, v_kmh = p["kmh"]
    t = known["t"]
    b.think(["Known: initial speed {u} km/h, final speed {v} km/h, time {t} s, constant acceleration. "
             "Everything must be in SI units.",
             "The speeds are in km/h but the acceleration should come out in m/s^2, so SI units are needed."],
            u=u_kmh, v=v_kmh, t=num(t))
    if u_kmh and v_kmh * 10 % 36 and b.rng.random() < 0.5:
        # awkward conversions: let the tool read the speeds with their units
        b.think("Neither speed converts to a round number of m/s, so I'll give them to the kinematics tool with "
                "their units; it converts to SI itself.")
        u, v = u_kmh / 3.6, v_kmh / 3.6
        r = b.call("physics", _phys("kinematics", u=f"{u_kmh} km/h", v=f"{v_kmh} km/h", t=t),
                   "Solving for a and s.")
    else:
        u = 0.0 if u_kmh == 0 else _kmh_to_ms(b, u_kmh)
        if u_kmh == 0:
            b.think("Starting from rest means u = 0 m/s.")
        v = _kmh_to_ms(b, v_kmh)
        r = b.call("physics", _phys("kinematics", u=u, v=v, t=t),
                   ["With u, v and t known, the kinematics solver gives a and s.",
                    "Three of the suvat quantities are known; solving for the rest."])
    vals = r.value
    b.observe(["a = {a} m/s^2 and s = {s} m.", "The solver returns a = {a} m/s^2, s = {s} m."],
              a=sig(vals["a"], 6), s=sig(vals["s"], 6))
    b.think(["Check: s = (u + v)/2 × t = ({u} + {v})/2 × {t}, consistent with the tool.",
             "That matches the average-speed shortcut s = ½(u + v)t."], u=sig(u, 5), v=sig(v, 5), t=num(t))
    if len(want) > 1:
        return b.finish(", ".join(f"{w} = {qty(vals[w], units[w])}" for w in want))
    return b.finish(qty(vals[want[0]], units[want[0]]))


# -- 3. braking distance -------------------------------------------------------------------------
@template(CAT, "braking", tools=PH)
def braking(rng: random.Random, difficulty: str) -> Spec:
    veh = rng.choice(VEHICLES[:6])
    kmh = rng.choice([36, 54, 72, 90, 108]) if difficulty == "easy" else rng.randint(30, 130)
    dec = grid(rng, 2.5, 8.5, 0.1) if difficulty != "easy" else rng.choice([2, 2.5, 3, 4, 5, 6, 7.5, 8])
    u = kmh / 3.6
    stop_s, stop_t = u * u / (2 * dec), u / dec
    react = grid(rng, 0.5, 1.5, 0.1) if difficulty == "hard" else 0.0
    want = rng.choice(["s", "t"]) if difficulty != "hard" else "total"
    if want == "total":
        q = pick(rng, [
            "A driver travelling at {k} km/h sees a hazard. Her reaction time is {r} s, after which the car "
            "decelerates at {d} m/s^2. What total distance does the car cover before stopping?",
            "{V} moving at {k} km/h must stop. The driver reacts after {r} s and then brakes at {d} m/s^2. "
            "Find the total stopping distance (thinking plus braking).",
        ], k=kmh, r=num(react), d=num(dec), V=veh.capitalize())
        return Spec(q, {"kmh": kmh, "dec": dec, "react": react, "want": want}, qty(u * react + stop_s, "m"))
    ask = "How far does it travel before stopping?" if want == "s" else "How long does it take to stop?"
    q = pick(rng, [
        "{V} travelling at {k} km/h brakes with a constant deceleration of {d} m/s^2. {A}",
        "The brakes of {v} moving at {k} km/h give a uniform deceleration of {d} m/s^2. {A}",
        "{V} at {k} km/h slows down uniformly at {d} m/s^2 until it stops. {A}",
    ], V=veh.capitalize(), v=veh, k=kmh, d=num(dec), A=ask)
    return Spec(q, {"kmh": kmh, "dec": dec, "react": 0.0, "want": want},
                qty(stop_s, "m") if want == "s" else qty(stop_t, "s"))


@braking.solver
def _(p: dict, b: TraceBuilder) -> str:
    dec, react, want = p["dec"], p["react"], p["want"]
    b.think(["Braking to rest: final speed v = 0 and acceleration a = −{d} m/s^2 (negative because it opposes "
             "the motion).", "Take the direction of travel as positive: a = −{d} m/s^2, v = 0 at the end."],
            d=num(dec))
    u = _kmh_to_ms(b, p["kmh"])
    r = b.call("physics", _phys("kinematics", u=u, v=0, a=-dec),
               ["Solving v² = u² + 2as and v = u + at with the kinematics tool.",
                "Now the suvat solver with u, v = 0 and a."])
    s, t = r.value["s"], r.value["t"]
    b.observe(["Braking distance s = {s} m, taking t = {t} s.", "The car stops in {t} s over {s} m."],
              s=sig(s, 6), t=sig(t, 6))
    if want == "total":
        think = u * react
        b.think(["During the {r} s reaction time the car still moves at {u} m/s: {u} × {r} = {th} m.",
                 "Thinking distance = speed × reaction time = {u} × {r} = {th} m."],
                r=num(react), u=sig(u, 5), th=sig(think, 5))
        b.think("Total = {th} + {s} = {tot} m.", th=sig(think, 5), s=sig(s, 5), tot=sig(think + s, 5))
        return b.finish(qty(think + s, "m"))
    if want == "s":
        return b.finish(qty(s, "m"))
    return b.finish(qty(t, "s"))


# -- 4. free fall --------------------------------------------------------------------------------
@template(CAT, "free_fall", tools=PH)
def free_fall(rng: random.Random, difficulty: str) -> Spec:
    obj = rng.choice(OBJECTS)
    h = {"easy": rng.randint(5, 80), "medium": grid(rng, 2, 150, 0.5), "hard": rng.randint(10, 300)}[difficulty]
    place = rng.choice(["a bridge", "a balcony", "a cliff", "the top of a tower", "a window", "a hot-air balloon "
                        "at rest", "a crane", "a rooftop"])
    t, v = math.sqrt(2 * h / G), math.sqrt(2 * G * h)
    want = {"easy": rng.choice(["t", "v"]), "medium": rng.choice(["t", "v"]), "hard": "both"}[difficulty]
    ask = {"t": "How long does it take to reach the ground?", "v": "How fast is it moving when it hits the ground?",
           "both": "Find the time it takes to land and its speed on impact."}[want]
    q = pick(rng, [
        "{O} is dropped from {p}, {h} m above the ground. {A} Ignore air resistance.",
        "{O} is released from rest {h} m above the ground (from {p}). {A} (g = 9.81 m/s^2)",
        "Neglecting air resistance, {o} falls from rest from {p} {h} m high. {A}",
    ], O=obj.capitalize(), o=obj, p=place, h=num(h), A=ask)
    ans = {"t": qty(t, "s"), "v": qty(v, "m/s"), "both": f"t = {qty(t, 's')}, v = {qty(v, 'm/s')}"}[want]
    return Spec(q, {"h": h, "want": want}, ans)


@free_fall.solver
def _(p: dict, b: TraceBuilder) -> str:
    h, want = p["h"], p["want"]
    b.think(["Dropped from rest: u = 0, a = g = 9.81 m/s^2 (taking down as positive), s = {h} m.",
             "Free fall from rest. With downward positive: u = 0, a = 9.81 m/s^2, displacement {h} m."], h=num(h))
    if want == "v" and p["h"] in (5, 20, 45, 80):
        b.think("Estimate: v = √(2gh) ≈ √(2 × 10 × {h}) = {e} m/s with g ≈ 10; the exact g gives a bit less.",
                h=num(h), e=num(math.sqrt(20 * h)))
    r = b.call("physics", _phys("kinematics", u=0, a=G, s=h),
               ["Solving for t and v with the kinematics tool.", "Let me get the landing time and speed."])
    t, v = r.value["t"], r.value["v"]
    b.observe(["It lands after t = {t} s at v = {v} m/s.", "The tool gives t = {t} s and v = {v} m/s."],
              t=sig(t, 6), v=sig(v, 6))
    b.think(["Check: v = g t = 9.81 × {t} ≈ {v} m/s. Consistent.", "Consistency: v² = 2gh = {v2}, fine."],
            t=sig(t, 5), v=sig(G * t, 5), v2=sig(2 * G * h, 5))
    return b.finish({"t": qty(t, "s"), "v": qty(v, "m/s"), "both": f"t = {qty(t, 's')}, v = {qty(v, 'm/s')}"}[want])


# -- 5. vertical throws --------------------------------------------------------------------------
@template(CAT, "vertical_throw", tools=PH)
def vertical_throw(rng: random.Random, difficulty: str) -> Spec:
    obj = rng.choice(OBJECTS)
    if difficulty == "hard":
        u, h = rng.randint(2, 25), rng.randint(5, 120)
        v = math.sqrt(u * u + 2 * G * h)
        q = pick(rng, [
            "{O} is thrown straight down at {u} m/s from a height of {h} m. With what speed does it hit the "
            "ground? (No air resistance.)",
            "From {h} m above the ground, {o} is thrown vertically downward at {u} m/s. Find its impact speed, "
            "ignoring air resistance.",
        ], O=obj.capitalize(), o=obj, u=u, h=h)
        return Spec(q, {"mode": "down", "u": u, "h": h}, qty(v, "m/s"))
    u = rng.randint(5, 40) if difficulty == "easy" else grid(rng, 4, 35, 0.5)
    want = "h" if difficulty == "easy" else rng.choice(["t_top", "t_total", "h"])
    ask = {"h": "How high does it rise?", "t_top": "How long does it take to reach the highest point?",
           "t_total": "How long is it in the air before it returns to the launch point?"}[want]
    q = pick(rng, [
        "{O} is thrown straight up at {u} m/s. {A} (Ignore air resistance; g = 9.81 m/s^2.)",
        "{O} is launched vertically upward with speed {u} m/s. {A}",
        "You toss {o} straight upward at {u} m/s. Neglecting drag, {a}",
    ], O=obj.capitalize(), o=obj, u=num(u), A=ask, a=ask[0].lower() + ask[1:])
    ans = {"h": qty(u * u / (2 * G), "m"), "t_top": qty(u / G, "s"), "t_total": qty(2 * u / G, "s")}[want]
    return Spec(q, {"mode": "up", "u": u, "want": want}, ans)


@vertical_throw.solver
def _(p: dict, b: TraceBuilder) -> str:
    u = p["u"]
    if p["mode"] == "down":
        h = p["h"]
        b.think(["Taking down as positive: u = {u} m/s, a = 9.81 m/s^2, s = {h} m; I need v.",
                 "Everything points downward, so all signs are positive: u = {u}, a = g, s = {h}."], u=u, h=h)
        r = b.call("physics", _phys("kinematics", u=u, a=G, s=h), "v² = u² + 2as; solving with the tool.")
        b.observe(["v = {v} m/s (after {t} s).", "It hits the ground at {v} m/s, {t} s after release."],
                  v=sig(r.value["v"], 6), t=sig(r.value["t"], 6))
        return b.finish(qty(r.value["v"], "m/s"))
    want = p["want"]
    b.think(["Take up as positive: u = {u} m/s, a = −9.81 m/s^2. At the top the velocity is momentarily 0.",
             "At the highest point v = 0; with upward positive, a = −g."], u=num(u))
    r = b.call("physics", _phys("kinematics", u=u, v=0, a=-G), "Solving for the rise height and time to the top.")
    s, t = r.value["s"], r.value["t"]
    b.observe(["It rises {s} m, reaching the top after {t} s.", "Peak height {s} m at t = {t} s."],
              s=sig(s, 6), t=sig(t, 6))
    if want == "t_total":
        b.think("The motion is symmetric: it takes as long to fall back as to rise, so the total time is "
                "2 × {t} = {T} s.", t=sig(t, 6), T=sig(2 * t, 6))
        return b.finish(qty(2 * t, "s"))
    return b.finish(qty(s, "m") if want == "h" else qty(t, "s"))


# -- 6. kinetic energy ---------------------------------------------------------------------------
@template(CAT, "kinetic_energy", tools=PH)
def kinetic_energy(rng: random.Random, difficulty: str) -> Spec:
    # (thing, (mass range and step), mass unit, (speed range in m/s))
    thing, (mlo, mhi, mstep), unit_m, (vlo, vhi) = rng.choice([
        ("a runner", (50, 95, 1), "kg", (2, 9)), ("a car", (800, 2200, 50), "kg", (5, 30)),
        ("a bullet", (5, 15, 1), "g", (250, 900)), ("a baseball", (140, 150, 1), "g", (10, 42)),
        ("a cyclist with her bike", (60, 110, 1), "kg", (3, 15)), ("a shopping trolley", (15, 60, 5), "kg", (0.5, 3)),
        ("a hockey puck", (160, 170, 1), "g", (5, 40)), ("a sprinter", (55, 90, 1), "kg", (4, 10)),
    ])
    m = grid(rng, mlo, mhi, mstep)
    m_kg = m / 1000 if unit_m == "g" else m
    v = rng.randint(vlo, vhi) if vhi >= 100 else grid(rng, vlo, vhi, 0.5)
    if difficulty == "hard":
        v2 = v + (max(0.5, round(rng.uniform(0.1, 0.4) * vhi * 2) / 2) if thing != "a bullet"
                  else rng.randint(20, 100))
        dke = 0.5 * m_kg * (v2 * v2 - v * v)
        q = pick(rng, [
            "{T} of mass {m} {um} speeds up from {v} m/s to {v2} m/s. By how much does its kinetic energy "
            "increase?",
            "How much work is needed to accelerate {t} ({m} {um}) from {v} m/s to {v2} m/s?",
        ], T=thing.capitalize(), t=thing, m=num(m), um=unit_m, v=num(v), v2=num(v2))
        return Spec(q, {"m": m, "unit_m": unit_m, "v": v, "v2": v2}, qty(dke, "J"))
    if difficulty == "medium" and rng.random() < 0.5:
        ke = 0.5 * m_kg * v * v
        q = pick(rng, [
            "{T} of mass {m} {um} has {E} J of kinetic energy. How fast is it moving?",
            "What speed gives {t} ({m} {um}) a kinetic energy of {E} J?",
        ], T=thing.capitalize(), t=thing, m=num(m), um=unit_m, E=num(float(f"{ke:.3g}")))
        E = float(f"{ke:.3g}")
        return Spec(q, {"m": m, "unit_m": unit_m, "E": E}, qty(math.sqrt(2 * E / m_kg), "m/s"))
    q = pick(rng, [
        "What is the kinetic energy of {t} of mass {m} {um} moving at {v} m/s?",
        "{T} ({m} {um}) travels at {v} m/s. Calculate its kinetic energy.",
        "Find the kinetic energy of {t} with mass {m} {um} and speed {v} m/s.",
    ], T=thing.capitalize(), t=thing, m=num(m), um=unit_m, v=num(v))
    return Spec(q, {"m": m, "unit_m": unit_m, "v": v}, qty(0.5 * m_kg * v * v, "J"))


@kinetic_energy.solver
def _(p: dict, b: TraceBuilder) -> str:
    m, unit_m = p["m"], p["unit_m"]
    m_kg = m / 1000 if unit_m == "g" else m
    if unit_m == "g":
        b.think("The mass must be in kilograms: {m} g = {k} kg.", m=num(m), k=num(m_kg))
    if "E" in p:
        b.think("Invert KE = ½mv²: v = √(2E/m). The tool's kinetic energy op solves for v when E and m are given.")
        r = b.call("physics", _phys("energy", kind="kinetic", E=p["E"], m=m_kg), "Solving for the speed.")
        b.observe("v = {v} m/s.", v=sig(r.value["v"], 6))
        return b.finish(qty(r.value["v"], "m/s"))
    if "v2" in p:
        b.think(["The work done equals the change in kinetic energy, ΔKE = ½m(v2² − v1²). I'll compute both "
                 "kinetic energies.", "ΔKE = KE_final − KE_initial; let me get each one."])
        r1 = b.call("physics", _phys("energy", kind="kinetic", m=m_kg, v=p["v"]), "Initial kinetic energy.")
        b.observe("KE1 = {e} J.", e=sig(r1.value["E"], 6))
        r2 = b.call("physics", _phys("energy", kind="kinetic", m=m_kg, v=p["v2"]), "Final kinetic energy.")
        d = r2.value["E"] - r1.value["E"]
        b.observe("KE2 = {e} J.", e=sig(r2.value["E"], 6))
        b.think("ΔKE = {e2} − {e1} = {d} J.", e2=sig(r2.value["E"], 6), e1=sig(r1.value["E"], 6), d=sig(d, 6))
        return b.finish(qty(d, "J"))
    v = p["v"]
    b.think(["KE = ½mv² with m = {m} kg and v = {v} m/s.", "Kinetic energy is ½ m v²."], m=num(m_kg), v=num(v))
    r = b.call("physics", _phys("energy", kind="kinetic", m=m_kg, v=v),
               ["Computing ½mv² with the energy tool.", "Let me evaluate it."])
    E = r.value["E"]
    b.observe(["KE = {e} J.", "The kinetic energy is {e} J{k}."], e=sig(E, 6),
              k=f" (about {sig(E / 1000, 3)} kJ)" if E > 5000 else "")
    return b.finish(qty(E, "J"))


# -- 7. energy conservation ----------------------------------------------------------------------
@template(CAT, "energy_conservation", tools=PH, weight=1.2)
def energy_conservation(rng: random.Random, difficulty: str) -> Spec:
    m = rng.choice([grid(rng, 0.2, 5, 0.1), rng.randint(2, 80)])
    h = grid(rng, 0.5, 40, 0.5) if difficulty != "easy" else rng.randint(1, 30)
    scene = rng.choice(["slides down a frictionless ramp", "slides down a frictionless slope",
                        "slides along a frictionless curved track", "slides down a smooth curved chute",
                        "glides down an icy (frictionless) hill"])
    obj = rng.choice(["A block", "A crate", "A sled", "A box", "A puck", "A toboggan"])
    if difficulty == "hard":
        u = grid(rng, 1, 12, 0.5)
        v = math.sqrt(u * u + 2 * G * h)
        q = pick(rng, [
            "{O} of mass {m} kg moving at {u} m/s at the top {s}, dropping a height of {h} m. What is its speed "
            "at the bottom?",
            "{O} ({m} kg) has speed {u} m/s when it starts down a drop of {h} m; it {s}. Use energy "
            "conservation to find its speed at the bottom.",
        ], O=obj, m=num(m), u=num(u), s=scene, h=num(h))
        return Spec(q, {"m": m, "h": h, "u": u}, qty(v, "m/s"))
    v = math.sqrt(2 * G * h)
    q = pick(rng, [
        "{O} of mass {m} kg starts from rest and {s}, dropping {h} m vertically. How fast is it going at the "
        "bottom?",
        "Starting from rest, {o} ({m} kg) {s} through a vertical height of {h} m. Find its speed at the bottom "
        "using conservation of energy.",
        "{O} with mass {m} kg is released from rest {h} m above the bottom and {s}. What speed does it reach?",
    ], O=obj, o=obj.lower(), m=num(m), s=scene, h=num(h))
    return Spec(q, {"m": m, "h": h, "u": 0}, qty(v, "m/s"))


@energy_conservation.solver
def _(p: dict, b: TraceBuilder) -> str:
    m, h, u = p["m"], p["h"], p["u"]
    b.think(["No friction, so mechanical energy is conserved: the potential energy lost, mgh, becomes kinetic "
             "energy.", "Energy conservation: KE_bottom = KE_top + mgh (no losses)."])
    r = b.call("physics", _phys("energy", kind="potential", m=m, h=h), "First the potential energy released, mgh.")
    pe = r.value["E"]
    b.observe("mgh = {e} J.", e=sig(pe, 6))
    total = pe
    if u:
        r2 = b.call("physics", _phys("energy", kind="kinetic", m=m, v=u), "It also starts with kinetic energy.")
        ke0 = r2.value["E"]
        total = pe + ke0
        b.observe("Initial KE = {k} J, so the kinetic energy at the bottom is {k} + {p} = {t} J.",
                  k=sig(ke0, 6), p=sig(pe, 6), t=sig(total, 6))
    else:
        b.think("All of it becomes kinetic energy at the bottom: KE = {e} J.", e=sig(pe, 6))
    r3 = b.call("physics", _phys("energy", kind="kinetic", E=total, m=m),
                ["Now the speed that corresponds to this kinetic energy.", "Solving ½mv² = {t} J for v."],
                t=sig(total, 6))
    v = r3.value["v"]
    b.observe("v = {v} m/s.", v=sig(v, 6))
    b.think(["The mass cancels: v = √(u² + 2gh) = √({u}² + 2 × 9.81 × {h}) gives the same {v} m/s.",
             "Check without the mass: √(u² + 2gh) = {v} m/s. Good."], u=num(u), h=num(h), v=sig(v, 4))
    return b.finish(qty(v, "m/s"))


# -- 8. work and power ---------------------------------------------------------------------------
@template(CAT, "work_power", tools=PH, weight=1.2)
def work_power(rng: random.Random, difficulty: str) -> Spec:
    if difficulty == "easy":
        F, d, th = rng.randint(10, 400), grid(rng, 1, 50, 0.5), rng.choice([0, 15, 20, 25, 30, 35, 40, 45, 60])
        thing = rng.choice(["a sled", "a suitcase", "a box", "a wagon", "a lawnmower", "a crate"])
        angle = "horizontally" if th == 0 else f"with a rope at {th}° above the horizontal"
        q = pick(rng, [
            "A person pulls {t} {a} with a force of {F} N over a distance of {d} m. How much work is done by "
            "the force?", "A force of {F} N drags {t} {d} m {a}. Find the work done by this force.",
        ], t=thing, a=angle, F=F, d=num(d))
        return Spec(q, {"mode": "work", "F": F, "d": d, "theta": th}, qty(F * d * math.cos(math.radians(th)), "J"))
    if difficulty == "medium":
        F, d, t = rng.randint(50, 2000), rng.randint(5, 200), rng.randint(4, 120)
        q = pick(rng, [
            "A winch pulls a load {d} m with a constant force of {F} N in {t} s. What average power does it "
            "deliver?", "A horse pulls a cart {d} m along a level road with a steady force of {F} N, taking {t} s. "
                        "Calculate the horse's average power output.",
        ], d=d, F=F, t=t)
        return Spec(q, {"mode": "force_power", "F": F, "d": d, "t": t}, qty(F * d / t, "W"))
    m, h, t = rng.randint(20, 1500), rng.randint(2, 60), rng.randint(5, 90)
    q = pick(rng, [
        "A crane lifts a {m} kg load {h} m straight up at constant speed in {t} s. What is its power output "
        "(in watts)?", "An elevator motor raises {m} kg through {h} m in {t} s at steady speed. Find the "
                       "motor's average power, ignoring losses.",
        "How much power is needed to lift {m} kg by {h} m in {t} s at constant speed?",
    ], m=m, h=h, t=t)
    return Spec(q, {"mode": "lift", "m": m, "h": h, "t": t}, qty(m * G * h / t, "W"))


@work_power.solver
def _(p: dict, b: TraceBuilder) -> str:
    mode = p["mode"]
    if mode == "work":
        F, d, th = p["F"], p["d"], p["theta"]
        if th == 0:
            b.think("Force and displacement are parallel, so W = F d = {F} × {d} = {w} J.", F=F, d=num(d),
                    w=sig(F * d, 6))
        else:
            b.think(["Only the component along the motion does work: W = F d cos θ with θ = {t}°.",
                     "W = F d cos θ; the angle between the rope and the ground is {t}°."], t=th)
        r = b.call("physics", _phys("energy", kind="work", F=F, d=d, theta=th),
                   ["Computing the work with the energy tool.", "Let me evaluate F d cos θ."]
                   if th else ["Quick confirmation with the tool.", "Double-checking with the energy tool."])
        b.observe("W = {w} J.", w=sig(r.value["W"], 6))
        return b.finish(qty(r.value["W"], "J"))
    if mode == "force_power":
        F, d = p["F"], p["d"]
        b.think(["Power is work per unit time: first W = F d, then P = W / t.",
                 "Two steps: the work done by the constant force, then divide by the time."])
        r = b.call("physics", _phys("energy", kind="work", F=F, d=d), "Work done by the force.")
        W = r.value["W"]
        b.observe("W = {w} J.", w=sig(W, 6))
    else:
        m, h = p["m"], p["h"]
        b.think(["At constant speed the lifting force equals the weight, so the work done is the gain in "
                 "potential energy mgh; then P = W / t.",
                 "Lifting at steady speed: work = mgh (no change in kinetic energy). Then divide by the time."])
        r = b.call("physics", _phys("energy", kind="potential", m=m, h=h), "Potential energy gained.")
        W = r.value["E"]
        b.observe("mgh = {w} J.", w=sig(W, 6))
    r2 = b.call("physics", _phys("energy", kind="power", W=W, t=p["t"]),
                ["Now the power, P = W / t with t = {t} s.", "Dividing by {t} s."], t=p["t"])
    P = r2.value["P"]
    b.observe(["P = {p} W{k}.", "The average power is {p} W{k}."], p=sig(P, 6),
              k=f" ≈ {sig(P / 1000, 3)} kW" if P >= 1000 else "")
    return b.finish(qty(P, "W"))


# -- 9. mass on a spring -------------------------------------------------------------------------
@template(CAT, "spring_oscillator", tools=PH)
def spring_oscillator(rng: random.Random, difficulty: str) -> Spec:
    k = rng.choice([rng.randint(5, 900), grid(rng, 10, 500, 2.5)])
    m_g = rng.choice([rng.randint(50, 2000), grid(rng, 100, 3000, 50)])
    as_grams = difficulty != "easy" or m_g < 1000
    m = m_g / 1000
    w = math.sqrt(k / m)
    mass = f"{num(m_g)} g" if as_grams else f"{num(m)} kg"
    if difficulty == "hard":
        A_cm = rng.randint(2, 25)
        want = rng.choice(["v_max", "E", "a_max"])
        vals = {"v_max": (A_cm / 100 * w, "m/s", "maximum speed"), "E": (0.5 * k * (A_cm / 100) ** 2, "J",
                "total mechanical energy"), "a_max": (A_cm / 100 * w * w, "m/s^2", "maximum acceleration")}
        q = pick(rng, [
            "A {M} mass on a spring with k = {k} N/m oscillates with amplitude {A} cm. Find its {w}.",
            "A spring (k = {k} N/m) carries a {M} mass that is pulled {A} cm from equilibrium and released. What "
            "is the {w} of the oscillation?",
        ], M=mass, k=num(k), A=A_cm, w=vals[want][2])
        return Spec(q, {"k": k, "m": m, "grams": as_grams, "A": A_cm / 100, "want": want},
                    qty(vals[want][0], vals[want][1]))
    want = "T" if difficulty == "easy" else rng.choice(["T", "f"])
    q = pick(rng, [
        "A {M} mass hangs from a spring of stiffness {k} N/m. What is the {w} of its oscillations?",
        "Find the {w} of a mass-spring system with m = {M} and k = {k} N/m.",
        "A block of {M} attached to a spring (k = {k} N/m) slides on a frictionless surface. Determine the {w} of "
        "its simple harmonic motion.",
    ], M=mass, k=num(k), w="period" if want == "T" else "frequency")
    ans = qty(2 * math.pi / w, "s") if want == "T" else qty(w / (2 * math.pi), "Hz")
    return Spec(q, {"k": k, "m": m, "grams": as_grams, "want": want}, ans)


@spring_oscillator.solver
def _(p: dict, b: TraceBuilder) -> str:
    k, m, want = p["k"], p["m"], p["want"]
    if p["grams"]:
        b.think("In SI units the mass is {g} g = {m} kg.", g=num(m * 1000), m=num(m))
    b.think(["For a mass on a spring, ω = √(k/m), T = 2π/ω = 2π√(m/k), f = 1/T.",
             "Simple harmonic motion of a spring: T = 2π√(m/k); the period does not depend on the amplitude."])
    args = _phys("shm", kind="spring", k=k, m=m)
    if "A" in p:
        args["A"] = p["A"]
        b.think("The amplitude is {a} cm = {m} m; with it, v_max = Aω, a_max = Aω² and E = ½kA².",
                a=num(p["A"] * 100), m=num(p["A"]))
    r = b.call("physics", args, ["Computing the oscillation with the shm tool.", "Let me evaluate these."])
    v = r.value
    units = {"T": "s", "f": "Hz", "v_max": "m/s", "E": "J", "a_max": "m/s^2"}
    b.observe(["T = {T} s, f = {f} Hz, ω = {w} rad/s{x}.", "The tool gives ω = {w} rad/s, so T = {T} s and "
               "f = {f} Hz{x}."], T=sig(v["T"], 6), f=sig(v["f"], 6), w=sig(v["omega"], 6),
              x="" if "A" not in p else f"; v_max = {sig(v['v_max'], 6)} m/s, a_max = {sig(v['a_max'], 6)} "
                                        f"m/s^2, E = {sig(v['E'], 6)} J")
    return b.finish(qty(v[want], units[want]))


# -- 10. pendulum --------------------------------------------------------------------------------
PLANETS = {"the Moon": 1.62, "Mars": 3.71, "Jupiter": 24.79, "Venus": 8.87, "Mercury": 3.7}


@template(CAT, "pendulum", tools=PH)
def pendulum(rng: random.Random, difficulty: str) -> Spec:
    if difficulty == "hard":
        T = grid(rng, 0.5, 4, 0.05)
        L = G * (T / (2 * math.pi)) ** 2
        q = pick(rng, [
            "How long must a simple pendulum be to have a period of {T} s (g = 9.81 m/s^2)?",
            "A clockmaker wants a pendulum whose period is {T} s. What length does it need?",
            "Find the length of a simple pendulum with a period of {T} seconds.",
        ], T=num(T))
        return Spec(q, {"mode": "length", "T": T}, qty(L, "m"))
    L = grid(rng, 0.1, 3, 0.05) if rng.random() < 0.7 else rng.randint(1, 25)
    if difficulty == "medium" and rng.random() < 0.6:
        place, g = rng.choice(sorted(PLANETS.items()))
        q = pick(rng, [
            "What is the period of a {L} m simple pendulum on {p}, where g = {g} m/s^2?",
            "An astronaut takes a pendulum of length {L} m to {p} (g = {g} m/s^2). What period does she measure?",
        ], L=num(L), p=place, g=g)
        return Spec(q, {"mode": "period", "L": L, "g": g}, qty(2 * math.pi * math.sqrt(L / g), "s"))
    want = "T" if difficulty == "easy" else "f"
    q = pick(rng, [
        "Find the {w} of a simple pendulum {L} m long (g = 9.81 m/s^2).",
        "A simple pendulum has a length of {L} m. What is its {w} for small swings?",
        "A child's swing is modelled as a simple pendulum of length {L} m. Calculate its {w}.",
    ], L=num(L), w="period" if want == "T" else "frequency")
    val = 2 * math.pi * math.sqrt(L / G)
    return Spec(q, {"mode": "period", "L": L, "g": G, "want": want},
                qty(val, "s") if want == "T" else qty(1 / val, "Hz"))


@pendulum.solver
def _(p: dict, b: TraceBuilder) -> str:
    if p["mode"] == "length":
        T = p["T"]
        L = G * (T / (2 * math.pi)) ** 2
        b.think(["For small swings T = 2π√(L/g), so L = g (T/2π)².",
                 "Rearranging T = 2π√(L/g): L = g T² / (4π²)."])
        b.think("L = 9.81 × ({T} / 2π)² = 9.81 × {x}² = {L} m.", T=num(T), x=sig(T / (2 * math.pi), 6),
                L=sig(L, 6))
        r = b.call("physics", _phys("shm", kind="pendulum", L=round(L, 6)),
                   ["Let me check that a pendulum of this length really has a {T} s period.",
                    "Verifying with the pendulum formula in the tool."], T=num(T))
        b.observe(["The tool gives T = {t} s, as required.", "Period {t} s: the length is right."],
                  t=sig(r.value["T"], 6))
        return b.finish(qty(L, "m"))
    L, g = p["L"], p["g"]
    b.think(["For small oscillations T = 2π√(L/g){x}.", "The simple-pendulum period is 2π√(L/g), independent "
             "of the mass{x}."], x="" if g == G else f"; here g = {num(g)} m/s^2 instead of 9.81")
    args = _phys("shm", kind="pendulum", L=L)
    if g != G:
        args["g"] = g
    r = b.call("physics", args, ["Computing with the shm tool.", "Let me evaluate it."])
    T = r.value["T"]
    b.observe("T = {t} s, f = {f} Hz.", t=sig(T, 6), f=sig(r.value["f"], 6))
    if g != G:
        b.think("Weaker gravity than on Earth makes the swing slower, so a longer period is expected."
                if g < G else "Stronger gravity than on Earth shortens the period, as expected.")
    if p.get("want") == "f":
        return b.finish(qty(r.value["f"], "Hz"))
    return b.finish(qty(T, "s"))


# -- 11. average speed with a unit change --------------------------------------------------------
@template(CAT, "distance_time", tools=PH, weight=0.8)
def distance_time(rng: random.Random, difficulty: str) -> Spec:
    veh = rng.choice(VEHICLES)
    kmh = rng.randint(20, 130)
    if difficulty == "easy":
        t_min = rng.randint(5, 180)
        q = pick(rng, [
            "{V} travels at a constant {k} km/h for {t} minutes. How far does it go, in metres?",
            "At a steady {k} km/h, how many metres does {v} cover in {t} min?",
        ], V=veh.capitalize(), v=veh, k=kmh, t=t_min)
        return Spec(q, {"mode": "dist", "kmh": kmh, "t": t_min * 60}, qty(kmh / 3.6 * t_min * 60, "m"))
    d = rng.randint(50, 5000)
    v0 = grid(rng, 0, 15, 0.5) if difficulty == "hard" else None
    if v0 is None:
        q = pick(rng, [
            "{V} moving at a steady {k} km/h covers {d} m. How many seconds does this take?",
            "How long (in s) does {v} at a constant {k} km/h need to travel {d} m?",
        ], V=veh.capitalize(), v=veh, k=kmh, d=d)
        return Spec(q, {"mode": "time", "kmh": kmh, "d": d}, qty(d / (kmh / 3.6), "s"))
    v = kmh / 3.6
    a = (v * v - v0 * v0) / (2 * d)
    if a <= 0.05:
        kmh = int(math.ceil(math.sqrt(v0 * v0 + 2 * d * 0.3) * 3.6)) + 1
        v = kmh / 3.6
        a = (v * v - v0 * v0) / (2 * d)
    q = pick(rng, [
        "{V} accelerates uniformly from {u} m/s to {k} km/h over a distance of {d} m. What is its acceleration?",
        "Over {d} m, {v} speeds up steadily from {u} m/s to {k} km/h. Find the acceleration.",
    ], V=veh.capitalize(), v=veh, u=num(v0), k=kmh, d=d)
    return Spec(q, {"mode": "accel", "kmh": kmh, "d": d, "u": v0}, qty(a, "m/s^2"))


@distance_time.solver
def _(p: dict, b: TraceBuilder) -> str:
    mode = p["mode"]
    if mode == "dist":
        t = p["t"]
        b.think("Constant speed, so distance = speed × time. The time is {m} min = {t} s.", m=num(t / 60), t=t)
        r = b.call("physics", _phys("unit_convert", value=p["kmh"], from_unit="km/h", to_unit="m/s"),
                   "Converting the speed to m/s.")
        v = r.value
        b.observe("{k} km/h = {v} m/s.", k=p["kmh"], v=sig(v, 6))
        b.think("Distance = {v} m/s × {t} s = {d} m.", v=sig(v, 6), t=t, d=sig(v * t, 6))
        return b.finish(qty(v * t, "m"))
    if mode == "time":
        b.think("Time = distance / speed, with the speed in m/s.")
        v = _kmh_to_ms(b, p["kmh"])
        r = b.call("physics", _phys("kinematics", s=p["d"], u=v, a=0),
                   ["With zero acceleration the kinematics solver gives the time directly.",
                    "Solving s = ut (a = 0) for t with the tool."])
        b.observe("t = {t} s.", t=sig(r.value["t"], 6))
        b.think("That is {d} ÷ {v}, about {m} minutes.", d=p["d"], v=sig(v, 5), m=sig(r.value["t"] / 60, 3))
        return b.finish(qty(r.value["t"], "s"))
    b.think("No time is given, so use v² = u² + 2as with the speeds in m/s.")
    v = _kmh_to_ms(b, p["kmh"])
    r = b.call("physics", _phys("kinematics", u=p["u"], v=v, s=p["d"]), "Solving for a.")
    b.observe("a = {a} m/s^2 (taking {t} s).", a=sig(r.value["a"], 6), t=sig(r.value["t"], 6))
    return b.finish(qty(r.value["a"], "m/s^2"))

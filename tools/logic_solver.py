"""The `logic_solver` tool: satisfiability, proofs and constraint solving with Z3.

Why Z3 behind a tool: "is there an x with …", "does P follow from Q" and small puzzles are where a
model's case analysis goes wrong; Z3 answers exactly and gives a model or a counterexample the trace
can show. Constraints are read by `tools.expr.to_z3` (AST whitelist, Z3 terms built node by node).

Semantics: variables are declared with a type (`real`, `int`, `bool`; `nat` is an int ≥ 0); `=` and
`==` are equality; `/` is true division (integers promoted to reals), `//` and `%` integer division and
remainder; `x**k` needs a literal whole `k`. Z3 cannot be interrupted by signals, so every check runs
with Z3's own `timeout` (milliseconds) and answers `unknown` when it runs out.

Output is canonical: models list every declared variable in sorted order as `name = value` (exact
rationals like `1/2`; irrational algebraic numbers as 6-significant-digit decimals).
"""

from __future__ import annotations

import json
from typing import Any, Literal

import z3
from pydantic import AliasChoices, Field, field_validator, model_validator

from tools.expr import ExprError, to_z3
from tools.fmt import fmt_number, json_number
from tools.registry import OpArgs, Tool, ToolError, ToolResult

TOOL = Tool(
    "logic_solver",
    "Z3 SMT solver: check_sat (is there an assignment satisfying all constraints? gives a model), prove "
    "(do the constraints imply the conclusion? gives a counterexample if not), solve_constraints (find "
    "values, optionally minimizing/maximizing an objective). Constraints are expressions like 'x + y > 2', "
    "'Implies(p, q)', 'x = 3'; variables map names to real | int | bool.",
    aliases=("z3_solver", "sat_solver", "smt_solver", "logic_tool"),
)

DEFAULT_TIMEOUT_MS = 10_000
MAX_TIMEOUT_MS = 60_000
MAX_VARIABLES = 200
MAX_CONSTRAINTS = 500

_TYPES = {"real": "real", "reals": "real", "float": "real", "number": "real", "rational": "real", "r": "real",
          "int": "int", "integer": "int", "integers": "int", "z": "int", "i": "int",
          "nat": "nat", "natural": "nat", "n": "nat",
          "bool": "bool", "boolean": "bool", "b": "bool", "prop": "bool", "proposition": "bool"}


def _decode(v: Any) -> Any:
    """JSON text for a list/dict under an alias name (the OpArgs base decodes only canonical names)."""
    if isinstance(v, str) and v.strip()[:1] in ("[", "{"):
        try:
            return json.loads(v)
        except json.JSONDecodeError:
            return v
    return v


class _BaseArgs(OpArgs):
    constraints: list[str | bool] | str = Field(
        default_factory=list,
        validation_alias=AliasChoices("constraints", "premises", "assumptions", "hypotheses", "formulas",
                                      "formula", "constraint", "facts", "given"),
        description='constraints, e.g. ["x > 0", "y > 0"] (a single string is one constraint)')
    variables: dict[str, str] | list[str] = Field(
        default_factory=dict,
        validation_alias=AliasChoices("variables", "vars", "declarations", "types", "variable_types"),
        description='variable types, e.g. {"x": "real", "n": "int", "p": "bool"} (a list of names means real)')
    timeout_ms: int = Field(DEFAULT_TIMEOUT_MS, ge=1, le=MAX_TIMEOUT_MS,
                            validation_alias=AliasChoices("timeout_ms", "timeout"),
                            description="Z3 time limit in milliseconds")

    @field_validator("constraints", "variables", mode="before")
    @classmethod
    def _json_text(cls, v: Any) -> Any:
        return _decode(v)


def _declare(variables: dict[str, str] | list[str]) -> tuple[dict[str, Any], list[Any]]:
    """Z3 constants for the declared variables, plus side constraints (nat ≥ 0)."""
    if isinstance(variables, list):
        variables = {name: "real" for name in variables}
    if len(variables) > MAX_VARIABLES:
        raise ToolError(f"too many variables (at most {MAX_VARIABLES})")
    _fresh_context()
    out: dict[str, Any] = {}
    side: list[Any] = []
    for name, typ in variables.items():
        if not isinstance(name, str) or not name.isidentifier() or name.startswith("_") or len(name) > 40:
            raise ToolError(f"'{name}' is not a variable name")
        kind = _TYPES.get(str(typ).strip().lower())
        if kind is None:
            raise ToolError(f"unknown type '{typ}' for '{name}' (use real, int, nat or bool)")
        if kind == "real":
            out[name] = z3.Real(name)
        elif kind == "bool":
            out[name] = z3.Bool(name)
        else:
            out[name] = z3.Int(name)
            if kind == "nat":
                side.append(out[name] >= 0)
    return out, side


def _formula(text: str | bool, variables: dict[str, Any], what: str = "constraint") -> Any:
    try:
        f = to_z3(text, variables)
    except ExprError as exc:
        raise ToolError(f"cannot read the {what} {str(text)[:80]!r}: {exc}") from None
    if not z3.is_bool(f):
        raise ToolError(f"the {what} {str(text)[:80]!r} is not a condition (it has no comparison)")
    return f


def _constraints(a: _BaseArgs, variables: dict[str, Any]) -> list[Any]:
    items = [a.constraints] if isinstance(a.constraints, str) else list(a.constraints)
    if len(items) > MAX_CONSTRAINTS:
        raise ToolError(f"too many constraints (at most {MAX_CONSTRAINTS})")
    return [_formula(c, variables) for c in items]


def _value(v: Any) -> tuple[str, Any]:
    """Canonical text and JSON value of a Z3 model value. Dispatches on the wrapper class z3py picked
    for the value (one isinstance each) instead of the is_true/is_int_value/... predicates, which
    query the sort and declaration through the API every time; numerals are read from one numeral
    string (an integer, or a normalised 'num/den')."""
    if isinstance(v, z3.IntNumRef):
        n = int(v.as_string())
        return str(n), n
    if isinstance(v, z3.RatNumRef):
        text = v.as_string()
        if "/" in text:
            return text, text
        n = int(text)
        return str(n), n
    if isinstance(v, z3.AlgebraicNumRef):
        approx = float(v.approx(20).as_fraction())
        return fmt_number(approx), json_number(approx)
    if z3.is_true(v):
        return "True", True
    if z3.is_false(v):
        return "False", False
    return str(v), str(v)


def _model(m: Any, variables: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    texts, values = [], {}
    for name in sorted(variables):
        text, val = _value(m.eval(variables[name], model_completion=True))
        texts.append(f"{name} = {text}")
        values[name] = val
    return ", ".join(texts), values


def _fresh_context() -> None:
    """Start each call on a new Z3 context. Z3's choice of model can depend on what its global context
    built before (term ids, learned state), so a long-lived tool worker could answer the same call with
    different models depending on its history; the dataset must not depend on which worker ran a call."""
    z3.z3._main_ctx = None


def _solver(timeout_ms: int) -> Any:
    """A solver running Z3's `default` tactic: exactly what `z3.Solver()` runs here, for less.

    `z3.Solver()` is a combined solver: this same tactic solver for non-incremental use, plus an
    incremental SMT solver it switches to after a push, assumptions, or assertions added after a check.
    The calls here never do any of those, so the second solver was only ever built and torn down (a few
    percent of the tool's CPU); answers and models are the same (checked on every logic call of the
    dataset)."""
    s = z3.Tactic("default").solver()
    s.set("timeout", timeout_ms)
    return s


def _unknown(s: Any) -> ToolResult:
    reason = s.reason_unknown()
    text = "unknown (Z3 timed out)" if "timeout" in reason or "canceled" in reason else f"unknown ({reason})"
    return ToolResult.success(text, {"result": "unknown", "reason": reason})


# -- check_sat -----------------------------------------------------------------------------------------

class CheckSatArgs(_BaseArgs):
    pass


@TOOL.op("check_sat", "Is there an assignment satisfying all constraints? 'sat' with a model, or 'unsat'.",
         aliases=("satisfiable", "sat", "is_satisfiable", "check", "check_satisfiability", "satisfiability",
                  "check_satisfiable"))
def op_check_sat(a: CheckSatArgs) -> ToolResult:
    variables, side = _declare(a.variables)
    s = _solver(a.timeout_ms)
    s.add(*side, *_constraints(a, variables))
    res = s.check()
    if res == z3.sat:
        text, model = _model(s.model(), variables)
        return ToolResult.success(f"sat: {text}" if text else "sat", {"result": "sat", "model": model})
    if res == z3.unsat:
        return ToolResult.success("unsat", {"result": "unsat"})
    return _unknown(s)


# -- prove ---------------------------------------------------------------------------------------------

class ProveArgs(_BaseArgs):
    conclusion: str | list[str] | None = Field(
        None, validation_alias=AliasChoices("conclusion", "goal", "claim", "theorem", "statement", "prove",
                                            "consequence", "target"),
        description="what to prove from the constraints, e.g. 'x + y > 0' (default: the constraints "
                    "themselves are proved to always hold)")

    @field_validator("conclusion", mode="before")
    @classmethod
    def _json_list(cls, v: Any) -> Any:
        return _decode(v) if isinstance(v, str) and v.strip().startswith("[") else v


@TOOL.op("prove", "Prove that the constraints (premises) imply the conclusion: 'proved', or a counterexample.",
         aliases=("prove_theorem", "verify", "entails", "implies", "check_validity", "validity", "is_valid",
                  "prove_statement"))
def op_prove(a: ProveArgs) -> ToolResult:
    variables, side = _declare(a.variables)
    premises = _constraints(a, variables)
    if a.conclusion is None:
        if not premises:
            raise ToolError("nothing to prove: give a 'conclusion' (and the premises as 'constraints')")
        goal, premises = z3.And(*premises), []
    else:
        goals = a.conclusion if isinstance(a.conclusion, list) else [a.conclusion]
        goal = z3.And(*[_formula(g, variables, "conclusion") for g in goals])
    s = _solver(a.timeout_ms)
    s.add(*side, *premises)
    s.add(z3.Not(goal))
    res = s.check()
    if res == z3.unsat:
        if premises:  # only to word the answer: a short limit keeps the total time bounded
            s2 = _solver(min(a.timeout_ms, 2000))
            s2.add(*side, *premises)
            if s2.check() == z3.unsat:
                return ToolResult.success("proved (vacuously: the premises contradict each other)",
                                          {"result": "proved", "vacuous": True})
        return ToolResult.success("proved", {"result": "proved"})
    if res == z3.sat:
        text, model = _model(s.model(), variables)
        return ToolResult.success(f"not proved: counterexample {text}",
                                  {"result": "counterexample", "model": model})
    return _unknown(s)


# -- solve_constraints ---------------------------------------------------------------------------------

class SolveConstraintsArgs(_BaseArgs):
    objective: str | None = Field(None, validation_alias=AliasChoices("objective", "objective_function",
                                                                      "optimize", "cost"),
                                  description="expression to optimise, with 'direction'")
    direction: Literal["minimize", "maximize"] | None = Field(
        None, validation_alias=AliasChoices("direction", "sense", "goal", "mode"),
        description="minimize | maximize (for 'objective')")
    minimize: str | None = Field(None, description="expression to minimise (instead of objective + direction)")
    maximize: str | None = Field(None, description="expression to maximise (instead of objective + direction)")

    @field_validator("direction", mode="before")
    @classmethod
    def _direction(cls, v: Any) -> Any:
        if isinstance(v, str):
            key = v.strip().lower()
            if key in ("min", "minimise", "minimum", "minimize"):
                return "minimize"
            if key in ("max", "maximise", "maximum", "maximize"):
                return "maximize"
        return v

    @model_validator(mode="after")
    def _one_objective(self) -> SolveConstraintsArgs:
        given = [x for x in (self.objective, self.minimize, self.maximize) if x is not None]
        if len(given) > 1:
            raise ValueError("give one objective: 'objective' with 'direction', or 'minimize', or 'maximize'")
        if self.objective is not None and self.direction is None:
            raise ValueError("say whether to minimize or maximize the objective ('direction')")
        return self


@TOOL.op("solve_constraints", "Find values satisfying all constraints; with an objective, an optimal model.",
         aliases=("solve", "find_model", "model", "optimize", "optimise", "find_solution", "constraint_solve",
                  "solve_constraint"))
def op_solve_constraints(a: SolveConstraintsArgs) -> ToolResult:
    variables, side = _declare(a.variables)
    constraints = _constraints(a, variables)
    if a.minimize is not None:
        text, sense = a.minimize, "minimize"
    elif a.maximize is not None:
        text, sense = a.maximize, "maximize"
    elif a.objective is not None:
        text, sense = a.objective, a.direction or "minimize"
    else:
        s = _solver(a.timeout_ms)
        s.add(*side, *constraints)
        res = s.check()
        if res == z3.sat:
            mtext, model = _model(s.model(), variables)
            return ToolResult.success(mtext or "sat", {"result": "sat", "model": model})
        if res == z3.unsat:
            return ToolResult.success("no solution (unsat)", {"result": "unsat"})
        return _unknown(s)
    try:
        obj = to_z3(text, variables)
    except ExprError as exc:
        raise ToolError(f"cannot read the objective {text[:80]!r}: {exc}") from None
    if not z3.is_arith(obj):
        raise ToolError(f"the objective {text[:80]!r} must be a number-valued expression")
    opt = z3.Optimize()
    opt.set("timeout", a.timeout_ms)
    opt.add(*side, *constraints)
    handle = opt.minimize(obj) if sense == "minimize" else opt.maximize(obj)
    res = opt.check()
    if res == z3.unsat:
        return ToolResult.success("no solution (unsat)", {"result": "unsat"})
    if res != z3.sat:
        return _unknown(opt)
    bound = handle.value()
    if not (z3.is_int_value(bound) or z3.is_rational_value(bound) or z3.is_algebraic_value(bound)):
        unbounded = "oo" in str(bound)
        word = "unbounded" if unbounded else f"optimum not attained (approaches {bound})"
        return ToolResult.success(f"{sense} {text}: {word}",
                                  {"result": "unbounded" if unbounded else "not_attained", "objective": str(bound)})
    otext, oval = _value(bound)
    mtext, model = _model(opt.model(), variables)
    return ToolResult.success(f"optimal: {text} = {otext}; {mtext}",
                              {"result": "optimal", "objective": oval, "model": model})


TOOL.sub_op("minimize", "solve_constraints", direction="minimize")
TOOL.sub_op("maximize", "solve_constraints", direction="maximize")
TOOL.sub_op("minimise", "solve_constraints", direction="minimize")
TOOL.sub_op("maximise", "solve_constraints", direction="maximize")

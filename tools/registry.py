"""How a tool and its operations are declared: one definition serves validation, docs and schemas.

A tool module does:

    TOOL = Tool("symbolic_math", "Symbolic mathematics with SymPy.")

    class DifferentiateArgs(OpArgs):
        expression: str = Field(description="expression to differentiate, e.g. 'x**3 + 2*x'")
        variable: str = Field("x", description="variable to differentiate by")
        order: int = Field(1, ge=1, le=20)

    @TOOL.op("differentiate", "Derivative of an expression.", aliases=("derivative", "diff"))
    def differentiate(a: DifferentiateArgs) -> ToolResult:
        ...
        return ToolResult.success("3*x**2 + 2", value="3*x**2 + 2")

The pydantic model of each op is the *only* description of its arguments: the runtime validates
LLM-written arguments against it, and the Anthropic/OpenAI tool schemas and `docs/tools.md` are
generated from it, so they cannot drift apart.
"""

from __future__ import annotations

import copy
import json
import typing
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, get_args, get_origin

from pydantic import BaseModel, ConfigDict, ValidationError, model_validator


class LazyModule:
    """A module imported on first attribute access: `sc = LazyModule("scipy.constants")`.

    Why: every stage imports the tool catalogue to resolve names and validate arguments (pydantic
    models), but only worker processes run ops; SciPy and pint cost ~1 s per interpreter start there.
    """

    def __init__(self, name: str):
        self._name = name

    def __getattr__(self, attr: str) -> Any:
        import importlib

        return getattr(importlib.import_module(self._name), attr)


class ToolResult(BaseModel):
    """What a tool call returns. `output` is the canonical text a model sees; `error` a short message
    a model can act on (never a traceback)."""

    ok: bool
    output: str = ""
    value: Any = None
    error: str | None = None

    @classmethod
    def success(cls, output: str, value: Any = None) -> ToolResult:
        return cls(ok=True, output=output, value=value if value is not None else output)

    @classmethod
    def failure(cls, error: str) -> ToolResult:
        return cls(ok=False, output=f"Error: {error}", error=error)


class ToolError(Exception):
    """Raise inside an op for a bad argument or an impossible request; the message reaches the model."""


def _wants_container(annotation: Any) -> bool:
    """True when a field's type is a list/dict (possibly inside a union), not plain str."""
    origin = get_origin(annotation)
    if origin in (list, dict, tuple, set):
        return True
    if annotation in (list, dict, tuple, set):
        return True
    if origin in (typing.Union, getattr(__import__("types"), "UnionType", None)):
        return any(_wants_container(a) for a in get_args(annotation))
    return False


class OpArgs(BaseModel):
    """Base class of every op's argument model.

    - Unknown arguments are an error (a model that invents an argument learns its name is wrong).
    - A list/dict argument given as a string holding JSON (as in the seed plan:
      `"constraints": "[\\"x > 0\\"]"`) is decoded before validation.
    """

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    @model_validator(mode="before")
    @classmethod
    def _decode_json_strings(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        out = dict(data)
        for name, fld in cls.model_fields.items():
            keys = [name] + ([fld.alias] if fld.alias else [])
            for key in keys:
                val = out.get(key)
                if isinstance(val, str) and val.strip()[:1] in ("[", "{") and _wants_container(fld.annotation):
                    try:
                        out[key] = json.loads(val)
                    except json.JSONDecodeError:
                        pass  # let validation report it against the field
        return out


OpFunc = Callable[[Any], ToolResult]


@dataclass
class Op:
    tool: str
    name: str
    description: str
    args_model: type[OpArgs]
    func: OpFunc
    aliases: tuple[str, ...] = ()
    isolated: bool = True  # run in a time/memory-limited worker process
    _schema: dict[str, Any] | None = field(default=None, init=False, repr=False, compare=False)

    def json_schema(self) -> dict[str, Any]:
        """The arguments' JSON Schema (a fresh copy). Memoised: pydantic takes ~2 ms per model, and the
        format stage asks for every used tool's schema once per example (it was 97 s of 107 s)."""
        if self._schema is None:
            schema = self.args_model.model_json_schema()
            schema.pop("title", None)
            for prop in schema.get("properties", {}).values():
                prop.pop("title", None)
            self._schema = schema
        return copy.deepcopy(self._schema)

    def run(self, args: dict[str, Any]) -> ToolResult:
        """Validate and execute in this process (the runtime decides which process that is)."""
        try:
            parsed = self.args_model.model_validate(args)
        except ValidationError as exc:
            return ToolResult.failure(describe_validation_error(self, exc))
        try:
            return self.func(parsed)
        except ToolError as exc:
            return ToolResult.failure(str(exc))
        except MemoryError:
            return ToolResult.failure("memory limit exceeded")
        except RecursionError:
            return ToolResult.failure("expression too deeply nested")
        except (ValueError, TypeError, ZeroDivisionError, ArithmeticError, NotImplementedError) as exc:
            msg = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            return ToolResult.failure(f"{self.name} failed: {msg[:300]}")


def describe_validation_error(op: Op, exc: ValidationError) -> str:
    """One short, actionable sentence from a pydantic error."""
    parts = []
    for e in exc.errors()[:3]:
        loc = ".".join(str(p) for p in e["loc"]) or "arguments"
        if e["type"] == "missing":
            parts.append(f"missing argument '{loc}'")
        elif e["type"] == "extra_forbidden":
            parts.append(f"unexpected argument '{loc}'")
        else:
            parts.append(f"argument '{loc}': {e['msg']}")
    allowed = ", ".join(op.args_model.model_fields)
    return f"{op.tool}.{op.name}: " + "; ".join(parts) + f" (arguments: {allowed})"


@dataclass
class Tool:
    """A named tool with its operations. `sub_ops` maps a sub-operation name a model may write as the
    operation (e.g. physics `ohms_law`) to the op it belongs to and the arguments it implies."""

    name: str
    description: str
    aliases: tuple[str, ...] = ()
    ops: dict[str, Op] = field(default_factory=dict)
    sub_ops: dict[str, tuple[str, dict[str, Any]]] = field(default_factory=dict)
    single_op: bool = False  # a tool with one implicit op (execute_python): no `operation` argument
    _schemas: dict[str, dict[str, Any]] = field(default_factory=dict, init=False, repr=False, compare=False)

    def op(self, name: str, description: str, aliases: tuple[str, ...] = (),
           isolated: bool = True) -> Callable[[OpFunc], OpFunc]:
        def register(func: OpFunc) -> OpFunc:
            hints = typing.get_type_hints(func)
            params = [k for k in hints if k != "return"]
            if not params or not (isinstance(hints[params[0]], type) and issubclass(hints[params[0]], OpArgs)):
                raise TypeError(f"{self.name}.{name}: first parameter must be annotated with an OpArgs model")
            self.ops[name] = Op(self.name, name, description, hints[params[0]], func, tuple(aliases), isolated)
            self._schemas.clear()
            return func

        return register

    def sub_op(self, alias: str, op: str, **implied: Any) -> None:
        """Declare that `"operation": alias` means op `op` with arguments `implied`."""
        self.sub_ops[alias] = (op, implied)

    def resolve_op(self, name: str) -> tuple[Op, dict[str, Any]] | None:
        key = name.strip().lower().replace("-", "_").replace(" ", "_")
        if key in self.ops:
            return self.ops[key], {}
        for op in self.ops.values():
            if key in op.aliases:
                return op, {}
        if key in self.sub_ops:
            op_name, implied = self.sub_ops[key]
            return self.ops[op_name], dict(implied)
        return None

    # -- schemas ----------------------------------------------------------------------------
    def input_schema(self) -> dict[str, Any]:
        """One JSON Schema object for the whole tool: `operation` plus the union of op arguments.

        Ops share argument names with different meanings (physics `f` is a frequency in `waves` and a
        focal length in `optics`; `kind` has other values in each op), so a shared name gets every op's
        description, the union of its enum values, and only the constraints all its ops agree on."""
        if self.single_op:
            return next(iter(self.ops.values())).json_schema()
        uses: dict[str, list[tuple[str, dict[str, Any]]]] = {}
        for op in self.ops.values():
            for pname, pschema in op.json_schema().get("properties", {}).items():
                uses.setdefault(pname, []).append((op.name, pschema))
        props: dict[str, Any] = {
            "operation": {"type": "string", "enum": sorted(self.ops), "description": "which operation to run"}
        }
        for pname, entries in uses.items():
            merged = dict(entries[0][1])
            merged.pop("default", None)
            descs = {op: p.get("description", "") for op, p in entries}
            if len(entries) == 1 or len(set(descs.values())) == 1:
                merged["description"] = f"[{', '.join(descs)}] {next(iter(descs.values()))}".strip()
            else:
                merged["description"] = "; ".join(f"[{op}] {d}".strip() for op, d in descs.items())
            enums = [p["enum"] for _, p in entries if "enum" in p]
            if enums:
                merged["enum"] = sorted({v for e in enums for v in e}, key=str)
            for key in ("exclusiveMinimum", "minimum", "maximum", "exclusiveMaximum", "unit", "type"):
                if len({repr(p.get(key)) for _, p in entries}) > 1:
                    merged.pop(key, None)
            props[pname] = merged
        return {"type": "object", "properties": props, "required": ["operation"]}

    def long_description(self) -> str:
        if self.single_op:
            return self.description
        lines = [self.description, "Operations:"]
        for op in self.ops.values():
            req = op.json_schema().get("required", [])
            lines.append(f"- {op.name}({', '.join(req)}): {op.description}")
        return "\n".join(lines)

    def _memo(self, flavour: str) -> dict[str, Any]:
        """A schema built once per flavour (registering an op clears it); callers get a fresh copy."""
        if flavour not in self._schemas:
            if flavour == "anthropic":
                built = {"name": self.name, "description": self.long_description(),
                         "input_schema": self.input_schema()}
            else:
                built = {"type": "function", "function": {"name": self.name, "description": self.long_description(),
                                                          "parameters": self.input_schema()}}
            self._schemas[flavour] = built
        return copy.deepcopy(self._schemas[flavour])

    def anthropic_schema(self) -> dict[str, Any]:
        return self._memo("anthropic")

    def openai_schema(self) -> dict[str, Any]:
        return self._memo("openai")

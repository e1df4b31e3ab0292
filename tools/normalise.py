"""Turn what a model wrote into (tool, op, arguments) the registry understands.

Models write tool calls in many dialects. The seed plan alone uses `chemistry` and `chemistry_calc`,
`molecular_weight` and `molar_mass`, and physics calls with `"operation"` given twice
(`{"operation": "electricity", "operation": "ohms_law", "params": {...}}`). Those are all accepted
here, in one place, so every caller (runtime, execute stage, backends) agrees on what a call means.
"""

from __future__ import annotations

import json
from typing import Any

# Keys a model uses for "which operation".
OPERATION_KEYS = ("operation", "op", "action", "operation_type", "method")
# Keys a model uses to nest the real arguments one level down.
NESTED_KEYS = ("params", "parameters", "arguments", "args", "inputs")
# Canonical argument that names a sub-operation (electricity's ohms_law, optics' snell, ...).
SUBKIND_KEY = "kind"


class CallError(Exception):
    """The call cannot be understood (unknown tool/op, unparsable JSON)."""


class _Pairs(list):
    """A JSON object decoded with duplicate keys kept, in order."""


def loads_keep_duplicates(text: str) -> Any:
    """Parse JSON keeping duplicate keys: objects become `_Pairs` lists of (key, value)."""
    return json.loads(text, object_pairs_hook=_Pairs)


def _to_dict(obj: Any) -> Any:
    """Fold `_Pairs` into dicts; a repeated `operation` becomes operation + kind (category, sub-op)."""
    if isinstance(obj, _Pairs):
        out: dict[str, Any] = {}
        for key, val in obj:
            val = _to_dict(val)
            if key in out and key in OPERATION_KEYS:
                out.setdefault(SUBKIND_KEY, val)
                continue
            out[key] = val
        return out
    if isinstance(obj, list):
        return [_to_dict(v) for v in obj]
    return obj


def parse_args(args: Any) -> dict[str, Any]:
    """Accept a dict, or JSON text (duplicate keys kept), and return a plain dict."""
    if isinstance(args, dict):
        return dict(args)
    if isinstance(args, (str, bytes)):
        try:
            parsed = _to_dict(loads_keep_duplicates(args))
        except json.JSONDecodeError as exc:
            raise CallError(f"arguments are not valid JSON: {exc.msg} at column {exc.colno}") from None
        if not isinstance(parsed, dict):
            raise CallError("arguments must be a JSON object")
        return parsed
    if args is None:
        return {}
    raise CallError(f"arguments must be a JSON object, got {type(args).__name__}")


def split_operation(args: dict[str, Any]) -> tuple[str | None, dict[str, Any]]:
    """Pop the operation name and flatten nested argument dicts into the top level."""
    args = dict(args)
    op = None
    for key in OPERATION_KEYS:
        if key in args and isinstance(args[key], str):
            op = args.pop(key)
            break
    for key in NESTED_KEYS:
        if isinstance(args.get(key), dict):
            nested = args.pop(key)
            for k, v in nested.items():
                args.setdefault(k, v)
    return op, args

"""Stage 5 — format: turn kept traces into training data.

Writes to `data/format/`:
- `sft.jsonl` / `sft.parquet` — instruction/output pairs; tool use is written inline with special
  tokens (configurable, default `<tool_call>{"name": ..., "arguments": {...}}</tool_call>` and
  `<tool_result>...</tool_result>`), each call followed by its result.
- `chat.jsonl` / `chat.parquet` — `messages` (system/user/assistant with OpenAI/HF-style `tool_calls`,
  and `tool` messages with `tool_call_id`) plus `tools` (JSON schemas from `tools.schemas("openai")`),
  so `tokenizer.apply_chat_template(messages, tools=tools)` and TRL's SFTTrainer take them as they are.

- `special_tokens.json` — the four tool tokens, as `{"additional_special_tokens": [...]}`.

Both keep the seed record (`question`, `domain`, `reasoning`, `answer`, `tools_used`) and `id`/`category`.

`format.arguments` picks how tool-call arguments are written in `messages`: `json_string` (the OpenAI API
shape, default) or `object` (a dict: what Llama-3.1 / Qwen2.5-style templates, which apply `tojson`, need).
Parquet stores the free-form columns (`reasoning`, `messages`, `tools`) with the `datasets` `Json`
feature: every row keeps exactly its own keys (no struct-union padding with nulls that a chat template
would render), and `datasets.load_dataset("parquet", ...)` decodes them back to Python objects.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections import Counter
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from omegaconf import DictConfig

from stages.app import ConfigError, stage_main
from stages.jsonl import atomic_open, read_jsonl, write_json, write_jsonl
from stages.schema import Trace
from stages.verify.layers import claimed_results

log = logging.getLogger("format")

IN = "data/filter/kept.jsonl"
OUT_DIR = "data/format"
METRICS = "metrics/format.json"

DEFAULT_SYSTEM = ("You are a careful problem solver. Reason step by step, and call a tool whenever a step "
                  "needs non-trivial computation; use the tool's result in your reasoning.")


@dataclass(frozen=True)
class Style:
    """conf/format as a plain object."""

    tool_call_open: str = "<tool_call>"
    tool_call_close: str = "</tool_call>"
    tool_result_open: str = "<tool_result>"
    tool_result_close: str = "</tool_result>"
    system_prompt: str = DEFAULT_SYSTEM
    final_answer: str = "Final answer: {answer}"
    arguments: str = "json_string"        # json_string | object
    tools_in_prompt: str = "all"          # all | used

    @classmethod
    def from_cfg(cls, fcfg: Any) -> Style:
        s = cls(**{k: (str(v) if v is not None else "") for k, v in dict(fcfg).items()
                   if k in cls.__dataclass_fields__})
        if s.arguments not in ("json_string", "object"):
            raise ConfigError(f"format.arguments must be json_string or object, not {s.arguments!r}")
        if s.tools_in_prompt not in ("all", "used"):
            raise ConfigError(f"format.tools_in_prompt must be all or used, not {s.tools_in_prompt!r}")
        return s


def canonical_tool(name: str) -> str:
    from tools.catalog import TOOL_ALIASES

    key = name.strip().lower().replace("-", "_")
    return TOOL_ALIASES.get(key, key)


def call_id(trace_id: str, index: int) -> str:
    """Deterministic 9-character alphanumeric id (the strictest templates, e.g. Mistral's, need 9)."""
    return hashlib.sha1(f"{trace_id}:{index}".encode()).hexdigest()[:9]


def _steps_with_results(trace: Trace) -> list[tuple[str, Any, str | None]]:
    """(content, tool_call or None, result text for that call) per step, results moved to their call."""
    pairs, _ = claimed_results(trace)
    out = []
    for i, step in enumerate(trace.reasoning):
        result = None
        if step.tool_call is not None:
            j = pairs.get(i)
            result = trace.reasoning[j].tool_result if j is not None else None
        out.append((step.content, step.tool_call, result))
    return out


def _final(trace: Trace, style: Style) -> str:
    return style.final_answer.format(answer=trace.answer) if style.final_answer else ""


def seed_fields(trace: Trace) -> dict[str, Any]:
    """The seed plan's record plus identity fields, JSON-ready."""
    rec = trace.seed_record()
    rec["reasoning"] = [s.model_dump(exclude_none=True) for s in trace.reasoning]
    return {"id": trace.id, "category": trace.category, "difficulty": trace.difficulty, **rec}


def to_sft(trace: Trace, style: Style) -> dict[str, Any]:
    """Instruction/output pair; tool calls and results inline with the special tokens."""
    parts: list[str] = []
    for content, call, result in _steps_with_results(trace):
        if content:
            parts.append(content)
        if call is not None:
            payload = json.dumps({"name": canonical_tool(call.name), "arguments": call.args}, ensure_ascii=False)
            parts.append(f"{style.tool_call_open}{payload}{style.tool_call_close}")
            if result is not None:
                parts.append(f"{style.tool_result_open}{result}{style.tool_result_close}")
    final = _final(trace, style)
    if final:
        parts.append(final)
    return {**seed_fields(trace), "instruction": trace.question, "output": "\n".join(parts)}


def tool_schemas(names: list[str] | None) -> list[dict[str, Any]]:
    return list(_schemas(tuple(names) if names is not None else None))


@cache
def _schemas(names: tuple[str, ...] | None) -> tuple[dict[str, Any], ...]:
    """One schema list per tool combination: a run has a few dozen, and rows are only serialised, so
    they may share the dicts (copying them per example was a fifth of the stage)."""
    import tools

    return tuple(tools.schemas("openai", list(names) if names is not None else None))


def to_chat(trace: Trace, style: Style, all_tools: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """`messages` + `tools` for `apply_chat_template(messages, tools=tools)`."""
    messages: list[dict[str, Any]] = []
    if style.system_prompt:
        messages.append({"role": "system", "content": style.system_prompt})
    messages.append({"role": "user", "content": trace.question})
    pending: list[str] = []
    used: list[str] = []
    for k, (content, call, result) in enumerate(_steps_with_results(trace)):
        if content:
            pending.append(content)
        if call is None:
            continue
        name = canonical_tool(call.name)
        if name not in used:
            used.append(name)
        cid = call_id(trace.id, k)
        args: Any = call.args if style.arguments == "object" else json.dumps(call.args, ensure_ascii=False)
        messages.append({"role": "assistant", "content": "\n".join(pending),
                         "tool_calls": [{"type": "function", "id": cid,
                                         "function": {"name": name, "arguments": args}}]})
        messages.append({"role": "tool", "tool_call_id": cid, "name": name,
                         "content": result if result is not None else ""})
        pending = []
    final = _final(trace, style)
    if final:
        pending.append(final)
    messages.append({"role": "assistant", "content": "\n".join(pending)})
    if style.tools_in_prompt == "all" and all_tools is not None:
        schemas = all_tools
    else:
        schemas = tool_schemas(used) if used else []
    return {**seed_fields(trace), "messages": messages, "tools": schemas}


# -- parquet ----------------------------------------------------------------------------------------

def features(kind: str) -> Any:
    """`datasets` Features for a format (`sft`, `chat` or `both`); free-form columns are `Json`."""
    from datasets import Features, Json, List, Value

    cols: dict[str, Any] = {
        "id": Value("string"), "category": Value("string"), "difficulty": Value("string"),
        "question": Value("string"), "domain": Value("string"), "reasoning": List(Json()),
        "answer": Value("string"), "tools_used": List(Value("string")),
    }
    if kind in ("sft", "both"):
        cols.update(instruction=Value("string"), output=Value("string"))
    if kind in ("chat", "both"):
        cols.update(messages=List(Json()), tools=List(Json()))
    return Features(cols)


def _empty_array(type_: Any) -> Any:
    """A zero-length array of `type_`; pyarrow cannot build empty extension (json) arrays directly."""
    import pyarrow as pa

    if isinstance(type_, pa.ExtensionType):
        return pa.ExtensionArray.from_storage(type_, _empty_array(type_.storage_type))
    if pa.types.is_list(type_):
        return pa.ListArray.from_arrays(pa.array([0], pa.int32()), _empty_array(type_.value_type))
    return pa.array([], type=type_)


def write_parquet(path: str | Path, rows: list[dict[str, Any]], kind: str) -> None:
    """Atomically write rows as parquet through `datasets` (so the Json features round-trip)."""
    from datasets import Dataset
    from datasets.utils.logging import disable_progress_bar

    disable_progress_bar()
    feats = features(kind)
    if not rows:  # `datasets` cannot build a zero-row dataset with Json features: write the schema only
        import pyarrow as pa
        import pyarrow.parquet as pq

        schema = feats.arrow_schema
        table = pa.Table.from_arrays([_empty_array(f.type) for f in schema], schema=schema)
        with atomic_open(path, "wb") as fh:
            pq.write_table(table, fh)
        return
    ds = Dataset.from_list([{k: r.get(k) for k in feats} for r in rows], features=feats)
    with atomic_open(path, "wb") as fh:
        ds.to_parquet(fh)


@stage_main
def main(cfg: DictConfig) -> None:
    style = Style.from_cfg(cfg.format)
    traces = list(read_jsonl(IN, Trace))
    all_tools = tool_schemas(None) if style.tools_in_prompt == "all" else None
    sft = [to_sft(t, style) for t in traces]
    chat = [to_chat(t, style, all_tools) for t in traces]
    out = Path(OUT_DIR)
    write_jsonl(out / "sft.jsonl", sft)
    write_jsonl(out / "chat.jsonl", chat)
    write_parquet(out / "sft.parquet", sft, "sft")
    write_parquet(out / "chat.parquet", chat, "chat")
    # The SFT text's tool tokens, for `tokenizer.add_special_tokens(...)` before training on sft.*.
    write_json(out / "special_tokens.json", {"additional_special_tokens": [
        style.tool_call_open, style.tool_call_close, style.tool_result_open, style.tool_result_close]})
    roles: Counter[str] = Counter(m["role"] for r in chat for m in r["messages"])
    n = len(traces)
    write_json(METRICS, {
        "examples": n,
        "avg_output_chars": round(sum(len(r["output"]) for r in sft) / n, 1) if n else None,
        "avg_messages": round(sum(len(r["messages"]) for r in chat) / n, 2) if n else None,
        "messages_by_role": dict(sorted(roles.items())),
        "arguments": style.arguments,
        "tools_in_prompt": style.tools_in_prompt,
    })
    log.info("formatted %d examples into %s (sft + chat, jsonl + parquet)", n, OUT_DIR)


if __name__ == "__main__":
    main()

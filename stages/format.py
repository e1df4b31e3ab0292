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

import contextlib
import hashlib
import json
import logging
import os
import signal
import sys
import traceback
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache
from itertools import chain
from pathlib import Path
from typing import Any

from omegaconf import DictConfig

from stages.app import ConfigError, StageError, stage_main
from stages.jsonl import atomic_open, dumps_compact, gc_paused, read_jsonl, write_json
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


@cache
def canonical_tool(name: str) -> str:
    from tools.catalog import TOOL_ALIASES

    key = name.strip().lower().replace("-", "_")
    return TOOL_ALIASES.get(key, key)


def call_id(trace_id: str, index: int) -> str:
    """Deterministic 9-character alphanumeric id (the strictest templates, e.g. Mistral's, need 9)."""
    return hashlib.sha1(f"{trace_id}:{index}".encode()).hexdigest()[:9]


Steps = list[tuple[str, Any, str | None]]


def _steps_with_results(trace: Trace) -> Steps:
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
    """The seed plan's record plus identity fields, JSON-ready (one dump: steps are dumped with it)."""
    return {"id": trace.id, "category": trace.category, "difficulty": trace.difficulty, **trace.seed_record()}


def sft_output(trace: Trace, style: Style, steps: Steps | None = None) -> str:
    """The SFT target: step text with tool calls and results inline between the special tokens."""
    parts: list[str] = []
    for content, call, result in steps if steps is not None else _steps_with_results(trace):
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
    return "\n".join(parts)


def to_sft(trace: Trace, style: Style) -> dict[str, Any]:
    """Instruction/output pair; tool calls and results inline with the special tokens."""
    return {**seed_fields(trace), "instruction": trace.question, "output": sft_output(trace, style)}


def tool_schemas(names: list[str] | None) -> list[dict[str, Any]]:
    return list(_schemas(tuple(names) if names is not None else None))


@cache
def _schemas(names: tuple[str, ...] | None) -> tuple[dict[str, Any], ...]:
    """One schema list per tool combination: a run has a few dozen, and rows are only serialised, so
    they may share the dicts (copying them per example was a fifth of the stage)."""
    import tools

    return tuple(tools.schemas("openai", list(names) if names is not None else None))


def chat_fields(trace: Trace, style: Style, all_tools: list[dict[str, Any]] | None = None,
                steps: Steps | None = None) -> dict[str, Any]:
    """`messages` + `tools` (the chat record's own columns)."""
    messages: list[dict[str, Any]] = []
    if style.system_prompt:
        messages.append({"role": "system", "content": style.system_prompt})
    messages.append({"role": "user", "content": trace.question})
    pending: list[str] = []
    used: list[str] = []
    for k, (content, call, result) in enumerate(steps if steps is not None else _steps_with_results(trace)):
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
        schemas = _shared_schemas(tuple(used)) if used else []
    return {"messages": messages, "tools": schemas}


@cache
def _shared_schemas(names: tuple[str, ...]) -> list[dict[str, Any]]:
    """One list per tool combination, shared by the rows that use it (rows are only serialised)."""
    return tool_schemas(list(names))


def to_chat(trace: Trace, style: Style, all_tools: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """`messages` + `tools` for `apply_chat_template(messages, tools=tools)`."""
    return {**seed_fields(trace), **chat_fields(trace, style, all_tools)}


# -- parquet ----------------------------------------------------------------------------------------
#
# The files are exactly what `datasets.Dataset.from_list(rows, features=features(kind)).to_parquet(fh)`
# writes (tests/stages/test_format.py compares the bytes), built with pyarrow directly: `datasets` costs
# ~1.5 s to import and encodes every Json cell through several layers of Python per value. Json cells
# are still encoded by the same function `datasets` uses (pandas' ujson: note it keeps 10 decimal
# places of a float, so a long float in a tool argument is rounded in the parquet copy, not in the
# JSONL). Rows holding anything but plain str / list-of-str / list-of-dict values go through `datasets`
# itself, so its coercions and errors apply unchanged.

_STRING, _STRINGS, _JSON = "string", "strings", "json"
_SEED_COLUMNS = (("id", _STRING), ("category", _STRING), ("difficulty", _STRING), ("question", _STRING),
                 ("domain", _STRING), ("reasoning", _JSON), ("answer", _STRING), ("tools_used", _STRINGS))
# datasets' defaults: `config.DEFAULT_CDC_OPTIONS` and `config.MAX_ROW_GROUP_SIZE` ("100MB").
_CDC_OPTIONS = {"min_chunk_size": 256 * 1024, "max_chunk_size": 1024 * 1024, "norm_level": 0}
_MAX_ROW_GROUP_BYTES = 100 * 10**6


def _columns(kind: str) -> list[tuple[str, str]]:
    cols = list(_SEED_COLUMNS)
    if kind in ("sft", "both"):
        cols += [("instruction", _STRING), ("output", _STRING)]
    if kind in ("chat", "both"):
        cols += [("messages", _JSON), ("tools", _JSON)]
    return cols


def features(kind: str) -> Any:
    """`datasets` Features for a format (`sft`, `chat` or `both`); free-form columns are `Json`."""
    from datasets import Features, Json, List, Value

    feature = {_STRING: lambda: Value("string"), _STRINGS: lambda: List(Value("string")),
               _JSON: lambda: List(Json())}
    return Features({name: feature[t]() for name, t in _columns(kind)})


def arrow_schema(kind: str) -> Any:
    """`features(kind).arrow_schema` (types and the `huggingface` metadata) without importing `datasets`."""
    import pyarrow as pa

    string = {"dtype": "string", "_type": "Value"}
    meta = {_STRING: string, _STRINGS: {"feature": string, "_type": "List"},
            _JSON: {"feature": {"_type": "Json"}, "_type": "List"}}
    types = {_STRING: pa.string(), _STRINGS: pa.list_(pa.string()), _JSON: pa.list_(pa.json_())}
    cols = _columns(kind)
    hf = json.dumps({"info": {"features": {name: meta[t] for name, t in cols}}})
    return pa.schema([(name, types[t]) for name, t in cols]).with_metadata({"huggingface": hf})


def _ujson_dumps() -> Callable[[Any], str]:
    """The encoder of `datasets.Json` cells (`datasets.utils.json.ujson_dumps`)."""
    import pandas as pd

    try:
        return pd.io.json.ujson_dumps
    except AttributeError:  # pandas < 2.2 named it dumps
        return pd.io.json.dumps


# A ujson text `datasets` re-checks by loading it back can only fail to load with an integer of 19+
# digits (outside int64/uint64) or 1024+ levels of nesting; it then stores the text JSON-encoded again.
_DIGITS = bytes(48 if 48 <= b <= 57 else 32 for b in range(256))  # digit -> "0", anything else -> " "


def _may_not_reload(texts: list[str]) -> bool:
    """True if some text might fail that check (then each is checked as `datasets` does)."""
    return (b"0" * 19 in "\n".join(texts).encode().translate(_DIGITS)
            or any(len(t) >= 2048 and t.count("[") + t.count("{") >= 1024 for t in texts))


class JsonCells:
    """Json cell texts of lists of dicts, memoised by the list's identity: sft and chat rows share
    their `reasoning` list, and rows share a few tool-schema lists. Holds each list it saw, so no id is
    reused while it lives; the lists must not be mutated meanwhile."""

    def __init__(self) -> None:
        self._dumps = _ujson_dumps()
        self._seen: dict[int, tuple[list[Any], list[str]]] = {}

    def column(self, values: list[Any]) -> list[list[str] | None] | None:
        """Cell texts per row of a `List(Json())` column, as `datasets` encodes them; None if a value is
        neither None nor a list of dicts (left to `datasets`)."""
        if not set(map(type, values)) <= {list, type(None)}:
            return None
        seen = self._seen
        fresh = list({id(v): v for v in values if v is not None and id(v) not in seen}.values())
        items = list(chain.from_iterable(fresh))
        if not set(map(type, items)) <= {dict}:
            return None
        texts = list(map(self._dumps, items))
        if texts and _may_not_reload(texts):
            texts = [self._reloaded(t) for t in texts]
        at = 0
        for v in fresh:
            seen[id(v)] = (v, texts[at:at + len(v)])
            at += len(v)
        return [None if v is None else seen[id(v)][1] for v in values]

    def _reloaded(self, text: str) -> str:
        """`datasets.utils.json.json_encode_field` on a cell's text."""
        import pandas as pd

        loads = getattr(pd.io.json, "ujson_loads", None) or pd.io.json.loads
        try:
            loads(text)
        except Exception:  # datasets catches everything here too
            return self._dumps(text)
        return text


def _arrow_table(rows: list[dict[str, Any]], kind: str, cells: JsonCells) -> Any:
    """The table `datasets` would build from `rows`, or None if a value needs its coercions."""
    import pyarrow as pa

    storage = {_STRING: pa.string(), _STRINGS: pa.list_(pa.string()), _JSON: pa.list_(pa.string())}
    schema = arrow_schema(kind)
    none = type(None)
    arrays = []
    for name, t in _columns(kind):
        values = [r.get(name) for r in rows]
        if t == _STRING:
            if not set(map(type, values)) <= {str, none}:
                return None
        elif t == _STRINGS:
            if not (set(map(type, values)) <= {list, none}
                    and set(map(type, chain.from_iterable(v for v in values if v is not None))) <= {str}):
                return None
        else:
            values = cells.column(values)
            if values is None:
                return None
        array = pa.array(values, type=storage[t])
        arrays.append(array.view(schema.field(name).type) if t == _JSON else array)
    return pa.Table.from_arrays(arrays, schema=schema)


def _empty_array(type_: Any) -> Any:
    """A zero-length array of `type_`; pyarrow cannot build empty extension (json) arrays directly."""
    import pyarrow as pa

    if isinstance(type_, pa.ExtensionType):
        return pa.ExtensionArray.from_storage(type_, _empty_array(type_.storage_type))
    if pa.types.is_list(type_):
        return pa.ListArray.from_arrays(pa.array([0], pa.int32()), _empty_array(type_.value_type))
    return pa.array([], type=type_)


def write_parquet(path: str | Path, rows: list[dict[str, Any]], kind: str, cells: JsonCells | None = None,
                  max_row_group_bytes: int = _MAX_ROW_GROUP_BYTES) -> None:
    """Atomically write rows as parquet with `datasets` Json features (see the note above).

    `cells` may be shared between calls whose rows share dicts; `max_row_group_bytes` is datasets'
    `config.MAX_ROW_GROUP_SIZE` (a parameter only so tests can compare multi-row-group files)."""
    import pyarrow.parquet as pq

    if not rows:  # `datasets` cannot build a zero-row dataset with Json features: write the schema only
        import pyarrow as pa

        schema = arrow_schema(kind)
        table = pa.Table.from_arrays([_empty_array(f.type) for f in schema], schema=schema)
        with atomic_open(path, "wb") as fh:
            pq.write_table(table, fh)
        return
    table = _arrow_table(rows, kind, cells or JsonCells())
    if table is None:
        _write_parquet_datasets(path, rows, kind)
        return
    # As `Dataset.to_parquet`: row groups of ~100 MB (by the in-memory size), per-leaf snappy and
    # dictionary encoding, content-defined chunking, a page index, and the CDC options as metadata.
    n, nbytes = table.num_rows, table.nbytes
    batch = max(1, n * max_row_group_bytes // nbytes) if nbytes > 0 else 1
    leaves = [name if t == _STRING else f"{name}.list.element" for name, t in _columns(kind)]
    with atomic_open(path, "wb") as fh:
        writer = pq.ParquetWriter(fh, schema=table.schema, use_content_defined_chunking=_CDC_OPTIONS,
                                  write_page_index=True, compression=dict.fromkeys(leaves, "snappy"),
                                  use_dictionary=leaves, column_encoding={})
        for offset in range(0, n, batch):
            writer.write_table(table.slice(offset, batch))
        writer.add_key_value_metadata({"content_defined_chunking": json.dumps(_CDC_OPTIONS)})
        writer.close()


def _write_parquet_datasets(path: str | Path, rows: list[dict[str, Any]], kind: str) -> None:
    """Write through `datasets` itself (values that need its coercions, e.g. a number in a string column)."""
    from datasets import Dataset
    from datasets.utils.logging import disable_progress_bar

    disable_progress_bar()
    feats = features(kind)
    ds = Dataset.from_list([{k: r.get(k) for k in feats} for r in rows], features=feats)
    with atomic_open(path, "wb") as fh:
        ds.to_parquet(fh)


# -- the stage --------------------------------------------------------------------------------------

@contextlib.contextmanager
def in_forked_child(work: Callable[[], None], what: str) -> Iterator[None]:
    """Run `work` in a forked child process while the block runs in this one; then wait for it.

    Why: the parquet copies need only the rows already in memory and cost more than the JSONL copies
    (pandas' import and ujson, pyarrow); on two cores the two overlap. A failing child prints its
    traceback and the stage fails (StageError); a failing block interrupts the child (SIGINT, so its
    atomic writes clean up) before the error propagates. Without a fork, `work` runs after the block.
    Fork before opening files or starting threads: the child gets a copy of both.
    """
    sys.stdout.flush()
    sys.stderr.flush()
    try:
        pid = os.fork() if hasattr(os, "fork") else -1
    except OSError:  # no process to spare
        pid = -1
    if pid < 0:
        yield
        work()
        return
    if pid == 0:  # the child: never return into the caller's code
        code = 1
        try:
            signal.signal(signal.SIGINT, _interrupt_once)  # Ctrl-C and the parent's SIGINT may both come
            work()
            code = 0
        except BaseException:  # reported here; the exit code tells the parent
            traceback.print_exc()
        finally:
            sys.stderr.flush()
            os._exit(code)
    try:
        yield
    except BaseException:
        os.kill(pid, signal.SIGINT)
        os.waitpid(pid, 0)
        raise
    _, status = os.waitpid(pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        raise StageError(f"{what} failed (exit status {os.waitstatus_to_exitcode(status)}; traceback above)")


def _interrupt_once(signum: int, frame: Any) -> None:
    """KeyboardInterrupt the first time; later interrupts must not cut short the clean-up it starts."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    raise KeyboardInterrupt


NEWLINE = os.linesep.encode()  # what a text-mode file writes for "\n"


class _Lines:
    """JSONL lines (UTF-8 bytes) for the two formats, spliced from pre-encoded parts: both lines of a
    trace start with the same seed fields, and a run's rows share a few tool-schema lists (most of
    chat.jsonl's bytes, encoded once). `{**a, "k": v}` encodes as `enc(a)[:-1] + ',"k":' + enc(v) + "}"`
    when `a` is non-empty and has no key "k", so the lines are exactly `to_json_line` of the rows."""

    def __init__(self) -> None:
        self._tools: dict[tuple[int, ...], tuple[list[Any], bytes]] = {}

    def tools_tail(self, schemas: list[dict[str, Any]]) -> bytes:
        """`"tools":[...]}` and the newline."""
        key = tuple(map(id, schemas))
        hit = self._tools.get(key)
        if hit is None:  # holds the dicts, so their ids stay unique
            hit = self._tools[key] = (schemas, f'"tools":{dumps_compact(schemas)}}}'.encode() + NEWLINE)
        return hit[1]

    def pair(self, seed: dict[str, Any], sft: dict[str, Any], chat: dict[str, Any]) -> tuple[bytes, bytes]:
        head = dumps_compact(seed)[:-1].encode()
        sft_tail = f',"instruction":{dumps_compact(sft["instruction"])},"output":{dumps_compact(sft["output"])}}}'
        chat_mid = f',"messages":{dumps_compact(chat["messages"])},'
        return (b"".join((head, sft_tail.encode(), NEWLINE)),
                b"".join((head, chat_mid.encode(), self.tools_tail(chat["tools"]))))


@stage_main
def main(cfg: DictConfig) -> None:
    style = Style.from_cfg(cfg.format)
    out = Path(OUT_DIR)
    with gc_paused():
        traces = list(read_jsonl(IN, Trace))
        all_tools = tool_schemas(None) if style.tools_in_prompt == "all" else None
        seeds: list[dict[str, Any]] = []
        sft: list[dict[str, Any]] = []
        chat: list[dict[str, Any]] = []
        for t in traces:
            seed = seed_fields(t)
            steps = _steps_with_results(t)
            seeds.append(seed)
            sft.append({**seed, "instruction": t.question, "output": sft_output(t, style, steps)})
            chat.append({**seed, **chat_fields(t, style, all_tools, steps)})
        del traces

        def write_parquets() -> None:
            cells = JsonCells()  # sft and chat rows share their reasoning steps
            write_parquet(out / "sft.parquet", sft, "sft", cells)
            write_parquet(out / "chat.parquet", chat, "chat", cells)

        with in_forked_child(write_parquets, "writing data/format/*.parquet"):
            lines = _Lines()
            with atomic_open(out / "sft.jsonl", "wb") as sft_fh, atomic_open(out / "chat.jsonl", "wb") as chat_fh:
                for seed, s, c in zip(seeds, sft, chat, strict=True):
                    sft_line, chat_line = lines.pair(seed, s, c)
                    sft_fh.write(sft_line)
                    chat_fh.write(chat_line)
    # The SFT text's tool tokens, for `tokenizer.add_special_tokens(...)` before training on sft.*.
    write_json(out / "special_tokens.json", {"additional_special_tokens": [
        style.tool_call_open, style.tool_call_close, style.tool_result_open, style.tool_result_close]})
    roles: Counter[str] = Counter(m["role"] for r in chat for m in r["messages"])
    n = len(sft)
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

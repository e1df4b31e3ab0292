"""Reading and writing JSONL through the schema, atomically.

Why atomic: a stage killed half-way (Ctrl-C, OOM, a budget stop) must leave the previous output
intact, so DVC never sees a half-written file. Every write goes to a temporary file in the same
directory and is renamed over the target only when complete.

Why errors name file and line: a user who hand-edits `problems.jsonl` needs to know where it broke.
"""

from __future__ import annotations

import contextlib
import gc
import json
import os
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

M = TypeVar("M", bound=BaseModel)


_UMASK = os.umask(0)
os.umask(_UMASK)

# One encoder for every compact line (what `json.dumps(..., ensure_ascii=False, separators=(",", ":"))`
# builds afresh on each call); stages that splice pre-encoded fields into a line use it too, so the
# pieces are byte-for-byte what encoding the whole record would give.
dumps_compact = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


class DataError(Exception):
    """Bad input data; the message is one line naming the file, line and field."""


def _first_error(err: ValidationError) -> str:
    e = err.errors()[0]
    where = ".".join(str(p) for p in e["loc"]) or "record"
    more = f" (+{err.error_count() - 1} more)" if err.error_count() > 1 else ""
    return f"field '{where}': {e['msg']}{more}"


def parse_line(path: str | Path, lineno: int, line: str) -> Any:
    """`json.loads(line)`; bad JSON is a DataError naming the file, line and column."""
    try:
        return json.loads(line)
    except json.JSONDecodeError as exc:
        raise DataError(f"{path}:{lineno}: invalid JSON: {exc.msg} (column {exc.colno})") from None


def read_jsonl(path: str | Path, model: type[M]) -> Iterator[M]:
    """Yield one validated model per non-blank line; raise DataError naming the first bad line."""
    path = Path(path)
    if not path.exists():
        raise DataError(f"{path}: file not found (run the previous stage first: `dvc repro`)")
    with path.open(encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, 1):
            if not line.strip():
                continue
            data = parse_line(path, lineno, line)
            if not isinstance(data, dict):
                raise DataError(f"{path}:{lineno}: expected a JSON object, got {type(data).__name__}")
            try:
                yield model.model_validate(data)
            except ValidationError as exc:
                raise DataError(f"{path}:{lineno}: {_first_error(exc)}") from None


def read_jsonl_dicts(path: str | Path) -> Iterator[dict[str, Any]]:
    """Yield raw dicts (for consumers that validate leniently themselves)."""
    path = Path(path)
    with path.open(encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, 1):
            if line.strip():
                yield parse_line(path, lineno, line)


def to_json_line(record: BaseModel | dict[str, Any]) -> str:
    if isinstance(record, BaseModel):
        return record.model_dump_json(exclude_none=True)
    return dumps_compact(record)


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while a stage builds a whole file's records in memory.

    Why: records are trees of dicts, lists and models (no cycles to find), yet with thousands of
    them alive CPython's generational GC rescans the growing heap again and again; that was more
    than half the CPU time of the filter, format and split stages. Reference counting still frees
    everything as usual; only cyclic garbage (none expected) waits until the block ends.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


@contextlib.contextmanager
def atomic_open(path: str | Path, mode: str = "w") -> Iterator[Any]:
    """Open a temporary sibling of `path`; rename it over `path` only if the block succeeds."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.chmod(tmp, 0o666 & ~_UMASK)  # mkstemp makes 0600; outputs are ordinary shared files
    try:
        with os.fdopen(fd, mode, encoding=None if "b" in mode else "utf-8") as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def write_jsonl(path: str | Path, records: Iterable[BaseModel | dict[str, Any]]) -> int:
    """Stream records to `path` atomically; return how many were written."""
    n = 0
    with atomic_open(path) as fh:
        for rec in records:
            fh.write(to_json_line(rec))
            fh.write("\n")
            n += 1
    return n


def write_json(path: str | Path, data: Any) -> None:
    """Write one JSON document atomically (metrics, reports)."""
    with atomic_open(path) as fh:
        json.dump(data, fh, indent=2, sort_keys=True, ensure_ascii=False)
        fh.write("\n")

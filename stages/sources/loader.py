"""Rows of one dataset split, streamed with `datasets`, from the hub or a local copy.

Why streaming everywhere: OpenMathInstruct-2 has ~14M rows; materialising it (or even a local
parquet copy) would need gigabytes of memory and a cache copy on disk. Local files are read with
`load_dataset(<builder>, data_files=..., streaming=True)` (chunked reads, no cache copy); a
`save_to_disk` directory is memory-mapped by `load_from_disk`. Rows come in batches and are handed
on one at a time with their index in the split, which is what problem ids and origins are built from.

Every failure is one line that names the dataset and what to do: the hub is unreachable here, so
the message says how to point the entry at a local copy.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from stages.jsonl import DataError
from stages.sources.config import DatasetEntry
from stages.sources.mappings import Mapping

BUILDERS = {".parquet": "parquet", ".jsonl": "json", ".json": "json", ".ndjson": "json", ".csv": "csv"}
BATCH = 1000


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0]}" if text else type(exc).__name__


def describe(entry: DatasetEntry) -> str:
    return entry.path if entry.path else f"{entry.dataset} (hub)"


def _open_local(entry: DatasetEntry, where: str) -> Any:
    import datasets

    path = Path(entry.path or "")
    if not path.exists():
        raise DataError(f"{where}: {path}: no such file or directory")
    if path.is_dir():
        if not any((path / f).exists() for f in ("dataset_dict.json", "state.json", "dataset_info.json")):
            raise DataError(f"{where}: {path}: a directory must be a `datasets` save_to_disk directory")
        try:
            ds = datasets.load_from_disk(str(path))
        except Exception as exc:
            raise DataError(f"{where}: {path}: cannot load ({_first_line(exc)})") from None
        if isinstance(ds, datasets.DatasetDict):
            if entry.split not in ds:
                raise DataError(f"{where}: {path}: no split '{entry.split}' (splits: {', '.join(ds)}); "
                                f"set {where}.split")
            ds = ds[entry.split]
        return ds
    builder = BUILDERS.get(path.suffix.lower())
    if builder is None:
        raise DataError(f"{where}: {path}: unsupported file type '{path.suffix}' "
                        f"(use {', '.join(sorted(BUILDERS))} or a save_to_disk directory)")
    # JSON is parsed in 1 MB chunks (datasets' default, 10 MB, costs ~100 MB more resident memory for
    # the same speed).
    extra = {"chunksize": 1 << 20} if builder == "json" else {}
    try:
        return datasets.load_dataset(builder, data_files=str(path), split="train", streaming=True, **extra)
    except Exception as exc:
        raise DataError(f"{where}: {path}: cannot read ({_first_line(exc)})") from None


def _open_hub(entry: DatasetEntry, where: str) -> Any:
    import datasets

    try:
        return datasets.load_dataset(entry.dataset, entry.config, split=entry.split, streaming=True)
    except Exception as exc:
        raise DataError(
            f"{where}: cannot load '{entry.dataset}' (split {entry.split}) from the Hugging Face hub "
            f"({_first_line(exc)}); to use a local copy set {where}.path=<parquet, jsonl, json or csv file, "
            f"or a save_to_disk directory>, or {where}.enabled=false") from None


def open_dataset(entry: DatasetEntry, where: str) -> Any:
    """The `datasets` object for one entry (a local copy wins over the hub name)."""
    return _open_local(entry, where) if entry.path else _open_hub(entry, where)


def resolve_columns(mapping: Mapping, entry: DatasetEntry, columns: list[str], where: str) -> dict[str, str]:
    """role → column for this dataset; DataError naming the first required role with no column."""
    present = set(columns)
    resolved: dict[str, str] = {}
    for role in sorted(set(mapping.columns) | set(entry.columns)):
        if role in entry.columns:
            col = entry.columns[role]
            if col not in present:
                raise DataError(f"{where} ({describe(entry)}): column '{col}' (set for role '{role}' in "
                                f"{where}.columns) not found; columns are: {', '.join(columns)}")
            resolved[role] = col
            continue
        for col in mapping.columns[role]:
            if col in present:
                resolved[role] = col
                break
    for role in mapping.required:
        if role not in resolved:
            wanted = " or ".join(f"'{c}'" for c in mapping.columns.get(role, (role,)))
            raise DataError(f"{where} ({describe(entry)}): missing column {wanted} for the {mapping.name} "
                            f"mapping's '{role}'; columns are: {', '.join(columns)} "
                            f"(set {where}.columns.{role}=<column>)")
    return resolved


def iter_rows(ds: Any, entry: DatasetEntry, where: str) -> Iterator[tuple[int, dict[str, Any]]]:
    """(index in the split, row) pairs in the split's order, read in batches."""
    index = 0
    batches = ds.iter(batch_size=BATCH)
    while True:
        try:
            batch = next(batches)
        except StopIteration:
            return
        except Exception as exc:
            raise DataError(f"{where} ({describe(entry)}): cannot read row {index}: {_first_line(exc)}") from None
        keys = list(batch)
        for values in zip(*(batch[k] for k in keys), strict=True):
            yield index, dict(zip(keys, values, strict=True))
            index += 1


def shuffled(rows: Iterator[tuple[int, dict[str, Any]]], buffer_size: int,
             rng: random.Random) -> Iterator[tuple[int, dict[str, Any]]]:
    """A seeded buffered shuffle (as `IterableDataset.shuffle` does) that keeps each row's true index.

    Memory is `buffer_size` rows, whatever the stream's length; the order is random within a
    window of that size, so a larger buffer mixes better.
    """
    buf: list[tuple[int, dict[str, Any]]] = []
    for item in rows:
        if len(buf) < buffer_size:
            buf.append(item)
            continue
        i = rng.randrange(buffer_size)
        yield buf[i]
        buf[i] = item
    rng.shuffle(buf)
    yield from buf

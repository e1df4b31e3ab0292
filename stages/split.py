"""Stage 6 — split: deterministic train/val split, stratified by category, grouped by question.

Reads `data/format/sft.jsonl` and `data/format/chat.jsonl` (joined by `id`) and writes
`data/split/{train,val}.jsonl` and `.parquet`: each line is the seed record + `id`/`category` + both
training formats (`instruction`/`output` and `messages`/`tools`). `metrics/split.json` has the sizes
per category.

- Grouped: every record whose normalised question is the same lands on the same side, so a val question
  is never seen in training (a rephrased duplicate would still leak; exact ones cannot).
- Stratified: each category contributes `round(val_fraction × n)` records to val (by whole groups);
  if that leaves val empty (tiny runs) one group of the largest category goes to val.
- Deterministic: groups are sorted by key and shuffled with `random.Random(f"{seed}:{category}")`,
  so the split depends only on the data and the seed — not on input order, hash seeds or workers.
"""

from __future__ import annotations

import json
import logging
import random
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from omegaconf import DictConfig

from stages.app import ConfigError, stage_main
from stages.filter import normalise_question
from stages.format import NEWLINE, JsonCells, in_forked_child, write_parquet
from stages.jsonl import (
    DataError,
    atomic_open,
    dumps_compact,
    gc_paused,
    parse_line,
    read_jsonl_dicts,
    write_json,
)

log = logging.getLogger("split")

IN_DIR = "data/format"
OUT_DIR = "data/split"
METRICS = "metrics/split.json"


def join_formats(sft: list[dict[str, Any]], chat: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One record per id with both formats; order of `sft` kept."""
    by_id = {r["id"]: r for r in chat}
    out = []
    for r in sft:
        c = by_id.get(r["id"])
        if c is None:
            raise DataError(f"{IN_DIR}/chat.jsonl: no record with id {r['id']!r} (sft.jsonl has it)")
        out.append({**r, "messages": c["messages"], "tools": c["tools"]})
    if len(by_id) != len(out):
        raise DataError(f"{IN_DIR}: sft.jsonl and chat.jsonl hold different records")
    return out


def split_records(records: list[dict[str, Any]], val_fraction: float, seed: int
                  ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(train, val), stratified by category and grouped by normalised question; input order kept."""
    if not 0.0 <= val_fraction < 1.0:
        raise ConfigError(f"split.val_fraction must be in [0, 1), not {val_fraction}")
    # A group's category is that of its first record, so a question shared across categories stays whole.
    record_keys = [normalise_question(r["question"]) for r in records]
    group_cat: dict[str, str] = {}
    group_size: dict[str, int] = defaultdict(int)
    for r, key in zip(records, record_keys, strict=True):
        group_cat.setdefault(key, r["category"])
        group_size[key] += 1
    by_cat: dict[str, list[str]] = defaultdict(list)
    for key, cat in group_cat.items():
        by_cat[cat].append(key)
    val_groups: set[str] = set()
    for cat in sorted(by_cat):
        keys = sorted(by_cat[cat])
        random.Random(f"{seed}:{cat}").shuffle(keys)
        n = sum(group_size[k] for k in keys)
        target = int(val_fraction * n + 0.5)
        taken = 0
        for k in keys:
            if taken >= target:
                break
            if taken + group_size[k] > target and taken > 0:
                continue  # a big group would overshoot: try smaller ones
            val_groups.add(k)
            taken += group_size[k]
    if not val_groups and val_fraction > 0 and len(group_cat) >= 2:
        # Tiny runs: rounding gave every category zero val records; an empty val split breaks loaders
        # (`datasets` cannot read a zero-row parquet), so take one group from the largest category.
        cat = max(sorted(by_cat), key=lambda c: sum(group_size[k] for k in by_cat[c]))
        keys = sorted(by_cat[cat])
        random.Random(f"{seed}:{cat}").shuffle(keys)
        val_groups.add(keys[0])
    train, val = [], []
    for r, key in zip(records, record_keys, strict=True):
        (val if key in val_groups else train).append(r)
    return train, val


def sizes(train: list[dict[str, Any]], val: list[dict[str, Any]]) -> dict[str, Any]:
    per: dict[str, dict[str, int]] = defaultdict(lambda: {"train": 0, "val": 0})
    for name, rows in (("train", train), ("val", val)):
        for r in rows:
            per[r["category"]][name] += 1
    total = len(train) + len(val)
    return {"train": len(train), "val": len(val),
            "val_fraction_actual": round(len(val) / total, 4) if total else None,
            "per_category": {k: per[k] for k in sorted(per)}}


class SharedTail:
    """JSONL lines that end with the same big field, parsed and re-encoded once per distinct value.

    Every chat.jsonl line ends with `"tools": [...]`, one of a few tool-schema lists (up to ~7 kB): most
    of the file. A line whose text ends with `,"<key>":<text>}` for a `<text>`
    already seen is parsed without that tail and given the value parsed before (shared: not to be
    mutated). That is exactly what `json.loads` of the whole line gives when the rest parses as a
    non-empty object without `<key>`: the tail can then only be the object's last member. Any other
    line is parsed whole, as `read_jsonl_dicts` does, with the same errors.
    """

    def __init__(self, key: str) -> None:
        self.key = key
        self._marker = f',"{key}":'
        self._values: dict[str, Any] = {}                # compact JSON text -> the value parsed once
        self._tails: dict[int, tuple[Any, bytes]] = {}   # id(value) -> (value, `"<key>":<text>}` + newline)

    def read(self, path: Path) -> Iterator[Any]:
        with path.open(encoding="utf-8") as fh:
            for lineno, line in enumerate(fh, 1):
                if not line.strip():
                    continue
                body = line.rstrip(" \t\r\n")  # JSON whitespace: what json.loads ignores
                rec = self._from_known_tail(body)
                if rec is None:
                    rec = parse_line(path, lineno, line)
                    self._remember(rec, body)
                yield rec

    def _from_known_tail(self, body: str) -> dict[str, Any] | None:
        if not self._values or not body.endswith("}"):
            return None
        at = body.rfind(self._marker)
        if at < 0:
            return None
        text = body[at + len(self._marker):-1]
        if text not in self._values:
            return None
        try:
            head = json.loads(body[:at] + "}")
        except json.JSONDecodeError:
            return None
        if not isinstance(head, dict) or not head or self.key in head:
            return None
        head[self.key] = self._values[text]
        return head

    def _remember(self, rec: Any, body: str) -> None:
        if isinstance(rec, dict) and rec and next(reversed(rec)) == self.key:
            value = rec[self.key]
            text = dumps_compact(value)
            if body.endswith(f"{self._marker}{text}}}") and text not in self._values:
                self._values[text] = value
                self._tails[id(value)] = (value, f'"{self.key}":{text}}}'.encode() + NEWLINE)

    def line(self, rec: dict[str, Any]) -> bytes:
        """`to_json_line(rec)` and a newline as UTF-8 (as a text-mode file writes them), reusing the
        encoded text of a shared last value."""
        if rec and next(reversed(rec)) == self.key:
            hit = self._tails.get(id(rec[self.key]))
            if hit is not None and hit[0] is rec[self.key]:
                head = dict(rec)
                del head[self.key]
                if head:
                    return dumps_compact(head)[:-1].encode() + b"," + hit[1]
        return dumps_compact(rec).encode() + NEWLINE


@stage_main
def main(cfg: DictConfig) -> None:
    scfg = cfg.split
    src = Path(IN_DIR)
    for name in ("sft.jsonl", "chat.jsonl"):
        if not (src / name).exists():
            raise DataError(f"{src / name}: file not found (run the format stage first: `dvc repro`)")
    tools = SharedTail("tools")
    with gc_paused():
        records = join_formats(list(read_jsonl_dicts(src / "sft.jsonl")), list(tools.read(src / "chat.jsonl")))
        train, val = split_records(records, float(scfg.get("val_fraction", 0.05)), int(scfg.get("seed", 0)))
        out = Path(OUT_DIR)
        parts = (("train", train), ("val", val))

        def write_parquets() -> None:
            cells = JsonCells()  # rows share the tool-schema lists SharedTail parsed once
            for name, rows in parts:
                write_parquet(out / f"{name}.parquet", rows, "both", cells)

        with in_forked_child(write_parquets, "writing data/split/*.parquet"):
            for name, rows in parts:
                with atomic_open(out / f"{name}.jsonl", "wb") as fh:
                    for r in rows:
                        fh.write(tools.line(r))
    m = sizes(train, val)
    write_json(METRICS, m)
    log.info("split %d records: %d train, %d val", len(records), m["train"], m["val"])


if __name__ == "__main__":
    main()

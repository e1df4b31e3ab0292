"""Dataset rows → kept problems, one row at a time, with a count for every decision.

The order of checks for each row (each drop is counted under its reason, and the reasons listed in
`source.rejected_reasons` are also written to the side file):

1. `empty_question`            — no question text
2. `duplicate_exact`           — same normalised text as a problem already kept (any source)
3. `unassigned`                — no metadata label and no classifier rule matched
4. `category_not_requested`    — the category is outside `source.domain` / has no count
   `over_quota`                — the category already has its dataset share
5. tool filter: `no_tool_benefit`, `conceptual`, `proof_only`
6. `contaminated`              — shares an n-gram with a benchmark test item (id recorded)
7. `duplicate_near`            — MinHash-similar to a problem already kept (id recorded)

Cheap checks come first so a long stream spends its time on rows that could be kept. A source
stops being read as soon as every category it can supply is full, so a 14M-row hub dataset is read
only as far as needed. Memory grows with the problems kept (dedup indexes), never with rows read.
"""

from __future__ import annotations

import dataclasses
import hashlib
import itertools
import logging
import random
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from stages.schema import CATEGORY_DOMAIN, Problem
from stages.sources import loader, mappings
from stages.sources.categories import CATEGORY_TOOLS, Assignment, classify
from stages.sources.config import DatasetEntry, DatasetsConfig
from stages.sources.decontam import NgramIndex
from stages.sources.dedup import ExactDedup, normalise, text_key
from stages.sources.toolfilter import ToolBenefitFilter

if TYPE_CHECKING:
    from stages.sources.near_dedup import NearDedup

log = logging.getLogger("source")

RejectSink = Callable[[dict[str, Any]], None]


@dataclass
class SourceStats:
    """What happened to the rows of one dataset entry (one block of metrics/source.json)."""

    dataset: str
    split: str
    rows_read: int = 0
    kept: int = 0
    with_reference: int = 0
    stopped_early: bool = False
    dropped: Counter[str] = field(default_factory=Counter)
    per_category: Counter[str] = field(default_factory=Counter)
    category_rules: Counter[str] = field(default_factory=Counter)
    tool_benefit_rules: Counter[str] = field(default_factory=Counter)

    def as_dict(self) -> dict[str, Any]:
        return {"dataset": self.dataset, "split": self.split, "rows_read": self.rows_read, "kept": self.kept,
                "with_reference": self.with_reference, "stopped_early": self.stopped_early,
                "dropped": dict(self.dropped), "per_category": dict(self.per_category),
                "category_rules": dict(self.category_rules), "tool_benefit_rules": dict(self.tool_benefit_rules)}


def problem_id(entry: DatasetEntry, index: int) -> str:
    """Stable across runs and machines, unique per dataset/config/split/row."""
    key = f"{entry.identity}|{entry.config or ''}|{entry.split}|{index}"
    return "ds-" + hashlib.sha1(key.encode("utf-8")).hexdigest()[:12]


class Selector:
    """Streams the enabled dataset entries into problems, filling per-category quotas."""

    def __init__(self, cfg: DatasetsConfig, quotas: dict[str, int], seed: int,
                 reject: RejectSink | None = None) -> None:
        self.cfg = cfg
        self.quotas = dict(quotas)
        self.remaining = dict(quotas)
        self.seed = seed
        self.reject = reject
        self.exact = ExactDedup()
        nd = cfg.near_duplicates
        self.near: NearDedup | None = None
        if nd.enabled and cfg.enabled:  # only dataset rows are near-deduplicated; the import costs seconds
            from stages.sources.near_dedup import NearDedup

            self.near = NearDedup(nd.threshold, nd.num_perm, nd.shingle_size)
        self.decontam = NgramIndex(cfg.decontamination.ngram)
        self.filter = ToolBenefitFilter(cfg.tool_filter.enabled, cfg.tool_filter.disabled)
        self.stats: dict[str, SourceStats] = {}
        self.kept: Counter[str] = Counter()  # per category
        self.contaminated_by: Counter[str] = Counter()  # per benchmark
        self._bench_labels: dict[str, str] = {}  # item-id prefix → benchmark identity

    # -- benchmarks ---------------------------------------------------------------------------

    def load_benchmarks(self) -> None:
        """Index every benchmark test question's n-grams (before any source row is read)."""
        for i, bench in enumerate(self.cfg.decontamination.benchmarks):
            if not bench.enabled:
                continue
            where = f"source.decontamination.benchmarks.{bench.name or i}"
            mapping = dataclasses.replace(mappings.get(bench.mapping or "generic"), required=("question",))
            for part, label in bench.parts():
                self._bench_labels[label] = bench.identity
                ds = loader.open_dataset(part, where)
                columns: dict[str, str] | None = None
                for index, row in loader.iter_rows(ds, part, where):
                    if columns is None:
                        columns = loader.resolve_columns(mapping, part, list(row), where)
                    words = normalise(str(row.get(columns["question"]) or "")).split()
                    self.decontam.add(words, f"{label}:{part.split}:{index}", bench.identity)
            log.info("decontamination: indexed %d items of %s (%s)", self.decontam.items.get(bench.identity, 0),
                     bench.identity, loader.describe(bench))

    # -- sources ------------------------------------------------------------------------------

    def problems(self) -> Iterator[Problem]:
        for entry in self.cfg.enabled:
            yield from self._from_entry(entry)

    def _reject(self, stats: SourceStats, reason: str, origin: str, question: str, **detail: Any) -> None:
        stats.dropped[reason] += 1
        if self.reject is not None and reason in self.cfg.rejected_reasons:
            self.reject({"reason": reason, "origin": origin, "question": question, **detail})

    def _relevant(self, entry: DatasetEntry, mapping: mappings.Mapping) -> tuple[str, ...]:
        if entry.category:
            return (entry.category,)
        return mapping.allowed or tuple(CATEGORY_DOMAIN)

    def _full(self, relevant: tuple[str, ...]) -> bool:
        return all(self.remaining.get(c, 0) <= 0 for c in relevant)

    def _from_entry(self, entry: DatasetEntry) -> Iterator[Problem]:
        where = f"source.datasets.{entry.name}"
        mapping = mappings.get(entry.mapping or "generic")
        stats = self.stats.setdefault(entry.name, SourceStats(entry.identity, entry.split))
        relevant = self._relevant(entry, mapping)
        if self._full(relevant):
            stats.stopped_early = True
            log.info("%s: its categories are already full, not read", where)
            return
        for part, label in entry.parts():
            yield from self._from_part(part, label, where, mapping, relevant, stats)
            if stats.stopped_early:
                break
        log.info("%s: read %d rows, kept %d", where, stats.rows_read, stats.kept)

    def _from_part(self, entry: DatasetEntry, label: str, where: str, mapping: mappings.Mapping,
                   relevant: tuple[str, ...], stats: SourceStats) -> Iterator[Problem]:
        """One config of an entry: rows in order, or a seeded buffered-shuffle sample of them."""
        ds = loader.open_dataset(entry, where)
        columns: dict[str, str] | None = None
        known = getattr(ds, "column_names", None)
        if known:  # parquet / hub / save_to_disk: check columns before reading, read only those needed
            columns = loader.resolve_columns(mapping, entry, list(known), where)
            ds = ds.select_columns(sorted(set(columns.values())))
        rows = loader.iter_rows(ds, entry, where)
        if entry.sample is not None:
            seed = self.seed if entry.seed is None else entry.seed
            rng = random.Random(f"{seed}:{label}:{entry.split}")
            rows = itertools.islice(loader.shuffled(rows, entry.shuffle_buffer, rng), entry.sample)
        for index, row in rows:
            if columns is None:
                columns = loader.resolve_columns(mapping, entry, list(row), where)
            stats.rows_read += 1
            problem = self._consider(entry, label, mapping, columns, index, row, stats)
            if problem is not None:
                yield problem
                if self.remaining[problem.category] <= 0 and self._full(relevant):
                    stats.stopped_early = True
                    return

    def _assign(self, entry: DatasetEntry, mapping: mappings.Mapping, roles: dict[str, Any],
                question: str) -> Assignment | None:
        if entry.category:
            return entry.category, "config:category"
        label = roles.get("category")
        if label is not None and str(label).strip() in CATEGORY_DOMAIN:
            return str(label).strip(), "column:category"
        return mapping.hint(roles) or classify(question, mapping.allowed)

    def _consider(self, entry: DatasetEntry, label: str, mapping: mappings.Mapping, columns: dict[str, str],
                  index: int, row: dict[str, Any], stats: SourceStats) -> Problem | None:
        roles = {role: row.get(col) for role, col in columns.items()}
        question = str(roles.get("question") or "").strip()
        origin = f"dataset:{label}:{entry.split}:{index}"
        if not question:
            self._reject(stats, "empty_question", origin, question)
            return None
        norm = normalise(question)
        key = text_key(norm)
        first = self.exact.find(key)
        if first is not None:
            self._reject(stats, "duplicate_exact", origin, question, duplicate_of=first)
            return None
        assigned = self._assign(entry, mapping, roles, question)
        if assigned is None:
            self._reject(stats, "unassigned", origin, question)
            return None
        category, category_rule = assigned
        if category not in self.quotas or self.quotas[category] <= 0:
            self._reject(stats, "category_not_requested", origin, question, category=category)
            return None
        if self.remaining[category] <= 0:
            self._reject(stats, "over_quota", origin, question, category=category)
            return None
        decision = self.filter.decide(question)
        if not decision.keep:
            self._reject(stats, decision.rule, origin, question, category=category)
            return None
        words = norm.split()
        hit = self.decontam.match(words)
        if hit is not None:
            label = hit.rsplit(":", 2)[0]
            self.contaminated_by[self._bench_labels.get(label, label)] += 1
            self._reject(stats, "contaminated", origin, question, benchmark_item=hit)
            return None
        sig = None
        if self.near is not None:
            sig = self.near.signature(words)
            near = self.near.find(sig)
            if near is not None:
                self._reject(stats, "duplicate_near", origin, question, duplicate_of=near[0],
                             similarity=round(near[1], 3))
                return None
        pid = problem_id(entry, index)
        answer = mapping.answer(roles.get("answer")) if mapping.answer and "answer" in roles else None
        meta: dict[str, Any] = {"source": entry.name, "dataset": entry.identity, "split": entry.split,
                                "row": index, "category_rule": category_rule, "tool_benefit": decision.rule}
        if entry.config:
            meta["config"] = entry.config
        for role in mapping.meta:
            if roles.get(role) is not None:
                meta[role] = roles[role]
        problem = Problem(
            id=pid, question=question, domain=CATEGORY_DOMAIN[category], category=category,
            difficulty=entry.difficulty or mapping.difficulty(roles),
            required_tools=list(CATEGORY_TOOLS[category]), reference_answer=answer, origin=origin, meta=meta)
        self.exact.add(key, pid)
        if self.near is not None and sig is not None:
            self.near.add(pid, sig)
        self.remaining[category] -= 1
        self.kept[category] += 1
        stats.kept += 1
        stats.with_reference += answer is not None
        stats.per_category[category] += 1
        stats.category_rules[category_rule] += 1
        stats.tool_benefit_rules[decision.rule] += 1
        return problem

    # -- metrics ------------------------------------------------------------------------------

    def metrics(self) -> dict[str, Any]:
        dropped: Counter[str] = Counter()
        rules: Counter[str] = Counter()
        for s in self.stats.values():
            dropped.update(s.dropped)
            rules.update(s.tool_benefit_rules)
        return {
            "rows_read": sum(s.rows_read for s in self.stats.values()),
            "kept": sum(s.kept for s in self.stats.values()),
            "dropped": dict(dropped),
            "unassigned": dropped.get("unassigned", 0),
            "duplicates": {"exact": dropped.get("duplicate_exact", 0), "near": dropped.get("duplicate_near", 0)},
            "contaminated": {"total": dropped.get("contaminated", 0), "per_benchmark": dict(self.contaminated_by)},
            "tool_benefit_rules": dict(rules),
            "decontamination": {"ngram": self.decontam.n, "benchmark_items": dict(self.decontam.items)},
            "per_source": {name: s.as_dict() for name, s in self.stats.items()},
        }

"""Benchmark decontamination by word n-gram overlap.

Why: a training problem that shares a 13-word run with a MATH or GSM8K *test* problem inflates any
later evaluation on that benchmark. This is the GPT-3 / Llama procedure: normalise, split into words,
index every n-gram of every benchmark question (the whole question when it is shorter than n), and
drop a candidate that shares any n-gram with the index. The matching benchmark item's id
(`openai/gsm8k:test:17`) is returned so it can be recorded.

Memory: one dict entry per distinct benchmark n-gram (~0.4M for MATH test + GSM8K test).
"""

from __future__ import annotations

from collections.abc import Iterable


def ngrams(words: list[str], n: int) -> Iterable[str]:
    """The word n-grams of a normalised text (the whole text, if shorter than n)."""
    if len(words) < n:
        if words:
            yield " ".join(words)
        return
    for i in range(len(words) - n + 1):
        yield " ".join(words[i:i + n])


class NgramIndex:
    """n-gram → benchmark item id; `match(words)` returns the first contaminating item, if any."""

    def __init__(self, n: int = 13) -> None:
        self.n = n
        self._index: dict[int, str] = {}
        self.items: dict[str, int] = {}  # benchmark identity → number of items indexed

    def add(self, words: list[str], item_id: str, benchmark: str) -> None:
        for gram in ngrams(words, self.n):
            self._index.setdefault(hash(gram), item_id)  # in-process lookups only: hash() is fine
        self.items[benchmark] = self.items.get(benchmark, 0) + 1

    def match(self, words: list[str]) -> str | None:
        if not self._index:
            return None
        for gram in ngrams(words, self.n):
            hit = self._index.get(hash(gram))
            if hit is not None:
                return hit
        return None

    def __len__(self) -> int:
        return len(self._index)
